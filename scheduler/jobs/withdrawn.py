"""Members' messages with a BSN that are still there: remind, take back, report
(``handlers/bsn.py`` decides what is due). What was done is recorded on the row in the same
transaction as the messages, so a restart or a second tick sends nothing twice."""

from __future__ import annotations

from datetime import datetime

from handlers.bsn import follow_up
from handlers.house import House
from scheduler.job import Job, JobRun
from storage.unit import Unit


def withdrawn(house: House) -> Job:
    async def body(unit: Unit, now: datetime, run: JobRun) -> None:
        outgoing = await follow_up(unit, house, now)
        run.send(*outgoing)
        run.reminders["bsn"] += len(outgoing)

    return Job("bsn", body)
