"""Abandoned drafts: one reminder after a day of silence, deletion after the retention period.

The reminder is sent at the next working moment (never at night, on Sundays or holidays)
and at most once per period of silence: ``reminded_at`` is set in the same transaction as
the reminder is queued. Deleting a draft happens when it is due, whatever the hour; the
member is told at the next working moment.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.conversation.parsing import format_date
from handlers.conversation.service import transcript_tag
from handlers.messages import Outgoing, text_notice
from handlers.outbox import queue
from scheduler.workhours import WorkingTime
from storage.repositories import ConversationRepository
from storage.rooms import SentMessageRepository

log = logging.getLogger(__name__)


def _deleted_text(form: str, days: int) -> str:
    return (
        f"Je concept-{form} is verwijderd, omdat er {days} dagen niets mee is gedaan. "
        "Wil je toch aanmelden? Typ aanmelden."
    )


def _reminder_text(form: str, deadline: str) -> str:
    return (
        f"Je hebt nog een {form} in concept. Typ status om te zien waar je was, of stop om "
        f"het concept te verwijderen. Zonder reactie verwijder ik het op {deadline}."
    )


async def housekeep_drafts(
    session: AsyncSession,
    now: datetime,
    working: WorkingTime,
    reminder_after: timedelta,
    delete_after: timedelta,
) -> int:
    """Remind and delete what is due; returns the number of notices queued."""
    conversations = ConversationRepository(session)
    queued = 0
    for draft in await conversations.idle_since(now - reminder_after):
        deadline = draft.updated_at + delete_after
        if now >= deadline:
            await SentMessageRepository(session).request_redaction(transcript_tag(draft))
            await conversations.delete(draft)
            told = Outgoing(
                draft.room_id, text_notice(_deleted_text(draft.form, delete_after.days))
            )
            await queue(session, [told], now, not_before=working.next_working_moment(now))
            queued += 1
            log.info("draft deleted after %d days of inactivity", delete_after.days)
        elif draft.reminded_at is None and now >= working.next_working_moment(
            draft.updated_at + reminder_after
        ):
            local_deadline = format_date(deadline.astimezone(working.zone).date())
            reminder = Outgoing(
                draft.room_id, text_notice(_reminder_text(draft.form, local_deadline))
            )
            await queue(session, [reminder], now)
            await conversations.mark_reminded(draft, now)
            queued += 1
    return queued
