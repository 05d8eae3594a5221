"""The bot's own bookkeeping: events handled, how far the sync got, which job slots ran,
members' messages with a BSN that must go."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from storage.base import Repository, rowcount
from storage.models import (
    HandledEvent,
    JobSlot,
    RoomStateEvent,
    SentMessage,
    SyncPosition,
    WithdrawnMessage,
)
from storage.types import WITHDRAWN, SentState

_handled = cast(Table, HandledEvent.__table__)
_room_state = cast(Table, RoomStateEvent.__table__)
_UPSERT_STATE = {
    dialect: insert(_room_state).on_conflict_do_update(
        index_elements=["account", "room_id"], set_={"events": insert(_room_state).excluded.events}
    )
    for dialect, insert in (("sqlite", sqlite_insert), ("postgresql", postgresql_insert))
}
# Rooms per statement when the first sync brings every room's state.
STATE_CHUNK = 500
_positions = cast(Table, SyncPosition.__table__)
_CLAIM = {
    "sqlite": sqlite_insert(_handled).on_conflict_do_nothing(index_elements=["event_id"]),
    "postgresql": postgresql_insert(_handled).on_conflict_do_nothing(index_elements=["event_id"]),
}
_SAVE_POSITION = (
    update(_positions)
    .where(_positions.c.account == bindparam("for_account"))
    .values(next_batch=bindparam("next_batch"), updated_at=bindparam("updated_at"))
)


class HandledEventRepository(Repository):
    """Remembers handled Matrix event ids; ``claim`` is the exactly-once gate."""

    async def claim(self, event_id: str, now: datetime) -> bool:
        """Mark ``event_id`` handled; False when it already was."""
        dialect = self.session.get_bind().dialect.name
        if dialect in ("sqlite", "postgresql"):
            # Every message passes here: one statement instead of a lookup and an insert
            # in a savepoint (four).
            result = await self.session.execute(
                _CLAIM[dialect], {"event_id": event_id, "handled_at": now}
            )
            return bool(getattr(result, "rowcount", 0))
        if await self.session.get(HandledEvent, event_id) is not None:
            return False
        try:
            async with self.session.begin_nested():
                self.session.add(HandledEvent(event_id=event_id, handled_at=now))
        except IntegrityError:
            return False
        return True

    async def forget_before(self, cutoff: datetime) -> int:
        result = await self.session.execute(
            delete(HandledEvent).where(HandledEvent.handled_at < cutoff)
        )
        return rowcount(result)


class SyncPositionRepository(Repository):
    async def load(self, account: str) -> str | None:
        result = await self.session.execute(
            select(SyncPosition.next_batch).where(SyncPosition.account == account)
        )
        return result.scalar_one_or_none()

    async def save(self, account: str, next_batch: str, now: datetime) -> None:
        # Saved after nearly every sync: one UPDATE, an INSERT only the first time.
        result = await self.session.execute(
            _SAVE_POSITION, {"for_account": account, "next_batch": next_batch, "updated_at": now}
        )
        if not getattr(result, "rowcount", 0):
            self.session.add(SyncPosition(account=account, next_batch=next_batch, updated_at=now))
            await self.session.flush()


class RoomStateRepository(Repository):
    """The current state of the rooms the bot is in (bot/matrix/snapshot.py): per room
    its state events, each (type, state key) once."""

    async def rooms(self, account: str) -> list[str]:
        """The rooms whose state is kept, in a stable order."""
        rows = await self.session.execute(
            select(RoomStateEvent.room_id)
            .where(RoomStateEvent.account == account)
            .order_by(RoomStateEvent.id)
        )
        return list(rows.scalars().all())

    async def load(self, account: str, room_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """The kept state of these rooms (those still kept)."""
        rows = await self.session.execute(
            select(RoomStateEvent.room_id, RoomStateEvent.events).where(
                RoomStateEvent.account == account, RoomStateEvent.room_id.in_(room_ids)
            )
        )
        return {room_id: json.loads(events) for room_id, events in rows.all()}

    async def apply(
        self, account: str, rooms: Mapping[str, Mapping[tuple[str, str], dict[str, Any]]],
        left: Sequence[str],
    ) -> None:  # fmt: skip
        """What one sync changed: state events written over the old ones of the same type
        and state key, rooms left gone."""
        if left:
            await self.session.execute(
                delete(RoomStateEvent).where(
                    RoomStateEvent.account == account, RoomStateEvent.room_id.in_(left)
                )
            )
        changed = list(rooms)
        values = []
        for start in range(0, len(changed), STATE_CHUNK):
            chunk = changed[start : start + STATE_CHUNK]
            rows = await self.session.execute(
                select(RoomStateEvent.room_id, RoomStateEvent.events).where(
                    RoomStateEvent.account == account, RoomStateEvent.room_id.in_(chunk)
                )
            )
            before = {room_id: json.loads(events) for room_id, events in rows.all()}
            for room_id in chunk:
                merged = {(e["type"], e["state_key"]): e for e in before.get(room_id, [])}
                merged.update(rooms[room_id])
                events = json.dumps(list(merged.values()), separators=(",", ":"))
                values.append({"account": account, "room_id": room_id, "events": events})
        statement = _UPSERT_STATE[self.session.get_bind().dialect.name]
        for start in range(0, len(values), STATE_CHUNK):
            await self.session.execute(statement, values[start : start + STATE_CHUNK])


class JobSlotRepository(Repository):
    async def claim(self, name: str, slot: datetime) -> bool:
        """Record that ``slot`` of job ``name`` ran; False when it (or a later one) already did."""
        row = await self.session.get(JobSlot, name, with_for_update=True)
        if row is not None and row.last_slot >= slot:
            return False
        if row is None:
            self.session.add(JobSlot(name=name, last_slot=slot))
        else:
            row.last_slot = slot
        await self.session.flush()
        return True


class WithdrawnMessageRepository(Repository):
    """Members' messages with a BSN that must go (ids only)."""

    async def watch(self, room_id: str, event_id: str, sender: str, now: datetime) -> bool:
        """Watch a message until it is redacted; False when it already was (the same event
        twice is one row)."""
        if await self.watching(event_id):
            return False
        self.session.add(
            WithdrawnMessage(room_id=room_id, event_id=event_id, sender=sender, asked_at=now)
        )
        await self.session.flush()
        return True

    async def watching(self, event_id: str) -> bool:
        result = await self.session.execute(
            select(WithdrawnMessage.id).where(WithdrawnMessage.event_id == event_id)
        )
        return result.first() is not None

    async def gone(self, event_id: str) -> WithdrawnMessage | None:
        """The message was redacted: stop watching it (the row it had, if any)."""
        result = await self.session.execute(
            select(WithdrawnMessage).where(WithdrawnMessage.event_id == event_id)
        )
        row = result.scalar_one_or_none()
        if row is not None:
            await self.session.delete(row)
            await self.session.flush()
        return row

    async def due(self, asked_before: datetime) -> Sequence[WithdrawnMessage]:
        """Rows with something to do: asked before ``asked_before`` (the job decides what)."""
        result = await self.session.execute(
            select(WithdrawnMessage)
            .where(WithdrawnMessage.asked_at <= asked_before)
            .order_by(WithdrawnMessage.id)
        )
        return result.scalars().all()

    async def take_back(self, row: WithdrawnMessage, now: datetime) -> None:
        """Ask the room manager to redact the message itself."""
        row.taken_at = now
        self.session.add(SentMessage(
            reference=WITHDRAWN, room_id=row.room_id, event_id=row.event_id, sent_at=now,
            state=SentState.REDACT,
        ))  # fmt: skip
        self.effects.room_work = True
        await self.session.flush()

    async def drop(self, row: WithdrawnMessage) -> None:
        await self.session.delete(row)
        await self.session.flush()
