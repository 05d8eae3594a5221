"""A deployed database is upgraded, with its data, to the newest schema."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from storage import crypto
from storage.db import Database, _alembic_config


def test_upgrade_from_the_first_aanmeldingen_keeps_the_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "0004")
        connection.execute(text(
            "INSERT INTO aanmeldingen (reference, submitted_at, status, aanmelder_matrix_id, "
            "aanmelder_organisation, voornaam, achternaam, geboortedatum, minderjarig, "
            "woonplaats, gemeente, probleemstelling, doel, criteria, betrokken_partners, "
            "urgentie, contactpersoon) VALUES ('ZVH-2026-0001', '2026-11-01 09:00:00', "
            "'aangemeld', '@a:x.nl', 'politie', 'Testje', 'Nep', '1990-04-03', 0, 'Demostad', "
            "'Demostad', 'p', 'd', '[]', '[]', 'regulier', 'ik')"
        ))  # fmt: skip
        connection.execute(text(
            "INSERT INTO outbox (room_id, tx_id, plain, html, sensitive, is_report, state, "
            "attempts, created_at, next_attempt_at) VALUES ('!r', 'tx1', 'hallo', 'hallo', 0, 0, "
            "'pending', 0, '2026-11-01 09:00:00', '2026-11-01 09:00:00')"
        ))  # fmt: skip
    engine.dispose()

    async def upgrade() -> str | None:
        db = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await db.migrate()
            return await db.current_revision()
        finally:
            await db.close()

    revision = asyncio.run(upgrade())
    versions = sorted(
        p.name.split("_")[0]
        for p in (Path(__file__).parent.parent / "storage/migrations/versions").glob("0*.py")
    )
    assert revision == versions[-1]
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT reference, voornaam, triage_status, lookup_hash FROM aanmeldingen")
        ).one()
        keys = crypto.installed()
        assert row[1] != "Testje", "existing personal data is encrypted by the upgrade"
        assert (row[0], keys.decrypt(row[1]), row[2]) == ("ZVH-2026-0001", "Testje", "open")
        assert row[3] == keys.lookup_hash("Nep", "1990-04-03")
        outbox = connection.execute(text("SELECT plain, not_before FROM outbox")).one()
        assert (keys.decrypt(outbox[0]), outbox[1]) == ("hallo", None)
    engine.dispose()


def test_the_migrations_build_exactly_the_schema_of_the_models(tmp_path: Path) -> None:
    """A column or index in the models that no migration creates would break a deployment."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from storage.models import Base

    engine = create_engine(f"sqlite:///{tmp_path / 'schema.db'}")
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")
        context = MigrationContext.configure(
            connection, opts={"compare_type": False, "compare_server_default": False}
        )
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []
