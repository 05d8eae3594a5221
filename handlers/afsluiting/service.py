"""Every casus ends (DOMAIN.md phase 5): a casusoverleg casus is afgeschaald, a casus without
casusoverleg afgesloten; either way with a structured outcome and a short evaluation, and
retention's clock starts that day (``handlers/retention``). A running casus may be
confirmed still needed (``nog nodig``), which starts the "nog nodig?" clock over.
"""

from __future__ import annotations

from datetime import date, datetime

from handlers import feiten
from handlers.afsluiting.texts import closed, route_word
from handlers.casusoverleg.service import CasusoverlegService
from handlers.conversation.parsing import format_date
from handlers.directory import Directory
from handlers.errors import UserError
from handlers.house import House
from handlers.messages import Outgoing, casus_room
from handlers.plan_van_aanpak.service import PlanVanAanpak
from handlers.retention.service import drop_verrijking
from handlers.triage.service import TriageService
from handlers.triage.texts import outcome_label
from handlers.vocabulary import (
    AuditKind,
    Evaluatie,
    OverlegStatus,
    Phase,
    Route,
    TriageStatus,
    Uitkomst,
)
from storage.models import Aanmelding
from storage.unit import Unit

# Which casus closes which way.
ROUTES = {
    TriageStatus.CASUSOVERLEG: Route.AFGESCHAALD,
    TriageStatus.ZONDER_OVERLEG: Route.AFGESLOTEN,
}
COMMANDS = {Route.AFGESCHAALD: "afschalen", Route.AFGESLOTEN: "afsluiten"}


async def running_casus(unit: Unit, house: House, reference_text: str) -> Aanmelding:
    """A decided casus that has not closed (either route)."""
    aanmelding = await TriageService(unit, house).find(reference_text)
    if aanmelding.closed_on is not None and aanmelding.closed_route is not None:
        raise UserError(
            f"{aanmelding.reference} is {route_word(aanmelding.closed_route)} op "
            f"{format_date(aanmelding.closed_on)}."
        )
    if aanmelding.triage_status not in ROUTES:
        raise UserError(
            f"{aanmelding.reference} is geen lopende casus "
            f"({house.words.triage}: {outcome_label(aanmelding.triage_status, house.words)})."
        )
    return aanmelding


async def closing_casus(unit: Unit, house: House, reference_text: str, route: Route) -> Aanmelding:
    """The casus ``afschalen`` (casusoverleg) or ``afsluiten`` (zonder overleg) applies to."""
    aanmelding = await running_casus(unit, house, reference_text)
    if ROUTES[aanmelding.triage_status] is not route:
        other = COMMANDS[ROUTES[aanmelding.triage_status]]
        raise UserError(
            f"{aanmelding.reference} is een "
            f"{outcome_label(aanmelding.triage_status, house.words)}: die "
            f"sluit je af met {other} {aanmelding.reference}."
        )
    return aanmelding


async def close(
    unit: Unit, house: House, aanmelding: Aanmelding, outcome: Uitkomst, evaluation: Evaluatie,
    actor: str, now: datetime, today: date,
) -> list[Outgoing]:  # fmt: skip
    """Record the close: its day, route, outcome and evaluation (also anonymously, for the
    figures); the partners' answers go, a planned overleg is called off, the room hears it."""
    route = ROUTES[aanmelding.triage_status]
    reference = aanmelding.reference
    open_actions = len(await PlanVanAanpak(unit, aanmelding).open_actions())
    aanmelding.closed_on = today
    aanmelding.closed_route = route
    aanmelding.closed_outcome = outcome
    aanmelding.evaluation = evaluation
    if route is Route.AFGESCHAALD:
        aanmelding.afgeschaald_on = today
    # The partners' answers are not needed once the casus is closed (retention policy).
    await drop_verrijking(unit, aanmelding)
    upcoming = await unit.overleggen.upcoming(aanmelding.id)
    if upcoming is not None:
        upcoming.status = OverlegStatus.GEANNULEERD
    feiten.afgesloten(unit, aanmelding, route, outcome, evaluation, today, house.zone)
    await unit.audit.add(now, AuditKind.AFSCHALING if route is Route.AFGESCHAALD
                         else AuditKind.AFSLUITING, actor, reference, {
        "closed_on": today.isoformat(), "outcome": outcome.value,
        "evaluation": evaluation.value, "open_actions": open_actions,
    }, phase=Phase.AFSCHALING)  # fmt: skip
    day = format_date(today)
    done = closed(house.words, reference, route, day)
    outgoing: list[Outgoing | None] = []
    if await unit.rooms.get(casus_room(reference)) is not None:
        service = CasusoverlegService(unit, house)
        participants = await service.describe_room(
            aanmelding, None, f"{route_word(route)} op {day}", now
        )
        outgoing.append(service.to_room(reference, participants, done, sensitive=False))
    directory = Directory(unit, house)
    for other in {aanmelding.casusregisseur, aanmelding.procesregisseur} - {None, actor}:
        assert other is not None
        outgoing.append(await directory.to_own_chat(other, done, reference, sensitive=True))
    return [item for item in outgoing if item is not None]


async def still_needed(unit: Unit, aanmelding: Aanmelding, actor: str, now: datetime) -> None:
    """Someone who answers for the casus says it runs on: the question's clock starts over."""
    aanmelding.still_needed_at = now
    await unit.audit.add(now, AuditKind.STILL_NEEDED, actor, aanmelding.reference, {},
                         phase=Phase.UITVOERING)  # fmt: skip
