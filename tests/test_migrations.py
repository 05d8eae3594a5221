"""A deployed database is upgraded, with its data, to the newest schema (on either backend)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from handlers.house import House
from handlers.retention.service import fates
from storage import crypto
from storage.audit_chain import GENESIS, entry_hash, stamp
from storage.db import Database, _alembic_config
from storage.unit import Unit
from tests.databases import Databases, rows
from tests.helpers import chain_holds


def _upgrade_to(revision: str) -> Callable[[Connection], None]:
    def upgrade(connection: Connection) -> None:
        command.upgrade(_alembic_config(connection), revision)

    return upgrade


async def test_upgrade_from_the_first_aanmeldingen_keeps_the_data(databases: Databases) -> None:
    db = Database(databases.url("old", empty=True))
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(_upgrade_to("0004"))
            await connection.execute(text(
                "INSERT INTO aanmeldingen (reference, submitted_at, status, aanmelder_matrix_id, "
                "aanmelder_organisation, voornaam, achternaam, geboortedatum, minderjarig, "
                "woonplaats, gemeente, probleemstelling, doel, criteria, betrokken_partners, "
                "urgentie, contactpersoon) VALUES ('ZVH-2026-0001', '2026-11-01 09:00:00+00', "
                "'aangemeld', '@a:x.nl', 'politie', 'Testje', 'Nep', '1990-04-03', false, "
                "'Demostad', 'Demostad', 'p', 'd', '[]', '[]', 'regulier', 'ik')"
            ))  # fmt: skip
            await connection.execute(text(
                "INSERT INTO outbox (room_id, tx_id, plain, html, sensitive, is_report, state, "
                "attempts, created_at, next_attempt_at) VALUES ('!r', 'tx1', 'hallo', 'hallo', "
                "false, false, 'pending', 0, '2026-11-01 09:00:00+00', '2026-11-01 09:00:00+00')"
            ))  # fmt: skip
            await connection.run_sync(_upgrade_to("0007"))
            await connection.execute(text(
                "INSERT INTO audit_log (at, kind, actor, reference, detail) VALUES "
                "('2026-11-01 09:00:00.123456+00', 'submitted', '@a:x.nl', 'ZVH-2026-0001', '{}')"
            ))  # fmt: skip
        await db.migrate()
        revision = await db.current_revision()
        async with db.session() as session:
            audit = Unit(session).audit
            assert len(await audit.entries()) == 1
            assert await chain_holds(Unit(session)), "the chain is built over old entries"
    finally:
        await db.close()

    versions = sorted(
        p.name.split("_")[0]
        for p in (Path(__file__).parent.parent / "storage/migrations/versions").glob("0*.py")
    )
    assert revision == versions[-1]
    [row] = await rows(
        db.url, "SELECT reference, voornaam, triage_status, lookup_hash FROM aanmeldingen"
    )
    keys = crypto.installed()
    assert row[1] != "Testje", "existing personal data is encrypted by the upgrade"
    assert (row[0], keys.decrypt(row[1]), row[2]) == ("ZVH-2026-0001", "Testje", "open")
    assert row[3] == keys.lookup_hash("Nep", "1990-04-03")
    [outbox] = await rows(db.url, "SELECT plain, not_before FROM outbox")
    assert (keys.decrypt(outbox[0]), outbox[1]) == ("hallo", None)


def _differences(connection: Connection) -> list[object]:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from storage.models import Base

    command.upgrade(_alembic_config(connection), "head")
    context = MigrationContext.configure(
        connection, opts={"compare_type": False, "compare_server_default": False}
    )
    return list(compare_metadata(context, Base.metadata))


async def test_the_migrations_build_exactly_the_schema_of_the_models(
    databases: Databases,
) -> None:
    """A column or index in the models that no migration creates would break a deployment."""
    db = Database(databases.url("schema", empty=True))
    try:
        async with db.engine.begin() as connection:
            differences = await connection.run_sync(_differences)
    finally:
        await db.close()
    assert differences == []


async def test_the_upgrade_gives_every_existing_casus_its_dates(databases: Databases) -> None:
    """Every casus ends: an afgeschaalde casus of before is closed on its afschaling day, a
    running one gets its "nog nodig?" date from its decision; no row is deleted."""
    db = Database(databases.url("dates", empty=True))
    keys = crypto.installed()
    values = {f"v{n}": keys.encrypt(v) for n, v in enumerate(("Testje", "Nep", "1990-04-03"))}
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(_upgrade_to("0012"))
            for reference, afgeschaald in (("ZVH-2026-0001", date(2026, 3, 1)),
                                           ("ZVH-2026-0002", None)):  # fmt: skip
                await connection.execute(text(
                    "INSERT INTO aanmeldingen (reference, submitted_at, status, "
                    "aanmelder_matrix_id, aanmelder_organisation, voornaam, achternaam, "
                    "geboortedatum, minderjarig, woonplaats, gemeente, probleemstelling, doel, "
                    "criteria, betrokken_partners, urgentie, contactpersoon, triage_status, "
                    "decided_at, afgeschaald_on) VALUES (:reference, '2026-01-01 09:00:00+00', "
                    "'aangemeld', '@a:x.nl', 'politie', :v0, :v1, :v2, false, :v0, :v0, :v0, "
                    ":v0, '[]', '[]', 'regulier', :v0, 'casusoverleg', "
                    "'2026-01-05 09:00:00+00', :afgeschaald)"
                ), {"reference": reference, "afgeschaald": afgeschaald, **values})  # fmt: skip
        await db.migrate()
        async with db.reading() as unit:
            found = await fates(unit, House(), date(2026, 6, 1))
    finally:
        await db.close()
    stored = await rows(
        db.url, "SELECT reference, closed_on, closed_route FROM aanmeldingen ORDER BY reference"
    )
    assert [(r, str(c) if c else None, route) for r, c, route in stored] == [
        ("ZVH-2026-0001", "2026-03-01", "afgeschaald"),
        ("ZVH-2026-0002", None, None),
    ]
    assert [(f.reference, f.status, f.delete_on, f.ask_on) for f in found] == [
        ("ZVH-2026-0001", "afgeschaald", date(2027, 3, 1), None),
        ("ZVH-2026-0002", "casusoverleg", None, date(2026, 7, 6)),
    ]


async def test_the_keyed_chain_does_not_hide_a_chain_broken_before(databases: Databases) -> None:
    """Upgrading to the keyed chain (0015) over an old chain that was already tampered with
    says so in the new chain, where it cannot be removed unseen."""
    db = Database(databases.url("oldchain", empty=True))
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(_upgrade_to("0014"))
            previous = GENESIS
            for n in range(3):
                at = f"2026-11-0{n + 1} 09:00:00.000000+00"
                moment = datetime.fromisoformat(at.replace("+00", "+00:00"))
                digest = entry_hash(previous, stamp(moment), "viewed", "@a:x.nl", None, None,
                                    None, None, "{}")  # fmt: skip
                stored = "{}" if n != 1 else '{"x": 1}'  # the second entry was changed
                await connection.execute(text(
                    "INSERT INTO audit_log (at, kind, actor, detail, prev_hash, entry_hash) "
                    "VALUES (:at, 'viewed', '@a:x.nl', :d, :p, :h)"
                ), {"at": moment, "d": stored, "p": previous, "h": digest})  # fmt: skip
                previous = digest
        await db.migrate()
        async with db.reading() as unit:
            entries = await unit.audit.entries()
            assert await chain_holds(unit)
        assert [e.seq for e in entries] == [1, 2, 3, 4]
        assert entries[-1].kind == "incident"
        assert '"audit_chain_broken_before_upgrade"' in entries[-1].detail
    finally:
        await db.close()


async def test_the_figures_keep_what_was_counted_before_the_facts_table(
    databases: Databases,
) -> None:
    """0017 replaces triage_outcomes and closures by one table of facts: their rows move."""
    db = Database(databases.url("facts", empty=True))
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(_upgrade_to("0016"))
            await connection.execute(text(
                "INSERT INTO triage_outcomes (decided_on, organisation_key, outcome) "
                "VALUES ('2026-03-02', 'politie', 'casusoverleg')"
            ))  # fmt: skip
            await connection.execute(text(
                "INSERT INTO closures (closed_on, organisation_key, route, outcome, evaluation) "
                "VALUES ('2026-09-01', 'politie', 'afgeschaald', 'doel-bereikt', 'ja')"
            ))  # fmt: skip
        await db.migrate()
        async with db.reading() as unit:
            facts = await unit.feiten.between(date(2026, 1, 1), date(2027, 1, 1))
        assert [(f.soort, str(f.day), f.organisation_key, f.outcome, f.route, f.evaluation)
                for f in facts] == [
            ("besloten", "2026-03-02", "politie", "casusoverleg", None, None),
            ("afgesloten", "2026-09-01", "politie", "doel-bereikt", "afgeschaald", "ja"),
        ]  # fmt: skip
    finally:
        await db.close()
