"""Deadline reminders of the plan van aanpak (issue: scheduler).

For every open action: a reminder to the casusregisseur and the owner(s) at the start of
working hours ``remind_working_days_before`` working days before the deadline (default 3
and 0: on the day), and ``escalate_after_working_days`` working days after it an escalation
to the procesregisseur. What was sent is recorded on the action in the same transaction
as the messages, so two ticks, a restart around the moment or days of downtime give one
message: after downtime only the latest due one, marked as late. A new deadline starts the
reminders over; a done action gets none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.conversation.parsing import format_date
from handlers.membership import MemberView
from handlers.messages import Bold, Code, Notice, Outgoing, Paragraph, notice
from handlers.outbox import queue
from handlers.pva import owner_label, to_member
from handlers.triage import TriageConfig, TriageService
from scheduler.workhours import WorkingTime
from storage.casus import ActieRepository
from storage.models import Aanmelding, PvaActie

# A reminder sent more than this after its moment says it is late.
LATE_AFTER = timedelta(hours=1)
LATE_NOTE = " (later dan gepland: de bot was een tijd niet bereikbaar)"


@dataclass(frozen=True)
class ReminderPolicy:
    before: tuple[int, ...] = (3, 0)
    escalate_after: int = 1


@dataclass
class ReminderRun:
    """What one run queued: notices in all, and per action reminded, late, escalated."""

    notices: int = 0
    reminded: int = 0
    late: int = 0
    escalated: int = 0


def _when(deadline: date, today: date, working: WorkingTime) -> str:
    if deadline == today:
        return "vandaag"
    if deadline < today:
        return f"was {format_date(deadline)}"
    days = 0
    day = today
    while day < deadline:
        day = working.working_day_after(day, 1)
        days += 1
    return f"over {days} werkdag{'en' if days > 1 else ''} ({format_date(deadline)})"


def horizon(today: date, working: WorkingTime, policy: ReminderPolicy) -> date:
    """The last deadline that can have something due today: for a later one every
    reminder moment (at most ``max(before)`` working days earlier) falls after today, and
    the escalation (after the deadline) later still."""
    return working.working_day_after(today, max(policy.before, default=0) + 1)


async def remind_actions(
    session: AsyncSession,
    now: datetime,
    working: WorkingTime,
    policy: ReminderPolicy,
    triage: TriageConfig,
) -> ReminderRun:
    """Queue what is due; says what it queued."""
    service = TriageService(session, triage)
    directory = _Directory(service)
    names = await service.org_names()
    run = ReminderRun()
    queued: list[Outgoing] = []
    # Only actions that can have something due are read. Without this bound every tick
    # read (and decrypted) every open action: 2.5 s for 50,000 (bench/storage.py).
    until = horizon(now.astimezone(working.zone).date(), working, policy)
    actions = await ActieRepository(session).open_in_active_casus(deadline_until=until)
    for actie, aanmelding in actions:
        escalate_at = working.start_of(
            working.working_day_after(actie.deadline, policy.escalate_after)
        )
        moments = {n: working.start_of(working.working_day_before(actie.deadline, n))
                   for n in policy.before if n not in actie.sent_offsets()}  # fmt: skip
        due = {n for n, moment in moments.items() if moment <= now}
        if not due and (actie.escalated_at is not None or now < escalate_at):
            continue
        # Moments from before the deadline was set are not sent afterwards.
        stale = {n for n in due if moments[n] < actie.deadline_set_at}
        actie.mark_sent(due)
        outgoing: list[Outgoing] = []
        if actie.escalated_at is None and now >= escalate_at:
            actie.escalated_at = now
            outgoing = await _escalation(
                service, directory, aanmelding, actie, names, now - escalate_at
            )
            run.escalated += 1
        elif due - stale:
            latest = min(due - stale)
            late = now - moments[latest] > LATE_AFTER
            outgoing = await _reminders(directory, aanmelding, actie, names, now, working, late)
            run.reminded += 1
            run.late += late
        queued += outgoing
    # Written at once, in order: one batch of inserts instead of one per action.
    await queue(session, queued, now, not_before=working.next_working_moment(now))
    run.notices = len(queued)
    return run


class _Directory:
    """Members and contacts, each looked up once per run: a morning tick reminds hundreds
    of actions, mostly of the same few dozen people (two queries per lookup made 50 due
    actions cost 230 ms; bench/storage.py)."""

    def __init__(self, service: TriageService) -> None:
        self.service = service
        self._members: dict[str, MemberView | None] = {}
        self._contacts: dict[str, list[MemberView]] = {}

    async def find(self, matrix_id: str) -> MemberView | None:
        if matrix_id not in self._members:
            self._members[matrix_id] = await self.service.members.find(matrix_id)
        return self._members[matrix_id]

    async def contacts(self, organisation_key: str) -> list[MemberView]:
        if organisation_key not in self._contacts:
            self._contacts[organisation_key] = await self.service.contacts(organisation_key)
        return self._contacts[organisation_key]


async def _recipients(
    directory: _Directory, aanmelding: Aanmelding, actie: PvaActie
) -> list[tuple[str, str]]:
    """(matrix id, dm room) of the casusregisseur and the owner(s), once each."""
    ids = [aanmelding.casusregisseur] if aanmelding.casusregisseur else []
    ids += (
        [actie.owner]
        if actie.owner
        else [c.matrix_id for c in await directory.contacts(actie.organisation_key)]
    )
    found = []
    for matrix_id in dict.fromkeys(ids):
        member = await directory.find(matrix_id)
        if member is not None and member.dm_room_id:
            found.append((matrix_id, member.dm_room_id))
    return found


async def _reminders(
    directory: _Directory,
    aanmelding: Aanmelding,
    actie: PvaActie,
    names: dict[str, str],
    now: datetime,
    working: WorkingTime,
    late: bool,
) -> list[Outgoing]:
    today = now.astimezone(working.zone).date()
    text = notice(
        Paragraph(Bold(f"Herinnering: actie {actie.number} van {aanmelding.reference}"),
                  LATE_NOTE if late else ""),
        Paragraph(f"Deadline {_when(actie.deadline, today, working)}: ", actie.wat,
                  f" — {owner_label(actie.organisation_key, actie.owner, names)}."),
        Paragraph("Klaar? Typ ", Code(f"actie {aanmelding.reference} {actie.number} gereed"),
                  ". Meer tijd nodig? Typ ",
                  Code(f"actie {aanmelding.reference} {actie.number} uitstel <datum>"), "."),
    )  # fmt: skip
    return [to_member(room, matrix_id, text)
            for matrix_id, room in await _recipients(directory, aanmelding, actie)]  # fmt: skip


async def _escalation(
    service: TriageService,
    directory: _Directory,
    aanmelding: Aanmelding,
    actie: PvaActie,
    names: dict[str, str],
    overdue_by: timedelta,
) -> list[Outgoing]:
    text: Notice = notice(
        Paragraph(Bold(f"Actie {actie.number} van {aanmelding.reference} is over de deadline"),
                  LATE_NOTE if overdue_by > LATE_AFTER else ""),
        Paragraph(f"Deadline was {format_date(actie.deadline)}; nog niet gereed: ", actie.wat,
                  f" — {owner_label(actie.organisation_key, actie.owner, names)}."),
        Paragraph(f"Casusregisseur: {aanmelding.casusregisseur or 'nog niet gekozen'}."),
    )  # fmt: skip
    regisseur = aanmelding.procesregisseur
    member = await directory.find(regisseur) if regisseur else None
    if member is not None and member.dm_room_id:
        return [to_member(member.dm_room_id, member.matrix_id, text)]
    return await service.to_procesregie(text)
