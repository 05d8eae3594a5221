"""What the triage shows: the whole aanmelding (procesregie only), the lookup view (partners
asked for verrijking), the agenda, and the words for outcomes and requests."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from handlers.conversation.parsing import format_date
from handlers.messages import Block, Bold, Code, Notice, Paragraph, Table, notice, text_notice
from handlers.personen import LOOKUP_FIELDS, Person, persons
from handlers.vocabulary import TriageStatus, Urgentie, VerrijkingStatus
from handlers.wording import Wording
from storage.models import Aanmelding, Verrijkingsverzoek

CRITERIA_LABELS = {
    "veiligheid": "veiligheidsproblematiek",
    "systeem": "impact op systeem/leefomgeving",
    "ketens": "meerdere ketens nodig",
    "multiproblem": "multiproblem",
}
OUTCOME_LABELS = {
    TriageStatus.GEEN_CASUS: "geen casus voor {huis}",
    TriageStatus.ONDUIDELIJK: "nog onduidelijk",
    TriageStatus.ZONDER_OVERLEG: "casus, geen {casusoverleg} nodig",
    TriageStatus.CASUSOVERLEG: "casus voor {casusoverleg}",
}


def outcome_label(
    status: TriageStatus, words: Wording, undecided: str = "nog niet besloten"
) -> str:
    return words.fill(OUTCOME_LABELS[status]) if status in OUTCOME_LABELS else undecided


def full_view(aanmelding: Aanmelding, org_names: Mapping[str, str]) -> list[Block]:
    """The whole aanmelding, for the procesregie only."""
    partners = json.loads(aanmelding.betrokken_partners)
    criteria = json.loads(aanmelding.criteria)
    minor = " (minderjarig)" if aanmelding.minderjarig else ""
    rows = [
        ("aanmelder", org_names.get(aanmelding.aanmelder_organisation,
                                    aanmelding.aanmelder_organisation)),
        ("gemeente", aanmelding.gemeente),
        ("urgentie", aanmelding.urgentie + (f": {aanmelding.spoed_reden}"
                                            if aanmelding.spoed_reden else "")),
        ("criteria", ", ".join(CRITERIA_LABELS.get(c, c) for c in criteria) or "geen"),
        ("naam", f"{aanmelding.voornaam} {aanmelding.achternaam}"),
        ("aliassen", aanmelding.aliassen or "—"),
        ("geboortedatum", format_date(aanmelding.geboortedatum) + minor),
        ("adres", " ".join(p for p in (aanmelding.adres, aanmelding.postcode) if p) or "—"),
        ("woonplaats", aanmelding.woonplaats),
        ("probleemstelling", aanmelding.probleemstelling),
        ("doel", aanmelding.doel),
        ("betrokken partners", ", ".join(org_names.get(k, k) for k in partners) or "geen"),
        ("contactpersoon", aanmelding.contactpersoon),
    ]  # fmt: skip
    rows[5:5] = [(f"persoon {p.number}", person_line(p)) for p in persons(aanmelding)[1:]]
    return [Table(("veld", "waarde"), tuple(rows))]


def person_line(person: Person) -> str:
    """'Piet Jansen (zoon), 3 april 2012 (minderjarig), Arnhem': another person in one line."""
    minor = " (minderjarig)" if person.minderjarig else ""
    return (f"{person.value('voornaam')} {person.value('achternaam')} ({person.relatie}), "
            f"{person.value('geboortedatum')}{minor}, {person.value('woonplaats')}")  # fmt: skip


def lookup_view(aanmelding: Aanmelding, only: Person | None = None) -> list[Block]:
    """The minimum a partner needs to look each person up (or only one), and nothing more."""
    people = persons(aanmelding) if only is None else [only]
    blocks: list[Block] = []
    for person in people:
        if len(people) > 1 or not person.is_betrokkene:
            blocks.append(Paragraph(Bold(person.title)))
        blocks.append(Table(("veld", "waarde"), (
            ("naam", f"{person.value('voornaam')} {person.value('achternaam')}"),
            ("geboortedatum", person.value("geboortedatum") or "—"),
            ("woonplaats", person.value("woonplaats") or "—"),
        )))  # fmt: skip
    return blocks


def lookup_fields(aanmelding: Aanmelding, only: Person | None = None) -> list[str]:
    """What :func:`lookup_view` discloses, as the audit log names it."""
    people = persons(aanmelding) if only is None else [only]
    return [person.audit_name(field) for person in people for field in LOOKUP_FIELDS]


def announcement(
    aanmelding: Aanmelding, names: Mapping[str, str], suggested: Sequence[str]
) -> Notice:
    spoed = " — SPOED" if aanmelding.urgentie is Urgentie.SPOED else ""
    return notice(
        Paragraph(Bold(f"Nieuwe aanmelding {aanmelding.reference}"), spoed),
        *full_view(aanmelding, names),
        Paragraph(
            "Verrijking vragen aan ",
            ", ".join(names[k] for k in suggested) or "niemand (nog geen partners bekend)",
            ": typ ", Code(f"verrijk {aanmelding.reference} standaard"),
            ", of kies zelf met ", Code(f"verrijk {aanmelding.reference}"), ".",
        ),
    )  # fmt: skip


def request_state(request: Verrijkingsverzoek) -> str:
    if request.status is VerrijkingStatus.BEANTWOORD:
        return "beantwoord: " + ("bekend" if request.bekend else "niet bekend")
    if request.status is VerrijkingStatus.INGETROKKEN:
        return "ingetrokken"
    return "nog geen antwoord" + (" (herinnerd)" if request.reminded_at else "")


def agenda(
    rows: Sequence[tuple[Aanmelding, Sequence[Verrijkingsverzoek]]], words: Wording
) -> Notice:
    """Every aanmelding awaiting a decision, with its verrijking; references only."""
    if not rows:
        return text_notice(f"Er staan geen aanmeldingen open voor de {words.triage}.")
    lines = []
    for aanmelding, asked in rows:
        answered = sum(1 for r in asked if r.status is VerrijkingStatus.BEANTWOORD)
        waiting = sum(1 for r in asked if r.status is VerrijkingStatus.OPEN)
        lines.append((
            aanmelding.reference,
            aanmelding.urgentie,
            outcome_label(aanmelding.triage_status, words, "open"),
            f"{answered} beantwoord, {waiting} wacht" if asked else "nog niet gevraagd",
        ))  # fmt: skip
    return notice(
        Paragraph(Bold(f"{words.triage.title}-agenda"), f" — {len(lines)} open"),
        Table(("kenmerk", "urgentie", "stand", "verrijking"), tuple(lines)),
        Paragraph("Details: ", Code(f"{words.command('triage')} KENMERK"), "."),
    )
