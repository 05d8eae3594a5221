"""Each week (from the first working moment after Monday 00:00), every casusregisseur gets
the open actions of their casussen due that week, and those already late: one slot per
week, so a restart or a day of downtime sends it once; more than a week late, not at all."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.directory import Directory
from handlers.house import House
from handlers.overzicht.service import due_for_regisseurs
from handlers.overzicht.texts import action_table
from scheduler.job import Job, JobRun
from storage.unit import Unit

WEEKLY_JOB = "weekly_overview"
WEEK = timedelta(days=7)


async def weekly_overview(unit: Unit, house: House, now: datetime, run: JobRun) -> None:
    zone = house.zone
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    slot = datetime(monday.year, monday.month, monday.day, tzinfo=zone)
    if not await unit.job_slots.claim(WEEKLY_JOB, slot) or now - slot >= WEEK:
        return
    due = await due_for_regisseurs(unit, monday, monday + WEEK, today)
    directory = Directory(unit, house)
    later = house.working_time.next_working_moment(now)
    for regisseur, lines in due.items():
        names = await directory.names(line.owner for line in lines)
        title = f"Deze week in jouw casussen ({house.words.casusregisseur})"
        told = await directory.to_own_chat(regisseur, action_table(lines, names, today, title))
        if told is not None:
            run.send(told.later(later))
            run.reminders["weekoverzicht"] += 1


def weekly(house: House) -> Job:
    async def body(unit: Unit, now: datetime, run: JobRun) -> None:
        await weekly_overview(unit, house, now, run)

    return Job(WEEKLY_JOB, body)
