"""The benchmark's members: scripted E2EE clients that time every reply they get.

A :class:`BenchMember` is the demo's :class:`ScriptedMember` with two changes: it records
when each message arrived (monotonic clock, in the sync callback), and it long-polls like
Element does (30 s) instead of every second, so idle members do not load the homeserver.
:func:`converse` sends a script one message at a time, each after the previous reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nio import RoomMessageNotice, RoomMessageText, RoomSendResponse, SyncError

from demo.scripted import ScriptedMember

SYNC_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class Arrival:
    at: float  # time.monotonic() when the sync callback saw it
    sender: str
    body: str


class BenchMember(ScriptedMember):
    def __init__(self, homeserver_url: str, user_id: str, password: str, store_dir: Path) -> None:
        super().__init__(homeserver_url, user_id, password, store_dir)
        self.arrivals: dict[str, list[Arrival]] = defaultdict(list)
        self._arrived: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self._keys = asyncio.Lock()
        self.client.add_event_callback(self._on_arrival, (RoomMessageText, RoomMessageNotice))

    async def _on_arrival(self, room: Any, event: RoomMessageText | RoomMessageNotice) -> None:
        self.arrivals[room.room_id].append(Arrival(time.monotonic(), event.sender, event.body))
        self._arrived[room.room_id].set()

    async def _sync_forever(self) -> None:
        """ScriptedMember's loop with Element's long poll instead of a one-second poll."""
        while True:
            response = await self.client.sync(timeout=SYNC_TIMEOUT_MS)
            if isinstance(response, SyncError):
                await asyncio.sleep(0.5)
                continue
            await self.client.send_to_device_messages()
            if self.client.should_upload_keys:
                await self.client.keys_upload()
            await self._query_keys()
            if self.client.should_claim_keys:
                await self.client.keys_claim(self.client.get_users_for_key_claiming())

    async def _query_keys(self) -> None:
        async with self._keys:
            if self.client.should_query_keys:
                await self.client.keys_query()

    def count(self, room_id: str, sender: str) -> int:
        return sum(1 for a in self.arrivals[room_id] if a.sender == sender)

    async def wait_count(self, room_id: str, sender: str, n: int, timeout: float) -> Arrival | None:
        """The ``n``-th message (1-based) from ``sender`` in the room, or None on timeout."""
        deadline = time.monotonic() + timeout
        event = self._arrived[room_id]
        while True:
            from_sender = [a for a in self.arrivals[room_id] if a.sender == sender]
            if len(from_sender) >= n:
                return from_sender[n - 1]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def send_text(self, room_id: str, text: str) -> float | None:
        """Send ``text`` encrypted; returns the moment the send started, None if it failed."""
        await self._query_keys()
        started = time.monotonic()
        response = await self.client.room_send(
            room_id,
            "m.room.message",
            {"msgtype": "m.text", "body": text},
            ignore_unverified_devices=True,
        )
        return started if isinstance(response, RoomSendResponse) else None

    async def open_dm(self, peer: str, timeout: float) -> str:
        """Create an encrypted direct chat with ``peer`` and wait until it joined."""
        room_id = await self.create_room([peer])

        def joined() -> bool:
            room = self.client.rooms.get(room_id)
            return room is not None and room.encrypted and peer in room.users

        await self.wait_until(joined, timeout)
        return room_id


@dataclass
class Conversation:
    """What one member saw while sending its script in one room."""

    latencies_ms: list[float] = field(default_factory=list)
    lost: int = 0
    send_failures: int = 0
    replies: list[str] = field(default_factory=list)
    last_arrival: float = 0.0


async def converse(
    member: BenchMember, room_id: str, peer: str, script: Sequence[str], timeout: float
) -> Conversation:
    """Send ``script`` one message at a time, each after ``peer``'s reply to the previous.

    Replies are matched by count: the k-th message expects the k-th reply after the start.
    A reply that does not come within ``timeout`` is lost; the script goes on.
    """
    result = Conversation()
    expected = member.count(room_id, peer)
    for text in script:
        expected += 1
        started = await member.send_text(room_id, text)
        if started is None:
            result.send_failures += 1
            result.lost += 1
            expected -= 1  # nothing was sent, so nothing comes back
            continue
        arrival = await member.wait_count(room_id, peer, expected, timeout)
        if arrival is None:
            result.lost += 1
            continue
        result.latencies_ms.append((arrival.at - started) * 1000.0)
        result.replies.append(arrival.body)
        result.last_arrival = max(result.last_arrival, arrival.at)
    return result
