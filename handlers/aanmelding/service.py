"""Filing an aanmelding: validated as a whole, stored under a new reference, the aanmelder
thanked and the procesregie given the whole aanmelding as a triage prompt."""

from __future__ import annotations

import json
from dataclasses import dataclass

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
from handlers.tafels import Tafel
from handlers.triage.service import TriageService
from handlers.vocabulary import DEFAULT_TAFEL, AuditKind, Phase, Role, Urgentie
from storage.models import Aanmelding
from storage.unit import Unit


def parse_namens(text: str) -> str:
    """'namens @wijk:zvh.example' → the Matrix id."""
    words = text.split()
    if len(words) != 2 or words[0].lower() != "namens":
        raise UserError("Namens een partner aanmelden: aanmelden namens @gebruiker:server.")
    return parse_matrix_id(words[1])


@dataclass(frozen=True)
class Intake:
    """What an aanmelding form is about: its tafel, and the partner it is filed for. Kept
    as the conversation's subject ("tafel:nazorg @wijk:zvh.example"; None for the default
    tafel filed by the aanmelder, as before tafels)."""

    tafel: str = DEFAULT_TAFEL
    namens: str | None = None

    @property
    def subject(self) -> str | None:
        parts = [] if self.tafel == DEFAULT_TAFEL else [f"tafel:{self.tafel}"]
        return " ".join([*parts, *([self.namens] if self.namens else [])]) or None

    @classmethod
    def of(cls, subject: str | None) -> Intake:
        tafel, namens = DEFAULT_TAFEL, None
        for part in (subject or "").split():
            if part.startswith("tafel:"):
                tafel = part.removeprefix("tafel:")
            elif part.startswith("@"):
                namens = part
        return cls(tafel, namens)


def split_keuze(text: str | None) -> tuple[str | None, str | None]:
    """'nazorg namens @wijk:zvh.example' → ('nazorg', '@wijk:zvh.example')."""
    words = (text or "").split()
    lowered = [w.lower() for w in words]
    at = lowered.index("namens") if "namens" in lowered else len(words)
    namens = parse_namens(" ".join(words[at:])) if at < len(words) else None
    return " ".join(words[:at]) or None, namens


def open_tafels(house: House, caller: Caller, partner: MemberView | None) -> list[Tafel]:
    """The tafels this aanmelding may go to: open to the caller and, filed on a partner's
    behalf, to that partner too (a tafel only the procesregie files at excepted)."""
    tafels = house.tafels.open_to(caller)
    if partner is None:
        return tafels
    aanmelder = Caller(partner.matrix_id, partner.role, partner.organisation_key,
                       partner.organisation_name)  # fmt: skip
    return [t for t in tafels if t.regie_only or t.open_to(aanmelder)]


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
    intake = Intake.of(submission.subject)
    partner = (await on_behalf_of(unit, house, caller, intake.namens)
               if intake.namens else None)  # fmt: skip
    tafel = house.tafel(intake.tafel)
    if tafel.key != intake.tafel or tafel not in open_tafels(house, caller, partner):
        raise UserError(f"Aanmelden bij {house.words.tafel(intake.tafel)} kan niet (meer); typ "
                        "stop en begin opnieuw met aanmelden.")  # fmt: skip
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
            tafel=tafel.key,
            vrijlating_op=data.vrijlating,
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
