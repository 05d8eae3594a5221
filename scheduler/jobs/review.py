"""The authorisation review (Kennemerland Bijlage 4), twice a year.

Once per slot (the first day of each configured month), sent from the next working
moment; a bot that was down at the time sends it once when it comes back, unless that is
more than a month later (then the next slot is nearer than this one was).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from handlers.access import REVIEW_ROLES
from handlers.beheer.review import review_notice
from handlers.directory import Directory
from handlers.house import House
from scheduler.job import Job, JobRun
from scheduler.workhours import WorkingTime
from storage.unit import Unit

REVIEW_JOB = "authorisation_review"
TOO_LATE = timedelta(days=31)


def latest_slot(now: datetime, working: WorkingTime, months: Sequence[int]) -> datetime:
    """The most recent first-of-a-review-month (00:00 local) at or before ``now``."""
    local = now.astimezone(working.zone)
    candidates = [
        datetime(year, month, 1, tzinfo=working.zone)
        for year in (local.year - 1, local.year)
        for month in months
    ]
    return max(c for c in candidates if c <= local)


async def review_authorisations(unit: Unit, house: House, now: datetime, run: JobRun) -> None:
    working = house.working_time
    slot = latest_slot(now, working, house.review_months)
    if not await unit.job_slots.claim(REVIEW_JOB, slot):
        return
    if now - slot > TOO_LATE:
        return
    text = await review_notice(unit, house, slot.date())
    later = working.next_working_moment(now)
    for item in await Directory(unit, house).to_roles(REVIEW_ROLES, text):
        run.send(item.later(later))


def authorisation_review(house: House) -> Job:
    async def body(unit: Unit, now: datetime, run: JobRun) -> None:
        await review_authorisations(unit, house, now, run)

    return Job(REVIEW_JOB, body)
