"""The audit log's anchor file, kept up to date: soon after every burst of audit entries
(and hourly, and at start-up) the number and MAC of the newest entry are appended
(``storage/anchors.py``). If the log turns out shorter than its last anchor, someone
deleted its newest entries: that is reported at once as an incident. Once a day (and at
start-up) the whole log is checked against its chain and the anchors, in a read-only unit
of work (it may take seconds; nobody waits for it); what is found is reported.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path

from scheduler.clock import Clock
from storage import crypto
from storage.anchors import AnchorFile
from storage.audit_verify import check_chain
from storage.db import Database

log = logging.getLogger(__name__)

# Entries come in bursts (one unit of work writes several): anchor once the burst is over.
BURST_SECONDS = 1.0
EVERY_SECONDS = 3600.0

CHECK_EVERY = timedelta(days=1)

Shortened = Callable[[int, int], Awaitable[None]]
Broken = Callable[[list[str]], Awaitable[None]]


class Anchorer:
    def __init__(
        self, db: Database, path: Path, clock: Clock, shortened: Shortened, broken: Broken
    ) -> None:
        self.db = db
        self.file = AnchorFile(path)
        self.clock = clock
        self.shortened = shortened
        self.broken = broken
        self._checked: datetime | None = None
        self.written = 0
        self._last = -1
        self._reported = False
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        self._last = await asyncio.to_thread(self.file.last_seq)
        while not self._stopping.is_set():
            try:
                await self.anchor()
                await self.check_daily()
            except Exception:
                log.exception("audit anchor not written or log not checked; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), EVERY_SECONDS)
            self._wake.clear()
            if not self._stopping.is_set():
                await asyncio.sleep(BURST_SECONDS)
        with contextlib.suppress(Exception):
            await self.anchor()  # what the last units of work wrote

    async def check_daily(self) -> None:
        now = self.clock.now()
        if self._checked is not None and now - self._checked < CHECK_EVERY:
            return
        self._checked = now
        keys = crypto.installed()
        read = await asyncio.to_thread(self.file.read, keys)
        async with self.db.reading() as unit:
            check = await check_chain(unit.audit.chain(), keys, read)
        if not check.intact:
            log.error("the audit log does not hold: %d findings", len(check.findings))
            await self.broken(check.findings)

    async def anchor(self) -> None:
        async with self.db.reading() as unit:
            head = await unit.audit.head()
        if head is None:
            return
        if head.seq < self._last:
            # Reported once: the report itself adds an entry, which is no news.
            if not self._reported:
                self._reported = True
                log.error("the audit log is shorter than its last anchor")
                await self.shortened(self._last, head.seq)
            return
        if head.seq == self._last:
            return
        self._reported = False
        keys = crypto.installed()
        await asyncio.to_thread(
            self.file.append, keys, self.clock.now(), head.seq, head.mac, head.key_id
        )
        self._last = head.seq
        self.written += 1
