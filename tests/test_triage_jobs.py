"""Late verrijking and the weekly agenda, with a frozen clock over a real database."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select

from handlers.beheer.members import MembershipService
from handlers.house import House, TriageConfig
from scheduler.clock import FrozenClock
from scheduler.job import run_job
from scheduler.jobs.triage import triage
from scheduler.workhours import WorkingTime
from storage.db import Database
from storage.models import Aanmelding, OutboxMessage, Persoon
from tests.databases import Databases

AMS = ZoneInfo("Europe/Amsterdam")
WORK = WorkingTime(zone=AMS)
CONFIG = TriageConfig(answer_working_days=3, agenda_weekday=0, agenda_time=time(9, 0))
JOB = triage(House(working_time=WORK, triage=CONFIG))
# Thursday 23 April 2026, 10:00; Monday 27 April is Koningsdag.
ASKED = datetime(2026, 4, 23, 10, 0, tzinfo=AMS)


@pytest.fixture
async def db(databases: Databases) -> AsyncIterator[Database]:
    database = Database(databases.url("triage"))
    await database.migrate()
    async with database.transaction() as unit:
        members = MembershipService(unit)
        for org in ("zvh", "politie", "wijkteam"):
            await members.add_organisation(org, f"Organisatie {org}", ASKED)
        for user, org, role in (
            ("@regie:x.nl", "zvh", "procesregisseur"),
            ("@agent:x.nl", "politie", "partner"),
            ("@wijk:x.nl", "wijkteam", "partner"),
        ):
            await members.add_member(user, org, role, ASKED)
            await members.record_direct_room(user, f"!dm-{user}")
        aanmelding = await unit.aanmeldingen.add(Aanmelding(
            reference="ZVH-2026-0007", submitted_at=ASKED, status="aangemeld",
            aanmelder_matrix_id="@wijk:x.nl", aanmelder_organisation="wijkteam",
            voornaam="Testje", achternaam="Nep", geboortedatum=date(1990, 4, 3),
            minderjarig=False, woonplaats="Demostad", gemeente="Demostad",
            probleemstelling="p", doel="d", criteria=json.dumps([]),
            betrokken_partners=json.dumps([]), urgentie="regulier", contactpersoon="ik",
        ))  # fmt: skip
        await unit.verrijking.add(aanmelding.id, "politie", ASKED)
    yield database
    await database.close()


async def run(db: Database, clock: FrozenClock) -> list[tuple[str, str]]:
    """One run of both jobs; returns (room, text) of what they queued, and clears it."""
    await run_job(db.transaction, JOB, clock.now())
    async with db.transaction() as unit:
        rows = (await unit.session.execute(select(OutboxMessage))).scalars().all()
        queued = [(row.room_id, row.plain) for row in rows]
        await unit.session.execute(delete(OutboxMessage))
    return queued


def texts(queued: list[tuple[str, str]], containing: str) -> list[tuple[str, str]]:
    return [q for q in queued if containing in q[1]]


async def test_late_answer_is_reminded_once_then_escalated(db: Database) -> None:
    clock = FrozenClock(ASKED)
    await run(db, clock)  # the first run claims (and posts) this week's agenda slot
    clock.set(datetime(2026, 4, 28, 10, 0, tzinfo=AMS))  # 2 working days (Koningsdag)
    assert texts(await run(db, clock), "Herinnering") == []
    clock.set(datetime(2026, 4, 29, 10, 0, tzinfo=AMS))  # 3 working days
    queued = await run(db, clock)
    assert texts(queued, "Herinnering") == [
        ("!dm-@agent:x.nl", "Herinnering: het verzoek om informatie over ZVH-2026-0007 wacht "
                            "nog op een antwoord van je organisatie. Typ beantwoord "
                            "ZVH-2026-0007."),
    ]  # fmt: skip
    assert texts(await run(db, clock), "Herinnering") == [], "once, not at every tick"
    clock.set(datetime(2026, 4, 30, 9, 59, tzinfo=AMS))
    assert texts(await run(db, clock), "nog niet beantwoord") == []
    clock.set(datetime(2026, 4, 30, 10, 0, tzinfo=AMS))
    escalated = texts(await run(db, clock), "nog niet beantwoord")
    assert [room for room, _ in escalated] == ["!dm-@regie:x.nl"]
    assert "Testje" not in escalated[0][1]
    clock.advance(timedelta(days=7))
    assert texts(await run(db, clock), "nog niet beantwoord") == []


async def test_no_reminders_outside_working_hours(db: Database) -> None:
    clock = FrozenClock(datetime(2026, 5, 2, 12, 0, tzinfo=AMS))  # Saturday, long overdue
    assert texts(await run(db, clock), "Herinnering") == []
    clock.set(datetime(2026, 5, 4, 8, 30, tzinfo=AMS))  # Monday, start of work
    assert len(texts(await run(db, clock), "Herinnering")) == 1


async def test_weekly_agenda_once_per_slot_and_late_after_downtime(db: Database) -> None:
    clock = FrozenClock(datetime(2026, 11, 23, 8, 59, tzinfo=AMS))  # Monday
    await run(db, clock)  # claims last week's slot
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=AMS))
    first = texts(await run(db, clock), "Triage-agenda")
    assert [room for room, _ in first] == ["!dm-@regie:x.nl"]
    assert "ZVH-2026-0007 | regulier | open | 0 beantwoord, 1 wacht" in first[0][1]
    assert "Testje" not in first[0][1], "the agenda carries references, not names"
    clock.advance(timedelta(hours=3))
    assert texts(await run(db, clock), "Triage-agenda") == []
    # The bot is down from Sunday to Wednesday: one agenda when it is back, not two.
    clock.set(datetime(2026, 12, 2, 14, 0, tzinfo=AMS))
    assert len(texts(await run(db, clock), "Triage-agenda")) == 1
    assert texts(await run(db, clock), "Triage-agenda") == []


async def test_the_agenda_also_reaches_the_partners_who_co_decide(db: Database) -> None:
    """Kennemerland Bijlage 3: OM, politie, Reclassering (RvdK for minors) weigh with the
    procesregie; they get the agenda too, references only; a minors-only partner gets only
    the aanmeldingen about a minor."""
    async with db.transaction() as unit:
        members = MembershipService(unit)
        await members.add_organisation("rvdk", "Raad voor de Kinderbescherming", ASKED)
        await members.add_member("@raad:x.nl", "rvdk", "partner", ASKED)
        await members.record_direct_room("@raad:x.nl", "!dm-@raad:x.nl")
    config = TriageConfig(agenda_partners=("politie", "rvdk"), minor_partners=("rvdk",))
    job = triage(House(working_time=WORK, triage=config))
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=AMS)
    await run_job(db.transaction, job, monday - timedelta(days=7))  # last week's slot
    async with db.transaction() as unit:
        await unit.session.execute(delete(OutboxMessage))
    await run_job(db.transaction, job, monday)
    async with db.transaction() as unit:
        rows = (await unit.session.execute(select(OutboxMessage))).scalars().all()
    agendas = {row.room_id: row.plain for row in rows if "Triage-agenda" in row.plain}
    assert set(agendas) == {"!dm-@regie:x.nl", "!dm-@agent:x.nl"}, "no minor for the raad"
    assert "ZVH-2026-0007" in agendas["!dm-@agent:x.nl"]
    assert "Testje" not in agendas["!dm-@agent:x.nl"], "references only"

    # A child in the household: now the raad weighs it too.
    async with db.transaction() as unit:
        aanmelding = await unit.aanmeldingen.by_reference("ZVH-2026-0007")
        assert aanmelding is not None
        unit.aanmeldingen.add_person(aanmelding, Persoon(
            number=0, relatie="zoon", voornaam="Kleintje", achternaam="Nep",
            geboortedatum=date(2014, 4, 3), minderjarig=True, woonplaats="Demostad",
            added_by="@wijk:x.nl", added_at=ASKED,
        ))  # fmt: skip
        await unit.session.execute(delete(OutboxMessage))
    await run_job(db.transaction, job, monday + timedelta(days=7))
    async with db.transaction() as unit:
        rows = (await unit.session.execute(select(OutboxMessage))).scalars().all()
    raad = [row.plain for row in rows if row.room_id == "!dm-@raad:x.nl"]
    assert len(raad) == 1
    assert "ZVH-2026-0007" in raad[0]
    assert "Kleintje" not in raad[0]
