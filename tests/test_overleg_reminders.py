"""The reminder the working day before a casusoverleg: once, in local time, across DST and
holidays, with a frozen clock over a real database."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select

from handlers.access import Caller
from handlers.casusoverleg.service import CasusoverlegService
from handlers.house import House
from handlers.outbox import queue
from handlers.vocabulary import Role
from scheduler.job import run_job
from scheduler.jobs.casusoverleg import overleg_reminders
from scheduler.workhours import WorkingTime
from storage.db import Database
from storage.models import Aanmelding, OutboxMessage

AMS = ZoneInfo("Europe/Amsterdam")
HOUSE = House(working_time=WorkingTime(zone=AMS))
REGIE = Caller("@regie:x.nl", Role.PROCESREGISSEUR, "zvh", "ZVH")


async def plan(db: Database, when: datetime, now: datetime) -> str:
    async with db.transaction() as unit:
        aanmelding = await unit.aanmeldingen.add(Aanmelding(
            reference="ZVH-2026-0009", submitted_at=now, status="aangemeld",
            aanmelder_matrix_id="@wijk:x.nl", aanmelder_organisation="wijkteam",
            voornaam="Testje", achternaam="Nep", geboortedatum=date(1990, 4, 3),
            minderjarig=False, woonplaats="Demostad", gemeente="Demostad",
            probleemstelling="p", doel="d", criteria="[]", betrokken_partners="[]",
            urgentie="regulier", contactpersoon="ik", triage_status="casusoverleg",
            overleg_partners=json.dumps(["politie"]),
        ))  # fmt: skip
        service = CasusoverlegService(unit, HOUSE)
        _, outgoing = await service.plan(aanmelding, when, "Stadhuis", REGIE, now)
        await queue(unit, outgoing, now)
        await unit.session.execute(delete(OutboxMessage))
    return aanmelding.reference


async def reminders(db: Database, now: datetime) -> list[str]:
    await run_job(db.transaction, overleg_reminders(HOUSE), now)
    async with db.transaction() as unit:
        texts = [row.plain for row in (await unit.session.execute(select(OutboxMessage))).scalars()]
        await unit.session.execute(delete(OutboxMessage))
    return texts


@pytest.mark.parametrize(
    ("overleg", "reminder"),
    [
        # Monday after the switch to summer time: the Friday before, 08:30 winter time.
        (datetime(2026, 3, 30, 10, 0, tzinfo=AMS), datetime(2026, 3, 27, 8, 30, tzinfo=AMS)),
        # Tuesday after Easter: not Easter Monday, not Goede Vrijdag, so Thursday.
        (datetime(2026, 4, 7, 14, 0, tzinfo=AMS), datetime(2026, 4, 2, 8, 30, tzinfo=AMS)),
        # An ordinary Thursday: Wednesday.
        (datetime(2026, 11, 26, 9, 0, tzinfo=AMS), datetime(2026, 11, 25, 8, 30, tzinfo=AMS)),
    ],
)
async def test_the_reminder_comes_once_at_the_start_of_the_working_day_before(
    db: Database, overleg: datetime, reminder: datetime
) -> None:
    planned = datetime(2026, 3, 1, 12, 0, tzinfo=AMS)
    reference = await plan(db, overleg, planned)
    minute = reminder.replace(minute=29)
    assert await reminders(db, minute) == []
    sent = await reminders(db, reminder)
    assert len(sent) == 1
    assert reference in sent[0]
    assert f"{overleg:%H:%M}" in sent[0]
    assert "Stadhuis" in sent[0]
    assert await reminders(db, reminder.replace(hour=15)) == [], "once"


async def test_no_reminder_when_planned_after_the_reminder_moment_or_missed(
    db: Database,
) -> None:
    overleg = datetime(2026, 11, 26, 9, 0, tzinfo=AMS)
    await plan(db, overleg, datetime(2026, 11, 25, 11, 0, tzinfo=AMS))
    assert await reminders(db, datetime(2026, 11, 25, 12, 0, tzinfo=AMS)) == [], (
        "the invitation itself was the reminder"
    )
