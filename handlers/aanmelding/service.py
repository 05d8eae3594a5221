"""Filing an aanmelding: validated as a whole, stored under a new reference, the aanmelder
thanked and the procesregie given the whole aanmelding as a triage prompt."""

from __future__ import annotations

import json

from pydantic import ValidationError

from handlers import feiten
from handlers.aanmelding.forms import AanmeldingInput, option_lists
from handlers.aanmelding.texts import filed, filed_by, filed_for
from handlers.access import Caller, is_regie
from handlers.conversation.parsing import age_on
from handlers.conversation.service import Submission
from handlers.directory import Directory, MemberView
from handlers.errors import UserError
from handlers.house import House
from handlers.identifiers import parse_matrix_id
from handlers.messages import Outgoing
from handlers.triage.service import TriageService
from handlers.vocabulary import AuditKind, Phase, Role, Urgentie
from storage.models import Aanmelding
from storage.unit import Unit


def parse_namens(text: str) -> str:
    """'namens @wijk:zvh.example' → the Matrix id."""
    words = text.split()
    if len(words) != 2 or words[0].lower() != "namens":
        raise UserError("Namens een partner aanmelden: aanmelden namens @gebruiker:server.")
    return parse_matrix_id(words[1])


async def on_behalf_of(unit: Unit, house: House, caller: Caller, matrix_id: str) -> MemberView:
    """The partner the procesregie files an aanmelding for (Kennemerland Bijlage 3): a
    member of a partner organisation, who then is the aanmelder."""
    if not is_regie(caller.role):
        raise UserError(f"Namens een ander aanmelden kan alleen de {house.words.procesregie}.")
    partner = await Directory(unit, house).find(matrix_id)
    if partner is None or partner.role is not Role.PARTNER:
        raise UserError(f"{matrix_id} is geen partner op de ledenlijst.")
    return partner


async def submit(submission: Submission, house: House) -> list[Outgoing]:
    """Store the aanmelding under a new reference; tell the aanmelder; the procesregie gets
    the full aanmelding as a triage prompt (the one place it is visible in full). Filed by
    the procesregie on a partner's behalf, the partner is the aanmelder and hears it."""
    unit, caller, today = submission.unit, submission.caller, submission.today
    partner = (await on_behalf_of(unit, house, caller, submission.subject)
               if submission.subject else None)  # fmt: skip
    aanmelder_id = partner.matrix_id if partner else caller.matrix_id
    aanmelder_org = partner.organisation_key if partner else caller.organisation_key
    try:
        data = AanmeldingInput.model_validate(dict(submission.answers))
    except (ValidationError, UserError):
        raise UserError(
            "Er klopt iets niet in je antwoorden; kijk het overzicht na en pas het aan met "
            "wijzig <veld>."
        ) from None
    if data.urgentie is Urgentie.SPOED and not data.spoed_reden:
        raise UserError("Bij spoed hoort een reden: typ wijzig reden spoed.")
    known = {o.key for o in (await option_lists(unit, None))["organisaties"]}
    partners = [key for key in data.partners if key in known]
    reference = await unit.references.next(house.reference_prefix, today.year)
    contact = caller.matrix_id if data.contactpersoon == "ik" else data.contactpersoon
    aanmelding = await unit.aanmeldingen.add(
        Aanmelding(
            reference=reference,
            submitted_at=submission.now,
            aanmelder_matrix_id=aanmelder_id,
            aanmelder_organisation=aanmelder_org,
            voornaam=data.voornaam,
            achternaam=data.achternaam,
            aliassen=data.aliassen,
            geboortedatum=data.geboortedatum,
            minderjarig=age_on(data.geboortedatum, today) < 18,
            adres=data.adres,
            postcode=data.postcode,
            woonplaats=data.woonplaats,
            gemeente=data.gemeente,
            probleemstelling=data.probleemstelling,
            doel=data.doel,
            criteria=json.dumps(data.criteria),
            betrokken_partners=json.dumps(partners),
            urgentie=data.urgentie,
            spoed_reden=data.spoed_reden,
            contactpersoon=contact,
        )
    )
    feiten.aangemeld(unit, aanmelding, today)
    filled = [key for key, value in submission.answers.items() if value not in (None, "", [])]
    detail: dict[str, object] = {"fields": filled}
    if partner is not None:
        detail["on_behalf_of"] = partner.matrix_id
    await unit.audit.add(submission.now, AuditKind.SUBMITTED, caller.matrix_id, reference,
                         detail, phase=Phase.AANMELDING)  # fmt: skip
    regie = TriageService(unit, house)
    if partner is None:
        outgoing = [Outgoing(submission.room_id, filed(reference, house.words))]
    else:
        by = (await regie.directory.person(caller.matrix_id)).name
        outgoing = [
            Outgoing(submission.room_id, filed_for(reference, partner.person.name, house.words))
        ]
        told = await regie.directory.to_own_chat(
            partner.matrix_id, filed_by(reference, by, house.words)
        )
        outgoing += [told] if told else []
    outgoing += await regie.announce(aanmelding)
    await regie.disclosed(
        caller.matrix_id, reference, "aanmelding", filled,
        [m.matrix_id for m in await regie.directory.regie()], submission.now,
    )  # fmt: skip
    return outgoing
