"""A scripted Matrix user with real E2EE, playing a member in the demo, tests and benchmark.

It is an ordinary matrix-nio client with its own device and crypto store: what it
receives from the bot is exactly what a member's Element would receive.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    EncryptionError,
    JoinResponse,
    LoginResponse,
    MegolmEvent,
    MessageDirection,
    ProfileSetDisplayNameResponse,
    RedactionEvent,
    RoomCreateResponse,
    RoomMemberEvent,
    RoomMessagesResponse,
    RoomPreset,
    RoomRedactResponse,
    RoomSendResponse,
    RoomVisibility,
    SyncError,
)

from bot.matrix import raw
from bot.matrix.cross_signing import KEY_FILE, ensure_cross_signing, only_key, query_own_keys
from bot.matrix.device_trust import judge
from demo.inbox import SHOWN, Inbox, Received, Shown

__all__ = ["Received", "ScriptedMember"]

MEGOLM = "m.megolm.v1.aes-sha2"
MESSAGE_TYPES = {"m.room.message", "m.room.encrypted"}

log = logging.getLogger(__name__)


class ScriptedMember:
    def __init__(self, homeserver_url: str, user_id: str, password: str, store_dir: Path) -> None:
        store_dir.mkdir(parents=True, exist_ok=True)
        self.store_dir = store_dir
        self.user_id = user_id
        self.password = password
        self.client = AsyncClient(
            homeserver_url,
            user_id,
            store_path=str(store_dir),
            config=AsyncClientConfig(
                encryption_enabled=True,
                store_sync_tokens=True,
                pickle_key="scripted-member-test-key",
            ),
        )
        self.inbox = Inbox()
        # Events that came before their room key: tried again after every sync, as Element
        # does (a key may arrive in a later sync than the message it opens).
        self._waiting_for_keys: list[tuple[Any, MegolmEvent]] = []
        self._task: asyncio.Task[None] | None = None
        # For the timeout messages: when the last sync came back, and what went wrong since.
        self._last_sync = 0.0
        self._sync_failures = 0
        self.client.add_event_callback(self._on_message, SHOWN)
        self.client.add_event_callback(self._on_member, RoomMemberEvent)
        self.client.add_event_callback(self._on_undecryptable, MegolmEvent)
        self.client.add_event_callback(self._on_redaction, RedactionEvent)

    async def start(self) -> None:
        response = await self.client.login(self.password, device_name="scripted")
        if not isinstance(response, LoginResponse):
            raise RuntimeError(f"login failed for {self.user_id}: {response}")
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        await self.client.sync(timeout=0, full_state=True)
        self._task = asyncio.create_task(self._sync_forever())

    async def _sync_forever(self) -> None:
        """nio's sync_forever, plus logging in again (same device) when the token expires.

        A failing round (the homeserver busy, a key request refused) is logged and tried
        again: a member that silently stopped syncing would look like a bot that stopped
        answering.
        """
        while True:
            try:
                await self._sync_once()
            except Exception:
                self._sync_failures += 1
                log.warning("%s: sync round failed; trying again", self.user_id, exc_info=True)
                await asyncio.sleep(0.5)

    async def _sync_once(self) -> None:
        response = await self.client.sync(timeout=1000)
        if isinstance(response, SyncError):
            self._sync_failures += 1
            log.warning("%s: sync failed: %s", self.user_id, response.status_code)
            if response.status_code == "M_UNKNOWN_TOKEN":
                await self.client.login(self.password, device_name="scripted")
            else:
                await asyncio.sleep(0.5)
            return
        self._last_sync = time.monotonic()
        await self._decrypt_late()
        await self.client.send_to_device_messages()
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        if self.client.should_query_keys:
            await self.client.keys_query()
        if self.client.should_claim_keys:
            await self.client.keys_claim(self.client.get_users_for_key_claiming())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self.client.close()

    async def set_up_cross_signing(self, fresh: bool = False) -> str:
        """Give this account cross-signing keys (new ones when ``fresh``); returns the master key.

        ``fresh`` is what a person does who resets their encryption, or an attacker who
        took over the account.
        """
        if fresh:
            (self.store_dir / KEY_FILE).unlink(missing_ok=True)
        await ensure_cross_signing(
            self.client,
            self.user_id,
            str(self.client.device_id),
            self.password,
            self.store_dir,
            "scripted-member-cross-signing",
            new_identity=fresh,
        )
        keys = await query_own_keys(self.client, self.user_id)
        master = only_key(keys.get("master_keys", {}).get(self.user_id))
        assert master is not None
        return master

    # --- callbacks ------------------------------------------------------------------

    async def _on_message(self, room: Any, event: Shown) -> None:
        content = event.source.get("content", {})
        own = room.users.get(self.user_id)
        levels = room.power_levels
        async with self.inbox.changed:
            self.inbox.messages.append(
                Received(
                    room_id=room.room_id,
                    sender=event.sender,
                    body=event.body,
                    formatted_body=content.get("formatted_body"),
                    msgtype=content.get("msgtype", ""),
                    encrypted=bool(event.decrypted),
                    event_id=event.event_id,
                    content=dict(content),
                    joined_members=room.joined_count,
                    own_name=own.display_name if own is not None else None,
                    sender_level=levels.get_user_level(event.sender),
                    room_notify_level=levels.get_notification_required_level("room"),
                )
            )
            self.inbox.changed.notify_all()

    async def _on_member(self, room: Any, event: RoomMemberEvent) -> None:
        async with self.inbox.changed:
            self.inbox.memberships.append(
                (room.room_id, event.state_key, event.membership, event.content.get("reason"))
            )
            self.inbox.changed.notify_all()

    async def _on_redaction(self, room: Any, event: RedactionEvent) -> None:
        async with self.inbox.changed:
            self.inbox.redacted.add(event.redacts)
            self.inbox.changed.notify_all()

    async def _on_undecryptable(self, room: Any, event: MegolmEvent) -> None:
        self._waiting_for_keys.append((room, event))
        async with self.inbox.changed:
            self.inbox.undecryptable += 1
            self.inbox.changed.notify_all()

    async def _decrypt_late(self) -> None:
        waiting, self._waiting_for_keys = self._waiting_for_keys, []
        for room, event in waiting:
            event.room_id = room.room_id
            try:
                decrypted = self.client.decrypt_event(event)
            except EncryptionError:
                self._waiting_for_keys.append((room, event))
                continue
            if isinstance(decrypted, SHOWN):
                await self._on_message(room, decrypted)

    # --- actions --------------------------------------------------------------------

    async def create_room(
        self,
        invite: list[str],
        encrypted: bool = True,
        direct: bool = True,
        invitees_are_admins: bool | None = None,
    ) -> str:
        """Create a room as Element does: DMs give invitees full power, groups do not."""
        if invitees_are_admins is None:
            invitees_are_admins = direct
        initial_state = (
            [{"type": "m.room.encryption", "state_key": "", "content": {"algorithm": MEGOLM}}]
            if encrypted
            else []
        )
        response = await self.client.room_create(
            visibility=RoomVisibility.private,
            is_direct=direct,
            # Element creates DMs with this preset: the invitee gets the same power level.
            preset=(
                RoomPreset.trusted_private_chat if invitees_are_admins else RoomPreset.private_chat
            ),
            invite=invite,
            initial_state=initial_state,
        )
        if not isinstance(response, RoomCreateResponse):
            raise RuntimeError(f"room_create failed: {response}")
        return str(response.room_id)

    def invites_from(self, inviter: str, named: str = "") -> list[str]:
        """Rooms ``inviter`` has invited this member to (whose name contains ``named``)
        and that are not joined yet."""
        return [
            room_id
            for room_id, room in self.client.invited_rooms.items()
            if room.inviter == inviter
            and room_id not in self.client.rooms
            and named in (room.name or "")
        ]

    async def accept_invite(self, inviter: str, named: str = "", timeout: float = 30) -> str:
        """Wait for an invite from ``inviter``, join the room and return its id."""
        await self.wait_until(lambda: bool(self.invites_from(inviter, named)), timeout)
        room_id = self.invites_from(inviter, named)[0]
        response = await self.client.join(room_id)
        if not isinstance(response, JoinResponse):
            raise RuntimeError(f"join failed: {response}")
        await self.wait_until(lambda: room_id in self.client.rooms, timeout)
        return room_id

    async def exclude_insecure_devices(self, room_id: str) -> set[str]:
        """Behave like Element's "exclude insecure devices" mode (MSC4153): withhold room keys
        from every device its owner has not cross-signed. Returns the excluded device ids."""
        room = self.client.rooms[room_id]
        others = [user for user in room.users if user != self.user_id]
        keys = await raw.request(
            self.client, "POST", "/keys/query", {"device_keys": {u: [] for u in others}}
        )
        excluded: set[str] = set()
        for user in others:
            signed = judge(keys, user).signed
            for device_id in keys.get("device_keys", {}).get(user, {}):
                device = self.client.device_store[user].get(device_id)
                if device is not None and device_id not in signed:
                    self.client.blacklist_device(device)
                    excluded.add(device_id)
        # Start a new session so only the devices still trusted get its key.
        self.client.olm.create_outbound_group_session(room_id)
        return excluded

    async def send(self, room_id: str, text: str, html: str | None = None) -> str:
        """Send a text message; with ``html``, as Element sends one with pills in it."""
        await self.wait_until(lambda: room_id in self.client.rooms, timeout=20)
        if self.client.should_query_keys:
            await self.client.keys_query()
        content: dict[str, Any] = {"msgtype": "m.text", "body": text}
        if html is not None:
            content |= {"format": "org.matrix.custom.html", "formatted_body": html}
        response = await self.client.room_send(
            room_id, "m.room.message", content, ignore_unverified_devices=True
        )
        if not isinstance(response, RoomSendResponse):
            raise RuntimeError(f"send failed: {response}")
        return str(response.event_id)

    async def delete(self, room_id: str, event_id: str) -> None:
        """Delete one's own message, as Element's "Verwijderen" does (a redaction)."""
        response = await self.client.room_redact(room_id, event_id)
        if not isinstance(response, RoomRedactResponse):
            raise RuntimeError(f"redaction failed: {response}")

    async def set_display_name(self, name: str) -> None:
        response = await self.client.set_displayname(name)
        if not isinstance(response, ProfileSetDisplayNameResponse):
            raise RuntimeError(f"display name not set: {response}")

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 30) -> None:
        async def check() -> None:
            async with self.inbox.changed:
                while not predicate():
                    await self.inbox.changed.wait()

        async def poke() -> None:
            # Room state changes arrive without a callback; re-check periodically.
            while True:
                await asyncio.sleep(0.2)
                async with self.inbox.changed:
                    self.inbox.changed.notify_all()

        poker = asyncio.create_task(poke())
        try:
            await asyncio.wait_for(check(), timeout)
        finally:
            poker.cancel()

    def messages_from(self, sender: str, room_id: str | None = None) -> list[Received]:
        return [
            m
            for m in self.inbox.messages
            if m.sender == sender and (room_id is None or m.room_id == room_id)
        ]

    async def next_message(
        self, sender: str, room_id: str, after: int, timeout: float = 30
    ) -> Received:
        """Wait for message number ``after`` (0-based) from ``sender`` in ``room_id``."""
        try:
            await self.wait_until(lambda: len(self.messages_from(sender, room_id)) > after, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"message {after + 1} from {sender} did not come within {timeout:.0f} s; "
                + await self.diagnosis(sender, room_id)
            ) from None
        return self.messages_from(sender, room_id)[after]

    async def diagnosis(self, sender: str, room_id: str) -> str:
        """What this member saw, for a timeout message: which way to look when a reply
        does not come (test accounts and counts only, never a message body). The room's
        history on the homeserver tells whether the sender sent at all."""
        waiting = sum(1 for room, _ in self._waiting_for_keys if room.room_id == room_id)
        alive = self._task is not None and not self._task.done()
        since = time.monotonic() - self._last_sync if self._last_sync else float("nan")
        on_server = "unknown"
        with contextlib.suppress(Exception):
            history = await asyncio.wait_for(
                self.client.room_messages(
                    room_id,
                    start=self.client.next_batch or "",
                    direction=MessageDirection.back,
                    limit=1000,
                ),
                10,
            )
            if isinstance(history, RoomMessagesResponse):
                on_server = str(sum(
                    1 for e in history.chunk
                    if e.sender == sender and e.source.get("type") in MESSAGE_TYPES
                ))  # fmt: skip
        return (
            f"{self.user_id} has {len(self.messages_from(sender, room_id))} messages from "
            f"{sender} in {room_id} (the homeserver has {on_server} in the room's history); "
            f"events in the room still without their key: "
            f"{waiting}; sync loop {'running' if alive else 'STOPPED'}, last sync "
            f"{since:.1f} s ago, {self._sync_failures} failed sync rounds"
        )

    async def wait_for_text(
        self, sender: str, room_id: str, contains: str, timeout: float = 30
    ) -> Received:
        """Wait for a message from ``sender`` in ``room_id`` whose body contains ``contains``."""

        def matching() -> list[Received]:
            return [m for m in self.messages_from(sender, room_id) if contains in m.body]

        try:
            await self.wait_until(lambda: bool(matching()), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"no message from {sender} with the expected text within {timeout:.0f} s; "
                + await self.diagnosis(sender, room_id)
            ) from None
        return matching()[0]

    async def ask(self, room_id: str, bot_id: str, text: str, timeout: float = 30) -> Received:
        """Send ``text`` and wait for the bot's next message in that room."""
        seen = len(self.messages_from(bot_id, room_id))
        await self.send(room_id, text)
        return await self.next_message(bot_id, room_id, seen, timeout)
