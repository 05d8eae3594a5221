"""Managed rooms: the wish handlers write (name, topic, members) and what the bot did."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ManagedRoom


def split_ids(text: str) -> frozenset[str]:
    return frozenset(line for line in text.split("\n") if line)


def join_ids(ids: Iterable[str]) -> str:
    return "\n".join(sorted(set(ids)))


class ManagedRoomRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: str) -> ManagedRoom | None:
        result = await self.session.execute(select(ManagedRoom).where(ManagedRoom.key == key))
        return result.scalar_one_or_none()

    async def want(
        self, key: str, name: str, topic: str, members: Iterable[str], now: datetime
    ) -> ManagedRoom:
        """Describe how the room must be; the room manager makes it so."""
        wanted = join_ids(members)
        room = await self.get(key)
        if room is None:
            room = ManagedRoom(
                key=key, name=name, topic=topic, members=wanted, invited="", state="pending",
                create_attempts=0, updated_at=now,
            )  # fmt: skip
            self.session.add(room)
        elif (room.name, room.topic, room.members) != (name, topic, wanted):
            room.name, room.topic, room.members = name, topic, wanted
            room.state, room.updated_at = "pending", now
        await self.session.flush()
        return room

    async def pending(self) -> Sequence[ManagedRoom]:
        result = await self.session.execute(
            select(ManagedRoom).where(ManagedRoom.state == "pending").order_by(ManagedRoom.id)
        )
        return result.scalars().all()

    async def with_rooms(self) -> Sequence[ManagedRoom]:
        result = await self.session.execute(
            select(ManagedRoom).where(ManagedRoom.room_id.is_not(None))
        )
        return result.scalars().all()

    async def containing(self, matrix_id: str) -> Sequence[ManagedRoom]:
        """Rooms the member is wanted in or was invited to (a LIKE prefilter, then exact)."""
        pattern = f"%{matrix_id}%"
        result = await self.session.execute(
            select(ManagedRoom).where(
                or_(ManagedRoom.members.like(pattern), ManagedRoom.invited.like(pattern))
            )
        )
        return [
            room
            for room in result.scalars()
            if matrix_id in split_ids(room.members) or matrix_id in split_ids(room.invited)
        ]

    async def revoke(self, matrix_id: str, now: datetime) -> int:
        """Take a member out of every room they are wanted in; returns how many rooms."""
        rooms = await self.containing(matrix_id)
        for room in rooms:
            room.members = join_ids(split_ids(room.members) - {matrix_id})
            room.state, room.updated_at = "pending", now
        await self.session.flush()
        return len(rooms)
