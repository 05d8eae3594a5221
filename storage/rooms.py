"""Managed rooms: the wish handlers write (name, topic, members) and what the bot did."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, func, insert, or_, select, update

from storage.base import Repository, rowcount
from storage.models import Aanmelding, ManagedRoom, OutboxMessage, SentMessage
from storage.types import RoomState, SentState


def split_ids(text: str) -> frozenset[str]:
    return frozenset(line for line in text.split("\n") if line)


def join_ids(ids: Iterable[str]) -> str:
    return "\n".join(sorted(set(ids)))


class ManagedRoomRepository(Repository):
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
                key=key, name=name, topic=topic, members=wanted, invited="",
                state=RoomState.PENDING,
                create_attempts=0, updated_at=now,
            )  # fmt: skip
            self.session.add(room)
            self.effects.room_work = True
        elif (room.name, room.topic, room.members) != (name, topic, wanted):
            room.name, room.topic, room.members = name, topic, wanted
            room.state, room.updated_at = RoomState.PENDING, now
            self.effects.room_work = True
        await self.session.flush()
        return room

    async def pending(self) -> Sequence[ManagedRoom]:
        """Rooms whose homeserver state does not match the wish yet (closing included)."""
        result = await self.session.execute(
            select(ManagedRoom)
            .where(ManagedRoom.state.in_((RoomState.PENDING, RoomState.CLOSING)))
            .order_by(ManagedRoom.id)
        )
        return result.scalars().all()

    async def close(self, key: str, now: datetime) -> bool:
        """Retention: the room is to be emptied and given up. False when there is none."""
        return await self.close_all([key], now) > 0

    async def close_all(self, keys: Sequence[str], now: datetime) -> int:
        """:meth:`close` for many rooms in one statement; returns how many there were."""
        result = await self.session.execute(
            update(ManagedRoom)
            .where(ManagedRoom.key.in_(keys))
            .values(state=RoomState.CLOSING, members="", updated_at=now)
        )
        closed = rowcount(result)
        if closed:
            self.effects.room_work = True
        return closed

    async def with_rooms(self) -> Sequence[ManagedRoom]:
        result = await self.session.execute(
            select(ManagedRoom).where(ManagedRoom.room_id.is_not(None))
        )
        return result.scalars().all()

    async def wanted_members(self, key: str) -> frozenset[str] | None:
        """Who a room is meant for (None: no such room, or it is being closed)."""
        room = await self.get(key)
        if room is None or room.state is RoomState.CLOSING:
            return None
        return split_ids(room.members)

    async def change_members(self, key: str, members: Iterable[str], now: datetime) -> None:
        """The same room for other people (name and topic kept)."""
        room = await self.get(key)
        if room is not None:
            await self.want(key, room.name, room.topic, members, now)

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
        """Take a member out of every room they are wanted in; returns how many rooms.

        Always room work: the room manager also guards a room it does not own (the
        procesregie room), which the member may be in."""
        self.effects.room_work = True
        rooms = await self.containing(matrix_id)
        for room in rooms:
            room.members = join_ids(split_ids(room.members) - {matrix_id})
            room.state, room.updated_at = RoomState.PENDING, now
        await self.session.flush()
        return len(rooms)

    # --- what the room manager records of its work (by the wish's id) --------------------

    async def by_id(self, room_id: int) -> ManagedRoom | None:
        return await self.session.get(ManagedRoom, room_id)

    async def count_create_attempt(self, wish_id: int) -> None:
        row = await self.by_id(wish_id)
        if row is not None:
            row.create_attempts += 1

    async def record_created(self, wish_id: int, room_id: str, name: str, topic: str) -> None:
        row = await self.by_id(wish_id)
        if row is not None:
            row.room_id, row.applied_name, row.applied_topic = room_id, name, topic
            row.error = None

    async def set_state_unless_changed(
        self, wish_id: int, state: RoomState, updated_at: datetime
    ) -> None:
        """A wish changed since it was read is handled in the next pass."""
        row = await self.by_id(wish_id)
        if row is not None and row.updated_at == updated_at:
            row.state = state

    async def set_invited(self, wish_id: int, invited: frozenset[str]) -> None:
        row = await self.by_id(wish_id)
        if row is not None:
            row.invited = join_ids(invited)

    async def record_applied(self, wish_id: int, name: str | None, topic: str | None) -> None:
        row = await self.by_id(wish_id)
        if row is not None:
            if name is not None:
                row.applied_name = name
            if topic is not None:
                row.applied_topic = topic

    async def record_error(self, wish_id: int, error: str) -> None:
        row = await self.by_id(wish_id)
        if row is not None:
            row.error = error[:64]

    async def drop(self, wish_id: int) -> None:
        row = await self.by_id(wish_id)
        if row is not None:
            await self.session.delete(row)


class SentMessageRepository(Repository):
    """Messages with a casus's personal data, and which of them must be redacted."""

    async def add(self, reference: str, room_id: str, event_id: str, now: datetime) -> None:
        await self.add_all([(reference, room_id, event_id, now)])

    async def add_all(self, sent: Sequence[tuple[str, str, str, datetime]]) -> None:
        """(reference, room id, event id, sent at) of messages delivered, in one statement."""
        if sent:
            # The table, not the ORM class: the ORM's bulk insert costs several times more
            # CPU, and this runs for nearly every message (bench/RESULTS.md).
            await self.session.execute(insert(cast(Table, SentMessage.__table__)), [
                {"reference": reference, "room_id": room_id, "event_id": event_id,
                 "sent_at": at, "state": SentState.SENT, "attempts": 0}
                for reference, room_id, event_id, at in sent
            ])  # fmt: skip

    async def retag(self, old: str, new: str) -> None:
        """A conversation became a casus: its messages (sent or waiting) follow the casus."""
        for model in (SentMessage, OutboxMessage):
            await self.session.execute(
                update(model).where(model.reference == old).values(reference=new)
            )

    async def request_redaction(self, reference: str) -> int:
        """Ask the bot to take back every message about ``reference``; those still waiting
        in the outbox are simply not sent. Returns how many messages are affected."""
        return await self.request_redaction_all([reference])

    async def request_redaction_all(self, references: Sequence[str]) -> int:
        """:meth:`request_redaction` for many references in one statement per table."""
        dropped = await self.session.execute(
            delete(OutboxMessage).where(OutboxMessage.reference.in_(references))
        )
        marked = await self.session.execute(
            update(SentMessage)
            .where(SentMessage.reference.in_(references), SentMessage.state == SentState.SENT)
            .values(state=SentState.REDACT)
        )
        redactions = rowcount(marked)
        if redactions:
            self.effects.room_work = True
        return rowcount(dropped) + redactions

    async def redact_orphans(self) -> int:
        """Messages about a casus that no longer exists (e.g. a decision's own follow-up
        questions, about a 'geen casus' deleted at that decision) are taken back too."""
        result = await self.session.execute(
            update(SentMessage)
            .where(
                SentMessage.state == SentState.SENT,
                SentMessage.reference.not_like("gesprek:%"),
                SentMessage.reference.not_like("register:%"),
                SentMessage.reference.not_in(select(Aanmelding.reference)),
            )
            .values(state=SentState.REDACT)
        )
        redactions = rowcount(result)
        if redactions:
            self.effects.room_work = True
        return redactions

    async def to_redact(self, limit: int = 50) -> Sequence[SentMessage]:
        result = await self.session.execute(
            select(SentMessage)
            .where(SentMessage.state == SentState.REDACT)
            .order_by(SentMessage.id)
            .limit(limit)
        )
        return result.scalars().all()

    async def waiting_in(self, room_id: str) -> int:
        result = await self.session.execute(
            select(func.count(SentMessage.id)).where(
                SentMessage.room_id == room_id, SentMessage.state == SentState.REDACT
            )
        )
        return int(result.scalar_one())

    async def get(self, row_id: int) -> SentMessage | None:
        return await self.session.get(SentMessage, row_id)

    async def done(self, row: SentMessage) -> None:
        """A redaction done, or impossible for good: the row goes."""
        await self.session.delete(row)
