"""Conversations in progress: a member's half-finished form, one per member and room."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update

from storage.base import Repository
from storage.models import Conversation

# Read and written for nearly every message: built once (bench/RESULTS.md).
_conversations = cast(Table, Conversation.__table__)
_CONVERSATION = select(
    _conversations.c.id, _conversations.c.matrix_id, _conversations.c.room_id,
    _conversations.c.form, _conversations.c.state, _conversations.c.updated_at,
    _conversations.c.reminded_at,
)  # fmt: skip
_CONVERSATION_OF = _CONVERSATION.where(
    _conversations.c.matrix_id == bindparam("for_member"),
    _conversations.c.room_id == bindparam("for_room"),
)
_UPDATE_CONVERSATION = (
    update(_conversations)
    .where(_conversations.c.id == bindparam("conversation_id"))
    .values(
        form=bindparam("form"), state=bindparam("state"), updated_at=bindparam("updated_at"),
        reminded_at=None,
    )
)  # fmt: skip


@dataclass(frozen=True)
class ConversationRow:
    """A member's conversation in progress as the handlers use it (no ORM object: it is read
    and written for nearly every message, see bench/RESULTS.md)."""

    id: int
    matrix_id: str
    room_id: str
    form: str
    state: str
    updated_at: datetime
    reminded_at: datetime | None


class ConversationRepository(Repository):
    async def get(self, matrix_id: str, room_id: str) -> ConversationRow | None:
        result = await self.session.execute(
            _CONVERSATION_OF, {"for_member": matrix_id, "for_room": room_id}
        )
        row = result.first()
        return None if row is None else ConversationRow(*row)

    async def save(
        self,
        matrix_id: str,
        room_id: str,
        form: str,
        state: str,
        now: datetime,
        loaded: ConversationRow | None = None,
    ) -> ConversationRow:
        """Insert or update the conversation; ``loaded`` is its row when the caller has it
        (every answer in a conversation: no second lookup)."""
        existing = loaded or await self.get(matrix_id, room_id)
        if existing is None:
            result = await self.session.execute(
                insert(Conversation)
                .values(
                    matrix_id=matrix_id, room_id=room_id, form=form, state=state,
                    created_at=now, updated_at=now,
                )
                .returning(Conversation.id)
            )  # fmt: skip
            new_id = int(result.scalar_one())
        else:
            new_id = existing.id
            # Activity: a new reminder may be due later.
            await self.session.execute(
                _UPDATE_CONVERSATION,
                {"conversation_id": existing.id, "form": form, "state": state, "updated_at": now},
            )
        return ConversationRow(new_id, matrix_id, room_id, form, state, now, None)

    async def delete(self, conversation: ConversationRow) -> None:
        """A conversation's state holds what the member typed: personal data."""
        await self.delete_ids([conversation.id])

    async def delete_ids(self, ids: Sequence[int]) -> None:
        if ids:
            await self.session.execute(delete(Conversation).where(Conversation.id.in_(ids)))
            self.effects.scrub = True

    async def count_for(self, matrix_id: str) -> int:
        result = await self.session.execute(
            select(func.count(Conversation.id)).where(Conversation.matrix_id == matrix_id)
        )
        return int(result.scalar_one())

    async def idle_since(self, cutoff: datetime) -> Sequence[ConversationRow]:
        result = await self.session.execute(
            _CONVERSATION.where(_conversations.c.updated_at <= cutoff).order_by(_conversations.c.id)
        )
        return [ConversationRow(*row) for row in result.all()]

    async def mark_reminded(self, conversation: ConversationRow, now: datetime) -> None:
        await self.session.execute(
            update(Conversation).where(Conversation.id == conversation.id).values(reminded_at=now)
        )

    async def of_member(self, matrix_id: str) -> Sequence[ConversationRow]:
        result = await self.session.execute(
            _CONVERSATION.where(_conversations.c.matrix_id == matrix_id).order_by(
                _conversations.c.id
            )
        )
        return [ConversationRow(*row) for row in result.all()]

    async def all(self) -> Sequence[ConversationRow]:
        result = await self.session.execute(_CONVERSATION.order_by(_conversations.c.id))
        return [ConversationRow(*row) for row in result.all()]
