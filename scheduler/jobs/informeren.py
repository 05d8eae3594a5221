"""Whoever answers for a running casus is asked, a week after the decision and then weekly
(in working hours), whether the betrokkene was informed, until it is recorded or postponed;
after a postponement ends the question comes again."""

from __future__ import annotations

from datetime import datetime

from handlers.directory import Directory
from handlers.house import House
from handlers.informeren.service import due, responsible
from handlers.informeren.texts import question
from scheduler.job import Job, JobRun
from storage.unit import Unit

INFORM_JOB = "informeren"


async def ask_informed(unit: Unit, house: House, now: datetime, run: JobRun) -> None:
    today = now.astimezone(house.zone).date()
    directory = Directory(unit, house)
    for row in await unit.aanmeldingen.running(today):
        # Decided from the row (no decryption); only a casus that is due is loaded.
        if not due(row, now, today):
            continue
        aanmelding = await unit.aanmeldingen.for_id(row.id)
        if aanmelding is None:
            continue
        aanmelding.inform_reminded_at = now
        who = responsible(aanmelding)
        text = question(aanmelding, today, house.words)
        run.send(*await directory.to_own_chat_or_procesregie(
            who, text, aanmelding.reference, sensitive=False
        ))  # fmt: skip
        run.reminders["informeren"] += 1


def informeren(house: House) -> Job:
    async def body(unit: Unit, now: datetime, run: JobRun) -> None:
        if house.working_time.is_working_moment(now):
            await ask_informed(unit, house, now, run)

    return Job(INFORM_JOB, body)
