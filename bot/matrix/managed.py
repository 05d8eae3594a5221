"""Matrix operations on the rooms the bot creates itself: create, invite, remove, rename.

A created room is end-to-end encrypted from its first event, invite-only, not in the room
directory, with history readable only from one's own invite and no guests. Only the bot
may invite, remove or change room state (power levels). Every call returns an outcome
instead of raising, with error codes only: never content.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from nio import (
    AsyncClient,
    RoomCreateError,
    RoomCreateResponse,
    RoomGetStateEventResponse,
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


# Version 12 (MSC4289): the room's creator, the bot, always outranks everyone, so it can
# always take back power someone else was given (e.g. by a homeserver admin).
ROOM_VERSION = "12"
ONLY_BOT = 100
GUARDED_EVENTS = (
    "m.room.name", "m.room.topic", "m.room.avatar", "m.room.power_levels",
    "m.room.encryption", "m.room.history_visibility", "m.room.join_rules",
    "m.room.guest_access", "m.room.canonical_alias", "m.room.server_acl",
    "m.room.tombstone", "m.room.pinned_events",
)  # fmt: skip
LEVELS = {
    "users_default": 0, "events_default": 0, "state_default": ONLY_BOT, "invite": ONLY_BOT,
    "kick": ONLY_BOT, "ban": ONLY_BOT, "redact": ONLY_BOT,
}  # fmt: skip
# The rest of the room's security state, as the bot set it at creation.
SETTINGS = {
    "m.room.join_rules": ("join_rule", "invite"),
    "m.room.history_visibility": ("history_visibility", "invited"),
    "m.room.guest_access": ("guest_access", "forbidden"),
}


def _power_levels() -> dict[str, object]:
    # No "users" entry: the creator (the bot) keeps the top level the room version gives
    # it (room version 12, Synapse's default, makes it unlimited and refuses the creator in
    # "users"); everyone else gets 0.
    return {**LEVELS, "events": dict.fromkeys(GUARDED_EVENTS, ONLY_BOT)}


# What the spec takes for a level the power-level event leaves out.
SPEC_DEFAULTS = {
    "users_default": 0, "events_default": 0, "state_default": 50, "invite": 0, "kick": 50,
    "ban": 50, "redact": 50,
}  # fmt: skip


def _power_drift(content: dict[str, Any], bot: str) -> tuple[tuple[str, ...], bool]:
    """Who besides the bot has power, and whether any guarded level is lower than set."""
    users = content.get("users", {})
    raised = tuple(sorted(u for u, n in users.items() if u != bot and int(n) > 0))
    level = {name: int(content.get(name, SPEC_DEFAULTS[name])) for name in LEVELS}
    events = content.get("events", {})
    lowered = any(level[name] != value for name, value in LEVELS.items()) or any(
        int(events.get(event, level["state_default"])) < ONLY_BOT for event in GUARDED_EVENTS
    )
    return raised, lowered


@dataclass(frozen=True)
class Drift:
    """How a managed room's security state differs from what the bot set: people given
    power, and settings changed (event types)."""

    raised: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.raised or self.changed)


class ManagedRoomOps:
    def __init__(
        self, client: AsyncClient, on_forget: Callable[[str], None] = lambda room_id: None
    ) -> None:
        self.client = client
        # Told of a room forgotten (the transport drops the state it kept of it).
        self.on_forget = on_forget

    @property
    def user_id(self) -> str:
        return str(self.client.user_id)

    async def create(self, key: str, name: str, topic: str) -> tuple[str | None, Result]:
        room_id, result = await self._create(key, name, topic, ROOM_VERSION)
        if result.error == "M_UNSUPPORTED_ROOM_VERSION":
            # An older homeserver: its default version; then the bot cannot undo power given
            # to someone else at its own level (it says so when that happens).
            log.warning("room version %s unsupported; creating with the default", ROOM_VERSION)
            room_id, result = await self._create(key, name, topic, None)
        return room_id, result

    async def _create(
        self, key: str, name: str, topic: str, version: str | None
    ) -> tuple[str | None, Result]:
        response = await self.client.room_create(
            room_version=version,
            visibility=RoomVisibility.private,
            name=name,
            topic=topic,
            federate=False,
            initial_state=[
                {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": MEGOLM}},
                *({"type": event, "state_key": "", "content": {field: value}}
                  for event, (field, value) in SETTINGS.items()),
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

    async def forget(self, room_id: str) -> int:
        """After leaving a deleted room: the room out of the client's memory and store, and
        its megolm keys gone (in memory, the inbound and the outbound ones, and on disk).
        Returns the inbound sessions deleted from the store."""
        await self.client.room_forget(room_id)  # refused for a room the server deleted
        self.client.rooms.pop(room_id, None)
        self.on_forget(room_id)
        self.client.encrypted_rooms.discard(room_id)
        store = self.client.store
        if store is not None:
            store.delete_encrypted_room(room_id)
        olm = self.client.olm
        if olm is None:
            return 0
        olm.inbound_group_store._entries.pop(room_id, None)
        olm.outbound_group_sessions.pop(room_id, None)
        return int(store.delete_room_keys(room_id)) if hasattr(store, "delete_room_keys") else 0

    async def drift(self, room_id: str) -> Drift:
        """What differs from the room's security state as the bot set it: power given to
        anyone but the bot, lowered levels, opened join rules, readable history, guests,
        encryption. Read from the room state sync keeps; power levels are confirmed with
        the homeserver when they look changed (nio merges each new power-level event into
        the old one, so someone whose power was taken back stays in its view)."""
        room = self.client.rooms.get(room_id)
        if room is None:
            return Drift()
        levels = room.power_levels
        defaults = levels.defaults
        content: dict[str, Any] = {
            **{name: getattr(defaults, name) for name in LEVELS},
            "users": dict(levels.users), "events": dict(levels.events),
        }  # fmt: skip
        raised, lowered = _power_drift(content, self.user_id)
        if raised or lowered:
            path = raw.room_path(room_id, "state", "m.room.power_levels", "")
            with contextlib.suppress(raw.RawApiError):
                content = await raw.request(self.client, "GET", path)
                levels.users = {u: int(n) for u, n in content.get("users", {}).items()}
                raised, lowered = _power_drift(content, self.user_id)
        changed = ["m.room.power_levels"] if lowered else []
        changed += [
            event for event, (field, value) in SETTINGS.items() if getattr(room, field) != value
        ]
        if not room.encrypted:
            changed.append("m.room.encryption")
        return Drift(raised, tuple(changed))

    async def restore(self, room_id: str, drift: Drift) -> Result:
        """Put the security state back as the bot set it (the creator of a version 12 room
        can always do so)."""
        if drift.raised or "m.room.power_levels" in drift.changed:
            path = raw.room_path(room_id, "state", "m.room.power_levels", "")
            try:
                current = await raw.request(self.client, "GET", path)
                users = current.get("users", {})
                restored = {
                    **current, **LEVELS,
                    "users": {u: n for u, n in users.items() if u == self.user_id},
                    "events": {**current.get("events", {}),
                               **dict.fromkeys(GUARDED_EVENTS, ONLY_BOT)},
                }  # fmt: skip
                await raw.request(self.client, "PUT", path, restored)
            except raw.RawApiError as error:
                return Result(False, str(error.body.get("errcode") or f"http_{error.status}"))
        for event, (field, value) in SETTINGS.items():
            if event in drift.changed:
                result = await self.set_state(room_id, event, {field: value})
                if not result.ok:
                    return result
        if "m.room.encryption" in drift.changed:
            result = await self.set_state(room_id, "m.room.encryption", {"algorithm": MEGOLM})
            if not result.ok:
                return result
        return Result(True)

    async def get_state(self, room_id: str, event_type: str, state_key: str) -> dict[str, Any]:
        """A state event's content ({} when there is none or it cannot be read)."""
        response = await self.client.room_get_state_event(room_id, event_type, state_key)
        if isinstance(response, RoomGetStateEventResponse):
            return dict(response.content)
        return {}

    async def put_state(
        self, room_id: str, event_type: str, state_key: str, content: dict[str, Any]
    ) -> Result:
        response = await self.client.room_put_state(room_id, event_type, content, state_key)
        if isinstance(response, RoomPutStateResponse):
            return Result(True)
        return Result(False, str(response.status_code or "unknown"))

    async def set_state(self, room_id: str, event_type: str, content: dict[str, str]) -> Result:
        response = await self.client.room_put_state(room_id, event_type, content)
        if isinstance(response, RoomPutStateResponse):
            return Result(True)
        return Result(False, str(response.status_code or "unknown"))
