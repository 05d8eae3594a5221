"""From the validated settings to what the domain and the scheduler are built with."""

from __future__ import annotations

from dataclasses import replace

from bot.config import WEEKDAYS, ConfigError, Settings
from bot.config_house import TermTable
from bot.config_tafels import TafelSettings
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
from handlers.tafels import NATIONAL_OUTCOMES, Besluit, Tafel, Tafels
from handlers.vocabulary import DEFAULT_TAFEL, TriageStatus
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
        tafel_names=tuple((key, t.name) for key, t in settings.tafels.items() if t.name),
        outcome_labels=tuple(
            (o.key, o.label)
            for t in settings.tafels.values()
            for o in t.outcomes
            if o.key != o.effect
        ),
        outcomes_usage="UITKOMST" if any(t.outcomes for t in settings.tafels.values()) else "",
        **{name: term(name) for name in NATIONAL_TERMS},
    )


def build_tafels(settings: Settings) -> Tafels:
    """The default tafel first (reshaped by ``[tafels.casusoverleg]``), then the others."""
    configured = dict(settings.tafels)
    default = configured.pop(DEFAULT_TAFEL, None)
    built = [_tafel(DEFAULT_TAFEL, default) if default else Tafel(DEFAULT_TAFEL)]
    built += [_tafel(key, tafel) for key, tafel in configured.items()]
    return Tafels(tuple(built))


def _tafel(key: str, tafel: TafelSettings) -> Tafel:
    def keys(value: list[str] | None) -> tuple[str, ...] | None:
        return None if value is None else tuple(value)

    outcomes = tuple(Besluit(o.key, o.label, TriageStatus(o.effect)) for o in tafel.outcomes)
    return Tafel(
        key=key, name=tafel.name or "", outcomes=outcomes or NATIONAL_OUTCOMES,
        aanmelders=tuple(tafel.aanmelders), regie_only=tafel.regie_only,
        intake_form=tafel.intake_form, partners=tuple(tafel.partners),
        contacts={org: tuple(ids) for org, ids in tafel.contacts.items()},
        standard_partners=keys(tafel.standard_partners),
        minor_partners=keys(tafel.minor_partners), agenda_partners=keys(tafel.agenda_partners),
        plan_van_aanpak=tafel.plan_van_aanpak, leefgebieden=tuple(tafel.leefgebieden),
        release_reminder_days=tafel.release_reminder_days, monitoring=tafel.monitoring,
        privacy_protocol=tafel.privacy_protocol, clean_months=tafel.clean_months,
        delete_months=tafel.delete_months,
    )  # fmt: skip


def _check_periods(house: House) -> House:
    for tafel in house.tafels.all:
        policy = house.retention_for(tafel.key)
        if policy.delete_months < policy.clean_months:
            raise ConfigError(
                f"tafels.{tafel.key}: delete_months ({policy.delete_months}) korter dan "
                f"clean_months ({policy.clean_months})"
            )
    return house


def build_house(settings: Settings) -> House:
    house, triage = settings.house, settings.triage
    pva = settings.plan_van_aanpak
    return _check_periods(House(
        words=build_wording(settings),
        tafels=build_tafels(settings),
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
    ))  # fmt: skip


def features_of(house: House) -> list[Feature]:
    """Every feature with the house's wording; a prompt for an unknown question is a
    configuration error."""
    try:
        return build_features(house)
    except KeyError as error:
        raise ConfigError(f"forms.{error.args[0]} is geen vraag van het formulier") from None
