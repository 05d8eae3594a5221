"""The timed work of every phase, one contract for all (``scheduler/job.py``). A phase
with timed work adds its module here and one line to :func:`build_jobs`."""

from __future__ import annotations

from handlers.house import House
from scheduler.job import Job
from scheduler.jobs.audit import audit_anchor
from scheduler.jobs.casusoverleg import overleg_reminders
from scheduler.jobs.drafts import drafts
from scheduler.jobs.informeren import informeren
from scheduler.jobs.nog_nodig import nog_nodig
from scheduler.jobs.overzicht import weekly
from scheduler.jobs.plan_van_aanpak import action_reminders
from scheduler.jobs.registers import registers
from scheduler.jobs.retention import retention
from scheduler.jobs.review import authorisation_review
from scheduler.jobs.triage import triage
from scheduler.jobs.vrijlating import vrijlating
from scheduler.jobs.withdrawn import withdrawn


def build_jobs(house: House) -> list[Job]:
    """The jobs that run every tick (and once at start-up)."""
    return [
        drafts(house),
        triage(house),
        overleg_reminders(house),
        action_reminders(house),
        retention(house),
        nog_nodig(house),
        authorisation_review(house),
        withdrawn(house),
        audit_anchor(house),
        registers(house),
        weekly(house),
        informeren(house),
        vrijlating(house),
    ]
