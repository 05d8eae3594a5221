"""The figures every covenant asks for (yearly; Zuid-Holland Zuid also quarterly), made from
the anonymous facts only (``storage/models/feiten.py``), so they still count casussen that
retention deleted.

Small cells are suppressed: a count from 1 to 4 shows as "<5", a duration over fewer than
five casussen is not shown, so nobody can be recognised in a small house's figures.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from handlers.errors import UserError
from handlers.retention.service import add_months
from handlers.vocabulary import LATE, ON_TIME, FeitSoort
from storage.models.feiten import Feit
from storage.unit import Unit

SMALL = 5
LEAD_TIMES = ("aanmelding tot besluit", "besluit tot eerste overleg", "tijd in uitvoering")
_STEP = {FeitSoort.BESLOTEN: LEAD_TIMES[0], FeitSoort.OVERLEG: LEAD_TIMES[1],
         FeitSoort.AFGESLOTEN: LEAD_TIMES[2]}  # fmt: skip


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None = None
    # The figures of one tafel only: its name (shown with the period).
    tafel: str = ""

    @property
    def start(self) -> date:
        return date(self.year, 1 if self.quarter is None else 3 * self.quarter - 2, 1)

    @property
    def end(self) -> date:
        return add_months(self.start, 12 if self.quarter is None else 3)

    @property
    def label(self) -> str:
        label = str(self.year) if self.quarter is None else f"{self.year} kwartaal {self.quarter}"
        return f"{label}, {self.tafel}" if self.tafel else label

    @property
    def months(self) -> list[date]:
        count = 12 if self.quarter is None else 3
        return [add_months(self.start, n) for n in range(count)]


def parse_period(text: str, today: date) -> Period:
    """'2026', '2026 k3', 'k3 2026', '2026 q3', 'kwartaal 3 2026'; nothing: this year."""
    cleaned = text.strip().lower()
    if not cleaned:
        return Period(today.year)
    year = re.search(r"\b(20\d\d)\b", cleaned)
    quarter = re.search(r"(?:\bk|\bq|kwartaal\s*)([1-4])\b", cleaned)
    if year is None:
        raise UserError("Welk jaar? Typ bijvoorbeeld cijfers 2026 of cijfers 2026 k3.")
    leftover = re.sub(r"\b20\d\d\b|(?:\bk|\bq|kwartaal\s*)[1-4]\b", "", cleaned).strip()
    if leftover:
        raise UserError(f"'{leftover[:20]}' begrijp ik niet: typ cijfers 2026 of cijfers 2026 k3.")
    period = Period(int(year.group(1)), int(quarter.group(1)) if quarter else None)
    if period.start > today:
        raise UserError(f"{period.label} is nog niet begonnen.")
    return period


def shown(count: int) -> str:
    """A count as the figures show it: small ones suppressed."""
    return "<5" if 0 < count < SMALL else str(count)


@dataclass(frozen=True)
class Duration:
    """Days a step took: how many casussen, median and 90th percentile (None: too few)."""

    count: int
    median: float | None
    p90: int | None

    @classmethod
    def of(cls, days: Sequence[int]) -> Duration:
        if len(days) < SMALL:
            return cls(len(days), None, None)
        ordered = sorted(days)
        return cls(len(days), statistics.median(ordered),
                   ordered[math.ceil(0.9 * len(ordered)) - 1])  # fmt: skip


@dataclass
class Figures:
    period: Period
    aanmeldingen: Counter[str] = field(default_factory=Counter)  # per organisation
    tafels: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)  # triage
    overleg: int = 0  # casussen whose first casusoverleg was held
    closed: Counter[str] = field(default_factory=Counter)  # per uitkomst
    routes: Counter[str] = field(default_factory=Counter)
    evaluations: Counter[str] = field(default_factory=Counter)
    lead_times: dict[str, Duration] = field(default_factory=dict)
    actions: Counter[str] = field(default_factory=Counter)  # op-tijd / te-laat
    # The persons the aanmeldingen concern (betrokkenen and the household added to a casus),
    # minderjarig or meerderjarig; betrokkenen filed before this was counted are not in it.
    persons: Counter[str] = field(default_factory=Counter)
    # Triage outcomes per month (for the chart).
    per_month: dict[date, Counter[str]] = field(default_factory=dict)


def figures_of(period: Period, facts: Iterable[Feit]) -> Figures:
    result = Figures(period, per_month={month: Counter() for month in period.months})
    days: dict[str, list[int]] = {step: [] for step in LEAD_TIMES}
    for feit in facts:
        if feit.soort is FeitSoort.AANGEMELD:
            result.aanmeldingen[feit.organisation_key] += 1
            result.tafels[feit.tafel] += 1
            if feit.outcome:
                result.persons[feit.outcome] += 1
        elif feit.soort is FeitSoort.PERSOON and feit.outcome:
            result.persons[feit.outcome] += 1
        elif feit.soort is FeitSoort.BESLOTEN and feit.outcome:
            result.outcomes[feit.outcome] += 1
            result.per_month[feit.day.replace(day=1)][feit.outcome] += 1
        elif feit.soort is FeitSoort.OVERLEG:
            result.overleg += 1
        elif feit.soort is FeitSoort.ACTIE and feit.outcome in (ON_TIME, LATE):
            result.actions[feit.outcome] += 1
        elif feit.soort is FeitSoort.AFGESLOTEN:
            result.closed[feit.outcome or "anders"] += 1
            result.routes[feit.route or "afgeschaald"] += 1
            result.evaluations[feit.evaluation or "onbekend"] += 1
        if feit.days is not None and feit.soort in _STEP:
            days[_STEP[feit.soort]].append(feit.days)
    result.lead_times.update({step: Duration.of(values) for step, values in days.items()})
    return result


async def figures(unit: Unit, period: Period, tafel: str | None = None) -> Figures:
    """The figures of a period, of every tafel or of one."""
    facts = await unit.feiten.between(period.start, period.end)
    return figures_of(period, [f for f in facts if tafel is None or f.tafel == tafel])
