"""What the procesregie board shows, over a real database: every open aanmelding and casus in
its phase (nieuw, in triage with the verrijking's state, zonder overleg, in casusoverleg,
uitvoering, af te schalen), with days, actions (overdue ones counted), the casusregisseur by
display name and "mine" for the viewer; nothing personal; only the procesregie may see it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from handlers.access import Caller
from handlers.beheer.members import MembershipService
from handlers.bord.service import board, sees_board
from handlers.directory import record_display_name
from handlers.house import House
from handlers.vocabulary import ActieStatus, Role, TriageStatus, VerrijkingStatus
from storage.db import Database
from storage.models import Aanmelding, PvaActie, Verrijkingsverzoek
from tests.databases import Databases

HOUSE = House()
NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)  # Monday 10:00 in Amsterdam
REGIE, POLITIE = "@regie:x.nl", "@politie:x.nl"
REGIE_CALLER = Caller(REGIE, Role.PROCESREGISSEUR, "zvh", "ZVH")
SECRET = ("Testje", "Nepnaam", "Demostad", "GEHEIM")


def casus(n: int, status: TriageStatus, **extra: Any) -> Aanmelding:
    return Aanmelding(
        reference=f"ZVH-2026-{n:04d}", submitted_at=NOW - timedelta(days=10 + n),
        status="aangemeld", aanmelder_matrix_id="@a:x.nl", aanmelder_organisation="politie",
        voornaam="Testje", achternaam="Nepnaam", geboortedatum=date(1990, 4, 3),
        minderjarig=False, woonplaats="Demostad", gemeente="Demostad",
        probleemstelling="GEHEIM", doel="GEHEIM", criteria="[]", betrokken_partners="[]",
        urgentie="regulier", contactpersoon="ik", triage_status=status, **extra,
    )  # fmt: skip


def actie(aanmelding: Aanmelding, number: int, deadline: date, done: bool = False) -> PvaActie:
    return PvaActie(
        aanmelding_id=aanmelding.id, number=number, wat="GEHEIM", organisation_key="politie",
        deadline=deadline, status=ActieStatus.GEREED if done else ActieStatus.OPEN,
        created_at=NOW - timedelta(days=5), deadline_set_at=NOW - timedelta(days=5),
    )  # fmt: skip


@pytest.fixture
async def db(databases: Databases) -> AsyncIterator[Database]:
    database = Database(databases.url("bord"))
    await database.migrate()
    async with database.transaction() as unit:
        members = MembershipService(unit)
        for org in ("zvh", "politie"):
            await members.add_organisation(org, org.capitalize(), NOW)
        await members.add_member(REGIE, "zvh", "procesregisseur", NOW)
        await members.add_member(POLITIE, "politie", "partner", NOW)
        await record_display_name(unit, POLITIE, "Paula Politie")
        decided = NOW - timedelta(days=4)
        await unit.aanmeldingen.add(casus(1, TriageStatus.OPEN))
        asked = await unit.aanmeldingen.add(casus(2, TriageStatus.ONDUIDELIJK))
        for org, state in (("politie", VerrijkingStatus.BEANTWOORD),
                           ("om", VerrijkingStatus.OPEN)):  # fmt: skip
            unit.session.add(Verrijkingsverzoek(
                aanmelding_id=asked.id, organisation_key=org, asked_at=NOW, status=state,
            ))  # fmt: skip
        await unit.aanmeldingen.add(casus(3, TriageStatus.ZONDER_OVERLEG, decided_at=decided))
        await unit.aanmeldingen.add(casus(4, TriageStatus.CASUSOVERLEG, decided_at=decided))
        working = await unit.aanmeldingen.add(casus(
            5, TriageStatus.CASUSOVERLEG, decided_at=decided, casusregisseur=POLITIE,
            procesregisseur=REGIE,
        ))  # fmt: skip
        finished = await unit.aanmeldingen.add(casus(
            6, TriageStatus.CASUSOVERLEG, decided_at=decided, casusregisseur=POLITIE,
        ))  # fmt: skip
        unit.session.add_all([
            actie(working, 1, date(2026, 12, 1)), actie(working, 2, date(2026, 12, 20)),
            actie(finished, 1, date(2026, 12, 1), done=True),
        ])  # fmt: skip
        # Closed: not on the board.
        await unit.aanmeldingen.add(casus(7, TriageStatus.ZONDER_OVERLEG, decided_at=decided,
                                          closed_on=date(2026, 12, 1)))  # fmt: skip
    yield database
    await database.close()


async def test_every_open_casus_in_its_phase_without_personal_data(db: Database) -> None:
    async with db.reading() as unit:
        shown = await board(unit, HOUSE, REGIE_CALLER, NOW)
    columns = {c["key"]: {card["reference"]: card for card in c["cards"]}
               for c in shown["columns"]}  # fmt: skip
    assert list(columns) == ["nieuw", "triage", "zonder_overleg", "casusoverleg", "uitvoering",
                             "afschalen"]  # fmt: skip
    assert list(columns["nieuw"]) == ["ZVH-2026-0001"]
    assert columns["nieuw"]["ZVH-2026-0001"]["days_in_phase"] == 11
    triage = columns["triage"]["ZVH-2026-0002"]
    assert triage["note"] == "verrijking 1 van 2 beantwoord; nog onduidelijk"
    assert list(columns["zonder_overleg"]) == ["ZVH-2026-0003"]
    assert columns["casusoverleg"]["ZVH-2026-0004"]["note"] == "nog niet gepland"
    working = columns["uitvoering"]["ZVH-2026-0005"]
    assert (working["open_actions"], working["overdue_actions"]) == (2, 1)
    assert working["casusregisseur"] == "Paula Politie", "a display name, not a Matrix id"
    assert working["mine"] is True, "its procesregisseur"
    assert columns["afschalen"]["ZVH-2026-0006"]["note"] == "alle acties gereed"
    assert columns["afschalen"]["ZVH-2026-0006"]["mine"] is False
    assert "ZVH-2026-0007" not in json.dumps(shown), "a closed casus is off the board"
    assert not [word for word in SECRET if word in json.dumps(shown)]


def test_only_the_procesregie_sees_the_board() -> None:
    assert sees_board(REGIE_CALLER)
    assert sees_board(Caller("@o:x.nl", Role.PROCESONDERSTEUNER, "zvh", "ZVH"))
    assert not sees_board(Caller(POLITIE, Role.PARTNER, "politie", "Politie"))
    assert not sees_board(Caller("@m:x.nl", Role.MANAGER, "zvh", "ZVH"))
