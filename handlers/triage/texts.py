"""What the triage shows: the whole aanmelding (procesregie only), the lookup view (partners
asked for verrijking), the agenda, and the words for outcomes and requests."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from handlers.conversation.parsing import format_date
from handlers.messages import Block, Bold, Code, Notice, Paragraph, Table, notice, text_notice
from handlers.vocabulary import TriageStatus, Urgentie, VerrijkingStatus
from storage.models import Aanmelding, Verrijkingsverzoek

CRITERIA_LABELS = {
    "veiligheid": "veiligheidsproblematiek",
    "systeem": "impact op systeem/leefomgeving",
    "ketens": "meerdere ketens nodig",
    "multiproblem": "multiproblem",
}
OUTCOME_LABELS = {
    TriageStatus.GEEN_CASUS: "geen casus voor het ZVH",
    TriageStatus.ONDUIDELIJK: "nog onduidelijk",
    TriageStatus.ZONDER_OVERLEG: "casus, geen casusoverleg nodig",
    TriageStatus.CASUSOVERLEG: "casus voor casusoverleg",
}
# What a partner asked for verrijking sees (lookup_view).
LOOKUP_FIELDS = ("voornaam", "achternaam", "geboortedatum", "woonplaats")


def outcome_label(status: TriageStatus, undecided: str = "nog niet besloten") -> str:
    return OUTCOME_LABELS.get(status, undecided)


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
    return [Table(("veld", "waarde"), tuple(rows))]


def lookup_view(aanmelding: Aanmelding) -> list[Block]:
    """The minimum a partner needs to look the person up, and nothing more."""
    return [Table(("veld", "waarde"), (
        ("naam", f"{aanmelding.voornaam} {aanmelding.achternaam}"),
        ("geboortedatum", format_date(aanmelding.geboortedatum)),
        ("woonplaats", aanmelding.woonplaats),
    ))]  # fmt: skip


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


def agenda(rows: Sequence[tuple[Aanmelding, Sequence[Verrijkingsverzoek]]]) -> Notice:
    """Every aanmelding awaiting a decision, with its verrijking; references only."""
    if not rows:
        return text_notice("Er staan geen aanmeldingen open voor de triage.")
    lines = []
    for aanmelding, asked in rows:
        answered = sum(1 for r in asked if r.status is VerrijkingStatus.BEANTWOORD)
        waiting = sum(1 for r in asked if r.status is VerrijkingStatus.OPEN)
        lines.append((
            aanmelding.reference,
            aanmelding.urgentie,
            outcome_label(aanmelding.triage_status, "open"),
            f"{answered} beantwoord, {waiting} wacht" if asked else "nog niet gevraagd",
        ))  # fmt: skip
    return notice(
        Paragraph(Bold("Triage-agenda"), f" — {len(lines)} open"),
        Table(("kenmerk", "urgentie", "stand", "verrijking"), tuple(lines)),
        Paragraph("Details: ", Code("triage KENMERK"), "."),
    )
