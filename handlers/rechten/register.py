"""The register of AVG requests (art. 15-18, 21) and klachten: received, routed, reminded,
decided.

A request has a legal deadline (AVG art. 12(3): one month after receipt, extendable once by
two months with a reason). It is worked by one member: whoever registers it, or, when it
concerns a casus another partner put forward, that partner's contact (the covenants make
the supplying partner answer for its own data). A bezwaar pauses its casus until the
procesregisseur decides (``handlers/bezwaar.py``): toegewezen deletes the casus, afgewezen
lets the held messages go. What could name the betrokkene is encrypted and cleared
``registers.clean_months`` after the decision; kind, dates and state stay for the overviews.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from handlers.access import Caller, decides_bezwaar, sees_verzoek
from handlers.bezwaar import HELD_FOR_BEZWAAR
from handlers.conversation.parsing import format_date, parse_text
from handlers.directory import Directory
from handlers.errors import UserError
from handlers.house import House
from handlers.messages import Outgoing
from handlers.rechten import texts
from handlers.retention.service import add_months, erase
from handlers.vocabulary import AuditKind, VerzoekSoort, VerzoekStatus
from storage.models.registers import Verzoek
from storage.unit import Unit

# AVG art. 12(3): answered within a month; extended by at most two more.
DEADLINE_MONTHS, EXTENSION_MONTHS = 1, 2
MAX_TEXT = 500
DECISIONS = {
    "afgehandeld": VerzoekStatus.AFGEHANDELD,
    "toegewezen": VerzoekStatus.TOEGEWEZEN,
    "afgewezen": VerzoekStatus.AFGEWEZEN,
}


def deadline_of(received_on: date) -> date:
    return add_months(received_on, DEADLINE_MONTHS)


@dataclass(frozen=True)
class Registered:
    verzoek: Verzoek
    outgoing: list[Outgoing]
    # The organisation whose contact now works it, when it was routed away.
    routed_to: str | None


async def register(
    unit: Unit, house: House, soort: VerzoekSoort, reference: str | None, betrokkene: str,
    omschrijving: str | None, received_on: date, registrar: str,
    registrar_organisation: str | None, now: datetime,
) -> Registered:  # fmt: skip
    """Put a request in the register and tell whoever must act on it."""
    today = now.astimezone(house.zone).date()
    if received_on > today:
        raise UserError("De datum van ontvangst ligt in de toekomst.")
    supplier: str | None = None
    if reference is not None:
        aanmelding = await unit.aanmeldingen.by_reference(reference)
        if aanmelding is None:
            raise UserError(f"Ik ken geen casus met kenmerk {reference}.")
        supplier = aanmelding.aanmelder_organisation
    elif soort is VerzoekSoort.BEZWAAR:
        raise UserError("Een bezwaar gaat over een casus: geef het kenmerk mee.")
    directory = Directory(unit, house)
    handler: str | None = registrar if await directory.find(registrar) else None
    routed_to: str | None = None
    if supplier is not None and supplier != registrar_organisation:
        reachable = [c for c in await directory.contacts(supplier) if c.dm_room_id]
        if reachable:
            handler, routed_to = reachable[0].matrix_id, supplier
    verzoek = await unit.verzoeken.add(Verzoek(
        soort=soort, received_on=received_on, registered_at=now, registered_by=registrar,
        handler=handler, organisation_key=supplier, reference=reference,
        betrokkene=betrokkene, omschrijving=omschrijving, deadline=deadline_of(received_on),
        status=VerzoekStatus.OPEN,
    ))  # fmt: skip
    await unit.audit.add(now, AuditKind.VERZOEK, registrar, reference, {
        "number": verzoek.id, "soort": soort.value, "action": "registered",
        "routed_to": routed_to,
    })  # fmt: skip
    outgoing: list[Outgoing] = []
    names = await directory.names([handler])
    if routed_to is not None and handler is not None:
        text = texts.routed(verzoek, names.organisation(routed_to), house.words)
        told = await directory.to_own_chat(handler, text, reference)
        outgoing += [told] if told else []
    if soort is VerzoekSoort.BEZWAAR and reference is not None:
        held = await unit.outbox.hold_unsent(reference, HELD_FOR_BEZWAAR)
        outgoing += await directory.to_procesregie(
            texts.bezwaar_paused(verzoek, reference, held), None, sensitive=False
        )
    return Registered(verzoek, outgoing, routed_to)


async def find(unit: Unit, number: int, caller: Caller) -> Verzoek:
    """A request the caller may see; any other number reads as unknown."""
    verzoek = await unit.verzoeken.get(number)
    if verzoek is None or not sees_verzoek(caller, verzoek):
        raise UserError(f"Ik ken geen verzoek {number}.")
    return verzoek


async def visible(unit: Unit, caller: Caller, everything: bool) -> list[Verzoek]:
    return [v for v in await unit.verzoeken.listing(everything) if sees_verzoek(caller, v)]


def _check_open(verzoek: Verzoek, house: House) -> None:
    if verzoek.status is not VerzoekStatus.OPEN:
        assert verzoek.decided_at is not None
        on = format_date(verzoek.decided_at.astimezone(house.zone).date())
        raise UserError(f"Verzoek {verzoek.id} is al {verzoek.status.value} ({on}).")


async def decide(
    unit: Unit, house: House, verzoek: Verzoek, status: VerzoekStatus, toelichting: str | None,
    caller: Caller, now: datetime,
) -> list[Outgoing]:  # fmt: skip
    """Record the decision; a bezwaar's decision deletes its casus or lets it go on."""
    _check_open(verzoek, house)
    text = parse_text(toelichting, MAX_TEXT, "toelichting") if toelichting else None
    outgoing: list[Outgoing] = []
    directory = Directory(unit, house)
    if verzoek.soort is VerzoekSoort.BEZWAAR:
        if not decides_bezwaar(caller):
            raise UserError(f"Over een bezwaar beslist de {house.words.procesregisseur}.")
        if status is VerzoekStatus.AFGEHANDELD:
            raise UserError(
                f"Een bezwaar wordt toegewezen of afgewezen: typ verzoek {verzoek.id} "
                f"toegewezen, of verzoek {verzoek.id} afgewezen REDEN."
            )
        if status is VerzoekStatus.AFGEWEZEN and text is None:
            raise UserError(
                f"Geef de reden van de afwijzing: verzoek {verzoek.id} afgewezen REDEN."
            )
        assert verzoek.reference is not None
        aanmelding = await unit.aanmeldingen.by_reference(verzoek.reference)
        if status is VerzoekStatus.TOEGEWEZEN:
            # AVG art. 21(1): no compelling grounds; the data goes.
            taken_back = await erase(unit, [aanmelding], now) if aanmelding else 0
            await unit.audit.add(
                now,
                AuditKind.DELETED_EARLY,
                caller.matrix_id,
                verzoek.reference,
                {"reason": "bezwaar", "messages_taken_back": taken_back},
            )
        else:
            await unit.outbox.release_held_for(verzoek.reference, HELD_FOR_BEZWAAR, now)
        outgoing += await directory.to_procesregie(
            texts.bezwaar_decided(verzoek, status), None, sensitive=False
        )
    verzoek.status, verzoek.decision = status, text
    verzoek.decided_at, verzoek.decided_by = now, caller.matrix_id
    await unit.audit.add(now, AuditKind.VERZOEK, caller.matrix_id, verzoek.reference, {
        "number": verzoek.id, "soort": verzoek.soort.value, "action": "decided",
        "status": status.value, "late": now.astimezone(house.zone).date() > verzoek.deadline,
    })  # fmt: skip
    return outgoing


