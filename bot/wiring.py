"""From the validated settings to what the domain and the scheduler are built with."""

from __future__ import annotations

from bot.config import WEEKDAYS, ConfigError, Settings
from handlers.feature import Feature
from handlers.features import build_features
from handlers.house import (
    House,
    OverlegConfig,
    RegisterPolicy,
    ReminderPolicy,
    RetentionPolicy,
    TriageConfig,
    Wording,
)
from scheduler.workhours import WorkingTime


def build_working_time(settings: Settings) -> WorkingTime:
    hours = settings.working_hours
    return WorkingTime(
        zone=settings.house.zone, start=hours.start, end=hours.end, weekdays=hours.weekday_numbers
    )


def build_retention(settings: Settings) -> RetentionPolicy:
    retention = settings.retention
    return RetentionPolicy(
        clean_months=retention.afschaling_clean_months,
        delete_months=retention.afschaling_delete_months,
        audit_years=retention.audit_years,
        draft_days=retention.draft_days,
        draft_reminder_hours=retention.draft_reminder_hours,
        undecided_days=retention.undecided_days,
        undecided_max_days=retention.undecided_max_days,
        stale_months=retention.stale_months,
        stale_escalate_working_days=retention.stale_escalate_working_days,
    )


def build_house(settings: Settings) -> House:
    house, triage, terms = settings.house, settings.triage, settings.house.terminology
    pva = settings.plan_van_aanpak
    return House(
        words=Wording(
            house_name=house.name,
            procesregisseur=terms.procesregisseur,
            casusoverleg=terms.casusoverleg,
            casusregisseur=terms.casusregisseur,
            triage=terms.triage,
        ),
        reference_prefix=house.reference_prefix,
        procesregie_room=house.procesregie_room,
        other_houses=dict(house.other_houses),
        working_time=build_working_time(settings),
        triage=TriageConfig(
            standard_partners=tuple(triage.standard_partners),
            minor_partners=tuple(triage.minor_partners),
            contacts={org: tuple(ids) for org, ids in triage.contacts.items()},
            answer_working_days=triage.answer_working_days,
            agenda_weekday=WEEKDAYS.index(triage.agenda_day),
            agenda_time=triage.agenda_time,
            agenda_partners=tuple(triage.agenda_partners),
        ),
        overleg=OverlegConfig(
            personalia=tuple(settings.casusoverleg.personalia),
            share_verrijking=settings.casusoverleg.share_verrijking,
            incidental_personalia=tuple(settings.casusoverleg.incidental_personalia),
        ),
        reminders=ReminderPolicy(
            tuple(pva.remind_working_days_before), pva.escalate_after_working_days
        ),
        retention=build_retention(settings),
        registers=RegisterPolicy(
            remind_days=settings.registers.remind_days,
            incident_remind_hours=settings.registers.incident_remind_hours,
            clean_months=settings.registers.clean_months,
        ),
        review_months=tuple(settings.scheduler.authorisation_review_months),
        prompts={form: dict(spec.prompts) for form, spec in settings.forms.items()},
    )


def features_of(house: House) -> list[Feature]:
    """Every feature with the house's wording; a prompt for an unknown question is a
    configuration error."""
    try:
        return build_features(house)
    except KeyError as error:
        raise ConfigError(
            f"forms.aanmelding.prompts: {error.args[0]} is geen vraag van het formulier"
        ) from None
