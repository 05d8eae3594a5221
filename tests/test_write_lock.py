"""Write transactions run one at a time, on SQLite and on PostgreSQL alike: work that reads
first and writes later (a case number, a job slot) is never done twice at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from storage import db as storage_db
from storage.db import Database
from storage.models import JobSlot
from tests.databases import Databases

SLOT = datetime(2026, 11, 23, 9, tzinfo=UTC)


async def test_case_numbers_handed_out_at_once_are_all_different(db: Database) -> None:
    async def one() -> str:
        async with db.transaction() as unit:
            # The year's first number: the counter row does not exist yet for any of them.
            reference = await unit.references.next("ZVH", 2026)
            await asyncio.sleep(0.01)  # let the others try in between
            return reference

    references = await asyncio.gather(*(one() for _ in range(5)))
    assert sorted(references) == [f"ZVH-2026-000{n}" for n in range(1, 6)]


async def test_a_job_slot_claimed_at_once_is_claimed_once(db: Database) -> None:
    async def one() -> bool:
        async with db.transaction() as unit:
            claimed = await unit.job_slots.claim("agenda", SLOT)
            await asyncio.sleep(0.01)
            return claimed

    assert sorted(await asyncio.gather(one(), one(), one())) == [False, False, True]
    async with db.session() as session:
        assert (await session.execute(select(JobSlot.last_slot))).scalar_one() == SLOT


async def test_a_failed_transaction_releases_the_lock(db: Database) -> None:
    class Boom(Exception):
        pass

    try:
        async with db.transaction() as unit:
            await unit.job_slots.claim("agenda", SLOT)
            raise Boom
    except Boom:
        pass
    async with asyncio.timeout(5), db.transaction() as unit:
        assert await unit.job_slots.claim("agenda", SLOT), "rolled back"


async def test_writers_take_their_turn_in_the_order_they_came(db: Database) -> None:
    # Fifty conversations answered at once: no answer waits behind ones that came later
    # (SQLite's busy handler alone lets waiting writers retry after naps, in any order).
    entered: list[int] = []

    async def one(number: int) -> None:
        async with db.transaction() as unit:
            entered.append(number)
            await unit.job_slots.claim(f"job-{number}", SLOT)
            await asyncio.sleep(0.005)

    writers = []
    for number in range(12):
        writers.append(asyncio.create_task(one(number)))
        await asyncio.sleep(0)  # each asks for its turn before the next one starts
    await asyncio.gather(*writers)
    assert entered == list(range(12))


async def test_a_writer_inside_another_writers_transaction_fails_instead_of_hanging(
    databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage_db, "LOCK_TIMEOUT_MS", 300)
    database = Database(databases.url("nested"))
    await database.migrate()
    try:
        async with database.transaction() as outer:
            await outer.job_slots.claim("outer", SLOT)
            with pytest.raises(DBAPIError):
                async with asyncio.timeout(10), database.transaction() as inner:
                    await inner.job_slots.claim("inner", SLOT)
        async with database.transaction() as unit:  # and the queue is free again
            assert await unit.job_slots.claim("inner", SLOT)
    finally:
        await database.close()
