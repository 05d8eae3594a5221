"""Write transactions run one at a time, on SQLite and on PostgreSQL alike: work that reads
first and writes later (a case number, a job slot) is never done twice at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from storage.db import Database
from storage.models import JobSlot
from storage.repositories import JobSlotRepository, ReferenceRepository

SLOT = datetime(2026, 11, 23, 9, tzinfo=UTC)


async def test_case_numbers_handed_out_at_once_are_all_different(db: Database) -> None:
    async def one() -> str:
        async with db.transaction() as session:
            # The year's first number: the counter row does not exist yet for any of them.
            reference = await ReferenceRepository(session).next("ZVH", 2026)
            await asyncio.sleep(0.01)  # let the others try in between
            return reference

    references = await asyncio.gather(*(one() for _ in range(5)))
    assert sorted(references) == [f"ZVH-2026-000{n}" for n in range(1, 6)]


async def test_a_job_slot_claimed_at_once_is_claimed_once(db: Database) -> None:
    async def one() -> bool:
        async with db.transaction() as session:
            claimed = await JobSlotRepository(session).claim("agenda", SLOT)
            await asyncio.sleep(0.01)
            return claimed

    assert sorted(await asyncio.gather(one(), one(), one())) == [False, False, True]
    async with db.session() as session:
        assert (await session.execute(select(JobSlot.last_slot))).scalar_one() == SLOT


async def test_a_failed_transaction_releases_the_lock(db: Database) -> None:
    class Boom(Exception):
        pass

    try:
        async with db.transaction() as session:
            await JobSlotRepository(session).claim("agenda", SLOT)
            raise Boom
    except Boom:
        pass
    async with asyncio.timeout(5), db.transaction() as session:
        assert await JobSlotRepository(session).claim("agenda", SLOT), "rolled back"
