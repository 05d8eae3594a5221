"""What the transport tells the outbox about events still in hand (no homeserver needed:
the room workers run local work items; the Synapse suites cover the rest)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import cast

from bot.matrix.login import TransportSettings
from bot.matrix.ports import MessageHandler
from bot.matrix.transport import MatrixTransport


class Positions:
    def __init__(self) -> None:
        self.saved: list[str] = []

    async def load(self) -> str | None:
        return None

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
