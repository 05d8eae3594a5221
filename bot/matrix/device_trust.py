"""Only devices their owner cross-signed count, for owners who use cross-signing (MSC4153).

A stolen password lets an attacker log in a new device; it is not signed by the owner's
self-signing key until the owner verifies it from a device they already have. So for a
user with cross-signing keys, the bot:

- withholds room keys from their unsigned devices (nio's blacklist, applied before every
  send; lifted again once the device is signed), and
- tells the router when a message came from an unsigned device, so no command runs on it.

A user without cross-signing keys cannot be judged this way (every device is equal); their
master key, when it appears, is trusted on first use elsewhere (handlers/identity.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from nio import AsyncClient

from bot.matrix import raw
from bot.matrix.cross_signing import only_key, verify

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UserDevices:
    master: str | None  # None: no cross-signing, no judgement
    signed: frozenset[str]  # device ids signed by the (master-signed) self-signing key
    signed_curve_keys: frozenset[str]
    curve_keys: frozenset[str]  # of every device the homeserver listed


def judge(keys: dict[str, Any], user_id: str) -> UserDevices:
    """Which of a user's devices are cross-signed, from a ``/keys/query`` answer."""
    master = only_key(keys.get("master_keys", {}).get(user_id))
    self_signing = keys.get("self_signing_keys", {}).get(user_id)
    ssk = only_key(self_signing)
    chain_ok = bool(master and ssk and self_signing and verify(self_signing, user_id, master))
    signed: set[str] = set()
    signed_curve: set[str] = set()
    curve: set[str] = set()
    for device_id, device_keys in keys.get("device_keys", {}).get(user_id, {}).items():
        curve_key = device_keys.get("keys", {}).get(f"curve25519:{device_id}")
        if isinstance(curve_key, str):
            curve.add(curve_key)
        if chain_ok and ssk is not None and verify(device_keys, user_id, ssk):
            signed.add(device_id)
            if isinstance(curve_key, str):
                signed_curve.add(curve_key)
    return UserDevices(master, frozenset(signed), frozenset(signed_curve), frozenset(curve))


class DeviceTrust:
    """Cross-signing facts per user, cached until the sync reports a change in their devices."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self._cache: dict[str, UserDevices] = {}
        # How often each user's devices were reported changed: an answer asked for before
        # the latest change may be used once, not kept.
        self._changes: dict[str, int] = {}
        self.withheld = 0  # devices excluded from room keys, for the metrics

    def forget(self, user_ids: set[str] | list[str]) -> None:
        for user_id in user_ids:
            self._cache.pop(user_id, None)
            self._changes[user_id] = self._changes.get(user_id, 0) + 1

    async def devices(self, user_ids: list[str]) -> dict[str, UserDevices]:
        """Looked up in one request for those not cached; raises on a homeserver error.

        The sync may report changes while the request is on its way (forget()): what was
        cached before it is answered from this call's own copy, and an answer for a user
        whose devices changed meanwhile is not kept."""
        found = {u: self._cache[u] for u in user_ids if u in self._cache}
        missing = [u for u in user_ids if u not in found]
        if missing:
            asked = {u: self._changes.get(u, 0) for u in missing}
            keys = await raw.request(
                self.client, "POST", "/keys/query", {"device_keys": {u: [] for u in missing}}
            )
            for user_id in missing:
                found[user_id] = judge(keys, user_id)
                if self._changes.get(user_id, 0) == asked[user_id]:
                    self._cache[user_id] = found[user_id]
        return found

    async def master_key(self, user_id: str) -> str | None:
        return (await self.devices([user_id]))[user_id].master

    async def sender_is_signed(self, user_id: str, sender_key: str | None) -> bool | None:
        """Whether the device that encrypted a message (by its curve25519 key) is
        cross-signed; None when the user has no cross-signing (nothing to judge)."""
        info = (await self.devices([user_id]))[user_id]
        if info.master is None:
            return None
        if sender_key is not None and sender_key not in info.curve_keys:
            self.forget([user_id])  # a device newer than our copy: look again once
            info = (await self.devices([user_id]))[user_id]
        return sender_key is not None and sender_key in info.signed_curve_keys

    async def apply(self, user_ids: list[str]) -> None:
        """Withhold room keys from the unsigned devices of cross-signing users (nio's
        blacklist), and give them back once signed."""
        others = [u for u in user_ids if u != self.client.user_id]
        facts = await self.devices(others)
        for user_id in others:
            info = facts[user_id]
            for device in self.client.device_store.active_user_devices(user_id):
                # The bot blacklists for this reason only, so nio's persisted blacklist
                # is ours to lift (also after a restart).
                withhold = info.master is not None and device.id not in info.signed
                blacklisted = self.client.olm.is_device_blacklisted(device)
                if withhold and not blacklisted:
                    self.client.blacklist_device(device)
                    self.withheld += 1
                    log.warning("withholding room keys from a device its owner did not sign")
                elif blacklisted and not withhold:
                    self.client.unblacklist_device(device)
                    self._restart_sessions_with(user_id)

    def _restart_sessions_with(self, user_id: str) -> None:
        """A device that was skipped is in the outbound sessions' ignore list: start new
        sessions in the rooms shared with the user, so the next message reaches it."""
        for room_id, room in self.client.rooms.items():
            if user_id in room.users:
                self.client.olm.outbound_group_sessions.pop(room_id, None)
