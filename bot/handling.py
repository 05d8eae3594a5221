"""What the transport hands over, to the handlers; what they leave, to the outbox sender and
the room manager. Every handled event gets its own correlation id in the logs and is timed.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from bot.logs import correlation_id
from bot.metrics import Metrics
from handlers.messages import Incoming, Invite, InviteDecision, Notice
from handlers.outbox import Handled
from handlers.router import Router


class BotHandler:
    """The transport's :class:`~bot.matrix.ports.MessageHandler`: the router decides;
    ``done`` (the application's) takes what the router's units of work left to do."""

    def __init__(
        self,
        router: Router,
        metrics: Metrics,
        done: Callable[[Handled], None],
        membership_changed: Callable[[], None],
    ) -> None:
        self.router = router
        self.metrics = metrics
        self.done = done
        self.membership_changed = membership_changed

    async def on_invite(self, invite: Invite) -> InviteDecision:
        correlation_id.set(uuid.uuid4().hex[:12])
        return await self.router.on_invite(invite)

    async def on_joined(
        self, room_id: str, inviter: str, room_members: int, notes: list[str]
    ) -> None:
        self.done(await self.router.on_joined(room_id, inviter, room_members, notes))

    async def on_message(self, incoming: Incoming) -> None:
        correlation_id.set(uuid.uuid4().hex[:12])
        started = time.perf_counter()
        try:
            self.done(await self.router.on_message(incoming))
        finally:
            self.metrics.handler_seconds.observe(time.perf_counter() - started)
            self.metrics.messages_handled.inc()

    async def on_undecryptable(self, room_id: str, sender: str, event_id: str) -> None:
        correlation_id.set(uuid.uuid4().hex[:12])
        self.done(await self.router.on_undecryptable(room_id, sender, event_id))

    async def on_redaction(self, room_id: str, redacted_event_id: str) -> None:
        self.done(await self.router.on_redaction(room_id, redacted_event_id))

    def on_membership_change(self) -> None:
        self.membership_changed()

    def unencrypted_room_notice(self) -> Notice:
        return self.router.unencrypted_room_notice()
