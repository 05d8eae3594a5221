"""The transport's sync position, kept in the bot's database."""

from __future__ import annotations

from datetime import datetime

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
        db.deferred.register(
            "sync_position", self._write, keep_last=True, interval=SYNC_POSITION_INTERVAL
        )

    async def load(self) -> str | None:
        async with self.db.reading() as unit:
            return await unit.sync_positions.load(self.account)

    async def save(self, next_batch: str) -> None:
        # Written with the next transaction, or within a moment: after a crash the sync
        # resumes a little earlier, and what it delivers again was claimed once already.
        self.db.deferred.add("sync_position", (next_batch, self.clock.now()))

    async def _write(self, unit: Unit, latest: list[tuple[str, datetime]]) -> None:
        next_batch, at = latest[-1]
        await unit.sync_positions.save(self.account, next_batch, at)
