"""What the transport tells the outbox about events still in hand (no homeserver needed:
the room workers run local work items; the Synapse suites cover the rest)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, cast

from bot.matrix.login import TransportSettings
from bot.matrix.ports import MessageHandler
from bot.matrix.snapshot import StateChanges
from bot.matrix.transport import MatrixTransport


class Positions:
    def __init__(self) -> None:
        self.saved: list[str] = []

    async def load(self) -> str | None:
        return None

    async def kept_state(self, chunk: int) -> AsyncIterator[dict[str, list[dict[str, Any]]]]:
        # Read only after a saved position, and there never is one here.
        raise AssertionError("no position, nothing kept")
        yield {}  # an async generator, as the port is

    def record_state(self, changes: StateChanges) -> None:
        pass

    async def save(self, next_batch: str) -> None:
        self.saved.append(next_batch)


def transport(store: Path, positions: Positions) -> MatrixTransport:
    settings = TransportSettings(
        homeserver_url="http://127.0.0.1:9",  # never contacted
        user_id="@casusbot:example.org",
        password="unused",
        access_token=None,
        device_name="test",
        store_path=store,
        pickle_key="test-pickle-key",
    )
    return MatrixTransport(settings, cast(MessageHandler, object()), positions)


async def test_a_handler_sees_whether_replies_to_other_events_are_still_coming(
    tmp_path: Path,
) -> None:
    positions = Positions()
    bot = transport(tmp_path / "store", positions)
    all_handled: list[str] = []
    bot.on_all_handled(lambda: all_handled.append("now"))
    go_a, go_b = asyncio.Event(), asyncio.Event()
    seen: dict[str, bool] = {}

    async def message_in_room_a() -> None:
        await go_a.wait()
        seen["a, while b is in hand"] = bot.handling_others()

    async def message_in_room_b() -> None:
        await go_b.wait()
        seen["b, the last one"] = bot.handling_others()

    try:
        batch = bot._batches.open("s1")
        bot._enqueue("!a:example.org", batch, message_in_room_a)
        bot._enqueue("!b:example.org", batch, message_in_room_b)
        bot._batches.close(batch)
        assert bot.handling_others()  # asked from outside a handler: both count
        go_a.set()
        for _ in range(100):
            if "a, while b is in hand" in seen:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        assert all_handled == []  # b is still in hand
        go_b.set()
        for _ in range(100):
            if all_handled:
                break
            await asyncio.sleep(0.01)
    finally:
        await bot.close()
    assert seen == {"a, while b is in hand": True, "b, the last one": False}
    assert all_handled == ["now"]
    assert not bot.handling_others()
    assert positions.saved == ["s1"]


async def test_a_quiet_rooms_worker_ends_and_its_next_event_is_still_handled(
    tmp_path: Path,
) -> None:
    """A bot in thousands of rooms keeps a worker only for rooms with work; a room that
    was quiet long enough gets a new one, and nothing is lost or reordered on the way."""
    positions = Positions()
    bot = transport(tmp_path / "store", positions)
    bot.worker_idle_seconds = 0.05
    handled: list[str] = []

    def item(name: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            handled.append(name)

        return run

    async def until(check: Callable[[], bool]) -> None:
        for _ in range(200):
            if check():
                return
            await asyncio.sleep(0.01)
        raise AssertionError("not in time")

    try:
        for n, name in enumerate(("a1", "a2")):
            batch = bot._batches.open(f"s{n}")
            bot._enqueue("!a:example.org", batch, item(name))
            bot._batches.close(batch)
        await until(lambda: handled == ["a1", "a2"])
        assert bot.room_workers == 1
        await until(lambda: bot.room_workers == 0)  # quiet: the worker ended
        batch = bot._batches.open("s2")
        bot._enqueue("!a:example.org", batch, item("a3"))
        bot._batches.close(batch)
        await until(lambda: handled == ["a1", "a2", "a3"])
        assert bot.room_workers == 1
    finally:
        await bot.close()
    assert positions.saved[-1] == "s2"
