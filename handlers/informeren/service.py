"""Informing the betrokkene (AVG art. 13/14): for every person of a casus, whether, when and
by whom they were told of the processing, or until when and why that is postponed (art. 14(5),
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
from handlers.personen import Person, person, persons
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
    """What the overview shows: informed on a day, postponed until a day, or not yet; and
    for a casus about several persons, how many of the others still wait."""

    informed_on: date | None
    postponed_until: date | None
    others_waiting: int = 0

    def label(self, today: date) -> str:
        own = "nee"
        if self.informed_on is not None:
            own = f"ja ({format_date(self.informed_on)})"
        elif self.postponed_until is not None and self.postponed_until >= today:
            own = f"uitgesteld tot {format_date(self.postponed_until)}"
        if self.others_waiting:
            return f"{own}; {self.others_waiting} andere nog niet"
        return own


class InformRecord(Protocol):
    """A person's informing record (the aanmelding's for the betrokkene, or a Persoon)."""

    @property
    def informed_on(self) -> date | None: ...
    @property
    def inform_postponed_until(self) -> date | None: ...


def waits(record: InformRecord, today: date) -> bool:
    """Neither informed nor postponed beyond today: someone must be asked about it."""
    until = record.inform_postponed_until
    return record.informed_on is None and (until is None or until < today)


def responsible(aanmelding: Aanmelding) -> str:
    """Who is asked: the casusregisseur once appointed, until then the aanmelder."""
    return aanmelding.casusregisseur or aanmelding.aanmelder_matrix_id


def check_may(caller: Caller, aanmelding: Aanmelding) -> None:
    if not informs_betrokkene(caller, aanmelding.casusregisseur, aanmelding.aanmelder_matrix_id):
        raise UserError(f"Ik ken geen aanmelding met kenmerk {aanmelding.reference}.")
    if aanmelding.triage_status not in DECIDED or aanmelding.closed_on is not None:
        raise UserError(f"{aanmelding.reference} is geen lopende casus.")


def _chosen(aanmelding: Aanmelding, number: int | None) -> list[Person]:
    """The person named, or else everyone of the casus not yet informed."""
    if number is not None:
        return [person(aanmelding, number)]
    left = [p for p in persons(aanmelding) if p.row.informed_on is None]
    if not left:
        raise UserError(f"Iedereen van {aanmelding.reference} is al geïnformeerd.")
    return left


async def informed(
    unit: Unit, aanmelding: Aanmelding, on: date, caller: Caller, now: datetime, zone: ZoneInfo,
    number: int | None = None,
) -> list[Person]:  # fmt: skip
    """Record that the person (or every one not yet informed) was told on ``on``."""
    check_may(caller, aanmelding)
    if on > now.astimezone(zone).date():
        raise UserError("Die datum ligt in de toekomst: leg het vast als het gebeurd is.")
    if on < aanmelding.submitted_at.astimezone(zone).date():
        raise UserError("Die datum ligt voor de aanmelding.")
    chosen = _chosen(aanmelding, number)
    for one in chosen:
        record = one.row
        record.informed_on, record.informed_by = on, caller.matrix_id
        record.inform_postponed_until = record.inform_postponed_reason = None
    await unit.audit.add(now, AuditKind.INFORMED, caller.matrix_id, aanmelding.reference, {
        "on": on.isoformat(), "persons": [one.number for one in chosen],
    })  # fmt: skip
    return chosen


async def postpone(
    unit: Unit, aanmelding: Aanmelding, until: date, reden: str, caller: Caller, now: datetime,
    today: date, number: int | None = None,
) -> list[Person]:  # fmt: skip
    """Record until when and why informing the person (or every one not yet informed)
    waits."""
    check_may(caller, aanmelding)
    chosen = _chosen(aanmelding, number)
    if chosen[0].row.informed_on is not None:
        raise UserError(f"{chosen[0].title} van {aanmelding.reference} is al geïnformeerd.")
    if until <= today:
        raise UserError("Uitstellen kan tot een datum in de toekomst.")
    if until > today + MAX_POSTPONE:
        raise UserError("Uitstellen kan voor ten hoogste een half jaar; daarna opnieuw bekijken.")
    for one in chosen:
        one.row.inform_postponed_until = until
        one.row.inform_postponed_reason = parse_text(reden, 500, "reden")
    aanmelding.inform_reminded_at = None
    await unit.audit.add(now, AuditKind.INFORM_POSTPONED, caller.matrix_id, aanmelding.reference,
                         {"until": until.isoformat(),
                          "persons": [one.number for one in chosen]})  # fmt: skip
    return chosen


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
    @property
    def others_waiting(self) -> int: ...


def due(casus: InformFacts, now: datetime, today: date) -> bool:
    """Whether whoever answers for the casus is asked (again) now: someone of it is
    neither informed nor postponed, and the last question is a week old."""
    if casus.decided_at is None:
        return False
    if not waits(casus, today) and not casus.others_waiting:
        return False
    since = casus.inform_reminded_at or casus.decided_at
    return now - since >= REMIND_EVERY
