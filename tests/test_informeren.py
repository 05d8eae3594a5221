"""Informing the betrokkene over a real database with a travelling clock: whoever answers for
the casus is asked a week after the decision and weekly after that, until it is recorded
or postponed; a postponement ends with the question again; only the aanmelder, the
casusregisseur and the procesregie may record it; the overview shows it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest

from handlers.access import Caller
from handlers.beheer.members import MembershipService
from handlers.errors import UserError
from handlers.house import House
from handlers.informeren.service import informed, postpone
from handlers.messages import Outgoing
from handlers.overzicht.service import open_casussen
from handlers.vocabulary import Role, TriageStatus
from scheduler.job import run_job
from scheduler.jobs.informeren import informeren
from storage.db import Database
from storage.models import Aanmelding, Persoon
from tests.databases import Databases

HOUSE = House()
# Monday 2 November 2026, 10:00 in Amsterdam.
DECIDED = datetime(2026, 11, 2, 9, tzinfo=UTC)
AANMELDER, REGISSEUR, POLITIE = "@wijkteam:x.nl", "@regie:x.nl", "@politie:x.nl"
REFERENCE = "ZVH-2026-0001"


@pytest.fixture
async def db(databases: Databases) -> AsyncIterator[Database]:
    database = Database(databases.url("informeren"))
    await database.migrate()
    async with database.transaction() as unit:
        members = MembershipService(unit)
        for org in ("zvh", "wijkteam", "politie"):
            await members.add_organisation(org, org.capitalize(), DECIDED)
        for matrix_id, org, role in ((AANMELDER, "wijkteam", "partner"),
                                     (REGISSEUR, "zvh", "procesregisseur"),
                                     (POLITIE, "politie", "partner")):  # fmt: skip
            await members.add_member(matrix_id, org, role, DECIDED)
            await members.record_direct_room(matrix_id, f"!dm-{matrix_id[1:6]}")
        await unit.aanmeldingen.add(Aanmelding(
            reference=REFERENCE, submitted_at=DECIDED - timedelta(days=3), status="aangemeld",
            aanmelder_matrix_id=AANMELDER, aanmelder_organisation="wijkteam",
            voornaam="Testje", achternaam="Nepnaam", geboortedatum=date(1990, 4, 3),
            minderjarig=False, woonplaats="Demostad", gemeente="Demostad", probleemstelling="p",
            doel="d", criteria="[]", betrokken_partners="[]", urgentie="regulier",
            contactpersoon="ik", triage_status=TriageStatus.CASUSOVERLEG, decided_at=DECIDED,
        ))  # fmt: skip
    yield database
    await database.close()


async def asked(db: Database, now: datetime) -> list[str]:
    sent: list[Outgoing] = (await run_job(db.transaction, informeren(HOUSE), now)).outgoing
    return [o.room_id for o in sent if "al geïnformeerd?" in o.notice.plain]


async def record(db: Database, who: Caller, on: date, now: datetime) -> None:
    async with db.transaction() as unit:
        aanmelding = await unit.aanmeldingen.by_reference(REFERENCE)
        assert aanmelding is not None
        await informed(unit, aanmelding, on, who, now, HOUSE.zone)


async def test_asked_weekly_until_it_is_recorded(db: Database) -> None:
    assert await asked(db, DECIDED + timedelta(days=6)) == []
    assert await asked(db, DECIDED + timedelta(days=7)) == ["!dm-wijkt"], "the aanmelder"
    assert await asked(db, DECIDED + timedelta(days=8)) == [], "once a week"
    async with db.transaction() as unit:
        aanmelding = await unit.aanmeldingen.by_reference(REFERENCE)
        assert aanmelding is not None
        aanmelding.casusregisseur = POLITIE  # the overleg appointed one
    assert await asked(db, DECIDED + timedelta(days=14)) == ["!dm-polit"], "now the regisseur"

    later = DECIDED + timedelta(days=15)
    outsider = Caller("@ggz:x.nl", Role.PARTNER, "ggz", "Ggz")
    with pytest.raises(UserError, match="Ik ken geen aanmelding"):
        await record(db, outsider, later.date(), later)
    politie = Caller(POLITIE, Role.PARTNER, "politie", "Politie")
    with pytest.raises(UserError, match="in de toekomst"):
        await record(db, politie, later.date() + timedelta(days=1), later)
    await record(db, politie, later.date(), later)
    assert await asked(db, DECIDED + timedelta(days=30)) == [], "recorded: no more questions"
    async with db.reading() as unit:
        [line] = await open_casussen(unit, HOUSE, later)
    assert line.informed is not None
    assert line.informed.label(later.date()) == "ja (17 november 2026)"


async def test_a_postponement_holds_the_question_until_it_ends(db: Database) -> None:
    now = DECIDED + timedelta(days=7)
    regie = Caller(REGISSEUR, Role.PROCESREGISSEUR, "zvh", "ZVH")
    async with db.transaction() as unit:
        aanmelding = await unit.aanmeldingen.by_reference(REFERENCE)
        assert aanmelding is not None
        with pytest.raises(UserError, match="half jaar"):
            await postpone(unit, aanmelding, date(2027, 12, 1), "onderzoek", regie, now,
                           now.date())  # fmt: skip
        await postpone(unit, aanmelding, date(2026, 12, 14), "lopend onderzoek", regie, now,
                       now.date())  # fmt: skip
    assert await asked(db, datetime(2026, 12, 14, 9, tzinfo=UTC)) == [], "until the day"
    assert await asked(db, datetime(2026, 12, 15, 9, tzinfo=UTC)) == ["!dm-wijkt"]


async def test_each_person_of_a_family_is_informed_on_their_own(db: Database) -> None:
    async with db.transaction() as unit:
        aanmelding = await unit.aanmeldingen.by_reference(REFERENCE)
        assert aanmelding is not None
        unit.aanmeldingen.add_person(aanmelding, Persoon(
            number=0, relatie="dochter", voornaam="Kleintje", achternaam="Nepnaam",
            geboortedatum=date(2014, 4, 3), minderjarig=True, woonplaats="Demostad",
            added_by=AANMELDER, added_at=DECIDED,
        ))  # fmt: skip
    aanmelder = Caller(AANMELDER, Role.PARTNER, "wijkteam", "Wijkteam")
    first = DECIDED + timedelta(days=1)
    async with db.transaction() as unit:
        aanmelding = await unit.aanmeldingen.by_reference(REFERENCE)
        assert aanmelding is not None
        done = await informed(unit, aanmelding, first.date(), aanmelder, first, HOUSE.zone, 1)
        assert [p.number for p in done] == [1]
        with pytest.raises(UserError, match="geen persoon 3"):
            await informed(unit, aanmelding, first.date(), aanmelder, first, HOUSE.zone, 3)

    # The betrokkene is informed, the daughter not: the question still comes, about her.
    now = DECIDED + timedelta(days=7)
    sent = (await run_job(db.transaction, informeren(HOUSE), now)).outgoing
    [question] = [o.notice.plain for o in sent if "al geïnformeerd?" in o.notice.plain]
    assert "Is persoon 2 (dochter) van" in question
    async with db.reading() as unit:
        [line] = await open_casussen(unit, HOUSE, now)
    assert line.informed is not None
    assert line.informed.label(now.date()) == "ja (3 november 2026); 1 andere nog niet"

    # Her informing postponed: no question until the postponement ends.
    async with db.transaction() as unit:
        aanmelding = await unit.aanmeldingen.by_reference(REFERENCE)
        assert aanmelding is not None
        [later] = await postpone(unit, aanmelding, date(2026, 12, 14), "lopend onderzoek",
                                 aanmelder, now, now.date())  # fmt: skip
        assert later.number == 2, "only who was not informed yet"
    assert await asked(db, datetime(2026, 12, 14, 9, tzinfo=UTC)) == []
    assert await asked(db, datetime(2026, 12, 15, 9, tzinfo=UTC)) == ["!dm-wijkt"]
