"""The transport's sync position, and the rooms' state kept with it, in the bot's database.

Both are one kind of deferred write (storage/deferred.py), in order: a position is never
written before the state changes of the syncs up to it, so the state kept always reaches
at least as far as the position (bot/matrix/snapshot.py relies on that at a restart).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from bot.matrix.snapshot import StateChanges
from scheduler.clock import Clock
from storage.db import Database
from storage.unit import Unit

# The sync position is written at most once a second (with other work when it can): each
# write cost about as much as the rest of a message's bookkeeping (bench/RESULTS.md).
SYNC_POSITION_INTERVAL = 1.0


class DatabasePositions:
    def __init__(self, db: Database, account: str, clock: Clock) -> None:
        self.db = db
        self.account = account
        self.clock = clock
        db.deferred.register("sync_position", self._write, interval=SYNC_POSITION_INTERVAL)

    async def load(self) -> str | None:
        async with self.db.reading() as unit:
            return await unit.sync_positions.load(self.account)

    async def kept_state(self, chunk: int) -> AsyncIterator[dict[str, list[dict[str, Any]]]]:
        """The kept state, ``chunk`` rooms at a time (a house's 2,000 rooms parsed at once
        would raise the bot's memory for the rest of its run: bench/RESULTS.md)."""
        async with self.db.reading() as unit:
            rooms = await unit.room_state.rooms(self.account)
        for start in range(0, len(rooms), chunk):
            async with self.db.reading() as unit:
                yield await unit.room_state.load(self.account, rooms[start : start + chunk])

    def record_state(self, changes: StateChanges) -> None:
        """What a sync changed in the rooms' state: written before any later position."""
        self.db.deferred.add("sync_position", changes)

    async def save(self, next_batch: str) -> None:
        # Written with the next transaction, or within a moment: after a crash the sync
        # resumes a little earlier, and what it delivers again was claimed once already.
        self.db.deferred.add("sync_position", (next_batch, self.clock.now()))

    async def _write(self, unit: Unit, items: list[Any]) -> None:
        latest: tuple[str, datetime] | None = None
        for item in items:
            if isinstance(item, StateChanges):
                await unit.room_state.apply(self.account, item.rooms, item.left)
            else:
                latest = item  # only the newest position counts
        if latest is not None:
            await unit.sync_positions.save(self.account, *latest)
