"""The bot's own bookkeeping: handled event ids are forgotten long after they could be
delivered again (the sync position is saved within seconds of handling, so an event comes
again only after a crash, from the last saved position: a month is far beyond that)."""

from __future__ import annotations

from datetime import datetime, timedelta

from scheduler.job import Job, JobRun
from storage.unit import Unit

HANDLED_EVENTS_KEPT = timedelta(days=30)
HANDLED_EVENTS_PRUNE_SECONDS = 6 * 3600


async def _forget_handled_events(unit: Unit, now: datetime, run: JobRun) -> None:
    await unit.handled_events.forget_before(now - HANDLED_EVENTS_KEPT)


HANDLED_EVENTS = Job("handled_events", _forget_handled_events)
