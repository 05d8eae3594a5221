"""Writing the anonymous facts the figures count (``handlers/cijfers``), one function per
transition of the werkproces. A fact holds a day, the tafel, an organisation, an outcome
and a duration in days: nothing that names the casus or the person."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers.vocabulary import (
    DEFAULT_TAFEL,
    LATE,
    ON_TIME,
    Evaluatie,
    FeitSoort,
    OverlegStatus,
    Route,
    TriageStatus,
    Uitkomst,
)
from storage.models import Aanmelding, Overleg, Persoon, PvaActie
from storage.unit import Unit


def _days(since: datetime | None, today: date, zone: ZoneInfo) -> int | None:
    return None if since is None else (today - since.astimezone(zone).date()).days


MINDERJARIG, MEERDERJARIG = "minderjarig", "meerderjarig"


def _age_group(minor: bool) -> str:
    return MINDERJARIG if minor else MEERDERJARIG


def aangemeld(unit: Unit, aanmelding: Aanmelding, today: date) -> None:
    """An aanmelding filed, and whether its betrokkene is a minor."""
    unit.feiten.add(FeitSoort.AANGEMELD, today, aanmelding.tafel, aanmelding.aanmelder_organisation,
                    outcome=_age_group(aanmelding.minderjarig))  # fmt: skip


def persoon(unit: Unit, aanmelding: Aanmelding, person: Persoon, today: date) -> None:
    """Another person of the household added to a casus."""
    unit.feiten.add(FeitSoort.PERSOON, today, aanmelding.tafel, aanmelding.aanmelder_organisation,
                    outcome=_age_group(person.minderjarig))  # fmt: skip


def besloten(
    unit: Unit, aanmelding: Aanmelding, outcome: TriageStatus, today: date, zone: ZoneInfo
) -> None:
    """A triage decision (the tafel's word for it), and how long the aanmelding waited."""
    unit.feiten.add(
        FeitSoort.BESLOTEN, today, aanmelding.tafel, aanmelding.aanmelder_organisation,
        outcome=aanmelding.triage_uitkomst or outcome.value,
        days=_days(aanmelding.submitted_at, today, zone),
    )  # fmt: skip


async def overleg_gehouden(
    unit: Unit, aanmelding: Aanmelding, overleg: Overleg, today: date, zone: ZoneInfo
) -> None:
    """The casus's first casusoverleg was held: how long after the decision."""
    earlier = [o for o in await unit.overleggen.for_casus(aanmelding.id)
               if o.id != overleg.id and o.status is OverlegStatus.GEHOUDEN]  # fmt: skip
    if not earlier:
        unit.feiten.add(FeitSoort.OVERLEG, today, aanmelding.tafel,
                        aanmelding.aanmelder_organisation,
                        days=_days(aanmelding.decided_at, today, zone))  # fmt: skip


def actie_gereed(unit: Unit, actie: PvaActie, today: date, tafel: str = DEFAULT_TAFEL) -> None:
    """An action done: on time when on or before its (last agreed) deadline."""
    unit.feiten.add(FeitSoort.ACTIE, today, tafel, actie.organisation_key,
                    outcome=ON_TIME if today <= actie.deadline else LATE)  # fmt: skip


def afgesloten(
    unit: Unit, aanmelding: Aanmelding, route: Route, outcome: Uitkomst, evaluation: Evaluatie,
    today: date, zone: ZoneInfo,
) -> None:  # fmt: skip
    """A casus closed, why, whether it worked, and its time in uitvoering (since the
    decision)."""
    unit.feiten.add(FeitSoort.AFGESLOTEN, today, aanmelding.tafel,
                    aanmelding.aanmelder_organisation, outcome=outcome.value, route=route.value,
                    evaluation=evaluation.value,
                    days=_days(aanmelding.decided_at, today, zone))  # fmt: skip
