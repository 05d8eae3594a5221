"""What the bot says about incidents: a report received, the register, the AP reminder and
the quarterly overview. Group texts carry number, kind and dates; a reporter's description
is shown only to the managers and beheerders, in their own chat."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers.conversation.parsing import format_moment
from handlers.directory import Names
from handlers.incidenten.register import ap_deadline, ap_question
from handlers.messages import Block, Bold, Cell, Code, Notice, Paragraph, Table, notice
from handlers.vocabulary import ApBesluit, IncidentSoort, VerzoekSoort, VerzoekStatus
from handlers.wording import Wording
from storage.models.registers import Incident, Verzoek

SOORT_LABELS = {
    IncidentSoort.ONBEKENDE_IN_KAMER: "iemand zonder uitnodiging in een kamer",
    IncidentSoort.RECHTEN_GEWIJZIGD: "rechten of instellingen van een kamer gewijzigd",
    IncidentSoort.HERHAALDE_WEIGERINGEN: "herhaald geweigerde opdrachten",
    IncidentSoort.IDENTITEIT_GEWIJZIGD: "sleutel van een lid gewijzigd",
    IncidentSoort.AUDITLOG: "auditlog aangetast",
    IncidentSoort.BSN_IN_CHAT: "BSN blijft in een chat staan",
    IncidentSoort.VERKEERDE_ONTVANGER: "gegevens naar de verkeerde persoon",
    IncidentSoort.VERLIES: "apparaat of gegevens kwijt of gestolen",
    IncidentSoort.ONBEVOEGDE_TOEGANG: "iemand zag gegevens zonder recht",
    IncidentSoort.ANDERS: "anders",
}
# What a member can report with ``incident melden`` (the rest the bot finds itself).
REPORTABLE = (
    IncidentSoort.VERKEERDE_ONTVANGER,
    IncidentSoort.VERLIES,
    IncidentSoort.ONBEVOEGDE_TOEGANG,
    IncidentSoort.ANDERS,
)


def reported(incident: Incident, words: Wording) -> Notice:
    return notice(Paragraph(
        f"Dank je. Incident {incident.id} staat in het register; de {words.manager.plural} en "
        "beheerders hebben het nu. Zij beslissen binnen 72 uur of het gemeld wordt bij de AP."
    ))  # fmt: skip


def reported_to_managers(incident: Incident, reporter: Cell, zone: ZoneInfo) -> Notice:
    about = f" over {incident.reference}" if incident.reference else ""
    return notice(
        Paragraph(Bold(f"Incident gemeld: {SOORT_LABELS[incident.soort]}{about}")),
        Paragraph("Gemeld door ", *(reporter if isinstance(reporter, tuple) else (reporter,)),
                  ":"),
        Paragraph(incident.description or "(geen omschrijving)"),
        ap_question(incident, zone),
    )  # fmt: skip


def _state(incident: Incident, now: datetime) -> str:
    if incident.ap_besluit is ApBesluit.GEMELD:
        return "gemeld bij de AP"
    if incident.ap_besluit is ApBesluit.NIET_MELDEN:
        return "niet gemeld"
    return "besluit te laat" if now > ap_deadline(incident) else "besluit nodig"


def listing(found: Sequence[Incident], now: datetime, zone: ZoneInfo, everything: bool) -> Notice:
    if not found:
        return notice(Paragraph("Er is geen incident zonder besluit." if not everything
                                else "Het register is leeg."))  # fmt: skip
    rows: list[tuple[Cell, ...]] = [
        (str(i.id), format_moment(i.at.astimezone(zone)), SOORT_LABELS[i.soort],
         i.reference or "—", _state(i, now))
        for i in found
    ]  # fmt: skip
    return notice(
        Paragraph(Bold("Alle incidenten" if everything else "Incidenten zonder besluit"),
                  f" ({len(found)})"),
        Table(("nr", "wanneer", "wat", "casus", "AP"), tuple(rows)),
        Paragraph("Details: ", Code("incident NR"), "."),
    )  # fmt: skip


def detail(incident: Incident, names: Names, now: datetime, zone: ZoneInfo) -> Notice:
    rows: list[tuple[Cell, Cell]] = [
        ("wanneer", format_moment(incident.at.astimezone(zone))),
        ("wat", SOORT_LABELS[incident.soort]),
        ("gemeld door", "de casusbot" if incident.reported_by == "casusbot"
         else names.person(incident.reported_by)),
        ("betreft", _subject(incident.subject, names)),
        ("casus", incident.reference or "—"),
        ("omschrijving", incident.description or "—"),
        ("AP", _state(incident, now)),
    ]  # fmt: skip
    if incident.ap_reason:
        rows.append(("toelichting", incident.ap_reason))
    return notice(Paragraph(Bold(f"Incident {incident.id}")), Table(("", ""), tuple(rows)))


def _subject(subject: str | None, names: Names) -> Cell:
    """A member by name; a room or nothing as it is."""
    if subject and subject.startswith("@"):
        return names.person(subject)
    return subject or "—"


def reminder(incident: Incident, zone: ZoneInfo, now: datetime) -> Notice:
    late = now > ap_deadline(incident)
    head = ("De 72 uur voor incident {n} zijn voorbij en er is nog geen besluit"
            if late else "Incident {n} wacht op het besluit over melden bij de AP")  # fmt: skip
    return notice(
        Paragraph(Bold(head.format(n=incident.id)), f" ({SOORT_LABELS[incident.soort]}, "
                  f"{format_moment(incident.at.astimezone(zone))})."),
        ap_question(incident, zone),
    )  # fmt: skip


def quarter_overview(
    label: str,
    incidents: Sequence[Incident],
    verzoeken: Sequence[Verzoek],
    start: date,
    end: date,
) -> Notice:
    kinds = Counter(i.soort for i in incidents)
    decided = Counter(i.ap_besluit for i in incidents)
    received = [v for v in verzoeken if start <= v.received_on < end]
    per_soort = Counter(v.soort for v in received)
    rows: list[tuple[Cell, Cell]] = [
        (SOORT_LABELS[k], str(n)) for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])
    ]
    blocks: list[Block] = [
        Paragraph(Bold(f"Incidenten en verzoeken, {label}")),
        Paragraph(f"{len(incidents)} incident(en): {decided[ApBesluit.GEMELD]} gemeld bij de "
                  f"AP, {decided[ApBesluit.NIET_MELDEN]} niet, {decided[None]} nog zonder "
                  "besluit."),
    ]  # fmt: skip
    if rows:
        blocks.append(Table(("soort", "aantal"), tuple(rows)))
    open_now = [v for v in verzoeken if v.status is VerzoekStatus.OPEN]
    blocks.append(Paragraph(
        f"{len(received)} AVG-verzoek(en) ontvangen ("
        + (", ".join(f"{per_soort[s]} {s.value}" for s in VerzoekSoort if per_soort[s]) or "geen")
        + f"); nu open: {len(open_now)}."
    ))  # fmt: skip
    return notice(*blocks)


def ap_word(besluit: ApBesluit) -> str:
    return "gemeld bij de AP" if besluit is ApBesluit.GEMELD else "niet gemeld bij de AP"
