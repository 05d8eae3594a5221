"""Filing an aanmelding: validated as a whole, stored under a new reference, the aanmelder
thanked and the procesregie given the whole aanmelding as a triage prompt."""

from __future__ import annotations

import json

from pydantic import ValidationError

from handlers import feiten
from handlers.aanmelding.forms import AanmeldingInput, option_lists
from handlers.aanmelding.texts import filed
from handlers.conversation.parsing import age_on
from handlers.conversation.service import Submission
from handlers.errors import UserError
from handlers.house import House
from handlers.messages import Outgoing
from handlers.triage.service import TriageService
from handlers.vocabulary import AuditKind, Phase, Urgentie
from storage.models import Aanmelding


async def submit(submission: Submission, house: House) -> list[Outgoing]:
    """Store the aanmelding under a new reference; tell the aanmelder; the procesregie gets
    the full aanmelding as a triage prompt (the one place it is visible in full)."""
    unit, caller, today = submission.unit, submission.caller, submission.today
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
            aanmelder_matrix_id=caller.matrix_id,
            aanmelder_organisation=caller.organisation_key,
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
    await unit.audit.add(
        submission.now, AuditKind.SUBMITTED, caller.matrix_id, reference, {"fields": filled},
        phase=Phase.AANMELDING,
    )  # fmt: skip
    outgoing = [Outgoing(submission.room_id, filed(reference))]
    regie = TriageService(unit, house)
    outgoing += await regie.announce(aanmelding)
    await regie.disclosed(
        caller.matrix_id, reference, "aanmelding", filled,
        [m.matrix_id for m in await regie.directory.regie()], submission.now,
    )  # fmt: skip
    return outgoing
