"""Incidental participants: an organisation invited to one casusoverleg, for one agenda item
(``overleg deelnemer toevoegen KENMERK ORG REDEN incidenteel``).

They get only what their part needs: no earlier history (the room's history starts at the
invite), the personalia the house allows for incidental participants (``[casusoverleg]
incidental_personalia``, default fewer) and no partner's verrijking. While they are in the
room, everything the bot posts there keeps to that smaller set. They leave the room when the
overleg is recorded or cancelled, or at the latest :data:`STAY` after its moment.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from handlers.access import Caller
from handlers.casusoverleg.invitation import invitation
from handlers.casusoverleg.service import PARTNER_REASONS, CasusoverlegService, partners_of
from handlers.conversation.parsing import format_moment
from handlers.errors import UserError
from handlers.messages import Outgoing, Paragraph, casus_room, notice
from handlers.vocabulary import AuditKind
from handlers.wording import cap
from storage.models import Aanmelding, Overleg

# How long after the overleg's moment an incidental participant stays at most (the bot does
# not know when a meeting ends; a verslag or a cancellation ends it sooner).
STAY = timedelta(hours=4)


async def add_incidental(
    service: CasusoverlegService, aanmelding: Aanmelding, organisation: str, reden: str,
    caller: Caller, now: datetime,
) -> list[Outgoing]:  # fmt: skip
    """Invite the organisation's contacts to the planned overleg only, with the smaller
    invitation; the room hears who joins and that they leave afterwards."""
    unit, words, reference = service.unit, service.words, aanmelding.reference
    name = (await service.directory.organisation_names()).get(organisation)
    if name is None:
        raise UserError(f"Ik ken geen organisatie met code {organisation}.")
    if organisation in partners_of(aanmelding):
        raise UserError(f"{name} neemt al deel aan {words.casusoverleg.de} over {reference}.")
    overleg = await unit.overleggen.upcoming(aanmelding.id)
    if overleg is None:
        raise UserError(
            f"Een incidentele deelnemer komt bij één {words.casusoverleg.adj('gepland')} "
            f"{words.casusoverleg}, en voor {reference} staat er geen. Plan eerst met "
            f"{words.command('overleg')} plan {reference} <datum> <tijd>."
        )
    keys = overleg.incidental_keys()
    if organisation in keys:
        raise UserError(f"{name} neemt al incidenteel deel aan {words.casusoverleg.dit}.")
    overleg.incidental = json.dumps([*keys, organisation])
    await unit.audit.add(now, AuditKind.PARTICIPANTS_CHANGED, caller.matrix_id, reference, {
        "organisation": organisation, "reason": reden, "change": "added-incidental",
    })  # fmt: skip
    participants = await service.participants(aanmelding)
    await unit.rooms.change_members(casus_room(reference), participants.members, now)
    when = format_moment(service.local(overleg.scheduled_at))
    why = PARTNER_REASONS.get(reden, reden)
    outgoing = [service.to_room(reference, participants, notice(Paragraph(
        f"{name} neemt incidenteel deel aan {words.casusoverleg.de} van {when} ({why}). "
        "Zolang zij in deze kamer zijn, deel ik hier minder persoonsgegevens; na het overleg "
        "verlaten zij de kamer."
    )), sensitive=False)]  # fmt: skip
    names = await service.directory.names(participants.members)
    outgoing += await invitation(unit, service.house, names, aanmelding, overleg, participants,
                                 caller.matrix_id, now, True)  # fmt: skip
    return outgoing


async def remove_incidental(
    service: CasusoverlegService, aanmelding: Aanmelding, organisation: str, reden: str,
    caller: Caller, now: datetime,
) -> list[Outgoing] | None:  # fmt: skip
    """Take an incidental participant off before the overleg; None when the organisation
    is not one."""
    overleg = await service.unit.overleggen.upcoming(aanmelding.id)
    if overleg is None or organisation not in overleg.incidental_keys():
        return None
    await service.unit.audit.add(now, AuditKind.PARTICIPANTS_CHANGED, caller.matrix_id,
                                 aanmelding.reference, {"organisation": organisation,
                                 "reason": reden, "change": "removed-incidental"})  # fmt: skip
    return await leave(service, aanmelding, overleg, [organisation], now, "neemt niet meer deel")


async def leave(
    service: CasusoverlegService, aanmelding: Aanmelding, overleg: Overleg,
    organisations: list[str], now: datetime, why: str = "",
) -> list[Outgoing]:  # fmt: skip
    """The organisations' incidental part ends: their members leave the room, quietly (no
    incident: the bot wants them gone), and the room hears it."""
    remaining = [k for k in overleg.incidental_keys() if k not in organisations]
    overleg.incidental = json.dumps(remaining) if remaining else None
    reference = aanmelding.reference
    participants = await service.participants(aanmelding)
    key = casus_room(reference)
    if await service.unit.rooms.wanted_members(key) is None:
        return []
    await service.unit.rooms.change_members(key, participants.members, now)
    names = await service.directory.organisation_names()
    who = ", ".join(names.get(k, k) for k in organisations)
    when = format_moment(service.local(overleg.scheduled_at))
    text = (f"{who} {why} aan {service.words.casusoverleg.de} van {when}" if why else
            f"{cap(service.words.casusoverleg.de)} van {when} is voorbij: {who} nam incidenteel "
            "deel")  # fmt: skip
    return [service.to_room(reference, participants, notice(Paragraph(
        f"{text}; hun leden verlaten de kamer."
    )), sensitive=False)]  # fmt: skip


async def after_the_overleg(service: CasusoverlegService, now: datetime) -> list[Outgoing]:
    """Incidental participants of overleggen more than :data:`STAY` past their moment leave
    (the job's part; a verslag or cancellation let them go sooner)."""
    outgoing: list[Outgoing] = []
    for overleg, aanmelding in await service.unit.overleggen.incidental_done(now - STAY):
        outgoing += await leave(service, aanmelding, overleg, overleg.incidental_keys(), now)
    return outgoing
