"""An event that arrived before its room key: asked for, then waited for in the room's
order (the key often follows within seconds, in a later sync)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from nio import AsyncClient, EncryptionError, MegolmEvent, RoomMessageText

log = logging.getLogger(__name__)


async def wait_for_key(
    client: AsyncClient, event: MegolmEvent, grace: float,
    synced: Callable[[], asyncio.Event], stopping: asyncio.Event,
) -> RoomMessageText | bool:  # fmt: skip
    """The event decrypted once its key arrives within ``grace`` seconds: the text message,
    or True when it was something else; False when the grace passed (or the bot stops).
    ``synced()``: the event set when the next sync has been handled."""
    try:
        await client.request_room_key(event)
    except Exception as exc:  # best effort: Element does not answer key requests
        log.info("room key request not sent (%s)", type(exc).__name__)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    while True:
        try:
            decrypted = client.decrypt_event(event)
        except EncryptionError:
            decrypted = None
        if isinstance(decrypted, RoomMessageText):
            log.info("late room key arrived; event decrypted")
            return decrypted
        if decrypted is not None:
            return True  # decrypted into something that is not a text message
        remaining = deadline - loop.time()
        if remaining <= 0 or stopping.is_set():
            return False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(synced().wait(), timeout=min(remaining, 5.0))
