"""Periodic jobs on APScheduler, with the database as the single source of truth.

APScheduler only provides the ticking: each job reads what is due from the database and
records what it did in the same transaction as the messages it queues. Nothing lives in
APScheduler's memory, so a restart loses nothing and a job that runs twice (two ticks, or
a restart around its due time) finds nothing left to do the second time. Jobs run once
right at start-up, which is how work that fell due while the bot was down is caught up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

JobFunction = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Periodic:
    """Something to run every ``every_seconds`` (and once at start-up)."""

    name: str
    every_seconds: float
    run: JobFunction


class JobRunner:
    def __init__(self, jobs: list[Periodic]) -> None:
        self.jobs = {job.name: job for job in jobs}
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.runs: dict[str, int] = dict.fromkeys(self.jobs, 0)
        self.failures: dict[str, int] = dict.fromkeys(self.jobs, 0)
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def add(self, job: Periodic) -> None:
        """One more job (before start)."""
        self.jobs[job.name] = job
        self.runs[job.name] = self.failures[job.name] = 0

    async def run_now(self, name: str) -> None:
        """Run one job at once (also what each tick does); errors are logged, not raised."""
        job = self.jobs[name]
        self._active += 1
        self._idle.clear()
        try:
            await job.run()
            self.runs[name] += 1
        except Exception:
            self.failures[name] += 1
            log.exception("job %s failed; it runs again at the next tick", name)
        finally:
            self._active -= 1
            if not self._active:
                self._idle.set()

    def start(self) -> None:
        for job in self.jobs.values():
            self.scheduler.add_job(
                self.run_now,
                "interval",
                args=[job.name],
                seconds=job.every_seconds,
                id=job.name,
                next_run_time=datetime.now(UTC),
                coalesce=True,  # after a pause, one run, not a flood
                max_instances=1,  # never two runs of the same job at once
                misfire_grace_time=None,
            )
        self.scheduler.start()

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)

    async def stop(self, timeout: float) -> None:
        """No new runs; a run in progress finishes (bounded), so none stops half-way."""
        if self.scheduler.running:
            self.scheduler.pause()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.warning("shutdown: a job is still running")
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
