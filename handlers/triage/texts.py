"""What the triage shows: the whole aanmelding (procesregie only), the lookup view (partners
asked for verrijking), the agenda, and the words for outcomes and requests."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from handlers.conversation.parsing import format_date
from handlers.house import House
from handlers.messages import Block, Bold, Code, Notice, Paragraph, Table, notice, text_notice
from handlers.personen import LOOKUP_FIELDS, Person, persons
from handlers.tafels import NATIONAL_OUTCOMES, Besluit, Tafel
from handlers.vocabulary import TriageStatus, Urgentie, VerrijkingStatus
from handlers.wording import Wording
from storage.models import Aanmelding, Verrijkingsverzoek

CRITERIA_LABELS = {
    "veiligheid": "veiligheidsproblematiek",
    "systeem": "impact op systeem/leefomgeving",
    "ketens": "meerdere ketens nodig",
    "multiproblem": "multiproblem",
}
# The national outcomes' labels (templates), as the default tafel declares them.
OUTCOME_LABELS = {besluit.effect: besluit.label for besluit in NATIONAL_OUTCOMES}


def outcome_label(
    status: TriageStatus, words: Wording, undecided: str = "nog niet besloten"
) -> str:
    return words.fill(OUTCOME_LABELS[status]) if status in OUTCOME_LABELS else undecided


def triage_label(key: str, words: Wording) -> str:
    """An outcome as the figures count it: a national one, or a tafel's own ("ZSM-advies")."""
    if key in {s.value for s in OUTCOME_LABELS}:
        return outcome_label(TriageStatus(key), words)
    return dict(words.outcome_labels).get(key, key)


def decision_label(
    aanmelding: Aanmelding, house: House, undecided: str = "nog niet besloten"
) -> str:
    """The outcome a casus got, in its tafel's words ("ZSM-advies"), or the national one."""
    status = aanmelding.triage_status
    if status is TriageStatus.OPEN:
        return undecided
    besluit = house.tafel(aanmelding.tafel).decided(status, aanmelding.triage_uitkomst)
    return house.words.fill(besluit.label) if besluit else outcome_label(status, house.words)


def outcome_choices(reference: str, tafel: Tafel, words: Wording) -> Notice:
    """``besluit KENMERK`` without an outcome: the tafel's outcomes, as typed."""
    rows = tuple((said(b, words), words.fill(b.label)) for b in tafel.outcomes)
    return notice(
        Paragraph(Bold(f"Uitkomsten voor {reference}"), f" ({words.tafel(tafel.key)})"),
        Table(("typ", "betekent"), rows),
        Paragraph("Bijvoorbeeld ", Code(f"besluit {reference} {rows[0][0]}"), "."),
    )


def said(besluit: Besluit, words: Wording) -> str:
    """How a member types an outcome in this house: casusoverleg → mdo."""
    word = words.command("overleg")
    if word == "overleg" or besluit.key != besluit.effect.value:
        return besluit.key
    if besluit.effect is TriageStatus.CASUSOVERLEG:
        return word
    return besluit.key.replace("overleg", word)


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
    if aanmelding.vrijlating_op is not None:
        rows.insert(9, ("verwachte vrijlating", format_date(aanmelding.vrijlating_op)))
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
    aanmelding: Aanmelding, names: Mapping[str, str], suggested: Sequence[str], tafel: str = ""
) -> Notice:
    spoed = " — SPOED" if aanmelding.urgentie is Urgentie.SPOED else ""
    at = f" — {tafel}" if tafel else ""
    return notice(
        Paragraph(Bold(f"Nieuwe aanmelding {aanmelding.reference}"), at, spoed),
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
    rows: Sequence[tuple[Aanmelding, Sequence[Verrijkingsverzoek]]], house: House,
    monitored: Sequence[tuple[str, str]] = (), tafel: str | None = None,
) -> Notice:  # fmt: skip
    """Every aanmelding awaiting a decision, with its verrijking (and its tafel where the
    house has several); the running casussen a tafel monitors; references only. With
    ``tafel``: one tafel's agenda (for its weegploeg), named in the title."""
    words = house.words
    title = f"{words.triage.title}-agenda"
    if tafel is not None and house.tafels.several:
        title += f" {words.tafel(tafel)}"
    if not rows and not monitored:
        return text_notice(f"Er staan geen aanmeldingen open voor de {words.triage}.")
    # The tafel of each line, where it may differ.
    column = house.tafels.several and tafel is None
    lines = []
    for aanmelding, asked in rows:
        answered = sum(1 for r in asked if r.status is VerrijkingStatus.BEANTWOORD)
        waiting = sum(1 for r in asked if r.status is VerrijkingStatus.OPEN)
        lines.append((
            aanmelding.reference,
            *((words.tafel(aanmelding.tafel),) if column else ()),
            aanmelding.urgentie,
            decision_label(aanmelding, house, "open"),
            f"{answered} beantwoord, {waiting} wacht" if asked else "nog niet gevraagd",
        ))  # fmt: skip
    heads = ("kenmerk", *(("tafel",) if column else ()), "urgentie", "stand", "verrijking")
    blocks: list[Block] = [Paragraph(Bold(title), f" — {len(lines)} open")]
    if lines:
        blocks.append(Table(heads, tuple(lines)))
    if monitored:
        blocks += [Paragraph(Bold("Ter monitoring"), f" — {len(monitored)} lopende casussen"),
                   Table(("kenmerk", "tafel"), tuple(monitored))]  # fmt: skip
    blocks.append(Paragraph("Details: ", Code(f"{words.command('triage')} KENMERK"), "."))
    return notice(*blocks)
