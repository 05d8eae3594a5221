"""One ordered worker per room: a room's events are handled one after the other, rooms at
the same time. A worker with nothing to do for a while ends (a house's bot sits in
thousands of rooms that are quiet for weeks); the room's next event starts a new one."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

log = logging.getLogger(__name__)

WorkItem = Callable[[], Awaitable[None]]
# How long a room's worker waits for work before it ends.
IDLE_SECONDS = 600.0

# Set in the room workers' tasks: code called from a handler can tell its own event apart.
IN_ROOM_WORKER: ContextVar[bool] = ContextVar("casusbot_in_room_worker", default=False)


class RoomWorker:
    """Runs one room's work items one after the other, in arrival order."""

    def __init__(
        self, on_done: Callable[[int], Awaitable[None]], on_idle: Callable[[], None] = lambda: None,
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:  # fmt: skip
        self.queue: asyncio.Queue[tuple[int, WorkItem]] = asyncio.Queue()
        self.on_done = on_done
        # Called as the worker ends for lack of work: its owner forgets it, in the same
        # step (no await in between), so no work is put in a queue nobody reads.
        self.on_idle = on_idle
        self.idle_seconds = idle_seconds
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        IN_ROOM_WORKER.set(True)  # this task's own context
        while True:
            try:
                seq, item = await asyncio.wait_for(self.queue.get(), self.idle_seconds)
            except TimeoutError:
                if self.queue.empty():
                    self.on_idle()
                    return
                continue
            try:
                await item()
            except Exception:
                # Errors users cannot cause: logged without content, never swallowed silently.
                log.exception("handling an event failed")
            finally:
                # Save the position before reporting the item done, so drain() waits for it.
                await self.on_done(seq)
                self.queue.task_done()
