"""The registers' timed work (AVG art. 12, 33):

- an open request: its handler is reminded ``registers.remind_days`` before the legal
  deadline (once; again after an extension), and the managers are told the day after it
  passed (once);
- an incident without an AP decision: the managers and beheerders are reminded every
  ``registers.incident_remind_hours`` (in working hours) until someone decides;
- each quarter, the managers get an overview of the previous one (one slot per quarter);
- ``registers.clean_months`` after a decision, what could name a person is cleared.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from handlers.access import INCIDENT_ROLES, REPORT_ROLES, REVIEW_ROLES
from handlers.directory import Directory
from handlers.house import House
from handlers.incidenten import texts as incident_texts
from handlers.messages import register_reference
from handlers.rechten import texts as verzoek_texts
from handlers.retention.service import add_months
from scheduler.job import Job, JobRun
from storage.unit import Unit

REGISTERS_JOB = "registers"
QUARTER_JOB = "quarter_overview"
TOO_LATE = timedelta(days=31)


async def remind_verzoeken(unit: Unit, house: House, now: datetime, run: JobRun) -> None:
    today = now.astimezone(house.zone).date()
    policy = house.registers
    directory = Directory(unit, house)
    for verzoek in await unit.verzoeken.listing():  # the open ones
        if today > verzoek.deadline and verzoek.escalated_at is None:
            verzoek.escalated_at = now
            names = await directory.names([verzoek.handler])
            handler = names.person(verzoek.handler) if verzoek.handler else "niemand"
            run.send(*await directory.to_roles(
                REPORT_ROLES, verzoek_texts.escalation(verzoek, handler)
            ))  # fmt: skip
            run.reminders["verzoek_escalatie"] += 1
        elif (today >= verzoek.deadline - timedelta(days=policy.remind_days)
              and verzoek.reminded_at is None):  # fmt: skip
            verzoek.reminded_at = now
            text = verzoek_texts.reminder(verzoek)
            told = await directory.to_own_chat(verzoek.handler, text) if verzoek.handler else None
            # Without a reachable handler, the beheerders pick it up.
            run.send(*([told] if told else await directory.to_roles(REVIEW_ROLES, text)))
            run.reminders["verzoek"] += 1


async def remind_incidents(unit: Unit, house: House, now: datetime, run: JobRun) -> None:
    every = timedelta(hours=house.registers.incident_remind_hours)
    directory = Directory(unit, house)
    for incident in await unit.incidenten.listing():
        if now - (incident.reminded_at or incident.at) < every:
            continue
        incident.reminded_at = now
        text = incident_texts.reminder(incident, house.zone, now)
        run.send(*await directory.to_roles(INCIDENT_ROLES, text))
        run.reminders["incident"] += 1


def quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


async def quarter_overview(unit: Unit, house: House, now: datetime, run: JobRun) -> None:
    zone = house.zone
    start = quarter_start(now.astimezone(zone).date())
    slot = datetime(start.year, start.month, start.day, tzinfo=zone)
    if not await unit.job_slots.claim(QUARTER_JOB, slot) or now - slot > TOO_LATE:
        return
    previous = add_months(start, -3)
    begin = datetime(previous.year, previous.month, 1, tzinfo=zone)
    incidents = await unit.incidenten.between(begin, slot)
    verzoeken = await unit.verzoeken.received_between(previous, start)
    label = f"{previous.year} kwartaal {(previous.month - 1) // 3 + 1}"
    text = incident_texts.quarter_overview(label, incidents, verzoeken, previous, start)
    later = house.working_time.next_working_moment(now)
    for item in await Directory(unit, house).to_roles(REPORT_ROLES, text):
        run.send(item.later(later))


async def clean_registers(unit: Unit, house: House, now: datetime, run: JobRun) -> None:
    cutoff = now - timedelta(days=house.registers.clean_months * 31)
    verzoeken = await unit.verzoeken.to_clean(cutoff)
    incidents = await unit.incidenten.to_clean(cutoff)
    unit.verzoeken.clean(verzoeken, now)
    unit.incidenten.clean(incidents, now)
    # The messages that showed those texts go too.
    shown = [register_reference("verzoek", v.id) for v in verzoeken]
    shown += [register_reference("incident", i.id) for i in incidents]
    if shown:
        run.removed["berichten teruggenomen"] += await unit.sent.request_redaction_all(shown)
    run.removed["verzoek_teksten"] += len(verzoeken)
    run.removed["incident_teksten"] += len(incidents)


def registers(house: House) -> Job:
    async def body(unit: Unit, now: datetime, run: JobRun) -> None:
        await quarter_overview(unit, house, now, run)
        await clean_registers(unit, house, now, run)
        if not house.working_time.is_working_moment(now):
            return
        await remind_verzoeken(unit, house, now, run)
        await remind_incidents(unit, house, now, run)

    return Job(REGISTERS_JOB, body)
