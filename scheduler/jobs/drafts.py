"""Abandoned drafts: one reminder after a day of silence, deletion after the retention period.

The reminder is sent at the next working moment (never at night, on Sundays or holidays)
and at most once per period of silence: ``reminded_at`` is set in the same transaction as
the reminder is queued. Deleting a draft happens when it is due, whatever the hour; the
member is told at the next working moment.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from handlers.conversation.parsing import format_date
from handlers.conversation.service import forget_conversation
from handlers.conversation.texts import draft_deleted, draft_reminder
from handlers.house import House
from handlers.messages import Outgoing
from scheduler.job import Job, JobRun
from storage.unit import Unit

log = logging.getLogger(__name__)


def drafts(house: House) -> Job:
    working = house.working_time
    reminder_after = timedelta(hours=house.retention.draft_reminder_hours)
    delete_after = timedelta(days=house.retention.draft_days)

    async def housekeep(unit: Unit, now: datetime, run: JobRun) -> None:
        """Remind and delete what is due."""
        for draft in await unit.conversations.idle_since(now - reminder_after):
            deadline = draft.updated_at + delete_after
            if now >= deadline:
                await forget_conversation(unit, draft)
                told = Outgoing(
                    draft.room_id, draft_deleted(draft.form, delete_after.days),
                    mentions=frozenset({draft.matrix_id}),
                )  # fmt: skip
                run.send(told.later(working.next_working_moment(now)))
                run.reminders["concept"] += 1
                log.info("draft deleted after %d days of inactivity", delete_after.days)
            elif draft.reminded_at is None and now >= working.next_working_moment(
                draft.updated_at + reminder_after
            ):
                local_deadline = format_date(deadline.astimezone(working.zone).date())
                run.send(Outgoing(
                    draft.room_id, draft_reminder(draft.form, local_deadline),
                    mentions=frozenset({draft.matrix_id}),
                ))  # fmt: skip
                await unit.conversations.mark_reminded(draft, now)
                run.reminders["concept"] += 1

    return Job("drafts", housekeep)
