"""Retention over a real database with a travelling clock: exactly what the policy says goes,
in transactions of a batch of casussen, idempotent, and resumed after a crash half-way."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from handlers.beheer.members import MembershipService
from handlers.house import House, RetentionPolicy
from handlers.messages import Outgoing, text_notice
from handlers.outbox import queue
from handlers.retention.service import add_months, fates
from handlers.retention.texts import purge_report
from handlers.vocabulary import AuditKind, Route
from scheduler.job import run_job
from scheduler.jobs.retention import retention
from storage.db import Database
from storage.models import (
    Aanmelding,
    AuditEntry,
    Conversation,
    OutboxMessage,
    Overleg,
    PvaActie,
    SentMessage,
    Verrijkingsverzoek,
)
from storage.unit import Unit
from tests.databases import Databases

POLICY = RetentionPolicy(clean_months=6, delete_months=12, audit_years=5)
AFGESCHAALD = date(2026, 1, 31)
START = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
MANAGER = "@manager:x.nl"


async def add_casus(unit: Unit, reference: str, voornaam: str,
                    afgeschaald: date | None) -> Aanmelding:  # fmt: skip
    session = unit.session
    aanmelding = await unit.aanmeldingen.add(Aanmelding(
        reference=reference, submitted_at=START, status="aangemeld",
        aanmelder_matrix_id="@a:x.nl", aanmelder_organisation="politie",
        voornaam=voornaam, achternaam="Nepnaam", geboortedatum=date(1990, 4, 3),
        minderjarig=False, adres="Geheimstraat 1", woonplaats="Demostad", gemeente="Demostad",
        probleemstelling="GEHEIM-PROBLEEM", doel="doel", criteria="[]",
        betrokken_partners="[]", urgentie="regulier", contactpersoon="ik",
        triage_status="casusoverleg", overleg_doel="OVERLEG-DOEL",
        overleg_partners=json.dumps(["politie"]), afgeschaald_on=afgeschaald,
        closed_on=afgeschaald, closed_route=Route.AFGESCHAALD if afgeschaald else None,
        client_informant="de casusregisseur", afschaling_criteria="CRITERIA",
    ))  # fmt: skip
    session.add(Verrijkingsverzoek(
        aanmelding_id=aanmelding.id, organisation_key="politie", asked_at=START,
        status="beantwoord", bekend=True, informatie="POLITIE-INFO", delen_vooraf=True,
    ))  # fmt: skip
    session.add(Overleg(aanmelding_id=aanmelding.id, scheduled_at=START, locatie="Stadhuis",
                        status="gehouden", planned_by="@r:x.nl", created_at=START))  # fmt: skip
    session.add(PvaActie(
        aanmelding_id=aanmelding.id, number=1, wat="HUISBEZOEK bij " + voornaam,
        organisation_key="politie", deadline=date(2026, 2, 1), status="gereed",
        created_at=START, deadline_set_at=START,
    ))  # fmt: skip
    sent = unit.sent
    await sent.add(reference, "!casusroom", f"$uitnodiging-{reference}", START)
    await sent.add(reference, "!dm-politie", f"$verzoek-{reference}", START)
    await unit.rooms.want(
        f"casus:{reference}", f"Casusoverleg {reference}", "t", {"@p:x.nl"}, START
    )
    session.add(Conversation(
        matrix_id="@r:x.nl", room_id=f"!dm-{reference}", form="overleg-verslag",
        state=json.dumps({"form": "overleg-verslag", "subject": reference}),
        created_at=START, updated_at=START,
    ))  # fmt: skip
    await queue(unit, [Outgoing(f"casus:{reference}", text_notice(f"Herinnering {reference}"))],
                START)  # fmt: skip
    return aanmelding


@pytest.fixture
async def db(databases: Databases) -> AsyncIterator[Database]:
    database = Database(databases.url("retention"))
    await database.migrate()
    async with database.transaction() as unit:
        # The log's oldest entry, from long ago (entries are numbered in time order).
        old = datetime(2020, 1, 1, tzinfo=UTC)
        await unit.audit.add(old, AuditKind.DISCLOSURE, "@r:x.nl", "ZVH-2020-0001", {})
        members = MembershipService(unit)
        await members.add_organisation("zvh", "ZVH", START)
        await members.add_member(MANAGER, "zvh", "manager", START)
        await members.record_direct_room(MANAGER, "!dm-manager")
        await add_casus(unit, "ZVH-2026-0001", "Afgeschaalde", AFGESCHAALD)
        await add_casus(unit, "ZVH-2026-0002", "Lopende", None)
    yield database
    await database.close()


async def run(db: Database, day: date) -> dict[str, int]:
    now = datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)
    done = await run_job(db.transaction, retention(House(retention=POLICY)), now)
    return {what: n for what, n in done.removed.items() if n}


async def count(db: Database, model: type, **where: object) -> int:
    async with db.session() as session:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return int((await session.execute(query)).scalar_one())


async def casus(db: Database, reference: str) -> Aanmelding | None:
    async with db.session() as session:
        return await Unit(session).aanmeldingen.by_reference(reference)


def test_months_are_calendar_months() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 1, 15), -60) == date(2021, 1, 15)


async def test_the_answers_go_at_afschaling_the_file_is_cleaned_at_six_months(
    db: Database,
) -> None:
    first = await run(db, date(2026, 2, 1))
    assert first == {"verrijkingsantwoorden verwijderd": 1, "auditregels verwijderd": 1}
    assert await count(db, Verrijkingsverzoek) == 1, "only the running casus keeps its answers"
    assert await run(db, date(2026, 7, 30)) == {}, "nothing else before six months"

    cleaned = await run(db, date(2026, 7, 31))
    assert cleaned == {"dossiers opgeschoond": 1, "berichten teruggenomen": 3}
    file = await casus(db, "ZVH-2026-0001")
    assert file is not None
    assert (file.reference, file.afgeschaald_on, file.submitted_at) == (
        "ZVH-2026-0001", AFGESCHAALD, START,
    )  # fmt: skip
    for column in ("voornaam", "achternaam", "adres", "woonplaats", "probleemstelling",
                   "overleg_doel", "client_informant", "afschaling_criteria",
                   "geboortedatum"):  # fmt: skip
        assert getattr(file, column) in ("", None), column
    async with db.session() as session:
        actions = (await session.execute(select(PvaActie.wat, PvaActie.deadline))).all()
        places = (await session.execute(select(Overleg.locatie))).scalars().all()
        room = await Unit(session).rooms.get("casus:ZVH-2026-0001")
        other_room = await Unit(session).rooms.get("casus:ZVH-2026-0002")
    assert sorted(actions) == [("", date(2026, 2, 1)), ("HUISBEZOEK bij Lopende", date(2026, 2, 1))]
    assert sorted(places, key=str) == [None, "Stadhuis"]
    assert room is not None
    assert room.state == "closing"
    assert other_room is not None
    assert other_room.state == "pending"
    assert await count(db, SentMessage, state="redact") == 2
    assert await count(db, SentMessage, state="sent") == 2, "the running casus keeps its own"
    assert await count(db, Conversation) == 1
    assert await count(db, OutboxMessage, reference="ZVH-2026-0001") == 0, "not sent any more"
    assert await count(db, OutboxMessage, room_id="!dm-manager") == 2, "two reports to the manager"

    assert await run(db, date(2026, 8, 15)) == {}, "idempotent"
    erased = await run(db, date(2027, 1, 31))
    assert erased == {"dossiers verwijderd": 1}
    assert await casus(db, "ZVH-2026-0001") is None
    assert await casus(db, "ZVH-2026-0002") is not None
    assert await count(db, PvaActie) == 1
    assert await count(db, Overleg) == 1
    async with db.session() as session:
        reports = (await session.execute(
            select(AuditEntry.detail).where(AuditEntry.kind == "purge")
        )).scalars().all()  # fmt: skip
    assert len(reports) == 3
    assert not any("Afgeschaalde" in r for r in reports)


async def test_a_purge_that_crashes_half_way_is_finished_by_the_next_run(db: Database) -> None:
    async with db.transaction() as unit:
        await add_casus(unit, "ZVH-2026-0003", "Tweede", AFGESCHAALD)
    calls = {"n": 0}

    @asynccontextmanager
    async def crashing() -> AsyncIterator[Unit]:
        """The second unit of work (the second batch of one casus) crashes."""
        calls["n"] += 1
        async with db.transaction() as unit:
            yield unit
            if calls["n"] == 2:
                raise RuntimeError("crash")

    day = date(2026, 8, 1)
    now = datetime(2026, 8, 1, 3, tzinfo=UTC)
    with pytest.raises(RuntimeError):
        await run_job(crashing, retention(House(retention=POLICY), batch_size=1), now)
    first, second = await casus(db, "ZVH-2026-0001"), await casus(db, "ZVH-2026-0003")
    assert first is not None
    assert first.cleaned_at is not None, "the first casus was done"
    assert second is not None
    assert second.cleaned_at is None, "the second was rolled back"
    assert second.voornaam == "Tweede"
    assert (await run(db, day)) == {
        "dossiers opgeschoond": 1,
        "berichten teruggenomen": 3,
        "auditregels verwijderd": 1,
    }, "the rest, once"
    again = await casus(db, "ZVH-2026-0003")
    assert again is not None
    assert again.cleaned_at is not None
    async with db.session() as session:
        dry = await fates(Unit(session), House(retention=POLICY), day)
    assert [d.now for d in dry if d.reference != "ZVH-2026-0002"] == [(), ()]


async def test_one_batch_does_for_each_casus_what_is_due_for_it(db: Database) -> None:
    """Deleting, cleaning and dropping the answers, side by side in one transaction."""
    async with db.transaction() as unit:
        await add_casus(unit, "ZVH-2026-0003", "Oude", date(2025, 1, 15))  # 12+ months
        await add_casus(unit, "ZVH-2026-0004", "Recente", date(2026, 7, 1))  # answers only
    counts = await run(db, date(2026, 8, 1))
    assert counts == {
        "dossiers verwijderd": 1,
        "dossiers opgeschoond": 1,
        "verrijkingsantwoorden verwijderd": 1,
        "berichten teruggenomen": 6,  # three of each of the first two
        "auditregels verwijderd": 1,
    }
    assert await casus(db, "ZVH-2026-0003") is None
    cleaned, recent = await casus(db, "ZVH-2026-0001"), await casus(db, "ZVH-2026-0004")
    assert cleaned is not None
    assert cleaned.cleaned_at is not None
    assert cleaned.voornaam == ""
    assert recent is not None
    assert recent.cleaned_at is None
    assert recent.voornaam == "Recente"
    assert await count(db, Verrijkingsverzoek) == 1, "only the running casus keeps its answers"
    assert await count(db, Conversation) == 2, "the running and the recent casus keep theirs"
    assert await run(db, date(2026, 8, 2)) == {}, "idempotent"


def test_the_purge_report_counts_in_proper_dutch() -> None:
    report = purge_report("3 januari 2027", {"dossiers verwijderd": 1, "berichten teruggenomen": 2})
    assert report.plain == (
        "Bewaartermijnen (3 januari 2027): 2 berichten teruggenomen, 1 dossier verwijderd. "
        "Details (aantallen) staan in het auditlog."
    )
