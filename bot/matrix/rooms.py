"""Which rooms the bot is in and what they must be like before personal data goes in.

Admission: invites from members are accepted, others declined with a reason; a room
without encryption gets it switched on, or an explanation and a leave; history is made
unreadable for newcomers and guests are kept out where the bot may (it says where it may
not). Policy: :func:`room_policy_violation` says why a sensitive message may not go into a
room now.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from nio import (
    AsyncClient,
    InviteMemberEvent,
    JoinResponse,
    MatrixRoom,
    RoomGetStateEventResponse,
    RoomMemberEvent,
    RoomPutStateResponse,
)

from bot.logs import pseudonym
from bot.matrix import raw
from bot.matrix.ports import MessageHandler
from bot.outbox import Message, SendOutcome
from handlers.messages import Invite

log = logging.getLogger(__name__)

MEGOLM = "m.megolm.v1.aes-sha2"
# History visibilities under which a newcomer cannot read what was said before they came.
SAFE_HISTORY = ("joined", "invited")

WaitForRoom = Callable[[str, bool], Awaitable[bool]]
SendRaw = Callable[[str, Message, str], Awaitable[SendOutcome]]


def room_policy_violation(
    room: MatrixRoom, bot_user: str, audience: frozenset[str] | None
) -> str | None:
    """Why personal data may not be sent into ``room`` now; None when it may."""
    if not room.encrypted:
        return "not_encrypted"
    if room.history_visibility not in SAFE_HISTORY:
        return "history_visible"
    if room.guest_access != "forbidden":
        return "guests_allowed"
    if room.join_rule == "public":
        return "public_room"
    if audience is not None:
        present = set(room.users) - {bot_user}
        if not present <= audience:
            return "unexpected_members"
    return None


def member_count(client: AsyncClient, room_id: str) -> int:
    """Joined and invited: someone invited can read along once they join."""
    room = client.rooms.get(room_id)
    return int(room.member_count) if room is not None else 0


class RoomKeeper:
    def __init__(
        self,
        client: AsyncClient,
        handler: MessageHandler,
        wait_for_room: WaitForRoom,
        send_raw: SendRaw,
    ) -> None:
        self.client = client
        self.handler = handler
        self.wait_for_room = wait_for_room
        self.send_raw = send_raw

    async def admit(self, room_id: str, inviter: str) -> None:
        """Handle an invite: decline non-members, join, secure the room, tell the handler."""
        decision = await self.handler.on_invite(Invite(room_id=room_id, inviter=inviter))
        if not decision.accept:
            log.info("declined an invite from non-member %s", pseudonym(inviter))
            await self.leave(room_id, decision.reason)
            return
        joined = await self.client.join(room_id)
        if not isinstance(joined, JoinResponse):
            log.warning("joining a room failed: %s", joined.status_code)
            return
        notes: list[str] = []
        if not await self._room_has_encryption(room_id):
            if not await self._put_state(room_id, "m.room.encryption", {"algorithm": MEGOLM}):
                await self._refuse_unencrypted_room(room_id)
                return
            notes.append("encryption_enabled")
        await self.wait_for_room(room_id, True)
        notes += await self._tighten_room(room_id)
        await self.handler.on_joined(room_id, inviter, member_count(self.client, room_id), notes)

    async def _tighten_room(self, room_id: str) -> list[str]:
        """Make history unreadable for newcomers and keep guests out, where the bot may."""
        room = self.client.rooms.get(room_id)
        notes: list[str] = []
        if room is None:
            return notes
        if room.history_visibility not in SAFE_HISTORY:
            if await self._put_state(
                room_id, "m.room.history_visibility", {"history_visibility": "invited"}
            ):
                room.history_visibility = "invited"
            else:
                notes.append("history_visible")
        if room.guest_access != "forbidden":
            if await self._put_state(room_id, "m.room.guest_access", {"guest_access": "forbidden"}):
                room.guest_access = "forbidden"
            else:
                notes.append("guests_allowed")
        return notes

    async def _room_has_encryption(self, room_id: str) -> bool:
        response = await self.client.room_get_state_event(room_id, "m.room.encryption")
        return (
            isinstance(response, RoomGetStateEventResponse)
            and response.content.get("algorithm") == MEGOLM
        )

    async def _put_state(self, room_id: str, event_type: str, content: dict[str, Any]) -> bool:
        response = await self.client.room_put_state(room_id, event_type, content)
        return isinstance(response, RoomPutStateResponse)

    async def _refuse_unencrypted_room(self, room_id: str) -> None:
        log.info("refused an unencrypted room")
        await self.wait_for_room(room_id, False)
        notice = Message(self.handler.unencrypted_room_notice())
        await self.send_raw(room_id, notice, uuid.uuid4().hex)
        await self.leave(room_id, None)

    async def leave(self, room_id: str, reason: str | None) -> None:
        try:
            await raw.request(
                self.client,
                "POST",
                raw.room_path(room_id, "leave"),
                {"reason": reason} if reason else {},
            )
        except Exception as exc:
            log.warning("leaving a room failed (%s)", type(exc).__name__)


def own_join(events: list[Any], user_id: str) -> int | None:
    """Where the user's own join is among ``events`` (None: not there)."""
    return next(
        (
            index
            for index, event in enumerate(events)
            if isinstance(event, RoomMemberEvent)
            and event.state_key == user_id
            and event.membership == "join"
            and event.prev_membership != "join"
        ),
        None,
    )


def inviter_of(invite_state: list[Any]) -> str | None:
    """Who invited the bot, from an invited room's stripped state."""
    for event in invite_state:
        if isinstance(event, InviteMemberEvent) and event.membership == "invite":
            return str(event.sender)
    return None
