"""Overviews without personalia: every open aanmelding and casus for the procesregie, a
member's own actions, a casusregisseur's casussen. References, phases, dates, display names
and counts only, so an overview may go anywhere the member reads (no casus to take back)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from handlers.access import Caller, owns_action
from handlers.house import House
from handlers.informeren.service import InformState
from handlers.retention.service import next_question
from handlers.vocabulary import DEFAULT_TAFEL, TriageStatus
from storage.models import Aanmelding, PvaActie
from storage.unit import Unit

# The phases of an open casus, in the werkproces's order (shown in the house's words).
TRIAGE, ZONDER_OVERLEG, WACHT_OP_OVERLEG, UITVOERING = (
    "in {triage}", "casus zonder {casusoverleg}", "wacht op {casusoverleg}", "in uitvoering",
)  # fmt: skip
PHASE_ORDER = (TRIAGE, WACHT_OP_OVERLEG, UITVOERING, ZONDER_OVERLEG)


@dataclass(frozen=True)
class CasusLine:
    reference: str
    phase: str
    since: date
    next_overleg: datetime | None
    casusregisseur: str | None
    open_actions: int
    overdue_actions: int
    # When the bot next asks "nog nodig?" (None: not a running casus).
    ask_on: date | None
    # Whether the betrokkene was informed (None: not asked yet, in triage).
    informed: InformState | None = None
    tafel: str = DEFAULT_TAFEL


@dataclass(frozen=True)
class ActieLine:
    reference: str
    number: int
    deadline: date
    organisation_key: str
    owner: str | None
    overdue: bool


async def open_casussen(unit: Unit, house: House, now: datetime) -> list[CasusLine]:
    """Every open aanmelding and casus, oldest in its phase first."""
    zone = house.zone
    today = now.astimezone(zone).date()
    planned = await unit.overleggen.next_planned(now)
    actions: Counter[int] = Counter()
    overdue: Counter[int] = Counter()
    for actie, aanmelding in await unit.acties.open_in_active_casus():
        actions[aanmelding.id] += 1
        overdue[aanmelding.id] += actie.deadline < today
    lines = [
        CasusLine(row.reference, TRIAGE, row.submitted_at.astimezone(zone).date(), None, None,
                  0, 0, None, tafel=row.tafel)
        for row in await unit.aanmeldingen.retention_candidates()
        if row.triage_status.undecided
    ]  # fmt: skip
    for row in await unit.aanmeldingen.running(today):
        if row.triage_status is TriageStatus.ZONDER_OVERLEG:
            phase = ZONDER_OVERLEG
        else:
            phase = UITVOERING if row.casusregisseur else WACHT_OP_OVERLEG
        decided = (row.decided_at or now).astimezone(zone).date()
        _, moment = next_question(row, house, now)
        lines.append(CasusLine(
            row.reference, phase, decided, planned.get(row.id), row.casusregisseur,
            actions[row.id], overdue[row.id], moment.astimezone(zone).date(),
            InformState(row.informed_on, row.inform_postponed_until, row.others_waiting),
            row.tafel,
        ))  # fmt: skip
    return sorted(lines, key=lambda line: (PHASE_ORDER.index(line.phase), line.since))


async def my_actions(unit: Unit, caller: Caller, today: date) -> list[ActieLine]:
    """The caller's own open actions and those of their organisation without an owner."""
    return [
        _actie_line(actie, aanmelding, today)
        for actie, aanmelding in await unit.acties.open_in_active_casus()
        if owns_action(caller, actie)
    ]


async def my_casussen(unit: Unit, house: House, caller: Caller, now: datetime) -> list[CasusLine]:
    """The casussen the caller is casusregisseur of."""
    return [line for line in await open_casussen(unit, house, now)
            if line.casusregisseur == caller.matrix_id]  # fmt: skip


async def due_for_regisseurs(
    unit: Unit, start: date, end: date, today: date
) -> dict[str, list[ActieLine]]:
    """Per casusregisseur: the open actions of their casussen due in [start, end), and
    those already overdue."""
    found: dict[str, list[ActieLine]] = {}
    for actie, aanmelding in await unit.acties.open_in_active_casus(deadline_until=end):
        if aanmelding.casusregisseur and actie.deadline < end:
            found.setdefault(aanmelding.casusregisseur, []).append(
                _actie_line(actie, aanmelding, today)
            )
    return found


def _actie_line(actie: PvaActie, aanmelding: Aanmelding, today: date) -> ActieLine:
    return ActieLine(aanmelding.reference, actie.number, actie.deadline, actie.organisation_key,
                     actie.owner, actie.deadline < today)  # fmt: skip
