"""The casusoverleg's reminder: the working day before, at the start of working hours, the
room is reminded of the moment and place, once per overleg (none after the fact); and after
an overleg its incidental participants leave the room."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.casusoverleg.incidental import after_the_overleg
from handlers.casusoverleg.service import CasusoverlegService
from handlers.conversation.parsing import format_moment
from handlers.house import House
from handlers.messages import Bold, Paragraph, notice
from scheduler.job import Job, JobRun
from storage.unit import Unit


def overleg_reminders(house: House) -> Job:
    async def remind(unit: Unit, now: datetime, run: JobRun) -> None:
        service = CasusoverlegService(unit, house)
        for overleg, aanmelding in await unit.overleggen.to_remind(now + timedelta(days=10)):
            if service.reminder_moment(overleg.scheduled_at) > now:
                continue
            overleg.reminded_at = now
            if overleg.scheduled_at <= now:
                continue  # the bot was down until after the overleg: no late reminder
            participants = await service.participants(aanmelding)
            run.send(service.to_room(aanmelding.reference, participants, notice(Paragraph(
                Bold("Herinnering: "),
                f"{house.words.casusoverleg} {aanmelding.reference} is "
                f"{format_moment(service.local(overleg.scheduled_at))}",
                f", {overleg.locatie}." if overleg.locatie else ".",
            )), sensitive=False))  # fmt: skip
            run.reminders["casusoverleg"] += 1
        # Incidental participants leave once the overleg is past.
        run.send(*await after_the_overleg(service, now))

    return Job("casusoverleg", remind)
