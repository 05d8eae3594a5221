"""Timed triage work: a late verrijking is reminded once, then escalated; the weekly agenda.

Rules (issue: triage): no answer within ``answer_working_days`` working days gives one
reminder to the organisation's contacts; one working day later the procesregie is told.
The triage agenda is posted to the procesregie once per weekly slot (default Monday 09:00).
Each run records what it did in the same transaction as the messages it queues, so a
second run, a restart or days of downtime give one (late) message, never a flood.
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.messages import Code, Outgoing, Paragraph, notice
from handlers.outbox import queue
from handlers.triage import TriageConfig, TriageService
from handlers.triage_commands import agenda
from scheduler.workhours import WorkingTime
from storage.repositories import JobSlotRepository, VerrijkingRepository

AGENDA_JOB = "triage_agenda"


async def remind_late_verrijking(
    session: AsyncSession, now: datetime, working: WorkingTime, config: TriageConfig
) -> int:
    """Remind, then escalate, requests left unanswered; returns the notices queued."""
    if not working.is_working_moment(now):
        return 0
    service = TriageService(session, config)
    names = await service.org_names()
    queued = 0
    for request, aanmelding in await VerrijkingRepository(session).open_requests():
        organisation = names.get(request.organisation_key, request.organisation_key)
        if request.reminded_at is None:
            if now < working.add_working_days(request.asked_at, config.answer_working_days):
                continue
            outgoing = [
                Outgoing(contact.dm_room_id, notice(Paragraph(
                    f"Herinnering: het verzoek om informatie over {aanmelding.reference} wacht "
                    "nog op een antwoord van je organisatie. Typ ",
                    Code(f"beantwoord {aanmelding.reference}"), ".",
                )))
                for contact in await service.contacts(request.organisation_key)
                if contact.dm_room_id
            ]  # fmt: skip
            request.reminded_at = now
        elif request.escalated_at is None:
            if now < working.add_working_days(request.reminded_at, 1):
                continue
            outgoing = await service.to_procesregie(notice(Paragraph(
                f"{organisation} heeft het verzoek om informatie over {aanmelding.reference} "
                "na een herinnering nog niet beantwoord. Neem buiten de bot contact op, of "
                "besluit zonder."
            )), sensitive=False)  # fmt: skip
            request.escalated_at = now
        else:
            continue
        await queue(session, outgoing, now)
        queued += len(outgoing)
    return queued


async def post_weekly_agenda(
    session: AsyncSession,
    now: datetime,
    working: WorkingTime,
    config: TriageConfig,
    weekday: int,
    at: time,
) -> int:
    """The triage agenda, once per weekly slot (late when the bot was down at the time)."""
    slot = working.latest_weekly_slot(now, weekday, at)
    if not await JobSlotRepository(session).claim(AGENDA_JOB, slot):
        return 0
    text = await agenda(session, config)
    outgoing = await TriageService(session, config).to_procesregie(text, sensitive=False)
    await queue(session, outgoing, now, not_before=working.next_working_moment(now))
    return len(outgoing)
