"""The registers over a real database with a travelling clock: an AVG request's deadline,
its reminder and escalation; routing to the supplying partner; bezwaar holding what would
disclose its casus; incidents reminded until the AP question is answered; the quarterly
overview once; and inzage listing who received the person's data."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from handlers.access import Caller
from handlers.beheer.members import MembershipService
from handlers.bezwaar import refuse_if_objected
from handlers.errors import UserError
from handlers.house import House
from handlers.incidenten.register import decide as decide_incident
from handlers.incidenten.register import record
from handlers.messages import Outgoing, text_notice
from handlers.outbox import queue
from handlers.rechten.register import decide, extend, register
from handlers.rechten.service import inzage
from handlers.vocabulary import (
    ApBesluit,
    AuditKind,
    IncidentSoort,
    Role,
    VerzoekSoort,
    VerzoekStatus,
)
from scheduler.job import run_job
from scheduler.jobs.registers import registers
from storage.db import Database
from storage.models import Aanmelding, OutboxMessage
from storage.types import OutboxState
from tests.databases import Databases

HOUSE = House()
# Monday 2 November 2026, 10:00 in Amsterdam: a working moment.
RECEIVED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BEHEERDER, MANAGER, WIJKTEAM = "@beheer:x.nl", "@manager:x.nl", "@wijkteam:x.nl"
REGISSEUR, POLITIE = "@regie:x.nl", "@politie:x.nl"
REFERENCE = "ZVH-2026-0001"


def caller(matrix_id: str, role: Role, org: str) -> Caller:
    return Caller(matrix_id, role, org, org)


@pytest.fixture
async def db(databases: Databases) -> AsyncIterator[Database]:
    database = Database(databases.url("registers"))
    await database.migrate()
    async with database.transaction() as unit:
        members = MembershipService(unit)
        for org in ("zvh", "wijkteam", "politie"):
            await members.add_organisation(org, org.capitalize(), RECEIVED)
        for matrix_id, org, role in ((BEHEERDER, "zvh", "beheerder"),
                                     (MANAGER, "zvh", "manager"),
                                     (REGISSEUR, "zvh", "procesregisseur"),
                                     (WIJKTEAM, "wijkteam", "partner"),
                                     (POLITIE, "politie", "partner")):  # fmt: skip
            await members.add_member(matrix_id, org, role, RECEIVED)
            await members.record_direct_room(matrix_id, f"!dm-{matrix_id[1:6]}")
        await unit.aanmeldingen.add(Aanmelding(
            reference=REFERENCE, submitted_at=RECEIVED, status="aangemeld",
            aanmelder_matrix_id=WIJKTEAM, aanmelder_organisation="wijkteam",
            voornaam="Testje", achternaam="Nepnaam", geboortedatum=date(1990, 4, 3),
            minderjarig=False, woonplaats="Demostad", gemeente="Demostad",
            probleemstelling="p", doel="d", criteria="[]", betrokken_partners="[]",
            urgentie="regulier", contactpersoon="ik", triage_status="casusoverleg",
            overleg_doel="Samen één plan", client_informant="de wijkcoach",
        ))  # fmt: skip
    yield database
    await database.close()


async def tick(db: Database, now: datetime) -> list[Outgoing]:
    return (await run_job(db.transaction, registers(HOUSE), now)).outgoing


def to(outgoing: list[Outgoing], room: str) -> list[str]:
    return [o.notice.plain for o in outgoing if o.room_id == room]


async def test_a_request_is_routed_reminded_before_its_deadline_and_escalated_after(
    db: Database,
) -> None:
    async with db.transaction() as unit:
        done = await register(unit, HOUSE, VerzoekSoort.INZAGE, REFERENCE, "T. Nepnaam 3-4-1990",
                              None, date(2026, 11, 2), BEHEERDER, "zvh", RECEIVED)  # fmt: skip
    # The wijkteam put the casus forward: its contact works the request.
    assert (done.routed_to, done.verzoek.handler) == ("wijkteam", WIJKTEAM)
    assert done.verzoek.deadline == date(2026, 12, 2)
    assert "Verzoek 1: inzage (art. 15) over ZVH-2026-0001" in to(done.outgoing, "!dm-wijkt")[0]

    assert await tick(db, datetime(2026, 11, 24, 9, tzinfo=UTC)) == []  # 8 days before
    reminded = await tick(db, datetime(2026, 11, 25, 9, tzinfo=UTC))  # 7 days before
    assert "loopt af op 2 december 2026" in to(reminded, "!dm-wijkt")[0]
    assert await tick(db, datetime(2026, 11, 26, 9, tzinfo=UTC)) == [], "once"
    assert await tick(db, datetime(2026, 12, 2, 9, tzinfo=UTC)) == [], "the last day is in time"
    late = await tick(db, datetime(2026, 12, 3, 9, tzinfo=UTC))
    assert "Termijn verstreken" in to(late, "!dm-manag")[0]
    assert await tick(db, datetime(2026, 12, 4, 9, tzinfo=UTC)) == [], "escalated once"

    # Extended once by two months (the reminder comes again before the new deadline).
    async with db.transaction() as unit:
        verzoek = await unit.verzoeken.get(1)
        assert verzoek is not None
        handler = caller(WIJKTEAM, Role.PARTNER, "wijkteam")
        await extend(unit, HOUSE, verzoek, "veel stukken", handler, RECEIVED)
        assert verzoek.deadline == date(2027, 2, 2)
        with pytest.raises(UserError, match="al verlengd"):
            await extend(unit, HOUSE, verzoek, "nog meer", handler, RECEIVED)
    assert to(await tick(db, datetime(2027, 1, 26, 9, tzinfo=UTC)), "!dm-wijkt")


async def test_bezwaar_holds_every_disclosure_until_the_procesregisseur_decides(
    db: Database,
) -> None:
    async with db.transaction() as unit:
        # A message with the casus's data waits in the outbox when the bezwaar comes in.
        await queue(unit, [Outgoing("!dm-polit", text_notice("UITNODIGING"), True,
                                    frozenset({POLITIE}), REFERENCE)], RECEIVED)  # fmt: skip
        done = await register(unit, HOUSE, VerzoekSoort.BEZWAAR, REFERENCE, "T. Nepnaam",
                              "bezwaar", date(2026, 11, 2), BEHEERDER, "zvh", RECEIVED)  # fmt: skip
        assert "1 bericht met gegevens houd ik vast" in to(done.outgoing, "!dm-regie")[0]
        with pytest.raises(UserError, match="loopt een bezwaar"):
            await refuse_if_objected(unit, REFERENCE)
        # What is queued anyway (a job's reminder) is held too; other casussen are not.
        await queue(unit, [Outgoing("!dm-polit", text_notice("HERINNERING"), True,
                                    frozenset({POLITIE}), REFERENCE),
                           Outgoing("!dm-polit", text_notice("ANDERE"), True,
                                    frozenset({POLITIE}), "ZVH-2026-0002")], RECEIVED)  # fmt: skip
    assert await states(db) == {"UITNODIGING": "held", "HERINNERING": "held", "ANDERE": "pending"}

    async with db.transaction() as unit:
        verzoek = await unit.verzoeken.get(1)
        assert verzoek is not None
        with pytest.raises(UserError, match="beslist de procesregisseur"):
            await decide(unit, HOUSE, verzoek, VerzoekStatus.AFGEWEZEN, "reden",
                         caller(BEHEERDER, Role.BEHEERDER, "zvh"), RECEIVED)  # fmt: skip
        regisseur = caller(REGISSEUR, Role.PROCESREGISSEUR, "zvh")
        with pytest.raises(UserError, match="reden van de afwijzing"):
            await decide(unit, HOUSE, verzoek, VerzoekStatus.AFGEWEZEN, None, regisseur,
                         RECEIVED)  # fmt: skip
        await decide(unit, HOUSE, verzoek, VerzoekStatus.AFGEWEZEN, "zwaarwegend belang",
                     regisseur, RECEIVED)  # fmt: skip
        await refuse_if_objected(unit, REFERENCE)  # processing resumes
    assert await states(db) == {"UITNODIGING": "pending", "HERINNERING": "pending",
                                "ANDERE": "pending"}  # fmt: skip


async def test_a_granted_bezwaar_deletes_the_casus_and_what_was_held(db: Database) -> None:
    async with db.transaction() as unit:
        await register(unit, HOUSE, VerzoekSoort.BEZWAAR, REFERENCE, "T. Nepnaam", None,
                       date(2026, 11, 2), BEHEERDER, "zvh", RECEIVED)  # fmt: skip
        await queue(unit, [Outgoing("!dm-polit", text_notice("HERINNERING"), True,
                                    frozenset({POLITIE}), REFERENCE)], RECEIVED)  # fmt: skip
        verzoek = await unit.verzoeken.get(1)
        assert verzoek is not None
        await decide(unit, HOUSE, verzoek, VerzoekStatus.TOEGEWEZEN, None,
                     caller(REGISSEUR, Role.PROCESREGISSEUR, "zvh"), RECEIVED)  # fmt: skip
    async with db.reading() as unit:
        assert await unit.aanmeldingen.by_reference(REFERENCE) is None
    assert await states(db) == {}


async def states(db: Database) -> dict[str, str]:
    async with db.session() as session:
        rows = (await session.execute(select(OutboxMessage.plain, OutboxMessage.state))).all()
    return {plain: str(state.value if isinstance(state, OutboxState) else state)
            for plain, state in rows}  # fmt: skip


async def test_an_incident_is_brought_up_every_day_until_the_ap_question_is_answered(
    db: Database,
) -> None:
    async with db.transaction() as unit:
        incident = await record(unit, IncidentSoort.VERKEERDE_ONTVANGER, RECEIVED,
                                reported_by=POLITIE, description="verkeerde collega")  # fmt: skip
    assert await tick(db, RECEIVED + timedelta(hours=23)) == []
    first = await tick(db, RECEIVED + timedelta(hours=24))
    assert "wacht op het besluit" in to(first, "!dm-manag")[0]
    assert to(first, "!dm-behee"), "the beheerders hear it too"
    assert await tick(db, RECEIVED + timedelta(hours=25)) == []
    late = await tick(db, RECEIVED + timedelta(hours=72, minutes=1))
    assert (
        "De 72 uur voor incident 1 zijn voorbij en er is nog geen besluit ("
        in to(late, "!dm-manag")[0]
    )
    async with db.transaction() as unit:
        found = await unit.incidenten.get(incident.id)
        assert found is not None
        with pytest.raises(UserError, match="waarom niet"):
            await decide_incident(unit, found, ApBesluit.NIET_MELDEN, None, MANAGER, RECEIVED)
        await decide_incident(unit, found, ApBesluit.NIET_MELDEN, "versleuteld, niet gelezen",
                              MANAGER, RECEIVED + timedelta(hours=80))  # fmt: skip
        [decided] = [e for e in await unit.audit.entries()
                     if e.kind is AuditKind.INCIDENT_DECIDED]  # fmt: skip
        assert json.loads(decided.detail)["within_72h"] is False
    assert await tick(db, RECEIVED + timedelta(days=5)) == []


async def test_the_managers_get_a_quarterly_overview_once(db: Database) -> None:
    async with db.transaction() as unit:
        await record(unit, IncidentSoort.VERLIES, datetime(2026, 11, 3, 9, tzinfo=UTC),
                     reported_by=POLITIE, description="laptop kwijt")  # fmt: skip
        await register(unit, HOUSE, VerzoekSoort.INZAGE, None, "Iemand", None,
                       date(2026, 11, 2), BEHEERDER, "zvh", RECEIVED)  # fmt: skip
    january = datetime(2027, 1, 4, 9, tzinfo=UTC)  # the first working day of the quarter
    sent = await tick(db, january)
    [overview] = [t for t in to(sent, "!dm-manag") if "Incidenten en verzoeken" in t]
    assert "2026 kwartaal 4" in overview
    assert "1 incident(en)" in overview
    assert "1 AVG-verzoek(en) ontvangen (1 inzage)" in overview
    later = await tick(db, january + timedelta(hours=1))
    assert not [t for t in to(later, "!dm-manag") if "Incidenten en verzoeken" in t]


async def test_inzage_lists_everyone_who_received_the_data(db: Database) -> None:
    async with db.transaction() as unit:
        await unit.audit.add(RECEIVED, AuditKind.DISCLOSURE, REGISSEUR, REFERENCE, {
            "purpose": "uitnodiging", "fields": ["voornaam", "achternaam"],
            "recipients": [POLITIE, "@vertrokken:x.nl"],
        })  # fmt: skip
        result = await inzage(unit, "Nepnaam", date(1990, 4, 3), BEHEERDER, RECEIVED)
    assert "### Wie de gegevens ontving" in result.markdown
    assert "Politie (partner), voor uitnodiging: voornaam, achternaam" in result.markdown
    assert "onbekend (geen lid meer)" in result.markdown
    assert "- doel van het casusoverleg: Samen één plan" in result.markdown
    assert "- wie informeert de betrokkene: de wijkcoach" in result.markdown


async def test_retention_clears_who_asked_and_takes_back_the_message_that_showed_it(
    db: Database,
) -> None:
    async with db.transaction() as unit:
        done = await register(unit, HOUSE, VerzoekSoort.INZAGE, None, "T. Nepnaam 3-4-1990",
                              "alles", date(2026, 11, 2), BEHEERDER, "zvh", RECEIVED)  # fmt: skip
        await decide(unit, HOUSE, done.verzoek, VerzoekStatus.AFGEHANDELD, "per brief",
                     caller(BEHEERDER, Role.BEHEERDER, "zvh"), RECEIVED)  # fmt: skip
        await unit.sent.add("register:verzoek:1", "!dm-behee", "$detail", RECEIVED)
    await tick(db, RECEIVED + timedelta(days=31 * 23))
    async with db.reading() as unit:
        kept = await unit.verzoeken.get(1)
        assert kept is not None
        assert kept.betrokkene == "T. Nepnaam 3-4-1990", "not before clean_months"
    await tick(db, RECEIVED + timedelta(days=31 * 24 + 1))
    async with db.reading() as unit:
        cleaned = await unit.verzoeken.get(1)
        assert cleaned is not None
        assert (cleaned.betrokkene, cleaned.omschrijving, cleaned.decision) == (None, None, None)
        assert (cleaned.soort, cleaned.status) == (VerzoekSoort.INZAGE, VerzoekStatus.AFGEHANDELD)
        [taken] = await unit.sent.to_redact()
        assert taken.event_id == "$detail"
