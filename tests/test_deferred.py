"""Deferred bookkeeping (storage/deferred.py): it rides along with the next transaction,
is written on its own within a moment otherwise, and is never lost on a failure."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.positions import DatabasePositions
from scheduler.clock import FrozenClock
from storage.db import Database
from storage.unit import Unit
from tests.databases import Databases

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


async def stored_position(db: Database) -> str | None:
    async with db.session() as session:
        return await Unit(session).sync_positions.load("@bot:x.nl")


async def test_the_sync_position_rides_along_with_the_next_transaction(db: Database) -> None:
    db.deferred.delay = 60  # no transaction of its own during this test
    positions = DatabasePositions(db, "@bot:x.nl", FrozenClock(NOW))
    await positions.save("s1")
    await positions.save("s2")
    assert await stored_position(db) is None  # not yet: it waits for company
    async with db.transaction() as unit:
        await unit.job_slots.claim("agenda", NOW)
    assert await stored_position(db) == "s2"  # only the newest counts


async def test_alone_it_is_written_within_a_moment(db: Database) -> None:
    positions = DatabasePositions(db, "@bot:x.nl", FrozenClock(NOW))
    await positions.save("s1")
    for _ in range(100):
        if await stored_position(db) == "s1":
            break
        await asyncio.sleep(0.05)
    assert await stored_position(db) == "s1"


async def test_a_failing_writer_loses_nothing_and_stops_riding_along(db: Database) -> None:
    db.deferred.delay = 60
    written: list[Any] = []
    failures = [RuntimeError("disk full")]

    async def writer(_unit: Unit, items: list[Any]) -> None:
        if failures:
            raise failures.pop()
        written.extend(items)

    db.deferred.register("test", writer)
    db.deferred.add("test", 1)
    db.deferred.add("test", 2)
    with pytest.raises(RuntimeError):
        async with db.transaction() as unit:
            await unit.job_slots.claim("agenda", NOW)
    assert written == []
    # Other work goes on without it...
    async with db.transaction() as unit:
        assert await unit.job_slots.claim("agenda", NOW)
    assert written == []
    # ...and the items are written on their own, in order, none lost.
    db.deferred.add("test", 3)
    await db.deferred.flush()
    assert written == [1, 2, 3]
    assert db.deferred.ride_along


async def test_the_sync_position_is_written_at_most_once_a_second(db: Database) -> None:
    db.deferred.delay = 0.01
    positions = DatabasePositions(db, "@bot:x.nl", FrozenClock(NOW))
    writes: list[str] = []

    async def counting(unit: Unit, latest: list[Any]) -> None:
        writes.append(latest[-1][0])
        await unit.sync_positions.save("@bot:x.nl", latest[-1][0], NOW)

    db.deferred.register("sync_position", counting, keep_last=True, interval=1.0)
    await positions.save("s1")
    for _ in range(100):  # the first is written within a moment
        if writes:
            break
        await asyncio.sleep(0.01)
    assert writes == ["s1"]
    # Syncs keep coming, and so does other work; the position waits out its second...
    for n in range(2, 6):
        await positions.save(f"s{n}")
        async with db.transaction() as unit:
            await unit.job_slots.claim(f"job{n}", NOW)
    assert writes == ["s1"]
    assert await stored_position(db) == "s1"
    # ...and then only the newest is written, on its own if nothing else comes.
    for _ in range(200):
        if len(writes) > 1:
            break
        await asyncio.sleep(0.01)
    assert writes == ["s1", "s5"]
    await db.deferred.flush()  # returns once the write in progress has committed
    assert await stored_position(db) == "s5"


async def test_closing_the_database_writes_the_newest_position_at_once(
    databases: Databases,
) -> None:
    db = Database(databases.url("closing"))
    await db.migrate()
    positions = DatabasePositions(db, "@bot:x.nl", FrozenClock(NOW))
    await positions.save("s1")
    await db.deferred.flush(everything=True)
    await positions.save("s2")  # within its second: it would wait
    await db.close()
    reopened = Database(databases.url("closing"))
    try:
        assert await stored_position(reopened) == "s2"
    finally:
        await reopened.close()


async def test_a_flush_returns_once_what_another_transaction_took_is_committed(
    db: Database,
) -> None:
    # Whoever flushes reads the table next (the outbox sender): it must see the items.
    db.deferred.delay = 60

    async def writer(unit: Unit, items: list[Any]) -> None:
        await unit.sync_positions.save("@bot:x.nl", items[-1], NOW)

    db.deferred.register("test", writer)
    db.deferred.add("test", "s1")
    release = asyncio.Event()

    async def unit_of_work() -> None:
        async with db.transaction() as unit:  # takes "s1" along
            await unit.job_slots.claim("agenda", NOW)
            await release.wait()

    work = asyncio.create_task(unit_of_work())
    await asyncio.sleep(0.05)
    flushing = asyncio.create_task(db.deferred.flush())
    await asyncio.sleep(0.1)
    assert not flushing.done()  # "s1" is not committed yet
    release.set()
    await asyncio.wait_for(flushing, 2)
    assert await stored_position(db) == "s1"  # what a reader right after the flush sees
    await work
