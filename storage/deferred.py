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

A kind may also be written at most every so often (``interval``): the sync position changes
with every sync, and only the newest matters, so it is written about once a second however
many syncs come in between. :meth:`DeferredWrites.close` writes everything.

Items taken by a transaction that has not committed yet are *in transit*: :meth:`flush`
waits for them first, so whoever flushes to read the table (the outbox sender) sees them
written. Reading too early, it once took a delivered message for a pending one and sent it
again.

The writers must not fail on valid items (delete by id, plain inserts, an upsert). If one
fails all the same, the transaction it rode along with fails too; from then on the items
are only written in transactions of their own, so other work is not held hostage, and a
writer that keeps failing is logged each time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from storage.unit import Unit

log = logging.getLogger(__name__)

Writer = Callable[[Unit, list[Any]], Awaitable[None]]
Flusher = Callable[[bool], Awaitable[None]]

DEFAULT_DELAY_SECONDS = 0.25
RETRY_SECONDS = 5.0
# How long flush() waits for items in transit before it goes on without them (a bug
# elsewhere must not stop the outbox for good; it logs a warning).
SETTLE_TIMEOUT_SECONDS = 10.0


@dataclass
class _Kind:
    writer: Writer
    keep_last: bool
    interval: float
    items: list[Any] = field(default_factory=list)
    # When this kind was last taken (time.monotonic()).
    taken_at: float = float("-inf")

    def wait(self, now: float) -> float:
        """Seconds until its items may be taken (0: now)."""
        return max(0.0, self.taken_at + self.interval - now)


class DeferredWrites:
    def __init__(self, delay: float = DEFAULT_DELAY_SECONDS) -> None:
        self.delay = delay
        self._kinds: dict[str, _Kind] = {}
        self._flusher: Flusher | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self.ride_along = True
        # Batches taken and not yet committed or put back, and who waits for them.
        self._in_transit = 0
        self._settled: list[asyncio.Future[None]] = []

    def bind(self, flusher: Flusher) -> None:
        """How to write the items in a transaction of their own (the database's);
        ``flusher(everything)`` passes its argument on to :meth:`take`."""
        self._flusher = flusher

    def register(
        self, kind: str, writer: Writer, keep_last: bool = False, interval: float = 0.0
    ) -> None:
        """``writer(unit, items)`` writes a batch; ``keep_last``: only the newest counts;
        ``interval``: written at most once in so many seconds (except by :meth:`close`)."""
        self._kinds[kind] = _Kind(writer, keep_last, interval)

    def add(self, kind: str, item: Any) -> None:
        entry = self._kinds[kind]
        if entry.keep_last:
            entry.items[:] = [item]
        else:
            entry.items.append(item)
        self._schedule(max(self.delay, entry.wait(time.monotonic())))

    def due(self, everything: bool = False) -> bool:
        """Whether anything may be written now (``everything``: whatever is waiting)."""
        now = time.monotonic()
        return any(
            entry.items and (everything or not entry.wait(now)) for entry in self._kinds.values()
        )

    def take(self, everything: bool = False) -> list[tuple[Writer, list[Any]]]:
        """The items to write now, handed to the caller's transaction; :meth:`committed`,
        :meth:`succeeded_alone` or :meth:`failed` says how that ended (each must follow a
        take that returned anything). Items of a kind whose interval has not passed stay
        (unless ``everything``) and get a write of their own when it has."""
        now = time.monotonic()
        batches = []
        for entry in self._kinds.values():
            if entry.items and (everything or not entry.wait(now)):
                batches.append((entry.writer, entry.items))
                entry.items = []
                entry.taken_at = now
        if batches:
            self._in_transit += 1
        self._schedule_waiting()
        return batches

    def committed(self, batches: list[tuple[Writer, list[Any]]]) -> None:
        """The transaction the batches rode along with committed."""
        if batches:
            self._settle()

    def _settle(self) -> None:
        self._in_transit = max(0, self._in_transit - 1)
        if self._in_transit == 0:
            waiters, self._settled = self._settled, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    async def _wait_for_transit(self) -> None:
        if not self._in_transit:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._settled.append(waiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter), SETTLE_TIMEOUT_SECONDS)
        except TimeoutError:
            log.warning("deferred bookkeeping still in transit; going on without it")

    def _schedule_waiting(self) -> None:
        """A write of their own for items that wait for their interval."""
        now = time.monotonic()
        waits = [entry.wait(now) for entry in self._kinds.values() if entry.items]
        if waits:
            self._schedule(min(waits))

    def failed(self, batches: list[tuple[Writer, list[Any]]], writers_failed: bool) -> None:
        """The transaction did not commit: the items wait for the next one, in front.
        ``writers_failed``: a writer raised while riding along (not the caller's work)."""
        if batches:
            self._settle()
        for writer, items in batches:
            for entry in self._kinds.values():
                if entry.writer is writer:
                    entry.taken_at = float("-inf")  # not written: no interval to wait
                    if entry.keep_last:
                        entry.items = entry.items or items
                    else:
                        entry.items = items + entry.items
        if writers_failed:
            self.ride_along = False  # see the module's docstring
            log.error("deferred bookkeeping failed; it is written on its own from now on")
        self._schedule(RETRY_SECONDS if writers_failed else self.delay)

    def succeeded_alone(self, batches: list[tuple[Writer, list[Any]]]) -> None:
        """Written in a transaction of its own: riding along may resume."""
        self.ride_along = True
        self.committed(batches)

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

    async def flush(self, everything: bool = False) -> None:
        """Write what may be written now (``everything``: all that waits), in a
        transaction of its own if needed; returns when what was added before the call is
        committed (or, after a failure, back in line). Not to be called inside a
        transaction that took items: it would wait for itself until the timeout."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        await self._wait_for_transit()
        if self._flusher is not None:
            if self.due(everything):
                await self._flusher(everything)
            else:
                self._schedule_waiting()

    async def close(self) -> None:
        """The last write before the database closes. If it fails, the items are lost:
        by design that costs only a repeat (see the module's docstring), so the shutdown
        goes on."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        try:
            await self.flush(everything=True)
        except Exception:
            log.exception("deferred bookkeeping lost at shutdown (repeated after the start)")
