"""Verrijking: partners are asked whether they know the person, and answer.

A partner asked gets only what it needs to look the person up: reference, naam,
geboortedatum and woonplaats; never the problem description or what other partners
answered. The contact types ``beantwoord ZVH-2026-0042`` in their direct chat and answers
three short questions. The first contact of the organisation to confirm closes the request
for it; colleagues are told. The answer goes to the procesregie only. Whether it may be
shown to the participants of a casusoverleg beforehand is the supplying partner's choice
(Gelderland-Midden art. 12.2f / 13.2d); without an explicit yes it is not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from handlers.bezwaar import refuse_if_objected
from handlers.conversation.service import Submission
from handlers.directory import to_dm
from handlers.errors import UserError
from handlers.house import House
from handlers.messages import Block, Bold, Code, Notice, Outgoing, Paragraph, notice
from handlers.personen import Person
from handlers.triage.service import TriageService
from handlers.triage.texts import lookup_fields, lookup_view
from handlers.vocabulary import AuditKind, Phase, VerrijkingStatus
from storage.models import Aanmelding, Verrijkingsverzoek


def request_text(
    house: House, aanmelding: Aanmelding, organisation: str, colleagues: bool
) -> Notice:
    return notice(
        Paragraph(Bold(f"Verzoek om informatie — {aanmelding.reference}")),
        Paragraph(
            f"{house.name} beoordeelt een aanmelding en vraagt {organisation} "
            + ("of deze persoon bekend is:" if len(aanmelding.personen) == 0
               else "of deze personen bekend zijn:")
        ),
        *lookup_view(aanmelding),
        Paragraph(
            ("Is deze persoon" if len(aanmelding.personen) == 0 else "Zijn deze personen")
            + f" bij jullie bekend? Zo ja: wat is relevant voor de {house.words.triage}? ",
            "Typ ", Code(f"beantwoord {aanmelding.reference}"), " om te antwoorden.",
            " Je collega's kregen dit verzoek ook; het eerste antwoord telt."
            if colleagues else "",
        ),
    )  # fmt: skip


async def tell_open_requests(
    service: TriageService, aanmelding: Aanmelding, one: Person, now: datetime, actor: str
) -> list[Outgoing]:
    """A person added while partners are still asked: each open request's contacts get the
    new person's lookup fields (nothing else), to take along in their answer."""
    outgoing: list[Outgoing] = []
    reference = aanmelding.reference
    for request in await service.unit.verrijking.for_aanmelding(aanmelding.id):
        if request.status is not VerrijkingStatus.OPEN:
            continue
        reachable = [c for c in await service.directory.contacts(request.organisation_key,
                                                                   aanmelding.tafel)
                     if c.dm_room_id]  # fmt: skip
        text = notice(
            Paragraph(Bold(f"Aanvulling op het verzoek om informatie — {reference}")),
            Paragraph("Ook deze persoon hoort bij de aanmelding:"),
            *lookup_view(aanmelding, one),
            Paragraph("Neem hem of haar mee in je antwoord: ", Code(f"beantwoord {reference}"),
                      "."),
        )  # fmt: skip
        outgoing += [to_dm(contact, text, reference, sensitive=True) for contact in reachable]
        if reachable:
            await service.disclosed(actor, reference, "verrijking-verzoek",
                                    lookup_fields(aanmelding, one),
                                    [c.matrix_id for c in reachable], now)  # fmt: skip
    return outgoing


async def ask(
    service: TriageService, aanmelding: Aanmelding, keys: Sequence[str], now: datetime, actor: str
) -> tuple[list[str], list[Outgoing]]:
    """Ask organisations for verrijking. Returns the newly asked keys and the messages."""
    unit, directory = service.unit, service.directory
    await refuse_if_objected(unit, aanmelding.reference)
    names = await service.org_names()
    asked: list[str] = []
    outgoing: list[Outgoing] = []
    unreachable: list[str] = []
    for key in keys:
        existing = await unit.verrijking.get(aanmelding.id, key)
        if existing is not None and existing.status is not VerrijkingStatus.INGETROKKEN:
            continue
        if existing is None:
            await unit.verrijking.add(aanmelding.id, key, now)
        else:
            existing.status, existing.asked_at = VerrijkingStatus.OPEN, now
        asked.append(key)
        reachable = [c for c in await directory.contacts(key, aanmelding.tafel) if c.dm_room_id]
        if not reachable:
            unreachable.append(names.get(key, key))
        for contact in reachable:
            assert contact.dm_room_id is not None
            text = request_text(service.house, aanmelding, names.get(key, key), len(reachable) > 1)
            outgoing.append(to_dm(contact, text, aanmelding.reference, sensitive=True))
        if reachable:
            recipients = [c.matrix_id for c in reachable]
            await service.disclosed(actor, aanmelding.reference, "verrijking-verzoek",
                                    lookup_fields(aanmelding), recipients, now)  # fmt: skip
    if unreachable:
        outgoing += await directory.to_procesregie(notice(Paragraph(
            f"Let op: {', '.join(unreachable)} heeft geen contactpersoon die een chat met "
            f"mij heeft. Vraag de verrijking voor {aanmelding.reference} buiten de bot om, "
            "of laat een contactpersoon een chat met mij starten."
        )), None, sensitive=False)  # fmt: skip
    return asked, outgoing


