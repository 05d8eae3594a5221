"""Nazorg ex-gedetineerden: the procesregie hears, ``release_reminder_days`` before the
expected release date, that it is near (once per casus; in working hours). The date is
encrypted, so the candidates are read and compared here; each casus is marked in the same
transaction as its message, so a restart neither loses nor repeats it."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.conversation.parsing import format_date
from handlers.directory import Directory
from handlers.house import House
from handlers.messages import Bold, Code, Paragraph, notice
from scheduler.job import Job, JobRun
from storage.unit import Unit

RELEASE_JOB = "vrijlating"


async def remind_release(unit: Unit, house: House, now: datetime, run: JobRun) -> None:
    days = {t.key: t.release_reminder_days for t in house.tafels.all if t.asks_release_date}
    if not days:
        return
    today = now.astimezone(house.zone).date()
    directory = Directory(unit, house)
    for aanmelding in await unit.aanmeldingen.awaiting_release(list(days)):
        release = aanmelding.vrijlating_op
        ahead = days[aanmelding.tafel]
        if release is None or ahead is None or today < release - timedelta(days=ahead):
            continue
        aanmelding.vrijlating_reminded_at = now
        reference = aanmelding.reference
        left = (release - today).days
        when = ("vandaag" if left == 0 else f"over {left} dag{'en' if left != 1 else ''}"
                if left > 0 else f"{-left} dag{'en' if left != -1 else ''} geleden")  # fmt: skip
        stoplicht = house.tafel(aanmelding.tafel).leefgebieden
        text = notice(
            Paragraph(Bold(f"{reference}: de verwachte vrijlating is {when}"),
                      f" ({format_date(release)})."),
            Paragraph("Staat de nazorg klaar bij de vaste partners?",
                      *((" Werk het stoplicht bij met ", Code(f"stoplicht {reference}"), ".")
                        if stoplicht else ())),
        )  # fmt: skip
        run.send(
            *await directory.to_own_chat_or_procesregie(
                aanmelding.procesregisseur, text, reference, sensitive=True
            )
        )
        run.reminders["vrijlating"] += 1


def vrijlating(house: House) -> Job:
    async def body(unit: Unit, now: datetime, run: JobRun) -> None:
        if house.working_time.is_working_moment(now):
            await remind_release(unit, house, now, run)

    return Job(RELEASE_JOB, body)
