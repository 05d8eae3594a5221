"""Matrix operations on the rooms the bot creates itself: create, invite, remove, rename.

A created room is end-to-end encrypted from its first event, invite-only, not in the room
directory, with history readable only from one's own invite and no guests. Only the bot
may invite, remove or change room state (power levels). Every call returns an outcome
instead of raising, with error codes only: never content.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import quote

from nio import (
    AsyncClient,
    RoomCreateError,
    RoomCreateResponse,
    RoomInviteResponse,
    RoomKickResponse,
    RoomLeaveResponse,
    RoomPutStateResponse,
    RoomRedactResponse,
    RoomVisibility,
)

from bot.matrix import raw
from bot.matrix.rooms import MEGOLM

log = logging.getLogger(__name__)

# A state event that tells which managed room this is (the key is a case reference, no
# personal data), so a room created just before a crash is found again instead of doubled.
MARKER = "nl.casusbot.managed_room"
PERMANENT = ("M_FORBIDDEN", "M_NOT_FOUND", "M_UNKNOWN", "M_BAD_JSON", "M_INVALID_PARAM")


@dataclass(frozen=True)
class Result:
    ok: bool
    error: str = ""

    @property
    def permanent(self) -> bool:
        return self.error in PERMANENT


def _power_levels() -> dict[str, object]:
    # No "users" entry: the creator (the bot) keeps the top level the room version gives
    # it (room version 12 even refuses the creator in "users"); everyone else gets 0.
    only_bot = 100
    return {
        "users_default": 0,
        "events_default": 0,
        "state_default": only_bot,
        "invite": only_bot,
        "kick": only_bot,
        "ban": only_bot,
        "redact": only_bot,
        "events": {
            event: only_bot
            for event in (
                "m.room.name", "m.room.topic", "m.room.avatar", "m.room.power_levels",
                "m.room.encryption", "m.room.history_visibility", "m.room.join_rules",
                "m.room.guest_access", "m.room.canonical_alias", "m.room.server_acl",
                "m.room.tombstone", "m.room.pinned_events",
            )
        },
    }  # fmt: skip


class ManagedRoomOps:
    def __init__(self, client: AsyncClient) -> None:
        self.client = client

    @property
    def user_id(self) -> str:
        return str(self.client.user_id)

    async def create(self, key: str, name: str, topic: str) -> tuple[str | None, Result]:
        response = await self.client.room_create(
            visibility=RoomVisibility.private,
            name=name,
            topic=topic,
            federate=False,
            initial_state=[
                {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": MEGOLM}},
                {"type": "m.room.join_rules", "state_key": "", "content": {"join_rule": "invite"}},
                {"type": "m.room.history_visibility", "state_key": "",
                 "content": {"history_visibility": "invited"}},
                {"type": "m.room.guest_access", "state_key": "",
                 "content": {"guest_access": "forbidden"}},
                {"type": MARKER, "state_key": "", "content": {"key": key}},
            ],
            power_level_override=_power_levels(),
        )  # fmt: skip
        if isinstance(response, RoomCreateResponse):
            return str(response.room_id), Result(True)
        assert isinstance(response, RoomCreateError)
        return None, Result(False, str(response.status_code or "unknown"))

    async def find_marked(self, key: str) -> str | None:
        """The room the bot created for ``key`` before, if any (after a crash)."""
        for room_id in list(self.client.rooms):
            try:
                content = await raw.request(
                    self.client, "GET", raw.room_path(room_id, "state", MARKER, "")
                )
            except raw.RawApiError:
                continue
            if content.get("key") == key:
                return str(room_id)
        return None

    def known(self, room_id: str) -> bool:
        """Sync has shown the room, encrypted, to nio (so it can share keys in it)."""
        room = self.client.rooms.get(room_id)
        return room is not None and room.encrypted

    def present(self, room_id: str) -> frozenset[str]:
        """Who is in the room or invited to it, the bot itself excluded."""
        room = self.client.rooms.get(room_id)
        if room is None:
            return frozenset()
        return frozenset(room.users) - {self.user_id}

    async def invite(self, room_id: str, user_id: str) -> Result:
        response = await self.client.room_invite(room_id, user_id)
        if isinstance(response, RoomInviteResponse):
            return Result(True)
        return Result(False, str(response.status_code or "unknown"))

    async def remove(self, room_id: str, user_id: str, reason: str) -> Result:
        response = await self.client.room_kick(room_id, user_id, reason)
        if isinstance(response, RoomKickResponse):
            return Result(True)
        return Result(False, str(response.status_code or "unknown"))

    async def redact(self, room_id: str, event_id: str, reason: str) -> Result:
        response = await self.client.room_redact(room_id, event_id, reason)
        if isinstance(response, RoomRedactResponse):
            return Result(True)
        return Result(False, str(response.status_code or "unknown"))

    async def leave(self, room_id: str) -> Result:
        response = await self.client.room_leave(room_id)
        if isinstance(response, RoomLeaveResponse):
            return Result(True)
        return Result(False, str(response.status_code or "unknown"))

    async def purge(self, room_id: str) -> Result:
        """Delete the room from the homeserver (Synapse admin API): only when the bot's
        account is a homeserver admin; otherwise the room stays, empty."""
        try:
            await raw.request(
                self.client, "DELETE", f"/rooms/{quote(room_id, safe='')}",
                {"purge": True, "block": False}, prefix="/_synapse/admin/v2",
            )  # fmt: skip
        except raw.RawApiError as error:
            return Result(False, str(error.body.get("errcode") or f"http_{error.status}"))
        return Result(True)

    async def set_state(self, room_id: str, event_type: str, content: dict[str, str]) -> Result:
        response = await self.client.room_put_state(room_id, event_type, content)
        if isinstance(response, RoomPutStateResponse):
            return Result(True)
        return Result(False, str(response.status_code or "unknown"))
