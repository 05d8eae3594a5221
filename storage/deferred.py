"""Bookkeeping writes that may wait a moment and ride along with the next transaction.

Some records only say that work was done, and losing the newest of them in a crash costs a
repeat that is deduplicated anyway: "this message was delivered" (the homeserver drops a
resend with the same transaction id) and "the sync got this far" (handled events are
claimed once). Writing each in its own transaction was a large part of the bot's work per
message (bench/RESULTS.md). Here they are kept for a moment and written at the start of the
next write transaction, whatever it is (a handled message, a job), or, when none comes
within ``delay`` seconds, in one transaction of their own.

Riding along also keeps them in order with what follows: a conversation that becomes a
casus re-tags the messages sent in it, and those must be recorded before that.

The writers must not fail on valid items (delete by id, plain inserts, an upsert). If one
fails all the same, the transaction it rode along with fails too; from then on the items
are only written in transactions of their own, so other work is not held hostage, and a
writer that keeps failing is logged each time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger(__name__)

Writer = Callable[[AsyncSession, list[Any]], Awaitable[None]]
Flusher = Callable[[], Awaitable[None]]

DEFAULT_DELAY_SECONDS = 0.25
RETRY_SECONDS = 5.0


@dataclass
class _Kind:
    writer: Writer
    keep_last: bool
    items: list[Any] = field(default_factory=list)


class DeferredWrites:
    def __init__(self, delay: float = DEFAULT_DELAY_SECONDS) -> None:
        self.delay = delay
        self._kinds: dict[str, _Kind] = {}
        self._flusher: Flusher | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self.ride_along = True

    def bind(self, flusher: Flusher) -> None:
        """How to write the items in a transaction of their own (the database's)."""
        self._flusher = flusher

    def register(self, kind: str, writer: Writer, keep_last: bool = False) -> None:
        """``writer(session, items)`` writes a batch; ``keep_last``: only the newest counts."""
        self._kinds[kind] = _Kind(writer, keep_last)

    def add(self, kind: str, item: Any) -> None:
        entry = self._kinds[kind]
        if entry.keep_last:
            entry.items[:] = [item]
        else:
            entry.items.append(item)
        self._schedule(self.delay)

    @property
    def pending(self) -> bool:
        return any(entry.items for entry in self._kinds.values())

    def take(self) -> list[tuple[Writer, list[Any]]]:
        """The items to write now, handed to the caller's transaction; :meth:`done` or
        :meth:`failed` says how that ended."""
        batches = []
        for entry in self._kinds.values():
            if entry.items:
                batches.append((entry.writer, entry.items))
                entry.items = []
        return batches

    def failed(self, batches: list[tuple[Writer, list[Any]]], writers_failed: bool) -> None:
        """The transaction did not commit: the items wait for the next one, in front.
        ``writers_failed``: a writer raised while riding along (not the caller's work)."""
        for writer, items in batches:
            for entry in self._kinds.values():
                if entry.writer is writer:
                    if entry.keep_last:
                        entry.items = entry.items or items
                    else:
                        entry.items = items + entry.items
        if writers_failed:
            self.ride_along = False  # see the module's docstring
            log.error("deferred bookkeeping failed; it is written on its own from now on")
        self._schedule(RETRY_SECONDS if writers_failed else self.delay)

    def succeeded_alone(self) -> None:
        """Written in a transaction of its own: riding along may resume."""
        self.ride_along = True

    def _schedule(self, delay: float) -> None:
        if self._timer is not None or self._flusher is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # written by the next transaction (or flush) instead
        self._timer = loop.call_later(delay, self._start_flush)

    def _start_flush(self) -> None:
        self._timer = None
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush_logged())

    async def _flush_logged(self) -> None:
        try:
            await self.flush()
        except Exception:
            log.exception("deferred bookkeeping could not be written; retrying")

    async def flush(self) -> None:
        """Write what is waiting now, in a transaction of its own if needed."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.pending and self._flusher is not None:
            await self._flusher()

    async def close(self) -> None:
        """The last write before the database closes. If it fails, the items are lost:
        by design that costs only a repeat (see the module's docstring), so the shutdown
        goes on."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        try:
            await self.flush()
        except Exception:
            log.exception("deferred bookkeeping lost at shutdown (repeated after the start)")
