"""Possible security incidents (AVG art. 33/34): recorded in the audit log and told at once
to the managers and the functioneel beheerders, in each one's direct chat.

An uninvited person in a casus room, someone without a procesregie role in the procesregie
room, repeated refusals of one member: each is a function here that the bot calls in a unit
of work and that returns what to send.
"""

from __future__ import annotations

from datetime import datetime

from handlers.access import INCIDENT_ROLES
from handlers.directory import Directory
from handlers.house import House
from handlers.incidenten.register import ap_question, record
from handlers.messages import (
    Bold,
    Notice,
    Outgoing,
    Paragraph,
    Segment,
    exactly,
    notice,
    reference_of,
)
from handlers.vocabulary import AuditKind, IncidentSoort
from storage.models.registers import Incident
from storage.unit import Unit


async def incident_notices(
    unit: Unit, house: House, text: Notice, exclude: str | None = None,
    incident: Incident | None = None,
) -> list[Outgoing]:  # fmt: skip
    """The notice for every manager and beheerder with a direct chat (not ``exclude``),
    ending with the AP question of the registered ``incident``."""
    if incident is not None:
        text = text.followed_by(ap_question(incident, house.zone))
    return await Directory(unit, house).to_roles(INCIDENT_ROLES, text, exclude=exclude)


async def intruder_in_casus_room(
    unit: Unit, house: House, room_key: str, user_id: str, now: datetime
) -> list[Outgoing]:
    """Someone was in a casus room without the bot's invitation (the bot removed them)."""
    reference = reference_of(room_key)
    incident = await record(unit, IncidentSoort.ONBEKENDE_IN_KAMER, now, subject=user_id,
                            reference=reference, detail={"what": "uninvited_in_room",
                                                         "room": room_key})  # fmt: skip
    directory = Directory(unit, house)
    who = exactly(await directory.person(user_id))
    text = notice(
        Paragraph(Bold("Mogelijk beveiligingsincident")),
        Paragraph(
            *who, f" kwam in de kamer van {house.words.casusoverleg} {reference or room_key} "
            "zonder uitnodiging van mij. Ik heb diegene direct verwijderd."
        ),
        Paragraph("Ga na hoe dit kon en of er gegevens zijn ingezien; meld het zo nodig "
                  "als datalek (AVG art. 33/34)."),
    )  # fmt: skip
    return [*await directory.to_procesregie(text, None, sensitive=False),
            *await incident_notices(unit, house, text, incident=incident)]  # fmt: skip


async def stranger_in_procesregie(
    unit: Unit, house: House, user_id: str, now: datetime
) -> list[Outgoing]:
    """The bot removed someone without a procesregie role from the procesregie room: a
    member whose access was revoked quietly, anyone else as a possible incident."""
    if await unit.audit.was_removed(user_id):
        await unit.audit.add(now, AuditKind.REMOVED_FROM_ROOM, user_id, None, {
            "room": "procesregie", "why": "member_removed",
        })  # fmt: skip
        return []
    incident = await record(
        unit,
        IncidentSoort.ONBEKENDE_IN_KAMER,
        now,
        subject=user_id,
        detail={"what": "uninvited_in_room", "room": "procesregie"},
    )
    who = exactly(await Directory(unit, house).person(user_id))
    text = notice(
        Paragraph(Bold("Mogelijk beveiligingsincident")),
        Paragraph(
            *who, f" was in de kamer van de {house.words.procesregie} (of uitgenodigd) zonder "
            f"rol in de {house.words.procesregie}. Ik heb diegene direct verwijderd."
        ),
        Paragraph("Ga na hoe dit kon en of er gegevens zijn ingezien; meld het zo "
                  "nodig als datalek (AVG art. 33/34). Hoort diegene erbij, laat de "
                  "beheerder dan eerst de rol toekennen."),
    )  # fmt: skip
    return await incident_notices(unit, house, text, incident=incident)


