"""The one contract of timed work, and the driver that runs it in units of work.

A job is ``async job(unit, now, run)``: it reads what is due in ``unit``, records what it
did there, and adds the messages to send (and its tallies) to ``run``. The driver queues
those messages in the same transaction, so two runs, a restart around the due time or days
of downtime give one message, never a flood. A job that has more to do than one
transaction should hold (retention, in batches) sets ``run.more``: the driver commits and
calls it again in a new unit of work.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from handlers.messages import Outgoing
from handlers.outbox import queue
from storage.unit import Unit

log = logging.getLogger(__name__)

# A job that keeps asking for more stops here, with a log line: a bug, not a flood.
MAX_ROUNDS = 100_000


@dataclass
class JobRun:
    """What one run of a job did, across its units of work."""

    outgoing: list[Outgoing] = field(default_factory=list)
    # Set by the job: call it again in a new unit of work.
    more: bool = False
    # What a job planned in its first unit of work and works through in the next ones
    # (None: not planned yet). Gone with the run: after a crash the next run plans anew.
    todo: list[Any] | None = None
    # Tallies for /metrics: reminders by kind, late ones, what retention removed.
    reminders: Counter[str] = field(default_factory=Counter)
    late: int = 0
    removed: Counter[str] = field(default_factory=Counter)
    # Set by the driver: messages queued, and room work for the room manager.
    queued: int = 0
    room_work: bool = False
    audited: bool = False

    def send(self, *items: Outgoing | None) -> None:
        self.outgoing.extend(item for item in items if item is not None)


JobBody = Callable[[Unit, datetime, JobRun], Awaitable[None]]
Transaction = Callable[[], AbstractAsyncContextManager[Unit]]


@dataclass(frozen=True)
class Job:
    name: str
    body: JobBody


async def run_job(transaction: Transaction, job: Job, now: datetime) -> JobRun:
    """Run ``job`` once: each of its units of work committed with the messages it queued."""
    run = JobRun()
    for _ in range(MAX_ROUNDS):
        run.more = False
        first = len(run.outgoing)
        async with transaction() as unit:
            await job.body(unit, now, run)
            await queue(unit, run.outgoing[first:], now)
        run.queued += unit.effects.outbox_written
        run.room_work |= unit.effects.room_work
        run.audited |= unit.effects.audited
        if not run.more:
            return run
    log.error("job %s still had more to do after %d rounds", job.name, MAX_ROUNDS)
    return run
