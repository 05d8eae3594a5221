"""Informing the betrokkene (AVG art. 13/14): for every casus, whether, when and by whom the
betrokkene was told of the processing, or until when and why that is postponed (art. 14(5),
23: e.g. a running investigation). The covenants leave it to the aanmelder or the partner
the overleg appoints; the bot asks whoever answers for the casus until it is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from handlers.access import Caller, informs_betrokkene
from handlers.conversation.parsing import format_date, parse_text
from handlers.errors import UserError
from handlers.vocabulary import AuditKind, TriageStatus
from storage.models import Aanmelding
from storage.unit import Unit

# Our choice: a week after the decision the first question, then weekly (working hours).
REMIND_EVERY = timedelta(days=7)
# A postponement is reviewed at least every half year.
MAX_POSTPONE = timedelta(days=183)
DECIDED = (TriageStatus.ZONDER_OVERLEG, TriageStatus.CASUSOVERLEG)


@dataclass(frozen=True)
class InformState:
    """What the overview shows: informed on a day, postponed until a day, or not yet."""

    informed_on: date | None
    postponed_until: date | None

    def label(self, today: date) -> str:
        if self.informed_on is not None:
            return f"ja ({format_date(self.informed_on)})"
        if self.postponed_until is not None and self.postponed_until >= today:
            return f"uitgesteld tot {format_date(self.postponed_until)}"
        return "nee"


def responsible(aanmelding: Aanmelding) -> str:
    """Who is asked: the casusregisseur once appointed, until then the aanmelder."""
    return aanmelding.casusregisseur or aanmelding.aanmelder_matrix_id


def check_may(caller: Caller, aanmelding: Aanmelding) -> None:
    if not informs_betrokkene(caller, aanmelding.casusregisseur, aanmelding.aanmelder_matrix_id):
        raise UserError(f"Ik ken geen aanmelding met kenmerk {aanmelding.reference}.")
    if aanmelding.triage_status not in DECIDED or aanmelding.closed_on is not None:
        raise UserError(f"{aanmelding.reference} is geen lopende casus.")


async def informed(
    unit: Unit, aanmelding: Aanmelding, on: date, caller: Caller, now: datetime, zone: ZoneInfo
) -> None:
    check_may(caller, aanmelding)
    if on > now.astimezone(zone).date():
        raise UserError("Die datum ligt in de toekomst: leg het vast als het gebeurd is.")
    if on < aanmelding.submitted_at.astimezone(zone).date():
        raise UserError("Die datum ligt voor de aanmelding.")
    aanmelding.informed_on, aanmelding.informed_by = on, caller.matrix_id
    aanmelding.inform_postponed_until = aanmelding.inform_postponed_reason = None
    await unit.audit.add(now, AuditKind.INFORMED, caller.matrix_id, aanmelding.reference, {
        "on": on.isoformat(),
    })  # fmt: skip


async def postpone(
    unit: Unit, aanmelding: Aanmelding, until: date, reden: str, caller: Caller, now: datetime,
    today: date,
) -> None:  # fmt: skip
    check_may(caller, aanmelding)
    if aanmelding.informed_on is not None:
        raise UserError(f"De betrokkene van {aanmelding.reference} is al geïnformeerd.")
    if until <= today:
        raise UserError("Uitstellen kan tot een datum in de toekomst.")
    if until > today + MAX_POSTPONE:
        raise UserError("Uitstellen kan voor ten hoogste een half jaar; daarna opnieuw bekijken.")
    aanmelding.inform_postponed_until = until
    aanmelding.inform_postponed_reason = parse_text(reden, 500, "reden")
    aanmelding.inform_reminded_at = None
    await unit.audit.add(now, AuditKind.INFORM_POSTPONED, caller.matrix_id,
                         aanmelding.reference, {"until": until.isoformat()})  # fmt: skip


class InformFacts(Protocol):
    """What decides whether to ask: a running casus's row, or the aanmelding itself."""

    @property
    def decided_at(self) -> datetime | None: ...
    @property
    def informed_on(self) -> date | None: ...
    @property
    def inform_postponed_until(self) -> date | None: ...
    @property
    def inform_reminded_at(self) -> datetime | None: ...


def due(casus: InformFacts, now: datetime, today: date) -> bool:
    """Whether whoever answers for the casus is asked (again) now."""
    if casus.informed_on is not None or casus.decided_at is None:
        return False
    postponed = casus.inform_postponed_until
    if postponed is not None and postponed >= today:
        return False
    since = casus.inform_reminded_at or casus.decided_at
    return now - since >= REMIND_EVERY
