"""What the Matrix transport asks of the rest of the bot (implemented in bot/app.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

from bot.matrix.snapshot import StateChanges
from handlers.messages import Incoming, Invite, InviteDecision, Notice


class MessageHandler(Protocol):
    """What the transport asks of the rest of the bot."""

    async def on_invite(self, invite: Invite) -> InviteDecision: ...

    async def on_joined(
        self, room_id: str, inviter: str, room_members: int, notes: list[str]
    ) -> None: ...

    async def on_message(self, incoming: Incoming) -> None: ...

    async def on_undecryptable(self, room_id: str, sender: str, event_id: str) -> None: ...

    async def on_redaction(self, room_id: str, redacted_event_id: str) -> None: ...

    def on_membership_change(self) -> None:
        """A sync changed someone's membership in a room (or it was the run's first)."""

    def unencrypted_room_notice(self) -> Notice: ...


class PositionStore(Protocol):
    """The sync position and the rooms' state kept with it (bot/matrix/snapshot.py)."""

    async def load(self) -> str | None: ...

    def kept_state(self, chunk: int) -> AsyncIterator[dict[str, list[dict[str, Any]]]]: ...

    def record_state(self, changes: StateChanges) -> None: ...

    async def save(self, next_batch: str) -> None: ...
