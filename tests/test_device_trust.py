"""Device trust's cache (bot/matrix/device_trust.py) while the sync reports changes.

Found by bench.rooms: a send asked for one member's devices while another member's, asked
for earlier, were reported changed by the sync; the lookup then failed (KeyError) and the
reply waited a second for the outbox's retry.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

from nio import AsyncClient

from bot.matrix.device_trust import DeviceTrust

ANNE = "@anne:zvh.test"
BERT = "@bert:zvh.test"


class Answer:
    def __init__(self, payload: dict[str, Any]) -> None:
        self.status = 200
        self.payload = payload

    async def json(self, content_type: str | None = None) -> dict[str, Any]:
        return self.payload

    def release(self) -> None:
        pass


class Homeserver:
    """Answers /keys/query with one (unsigned) device per user; can hold an answer back."""

    access_token = "token"
    user_id = "@casusbot:zvh.test"

    def __init__(self) -> None:
        self.asked: list[list[str]] = []
        self.hold: asyncio.Event | None = None
        self.waiting = asyncio.Event()

    async def send(self, method: str, path: str, data: str, headers: dict[str, str]) -> Answer:
        users = sorted(json.loads(data)["device_keys"])
        self.asked.append(users)
        if self.hold is not None:
            self.waiting.set()
            await self.hold.wait()
        devices = {u: {"DEV": {"keys": {"curve25519:DEV": f"curve-{u}"}}} for u in users}
        return Answer({"device_keys": devices, "master_keys": {}, "self_signing_keys": {}})


async def test_a_change_reported_during_a_lookup_neither_fails_it_nor_is_forgotten() -> None:
    server = Homeserver()
    trust = DeviceTrust(cast(AsyncClient, server))
    await trust.devices([ANNE])  # Anne's devices known from an earlier send

    server.hold = asyncio.Event()
    lookup = asyncio.create_task(trust.devices([ANNE, BERT]))
    await server.waiting.wait()  # asking for Bert's devices ...
    trust.forget([ANNE, BERT])  # ... when the sync says both changed
    server.hold.set()
    found = await lookup

    assert set(found) == {ANNE, BERT}
    assert found[BERT].curve_keys == {f"curve-{BERT}"}
    server.hold = None
    await trust.devices([ANNE, BERT])  # the next send asks again for both, once
    assert server.asked == [[ANNE], [BERT], [ANNE, BERT]]
    await trust.devices([ANNE, BERT])
    assert len(server.asked) == 3
