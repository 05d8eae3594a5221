"""Deadline reminders of the plan van aanpak.

For every open action: a reminder to the casusregisseur and the owner(s) at the start of
working hours ``remind_working_days_before`` working days before the deadline (default 3
and 0: on the day), and ``escalate_after_working_days`` working days after it an escalation
to the procesregisseur. What was sent is recorded on the action in the same transaction
as the messages, so two ticks, a restart around the moment or days of downtime give one
message: after downtime only the latest due one, marked as late. A new deadline starts the
reminders over; a done action gets none.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from handlers.directory import Directory
from handlers.house import House, ReminderPolicy
from handlers.messages import Outgoing
from handlers.plan_van_aanpak.service import to_member
from handlers.plan_van_aanpak.texts import escalation, reminder
from scheduler.job import Job, JobRun
from scheduler.workhours import WorkingTime
from storage.models import Aanmelding, PvaActie
from storage.unit import Unit

# A reminder sent more than this after its moment says it is late.
LATE_AFTER = timedelta(hours=1)


def horizon(today: date, working: WorkingTime, policy: ReminderPolicy) -> date:
    """The last deadline that can have something due today: for a later one every
    reminder moment (at most ``max(before)`` working days earlier) falls after today, and
    the escalation (after the deadline) later still."""
    return working.working_day_after(today, max(policy.before, default=0) + 1)


async def remind_actions(unit: Unit, house: House, now: datetime, run: JobRun) -> None:
    """Queue what is due, at the next working moment."""
    working, policy = house.working_time, house.reminders
    directory = Directory(unit, house)
    queued: list[Outgoing] = []
    # Only actions that can have something due are read. Without this bound every tick
    # read (and decrypted) every open action: 2.5 s for 50,000 (bench/storage.py).
    until = horizon(now.astimezone(working.zone).date(), working, policy)
    for actie, aanmelding in await unit.acties.open_in_active_casus(deadline_until=until):
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
        names = await directory.names([actie.owner, aanmelding.casusregisseur])
        if actie.escalated_at is None and now >= escalate_at:
            actie.escalated_at = now
            late = now - escalate_at > LATE_AFTER
            text = escalation(
                aanmelding.reference, actie, names, aanmelding.casusregisseur, late, house.words
            )
            regisseur = aanmelding.procesregisseur
            member = await directory.find(regisseur) if regisseur else None
            if member is not None and member.dm_room_id:
                queued.append(to_member(member.dm_room_id, member.matrix_id, text,
                                        aanmelding.reference))  # fmt: skip
            else:
                queued += await directory.to_procesregie(text, aanmelding.reference)
            run.reminders["escalatie"] += 1
        elif due - stale:
            latest = min(due - stale)
            late = now - moments[latest] > LATE_AFTER
            today = now.astimezone(working.zone).date()
            text = reminder(aanmelding.reference, actie, names, today, working, late)
            for matrix_id, room in await _recipients(directory, aanmelding, actie):
                queued.append(to_member(room, matrix_id, text, aanmelding.reference))
            run.reminders["plan_van_aanpak"] += 1
            run.late += late
    later = working.next_working_moment(now)
    run.send(*(item.later(later) for item in queued))


async def _recipients(
    directory: Directory, aanmelding: Aanmelding, actie: PvaActie
) -> list[tuple[str, str]]:
    """(matrix id, dm room) of the casusregisseur and the owner(s), once each."""
    ids = [aanmelding.casusregisseur] if aanmelding.casusregisseur else []
    ids += (
        [actie.owner]
        if actie.owner
        else [
            c.matrix_id for c in await directory.contacts(actie.organisation_key, aanmelding.tafel)
        ]
    )
    found = []
    for matrix_id in dict.fromkeys(ids):
        member = await directory.find(matrix_id)
        if member is not None and member.dm_room_id:
            found.append((matrix_id, member.dm_room_id))
    return found


def action_reminders(house: House) -> Job:
    async def body(unit: Unit, now: datetime, run: JobRun) -> None:
        await remind_actions(unit, house, now, run)

    return Job("plan_van_aanpak", body)