async def extend(
    unit: Unit, house: House, verzoek: Verzoek, reden: str, caller: Caller, now: datetime
) -> None:
    """AVG art. 12(3): once, by two months, with the reason (the betrokkene is told of it
    within the first month; the handler does that)."""
    _check_open(verzoek, house)
    if verzoek.extended_reason is not None:
        raise UserError(f"Verzoek {verzoek.id} is al verlengd; langer mag niet (AVG art. 12).")
    if verzoek.soort is VerzoekSoort.BEZWAAR:
        raise UserError(
            "Een bezwaar houdt de casus stil; beslis erover in plaats van te verlengen."
        )
    verzoek.extended_reason = parse_text(reden, MAX_TEXT, "reden")
    verzoek.deadline = add_months(verzoek.deadline, EXTENSION_MONTHS)
    verzoek.reminded_at = verzoek.escalated_at = None
    await unit.audit.add(now, AuditKind.VERZOEK, caller.matrix_id, verzoek.reference, {
        "number": verzoek.id, "soort": verzoek.soort.value, "action": "extended",
    })  # fmt: skip


async def assign(
    unit: Unit, house: House, verzoek: Verzoek, matrix_id: str, caller: Caller, now: datetime
) -> list[Outgoing]:
    """Give the request to another member (who hears of it in their own chat)."""
    _check_open(verzoek, house)
    directory = Directory(unit, house)
    member = await directory.find(matrix_id)
    if member is None:
        raise UserError(f"{matrix_id} is geen lid van de casusbot.")
    verzoek.handler, verzoek.reminded_at = matrix_id, None
    await unit.audit.add(now, AuditKind.VERZOEK, caller.matrix_id, verzoek.reference, {
        "number": verzoek.id, "soort": verzoek.soort.value, "action": "assigned",
        "to": matrix_id,
    })  # fmt: skip
    told = await directory.to_own_chat(matrix_id, texts.assigned(verzoek), verzoek.reference)
    return [told] if told else []
