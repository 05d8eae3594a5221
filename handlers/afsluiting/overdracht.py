"""Overdracht: a casus handed over to a partner at its close. The procesregisseur chooses
the fields (minimised: the invitation's personalia by default, the free texts only when
named); a partner's verrijking goes only with that partner's consent to share it, as for
the invitation. Each contact of the receiving organisation gets it in their own chat, the
disclosure is audited, and the casus closes here with outcome "overgedragen", so its
retention clock starts (the message is taken back with the rest of the casus later).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from handlers.afsluiting.service import close
from handlers.bezwaar import refuse_if_objected
from handlers.directory import Directory
from handlers.errors import UserError
from handlers.house import House
from handlers.messages import Attachment, Block, Bold, Outgoing, Paragraph, Table, notice
from handlers.personen import PERSONALIA, persons, sections
from handlers.plan_van_aanpak.service import PlanVanAanpak
from handlers.vocabulary import AuditKind, Evaluatie, Uitkomst, VerrijkingStatus
from storage.models import Aanmelding
from storage.unit import Unit

TEXTS = {"probleemstelling": "probleemstelling", "doel": "doel"}
EXTRA = ("plan", "verrijking")
FIELDS = (*PERSONALIA, *TEXTS, *EXTRA)


def parse_fields(text: str | None, house: House) -> list[str]:
    """'voornaam, achternaam, plan' → those fields; nothing → the invitation's personalia
    and the open actions."""
    if not text or not text.strip():
        return [*house.overleg.personalia, "plan"]
    chosen = [part.strip().lower() for part in text.replace(";", ",").split(",") if part.strip()]
    unknown = [field for field in chosen if field not in FIELDS]
    if unknown:
        raise UserError(f"Onbekend veld: {', '.join(unknown)}. Kies uit: {', '.join(FIELDS)}.")
    return list(dict.fromkeys(chosen))


async def _document(
    unit: Unit, house: House, aanmelding: Aanmelding, fields: Sequence[str],
    names: Mapping[str, str], receiver: str,
) -> tuple[list[Block], list[str]]:  # fmt: skip
    """The hand-over's text and the audit names of what it carries."""
    reference = aanmelding.reference
    # Each person of the casus with the chosen personalia they have, minimised on their own.
    people, sent = sections(persons(aanmelding), [f for f in fields if f in PERSONALIA])
    rows = [(label, getattr(aanmelding, field)) for field, label in TEXTS.items()
            if field in fields]  # fmt: skip
    blocks: list[Block] = [
        Paragraph(Bold(f"Overdracht {reference} van {house.words.house_name}")),
        Paragraph(f"{house.words.house_name} draagt deze casus over aan {receiver}. "
                  "Neem wat je nodig hebt over in je eigen systeem: na de bewaartermijn haal ik "
                  "dit bericht weg."),
        *people,
    ]  # fmt: skip
    if rows:
        blocks.append(Table(("veld", "waarde"), tuple(rows)))
    sent += [name for name, _ in rows]
    if "plan" in fields and (open_actions := await PlanVanAanpak(unit, aanmelding).open_actions()):
        blocks += [Paragraph(Bold("Open acties")), Table(("nr", "wat", "deadline"), tuple(
            (str(a.number), a.wat, a.deadline.isoformat()) for a in open_actions
        ))]  # fmt: skip
        sent += [f"actie:{a.number}" for a in open_actions]
    if "verrijking" in fields:
        for answer in await unit.verrijking.for_aanmelding(aanmelding.id):
            shared = answer.bekend and answer.delen_vooraf
            if answer.status is VerrijkingStatus.BEANTWOORD and shared:
                blocks.append(Paragraph(Bold(names.get(answer.organisation_key,
                                                       answer.organisation_key)), ": ",
                                        answer.informatie or ""))  # fmt: skip
                sent.append(f"verrijking:{answer.organisation_key}")
    if not sent:
        raise UserError("Er is niets om over te dragen in de gekozen velden.")
    return blocks, sent


async def hand_over(
    unit: Unit, house: House, aanmelding: Aanmelding, organisation: str, fields: Sequence[str],
    actor: str, now: datetime, today: date,
) -> tuple[list[Outgoing], int]:  # fmt: skip
    """Send the chosen fields to the organisation's contacts (or, for another house, make
    the document in the actor's own chat) and close the casus; returns the messages and
    how many received it."""
    await refuse_if_objected(unit, aanmelding.reference)
    directory = Directory(unit, house)
    names = await directory.organisation_names()
    reference = aanmelding.reference
    if organisation not in names and organisation in house.other_houses:
        receiver = house.other_houses[organisation]
        own = await directory.find(actor)
        if own is None or own.dm_room_id is None:
            raise UserError("Start eerst een chat met mij: daar maak ik het overdrachtsdocument.")
        blocks, sent = await _document(unit, house, aanmelding, fields, names, receiver)
        document = Attachment(f"overdracht-{reference}.md", "text/markdown",
                              notice(*blocks).plain.encode())  # fmt: skip
        caption = notice(Paragraph(
            Bold(f"Overdrachtsdocument {reference} voor {receiver}"), ". Stuur het via het "
            "beveiligde kanaal dat de huizen afspraken, niet als gewone e-mailbijlage. Na de "
            "bewaartermijn haal ik dit bericht weg.",
        ))  # fmt: skip
        who = frozenset({actor})
        outgoing = [Outgoing(own.dm_room_id, caption, True, who, reference, mentions=who,
                             attachment=document)]  # fmt: skip
        recipients, kind = [actor], f"extern:{organisation}"
    else:
        if organisation not in names:
            known = ", ".join(house.other_houses)
            raise UserError(f"Ik ken geen organisatie met code {organisation}"
                            + (f" (andere huizen: {known})." if known else "."))  # fmt: skip
        contacts = [c for c in await directory.contacts(organisation, aanmelding.tafel)
                    if c.dm_room_id]  # fmt: skip
        if not contacts:
            raise UserError(f"{names[organisation]} heeft geen contactpersoon met een chat met "
                            "mij; draag buiten de bot over en sluit daarna af.")  # fmt: skip
        blocks, sent = await _document(unit, house, aanmelding, fields, names,
                                       names[organisation])  # fmt: skip
        text = notice(*blocks)
        outgoing = [Outgoing(c.dm_room_id or "", text, True, frozenset({c.matrix_id}), reference,
                             mentions=frozenset({c.matrix_id})) for c in contacts]  # fmt: skip
        recipients, kind = [c.matrix_id for c in contacts], organisation
    await unit.audit.add(now, AuditKind.DISCLOSURE, actor, reference, {
        "purpose": "overdracht", "fields": sent, "organisation": kind,
        "recipients": sorted(recipients),
    })  # fmt: skip
    outgoing += await close(unit, house, aanmelding, Uitkomst.OVERGEDRAGEN, Evaluatie.ONBEKEND,
                            actor, now, today)  # fmt: skip
    return outgoing, len(recipients)