async def cannot_remove_from_procesregie(
    unit: Unit, house: House, user_id: str, now: datetime
) -> list[Outgoing]:
    """Someone who does not belong is in the procesregie room and the bot may not remove."""
    incident = await record(
        unit,
        IncidentSoort.ONBEKENDE_IN_KAMER,
        now,
        subject=user_id,
        detail={"what": "cannot_remove", "room": "procesregie"},
    )
    who = exactly(await Directory(unit, house).person(user_id))
    text = notice(
        Paragraph(Bold(f"Actie nodig in de kamer van de {house.words.procesregie}")),
        Paragraph(
            *who, f" is in de kamer van de {house.words.procesregie} (of uitgenodigd) maar "
            f"heeft geen rol in de {house.words.procesregie}, en ik mag daar niemand "
            "verwijderen."
        ),
        Paragraph("Verwijder diegene zelf, of geef mij het recht om te verwijderen "
                  "(moderator). Tot dan stuur ik geen casusgegevens naar die kamer."),
    )  # fmt: skip
    return await incident_notices(unit, house, text, incident=incident)


async def audit_log_shortened(
    unit: Unit, house: House, anchored: int, now_at: int, now: datetime
) -> list[Outgoing]:
    """The audit log ends before its last anchor: its newest entries were deleted."""
    incident = await record(unit, IncidentSoort.AUDITLOG, now, detail={
        "what": "audit_log_shortened", "anchored": anchored, "head": now_at,
    })  # fmt: skip
    missing = anchored - now_at
    text = notice(
        Paragraph(Bold("Mogelijk beveiligingsincident: het auditlog is ingekort")),
        Paragraph(
            f"Het auditlog ging tot regel {anchored}, maar eindigt nu bij regel {now_at}: "
            f"{'1 regel is' if missing == 1 else f'{missing} regels zijn'} verwijderd, buiten "
            "de bot om. Controleer het met casusbot audit verify en ga na wie de database "
            "heeft bewerkt."
        ),
    )  # fmt: skip
    return await incident_notices(unit, house, text, incident=incident)


# What a changed setting of a casus room means, for who reads the incident.
SETTING_NAMES = {
    "m.room.power_levels": "de rechten in de kamer",
    "m.room.join_rules": "wie er mag binnenkomen",
    "m.room.history_visibility": "wie de geschiedenis mag lezen",
    "m.room.guest_access": "toegang voor gasten",
    "m.room.encryption": "de versleuteling",
}


async def room_security_changed(
    unit: Unit, house: House, room_key: str, raised: list[str], changed: list[str],
    restored: bool, now: datetime,
) -> list[Outgoing]:  # fmt: skip
    """Someone gave power in a casus room or changed its settings (only the bot may)."""
    reference = reference_of(room_key)
    incident = await record(unit, IncidentSoort.RECHTEN_GEWIJZIGD, now, subject=room_key,
                            reference=reference, detail={
        "what": "room_security_changed", "room": room_key, "raised": raised,
        "changed": changed, "restored": restored,
    })  # fmt: skip
    directory = Directory(unit, house)
    what: list[Segment] = []
    for user_id in raised:
        what += [*([", "] if what else []), *exactly(await directory.person(user_id)),
                 " kreeg beheerrechten"]  # fmt: skip
    for event in changed:
        if event == "m.room.power_levels" and raised:
            continue  # said above: who got power
        what += [*([", "] if what else []), SETTING_NAMES.get(event, event), " gewijzigd"]
    done = ("Ik heb het teruggezet." if restored else
            "Ik kon het niet terugzetten: laat een homeserverbeheerder dit herstellen. Tot "
            "dan stuur ik geen gegevens naar die kamer.")  # fmt: skip
    text = notice(
        Paragraph(Bold("Mogelijk beveiligingsincident")),
        Paragraph(f"In de kamer van {house.words.casusoverleg} {reference or room_key} is "
                  "buiten mij om iets veranderd: ", *what, ". ", done),
        Paragraph("Alleen de bot mag daar rechten geven en instellingen wijzigen; een "
                  "homeserverbeheerder kan dat wel. Ga na wie dit deed en of er gegevens zijn "
                  "ingezien; meld het zo nodig als datalek (AVG art. 33/34)."),
    )  # fmt: skip
    return [*await directory.to_procesregie(text, None, sensitive=False),
            *await incident_notices(unit, house, text, incident=incident)]  # fmt: skip