async def answer(submission: Submission, house: House) -> list[Outgoing]:
    """A contact confirmed their answer: the procesregie gets it, colleagues are told."""
    unit, caller, now = submission.unit, submission.caller, submission.now
    room_id, subject = submission.room_id, submission.reference
    service = TriageService(unit, house)
    aanmelding = await service.find(subject)
    request = await unit.verrijking.get(aanmelding.id, caller.organisation_key)
    if request is None or request.status is VerrijkingStatus.INGETROKKEN:
        raise UserError(f"Het verzoek over {subject} is ingetrokken; je hoeft niet te antwoorden.")
    if request.status is VerrijkingStatus.BEANTWOORD:
        # First answer wins: a colleague was quicker.
        return [Outgoing(room_id, notice(Paragraph(
            f"Je collega heeft het verzoek over {subject} al beantwoord; "
            "jouw antwoord is niet nodig en niet bewaard."
        )))]  # fmt: skip
    outgoing = [Outgoing(room_id, notice(Paragraph(
        f"Dank je, je antwoord over {subject} is naar de {house.words.procesregie} gestuurd."
    )))]  # fmt: skip
    outgoing += await service.directory.to_contacts(caller.organisation_key, notice(Paragraph(
        f"Het verzoek om informatie over {subject} is beantwoord door een "
        "collega; je hoeft niets meer te doen."
    )), exclude=caller.matrix_id, tafel=aanmelding.tafel)  # fmt: skip
    return outgoing + await _recorded(service, request, subject, caller.organisation_name,
                                      submission.answers, caller.matrix_id, now, None)  # fmt: skip


VIA_LABELS = {"telefoon": "telefonisch ontvangen", "mail": "per mail ontvangen",
              "anders": "buiten de bot ontvangen"}  # fmt: skip


def recorded_subject(reference: str, organisation: str) -> str:
    return f"{reference} {organisation}"


async def record_for_partner(submission: Submission, house: House) -> list[Outgoing]:
    """The procesregie records what a partner answered by phone or mail (Kennemerland
    Bijlage 3), marked as such; the partner's contacts hear it was recorded for them."""
    unit, caller, now = submission.unit, submission.caller, submission.now
    reference, _, organisation = submission.reference.partition(" ")
    service = TriageService(unit, house)
    aanmelding = await service.find(reference)
    request = await unit.verrijking.get(aanmelding.id, organisation)
    if request is None or request.status is not VerrijkingStatus.OPEN:
        raise UserError(f"Er staat geen open verzoek bij {organisation} over {reference}.")
    via = str(submission.answers.get("via") or "anders")
    name = (await service.org_names()).get(organisation, organisation)
    by = (await service.directory.person(caller.matrix_id)).name
    outgoing = [Outgoing(submission.room_id, notice(Paragraph(
        f"Vastgelegd: het antwoord van {name} over {reference}."
    )))]  # fmt: skip
    outgoing += await service.directory.to_contacts(organisation, notice(Paragraph(
        f"Het verzoek om informatie over {reference} is beantwoord: {by} van de "
        f"{house.words.procesregie} heeft jullie antwoord ({VIA_LABELS.get(via, via)}) "
        f"vastgelegd. Klopt er iets niet, laat het de {house.words.procesregie} weten; je "
        "hoeft verder niets te doen."
    )), tafel=aanmelding.tafel)  # fmt: skip
    return outgoing + await _recorded(service, request, reference, name, submission.answers,
                                      caller.matrix_id, now, via, by)  # fmt: skip


async def _recorded(
    service: TriageService, request: Verrijkingsverzoek, subject: str, organisation_name: str,
    answers: Mapping[str, Any], actor: str, now: datetime, via: str | None, by: str = "",
) -> list[Outgoing]:  # fmt: skip
    """Store an answer and show it to the procesregie (audited, without its text)."""
    unit = service.unit
    bekend = bool(answers.get("bekend"))
    request.status = VerrijkingStatus.BEANTWOORD
    request.answered_by, request.answered_at, request.received_via = actor, now, via
    request.bekend = bekend
    request.informatie = answers.get("informatie") if bekend else None
    request.delen_vooraf = bool(answers.get("delen_vooraf")) if bekend else False
    await unit.flush()
    shown: list[Block] = [Paragraph(
        Bold(f"Verrijking {subject}"), f" van {organisation_name}",
        f" ({VIA_LABELS.get(via, via)}, vastgelegd door {by})" if via else "", ": ",
        "bekend" if bekend else "niet bekend",
    )]  # fmt: skip
    if bekend:
        shown.append(Paragraph(request.informatie or ""))
        w = service.house.words
        shown.append(Paragraph(
            f"Mag vooraf gedeeld worden met de deelnemers van een {w.casusoverleg}."
            if request.delen_vooraf else f"Alleen voor de {w.procesregie} (niet vooraf delen)."
        ))  # fmt: skip
    outgoing = await service.directory.to_procesregie(notice(*shown), subject)
    detail: dict[str, Any] = {
        "organisation": request.organisation_key, "fields": ["bekend", "informatie"],
        "delen_vooraf": request.delen_vooraf,
    }  # fmt: skip
    if via:
        detail["received_via"] = via
    await unit.audit.add(now, AuditKind.ANSWERED, actor, subject, detail, phase=Phase.TRIAGE)
    await service.disclosed(
        actor, subject, "verrijking-antwoord", ["informatie"],
        [m.matrix_id for m in await service.directory.regie()], now,
    )  # fmt: skip
    return outgoing
