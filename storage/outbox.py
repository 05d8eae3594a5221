"""The outbox: messages waiting to be sent, written in the transaction of their cause."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, delete, func, insert, or_, select, update

from storage.base import Repository, execute, rowcount
from storage.models import ManagedRoom, OutboxMessage
from storage.types import OutboxState, RoomState

_outbox = cast(Table, OutboxMessage.__table__)
_INSERT_OUTBOX = insert(_outbox)
_DELETE_OUTBOX = delete(_outbox).where(_outbox.c.id.in_(bindparam("ids", expanding=True)))


@dataclass(frozen=True)
class QueuedMessage:
    id: int
    # Where the handler addressed it: a room id, or a managed room's key ("casus:…").
    room_id: str
    # The Matrix room it goes to.
    target: str
    tx_id: str
    plain: str
    html: str
    sensitive: bool
    audience: frozenset[str] | None
    is_report: bool
    attempts: int
    # The casus whose personal data it carries (see SentMessage), if any.
    reference: str | None = None
    # An m.text that notifies, else an m.notice; the people it mentions.
    notify: bool = False
    mentions: frozenset[str] = frozenset()
    # A file to send with it (JSON of handlers.messages.Attachment), if any.
    attachment: str | None = None


class OutboxRepository(Repository):
    async def add(
        self,
        room_id: str,
        plain: str,
        html: str,
        now: datetime,
        *,
        sensitive: bool = False,
        audience: Iterable[str] | None = None,
        is_report: bool = False,
        not_before: datetime | None = None,
        reference: str | None = None,
        held: str | None = None,
        notify: bool = False,
        mentions: Iterable[str] = (),
        attachment: str | None = None,
    ) -> QueuedMessage:
        """Queue a message (``held``: parked for that reason until :meth:`release_held`).
        Returns it as the sender reads it (the target is the room id or key as given)."""
        tx_id = uuid.uuid4().hex
        result = await execute(self.session, _INSERT_OUTBOX, {
            "reference": reference,
            "notify": notify,
            "mentions": "\n".join(sorted(mentions)) or None,
            "room_id": room_id,
            "tx_id": tx_id,
            "plain": plain,
            "html": html,
            "sensitive": sensitive,
            "audience": None if audience is None else "\n".join(sorted(audience)),
            "is_report": is_report,
            "state": OutboxState.PENDING if held is None else OutboxState.HELD,
            "error": None if held is None else held[:64],
            "attempts": 0,
            "created_at": now,
            "not_before": not_before if not_before and not_before > now else None,
            "next_attempt_at": max(now, not_before) if not_before else now,
            "attachment": attachment,
        })  # fmt: skip
        (message_id,) = result.inserted_primary_key or (None,)
        if message_id is None:
            raise RuntimeError("the database did not return the new outbox row's id")
        self.effects.outbox_written += 1
        return QueuedMessage(
            id=int(message_id),
            room_id=room_id,
            target=room_id,
            tx_id=tx_id,
            plain=plain,
            html=html,
            sensitive=sensitive,
            audience=None if audience is None else frozenset(audience),
            is_report=is_report,
            attempts=0,
            reference=reference,
            notify=notify,
            mentions=frozenset(mentions),
            attachment=attachment,
        )

    async def due_heads(self, now: datetime, exclude_rooms: Iterable[str]) -> list[QueuedMessage]:
        """The oldest pending message of each room, if it is due: rooms keep their order.

        A message deferred to a later moment (``not_before``) is not a head until then, so
        it does not hold up the room; a message waiting for a retry is, and does.
        """
        heads = (
            select(func.min(OutboxMessage.id))
            .where(
                OutboxMessage.state == OutboxState.PENDING,
                or_(OutboxMessage.not_before.is_(None), OutboxMessage.not_before <= now),
            )
            .group_by(OutboxMessage.room_id)
        )
        # A message to a managed room waits until the room is as the handlers described it
        # (created, everyone invited), so the room key reaches every invited member.
        query = (
            select(OutboxMessage, ManagedRoom.room_id)
            .outerjoin(ManagedRoom, ManagedRoom.key == OutboxMessage.room_id)
            .where(
                OutboxMessage.id.in_(heads),
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.room_id.startswith("!"), ManagedRoom.state == RoomState.READY),
            )
        )
        excluded = list(exclude_rooms)
        if excluded:
            query = query.where(OutboxMessage.room_id.not_in(excluded))
        result = await self.session.execute(query.order_by(OutboxMessage.id))
        return [
            QueuedMessage(
                id=row.id,
                room_id=row.room_id,
                target=managed_room_id or row.room_id,
                tx_id=row.tx_id,
                plain=row.plain,
                html=row.html,
                sensitive=row.sensitive,
                audience=None if row.audience is None else frozenset(row.audience.split("\n")),
                is_report=row.is_report,
                attempts=row.attempts,
                reference=row.reference,
                notify=row.notify,
                mentions=frozenset(row.mentions.split("\n")) if row.mentions else frozenset(),
                attachment=row.attachment,
            )
            for row, managed_room_id in result.all()
        ]

    async def next_due_at(self, exclude_rooms: Iterable[str] = ()) -> datetime | None:
        """When the next message (of a room not in ``exclude_rooms``) is due."""
        query = (
            select(func.min(OutboxMessage.next_attempt_at))
            .outerjoin(ManagedRoom, ManagedRoom.key == OutboxMessage.room_id)
            .where(
                OutboxMessage.state == OutboxState.PENDING,
                or_(OutboxMessage.room_id.startswith("!"), ManagedRoom.state == RoomState.READY),
            )
        )
        excluded = list(exclude_rooms)
        if excluded:
            query = query.where(OutboxMessage.room_id.not_in(excluded))
        result = await self.session.execute(query)
        value: datetime | None = result.scalar_one_or_none()  # min() keeps the column type
        return value

    async def rooms_with_pending(self, now: datetime) -> set[str]:
        """Rooms with a pending message that holds up the room (due, or waiting for a
        retry; not one deferred to a later moment)."""
        result = await self.session.execute(
            select(OutboxMessage.room_id)
            .where(
                OutboxMessage.state == OutboxState.PENDING,
                or_(OutboxMessage.not_before.is_(None), OutboxMessage.not_before <= now),
            )
            .distinct()
        )
        return set(result.scalars())

    async def mark_sent_all(self, message_ids: Sequence[int]) -> None:
        await execute(self.session, _DELETE_OUTBOX, {"ids": list(message_ids)})

    async def retry_later(self, message_id: int, at: datetime, error: str) -> None:
        row = await self.session.get(OutboxMessage, message_id)
        if row is not None:
            row.attempts += 1
            row.next_attempt_at = at
            row.error = error[:64]

    async def hold(self, message_id: int, reason: str) -> None:
        """Park a message until :meth:`release_held`; a held message does not block its room."""
        row = await self.session.get(OutboxMessage, message_id)
        if row is not None:
            row.state = OutboxState.HELD
            row.error = reason[:64]

    async def release_held(self, now: datetime, reason: str) -> int:
        """Send what was held for ``reason`` (e.g. an identity change, now confirmed)."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.state == OutboxState.HELD, OutboxMessage.error == reason)
            .values(state=OutboxState.PENDING, next_attempt_at=now, error=None)
        )
        return rowcount(result)

    async def hold_unsent(self, reference: str, reason: str) -> int:
        """Park every unsent message with personal data of a casus (e.g. under bezwaar)."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.reference == reference,
                OutboxMessage.sensitive.is_(True),
                OutboxMessage.state == OutboxState.PENDING,
            )
            .values(state=OutboxState.HELD, error=reason)
        )
        return rowcount(result)

    async def release_held_for(self, reference: str, reason: str, now: datetime) -> int:
        result = await self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.reference == reference,
                OutboxMessage.state == OutboxState.HELD,
                OutboxMessage.error == reason,
            )
            .values(state=OutboxState.PENDING, next_attempt_at=now, error=None)
        )
        return rowcount(result)

    async def mark_failed(self, message_id: int, error: str) -> None:
        """Give up on a message; its text is removed, the failure is kept."""
        row = await self.session.get(OutboxMessage, message_id)
        if row is not None:
            row.state = OutboxState.FAILED
            row.attempts += 1
            row.error = error[:64]
            row.plain = ""
            row.html = ""

    async def count(self, state: OutboxState | str = OutboxState.PENDING) -> int:
        result = await self.session.execute(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.state == state)
        )
        return int(result.scalar_one())
