"""One ordered worker per room: a room's events are handled one after the other, rooms at
the same time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

log = logging.getLogger(__name__)

WorkItem = Callable[[], Awaitable[None]]

# Set in the room workers' tasks: code called from a handler can tell its own event apart.
IN_ROOM_WORKER: ContextVar[bool] = ContextVar("casusbot_in_room_worker", default=False)


class RoomWorker:
    """Runs one room's work items one after the other, in arrival order."""

    def __init__(self, on_done: Callable[[int], Awaitable[None]]) -> None:
        self.queue: asyncio.Queue[tuple[int, WorkItem]] = asyncio.Queue()
        self.on_done = on_done
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        IN_ROOM_WORKER.set(True)  # this task's own context
        while True:
            seq, item = await self.queue.get()
            try:
                await item()
            except Exception:
                # Errors users cannot cause: logged without content, never swallowed silently.
                log.exception("handling an event failed")
            finally:
                # Save the position before reporting the item done, so drain() waits for it.
                await self.on_done(seq)
                self.queue.task_done()
