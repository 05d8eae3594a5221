"""Timed triage work: a late verrijking is reminded once, then escalated; the weekly agenda.

No answer within ``answer_working_days`` working days gives one reminder to the
organisation's contacts; one working day later the procesregie is told. The triage agenda
is posted to the procesregie once per weekly slot (default Monday 09:00), and to the
partners who weigh with it (``[triage] agenda_partners``).
"""

from __future__ import annotations

from datetime import datetime

from handlers.house import House
from handlers.messages import Code, Paragraph, notice
from handlers.personen import any_minor
from handlers.triage.service import TriageService
from handlers.triage.texts import agenda
from scheduler.job import Job, JobRun
from storage.unit import Unit

AGENDA_JOB = "triage_agenda"


async def remind_late_verrijking(unit: Unit, house: House, now: datetime, run: JobRun) -> None:
    """Remind, then escalate, requests left unanswered."""
    working = house.working_time
    if not working.is_working_moment(now):
        return
    service = TriageService(unit, house)
    names = await service.org_names()
    for request, aanmelding in await unit.verrijking.open_requests():
        organisation = names.get(request.organisation_key, request.organisation_key)
        if request.reminded_at is None:
            due = working.add_working_days(request.asked_at, house.triage.answer_working_days)
            if now < due:
                continue
            outgoing = await service.directory.to_contacts(request.organisation_key, notice(
                Paragraph(
                    f"Herinnering: het verzoek om informatie over {aanmelding.reference} wacht "
                    "nog op een antwoord van je organisatie. Typ ",
                    Code(f"beantwoord {aanmelding.reference}"), ".",
                )
            ), tafel=aanmelding.tafel)  # fmt: skip
            request.reminded_at = now
        elif request.escalated_at is None:
            if now < working.add_working_days(request.reminded_at, 1):
                continue
            outgoing = await service.directory.to_procesregie(notice(Paragraph(
                f"{organisation} heeft het verzoek om informatie over {aanmelding.reference} "
                "na een herinnering nog niet beantwoord. Neem buiten de bot contact op, of "
                "besluit zonder."
            )), None, sensitive=False)  # fmt: skip
            request.escalated_at = now
        else:
            continue
        run.send(*outgoing)
        run.reminders["verrijking"] += len(outgoing)


async def post_weekly_agenda(unit: Unit, house: House, now: datetime, run: JobRun) -> None:
    """The triage agenda, once per weekly slot (late when the bot was down at the time)."""
    working, triage = house.working_time, house.triage
    slot = working.latest_weekly_slot(now, triage.agenda_weekday, triage.agenda_time)
    if not await unit.job_slots.claim(AGENDA_JOB, slot):
        return
    service = TriageService(unit, house)
    rows = await service.agenda_rows()
    monitoring = {t.key for t in house.tafels.all if t.monitoring}
    monitored = [(r.reference, r.tafel) for r in await unit.aanmeldingen.running()
                 if r.tafel in monitoring] if monitoring else []  # fmt: skip
    later = working.next_working_moment(now)

    def shown(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(reference, house.words.tafel(key)) for reference, key in items]

    for item in await service.directory.to_procesregie(
        agenda(rows, house, shown(monitored)), None, sensitive=False
    ):
        run.send(item.later(later))
    # The partners who weigh with the procesregie, per tafel (a weegploeg), through the
    # tafel's contacts: one agenda per tafel, never mixed; a minors' partner sees only
    # minors.
    for tafel in house.tafels.all:
        sets = house.triage_for(tafel.key)
        for organisation in sets.agenda_partners:
            minors_only = organisation in sets.minor_partners
            theirs = [(a, asked) for a, asked in rows if a.tafel == tafel.key
                      and (not minors_only or any_minor(a))]  # fmt: skip
            watched = [(r, key) for r, key in monitored if key == tafel.key]
            if not theirs and not watched:
                continue  # nothing to weigh: no message
            text = agenda(theirs, house, shown(watched), tafel.key)
            for item in await service.directory.to_contacts(organisation, text, tafel=tafel.key):
                run.send(item.later(later))


def triage(house: House) -> Job:
    async def body(unit: Unit, now: datetime, run: JobRun) -> None:
        await remind_late_verrijking(unit, house, now, run)
        await post_weekly_agenda(unit, house, now, run)

    return Job("triage", body)
