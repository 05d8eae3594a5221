"""Once a day, at the start of working hours: the audit log's anchor to the managers and a
check of its chain (``handlers/audit_log.py``). Once per day, also across restarts."""

from __future__ import annotations

from datetime import datetime

from handlers.audit_log import daily_anchor
from handlers.house import House
from scheduler.job import Job, JobRun
from storage.unit import Unit

AUDIT_JOB = "audit_anchor"


def audit_anchor(house: House) -> Job:
    working = house.working_time

    async def body(unit: Unit, now: datetime, run: JobRun) -> None:
        slot = working.start_of(now.astimezone(working.zone).date())
        if now < slot or not await unit.job_slots.claim(AUDIT_JOB, slot):
            return
        run.send(*await daily_anchor(unit, house, now))

    return Job(AUDIT_JOB, body)
