"""The one-call aiosqlite driver (storage/sqlite_driver.py) is in use on SQLite and behaves
as the stock driver does: rows, row counts, ids of inserted rows, errors, rollbacks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import HandledEvent, Organisation
from storage.sqlite_driver import OneCallDBAPI

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)

pytestmark = pytest.mark.sqlite_only(reason="the driver is SQLite's")


async def test_the_bot_uses_the_one_call_driver_on_sqlite(db: Database) -> None:
    # Falling back to the stock driver (e.g. after an aiosqlite upgrade) must be noticed.
    assert isinstance(db.engine.dialect.dbapi, OneCallDBAPI)


async def test_rows_ids_and_counts_come_back_as_written(db: Database) -> None:
    async with db.transaction() as unit:
        first = await unit.organisations.add("politie", "Politie", NOW)
        second = await unit.organisations.add("ggd", "GGD", NOW)
        assert first.id is not None
        assert second.id == first.id + 1  # ids of the inserts
        for n in range(5):
            assert await unit.handled_events.claim(f"$e{n}", NOW)
        assert not await unit.handled_events.claim("$e1", NOW)  # already there
        deleted = await unit.session.execute(
            text("DELETE FROM handled_events WHERE event_id < '$e3'")
        )
        assert deleted.rowcount == 3  # type: ignore[attr-defined]
    async with db.session() as session:
        names = (await session.execute(select(Organisation.name).order_by(Organisation.key))).all()
        assert [n for (n,) in names] == ["GGD", "Politie"]
        left = (await session.execute(select(HandledEvent.event_id))).scalars().all()
        assert sorted(left) == ["$e3", "$e4"]
        empty = (await session.execute(text("SELECT 1 WHERE 0"))).all()
        assert empty == []


async def test_a_constraint_error_is_sqlalchemys_and_rolls_back(db: Database) -> None:
    async def twice() -> None:
        async with db.transaction() as unit:
            await unit.organisations.add("politie", "Politie", NOW)
            await unit.organisations.add("politie", "Nog eens", NOW)

    with pytest.raises(IntegrityError):
        await twice()
    async with db.session() as session:
        assert (await session.execute(select(Organisation))).all() == []
    async with db.transaction() as unit:  # the connection is usable afterwards
        await unit.organisations.add("politie", "Politie", NOW)
