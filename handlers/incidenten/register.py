"""The incident register: every (possible) security incident, found by the bot or reported
by a member, with the 72-hour question of AVG art. 33 (is the AP told?) until answered.

:func:`record` is the one way an incident is written: a numbered register entry (an
encrypted description when a member gave one) and its audit entry. Who decides on the AP
are the managers and functioneel beheerders (``handlers/access.py``, INCIDENT_ROLES).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from handlers.conversation.parsing import format_moment, parse_text
from handlers.errors import UserError
from handlers.messages import Code, Paragraph
from handlers.vocabulary import ApBesluit, AuditKind, IncidentSoort
from storage.models.registers import Incident
from storage.unit import Unit

# AVG art. 33(1): a breach is reported to the AP within 72 hours of becoming aware of it.
AP_HOURS = 72
MAX_TEXT = 1000
BOT = "casusbot"


def ap_deadline(incident: Incident) -> datetime:
    return incident.at + timedelta(hours=AP_HOURS)


async def record(
    unit: Unit, soort: IncidentSoort, now: datetime, reported_by: str = BOT,
    subject: str | None = None, reference: str | None = None,
    description: str | None = None, detail: dict[str, Any] | None = None,
) -> Incident:  # fmt: skip
    """Register an incident and write its audit entry (``detail``: what the bot saw, never
    personal data)."""
    incident = await unit.incidenten.add(Incident(
        at=now, soort=soort, reported_by=reported_by, subject=subject, reference=reference,
        description=description,
    ))  # fmt: skip
    await unit.audit.add(now, AuditKind.INCIDENT, reported_by if subject is None else subject,
                         reference, {**(detail or {}), "number": incident.id,
                                     "soort": soort.value})  # fmt: skip
    return incident


def ap_question(incident: Incident, zone: Any) -> Paragraph:
    """The line every incident notice ends with: decide on the AP, and how."""
    due = format_moment(ap_deadline(incident).astimezone(zone))
    return Paragraph(
        f"Incident {incident.id}: beslis vóór {due} of het gemeld wordt bij de Autoriteit "
        "Persoonsgegevens (AVG art. 33). Typ ", Code(f"incident {incident.id} gemeld"),
        " of ", Code(f"incident {incident.id} niet-melden REDEN"), ".",
    )  # fmt: skip


async def decide(
    unit: Unit, incident: Incident, besluit: ApBesluit, toelichting: str | None,
    actor: str, now: datetime,
) -> None:  # fmt: skip
    if incident.ap_besluit is not None:
        raise UserError(f"Over incident {incident.id} is al besloten: {incident.ap_besluit.value}.")
    if besluit is ApBesluit.NIET_MELDEN and not toelichting:
        # The AP may ask why a breach was not reported (art. 33(5): document every breach).
        raise UserError(f"Leg vast waarom niet: incident {incident.id} niet-melden REDEN.")
    incident.ap_besluit = besluit
    incident.ap_reason = parse_text(toelichting, MAX_TEXT, "toelichting") if toelichting else None
    incident.ap_decided_at, incident.ap_decided_by = now, actor
    await unit.audit.add(now, AuditKind.INCIDENT_DECIDED, actor, incident.reference, {
        "number": incident.id, "besluit": besluit.value,
        "within_72h": now <= ap_deadline(incident),
    })  # fmt: skip
