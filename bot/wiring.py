"""From the validated settings to what the domain and the scheduler are built with."""

from __future__ import annotations

from dataclasses import replace

from bot.config import WEEKDAYS, ConfigError, Settings
from bot.config_house import TermTable
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
from handlers.wording import NATIONAL_TERMS, Term
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


def build_wording(settings: Settings) -> Wording:
    house, terms = settings.house, settings.house.terminology

    def term(name: str) -> Term:
        national, setting = NATIONAL_TERMS[name], getattr(terms, name)
        if isinstance(setting, str):
            setting = TermTable(woord=setting)
        if setting.woord == national.singular and setting.meervoud is None:
            return replace(national, article=setting.lidwoord or national.article)
        return Term.of(setting.woord, setting.meervoud, setting.lidwoord or national.article)

    return Wording(
        house_name=house.name,
        huis=terms.huis,
        reference_prefix=house.reference_prefix,
        **{name: term(name) for name in NATIONAL_TERMS},
    )


def build_house(settings: Settings) -> House:
    house, triage = settings.house, settings.triage
    pva = settings.plan_van_aanpak
    return House(
        words=build_wording(settings),
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
