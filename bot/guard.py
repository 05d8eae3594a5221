"""The procesregie room: only the procesregie reads along (the bot guards it).

The room is made and run by people; the bot is a member. Anyone in it, or invited to it,
who is not registered with a procesregie role is removed by the bot (a revoked member
quietly, anyone else as a possible incident: ``handlers/incidents.py``). Without the power
to remove, the bot tells the managers and beheerders once; until then its case data for
that room is refused by the transport's room policy.
"""

from __future__ import annotations

from collections.abc import Callable

from handlers.directory import Directory
from handlers.house import House
from handlers.incidenten.detected import cannot_remove_from_procesregie, stranger_in_procesregie
from handlers.outbox import queue
from scheduler.clock import Clock
from storage.db import Database


class ProcesregieGuard:
    def __init__(
        self, db: Database, clock: Clock, house: House, on_queued: Callable[[], None]
    ) -> None:
        assert house.procesregie_room is not None
        self.db = db
        self.clock = clock
        self.house = house
        self.room_id: str = house.procesregie_room
        self.on_queued = on_queued

    async def allowed(self) -> frozenset[str]:
        async with self.db.reading() as unit:
            return frozenset(m.matrix_id for m in await Directory(unit, self.house).regie())

    async def removed(self, user_id: str) -> None:
        now = self.clock.now()
        async with self.db.transaction() as unit:
            await queue(unit, await stranger_in_procesregie(unit, self.house, user_id, now), now)
        if unit.effects.outbox_written:
            self.on_queued()

    async def cannot_remove(self, user_id: str) -> None:
        now = self.clock.now()
        async with self.db.transaction() as unit:
            told = await cannot_remove_from_procesregie(unit, self.house, user_id, now)
            await queue(unit, told, now, is_report=True)
        self.on_queued()
