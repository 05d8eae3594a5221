"""Nothing is forgotten: an aanmelding nobody decides on, and a running casus where nothing
happens, are asked about (in working hours) until someone acts.

- not decided on: the procesregie is reminded every ``undecided_days`` (once per period);
  after ``undecided_max_days`` retention deletes the aanmelding;
- running: ``stale_months`` after the last activity the procesregisseur and the
  casusregisseur are asked "nog nodig?"; unanswered after ``stale_escalate_working_days``
  working days, the managers are told; a period later the question comes again. Any
  activity, or ``nog nodig KENMERK ja``, starts the clock over (``handlers/retention``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.access import REPORT_ROLES
from handlers.afsluiting.service import COMMANDS, ROUTES
from handlers.afsluiting.texts import (
    still_needed_escalation,
    still_needed_question,
    undecided_reminder,
)
from handlers.conversation.parsing import format_date
from handlers.directory import Directory
from handlers.house import House
from handlers.messages import Outgoing
from handlers.retention.service import ASK, last_activity, next_question
from scheduler.job import Job, JobRun
from storage.unit import Unit


async def remind_undecided(unit: Unit, house: House, now: datetime, run: JobRun) -> None:
    policy, zone = house.retention, house.zone
    period = timedelta(days=policy.undecided_days)
    directory = Directory(unit, house)
    for row in await unit.aanmeldingen.retention_candidates():
        if not row.triage_status.undecided:
            continue
        since = row.undecided_reminded_at or row.submitted_at
        if now < since + period:
            continue
        await unit.aanmeldingen.mark_undecided_reminded(row.reference, now)
        days = (now - row.submitted_at).days
        deleted_on = row.submitted_at.astimezone(zone).date() + timedelta(
            days=policy.undecided_max_days
        )
        text = undecided_reminder(house.words, row.reference, days, format_date(deleted_on))
        run.send(*await directory.to_procesregie(text, None, sensitive=False))
        run.reminders["onbeslist"] += 1


async def ask_still_needed(unit: Unit, house: House, now: datetime, run: JobRun) -> None:
    zone = house.zone
    directory = Directory(unit, house)
    for row in await unit.aanmeldingen.running():
        step, moment = next_question(row, house, now)
        if moment > now:
            continue
        reference = row.reference
        aanmelding = await unit.aanmeldingen.for_id(row.id)
        if aanmelding is None:
            continue
        if step == ASK:
            aanmelding.stale_asked_at, aanmelding.stale_escalated_at = now, None
            escalate_on = house.working_time.add_working_days(
                now, house.retention.stale_escalate_working_days
            )
            close = f"{COMMANDS[ROUTES[row.triage_status]]} {reference}"
            since = last_activity(row).astimezone(zone).date()
            text = still_needed_question(
                house.words, reference, format_date(since),
                format_date(escalate_on.astimezone(zone).date()), close,
            )  # fmt: skip
            regisseurs = dict.fromkeys((row.procesregisseur, row.casusregisseur))
            told = [await directory.to_own_chat(who, text, reference) for who in regisseurs if who]
            sent: list[Outgoing] = [t for t in told if t is not None]
            if not sent:  # nobody of the casus can be reached: the procesregie is
                sent = await directory.to_procesregie(text, None, sensitive=False)
            run.send(*sent)
            run.reminders["nog_nodig"] += 1
        else:
            aanmelding.stale_escalated_at = now
            asked = row.stale_asked_at or now
            text = still_needed_escalation(
                house.words, reference, format_date(asked.astimezone(zone).date())
            )
            run.send(*await directory.to_roles(REPORT_ROLES, text))
            run.reminders["nog_nodig_escalatie"] += 1


def nog_nodig(house: House) -> Job:
    async def body(unit: Unit, now: datetime, run: JobRun) -> None:
        if not house.working_time.is_working_moment(now):
            return
        await remind_undecided(unit, house, now, run)
        await ask_still_needed(unit, house, now, run)

    return Job("nog_nodig", body)
