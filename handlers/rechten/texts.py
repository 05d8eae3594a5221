"""What the bot says about AVG requests: registered, routed, listed, reminded, decided.

Texts meant for a group (the procesregie room, the managers) carry the number, the kind and
the casus reference only; who asked and what stays in the handler's own chat."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from handlers.conversation.parsing import format_date
from handlers.directory import Names
from handlers.messages import (
    Block,
    Bold,
    Cell,
    Code,
    Notice,
    Paragraph,
    Segment,
    Table,
    notice,
    plural,
)
from handlers.vocabulary import VerzoekSoort, VerzoekStatus
from handlers.wording import Wording
from storage.models.registers import Verzoek

SOORT_LABELS = {
    VerzoekSoort.INZAGE: "inzage (art. 15)",
    VerzoekSoort.CORRECTIE: "correctie (art. 16)",
    VerzoekSoort.VERWIJDERING: "verwijdering (art. 17)",
    VerzoekSoort.BEPERKING: "beperking (art. 18)",
    VerzoekSoort.BEZWAAR: "bezwaar (art. 21)",
    VerzoekSoort.KLACHT: "klacht",
}


def title(verzoek: Verzoek) -> str:
    about = f" over {verzoek.reference}" if verzoek.reference else ""
    return f"Verzoek {verzoek.id}: {SOORT_LABELS[verzoek.soort]}{about}"


def registered(verzoek: Verzoek, handler: Segment, routed_to: str | None, words: Wording) -> Notice:
    blocks: list[Block] = [
        Paragraph(Bold(title(verzoek)), " staat in het register."),
        Paragraph(f"Wettelijke termijn: {format_date(verzoek.deadline)}. Behandelaar: ",
                  handler, "."),
    ]  # fmt: skip
    if routed_to:
        blocks.append(
            Paragraph(
                f"De casus is ingebracht door {routed_to}; die partner is verantwoordelijk voor "
                "zijn gegevens, dus ik heb het verzoek bij hun contactpersoon gelegd."
            )
        )
    if verzoek.soort is VerzoekSoort.BEZWAAR:
        blocks.append(Paragraph(
            "Zolang het bezwaar loopt, deel ik niets van deze casus. De "
            f"{words.procesregie} beslist."
        ))  # fmt: skip
    else:
        blocks.append(Paragraph(
            "Afronden: ", Code(f"verzoek {verzoek.id} afgehandeld TOELICHTING"),
            ". Meer tijd nodig: ", Code(f"verzoek {verzoek.id} verlengen REDEN"), ".",
        ))  # fmt: skip
    return notice(*blocks)


def routed(verzoek: Verzoek, organisation: str, words: Wording) -> Notice:
    house_name = words.house_name
    intro = (f"Een betrokkene deed dit verzoek bij {house_name}. De casus is ingebracht door "
             f"{organisation}, dus jij behandelt het (contactpersoon). Wettelijke termijn: "
             f"{format_date(verzoek.deadline)}.")  # fmt: skip
    if verzoek.soort is VerzoekSoort.BEZWAAR:
        # The procesregisseur decides a bezwaar; the supplying partner is told and consulted.
        return notice(Paragraph(Bold(title(verzoek))), Paragraph(
            f"Een betrokkene maakt bij {house_name} bezwaar tegen de verwerking in een casus "
            f"die {organisation} inbracht. De {words.procesregie} beslist binnen de termijn "
            f"({format_date(verzoek.deadline)}); tot dan deel ik niets van deze casus."
        ), Paragraph("Lees het met ", Code(f"verzoek {verzoek.id}"), "."))  # fmt: skip
    return notice(
        Paragraph(Bold(title(verzoek))),
        Paragraph(intro),
        Paragraph("Lees het met ", Code(f"verzoek {verzoek.id}"), " en rond af met ",
                  Code(f"verzoek {verzoek.id} afgehandeld TOELICHTING"), "."),
    )  # fmt: skip


def assigned(verzoek: Verzoek) -> Notice:
    return notice(
        Paragraph(Bold(title(verzoek)), " is aan jou toegewezen."),
        Paragraph(f"Wettelijke termijn: {format_date(verzoek.deadline)}. Lees het met ",
                  Code(f"verzoek {verzoek.id}"), "."),
    )  # fmt: skip


def bezwaar_paused(verzoek: Verzoek, reference: str, held: int) -> Notice:
    kept = plural(held, "bericht", "berichten")
    waiting = f" {kept} met gegevens houd ik vast." if held else ""
    return notice(
        Paragraph(Bold(f"Bezwaar tegen de verwerking van {reference}")),
        Paragraph("De betrokkene maakt bezwaar (AVG art. 21). Tot jullie beslissen, deel ik "
                  f"niets van deze casus: geen uitnodiging, geen verrijking, geen plan.{waiting}"),
        Paragraph("Beslis met ", Code(f"verzoek {verzoek.id} toegewezen"), " (ik verwijder "
                  "de casus) of ", Code(f"verzoek {verzoek.id} afgewezen REDEN"),
                  f" (het werk gaat verder). Termijn: {format_date(verzoek.deadline)}."),
    )  # fmt: skip


def bezwaar_decided(verzoek: Verzoek, status: VerzoekStatus) -> Notice:
    if status is VerzoekStatus.TOEGEWEZEN:
        what = "toegewezen: ik heb alle gegevens van de casus verwijderd."
    else:
        what = "afgewezen: de casus loopt weer, en wat ik vasthield gaat nu uit."
    return notice(Paragraph(f"Het bezwaar tegen {verzoek.reference} is {what}"))


def decided(verzoek: Verzoek) -> Notice:
    return notice(Paragraph(f"Verzoek {verzoek.id} is {verzoek.status.value}. Dank je."))


def extended(verzoek: Verzoek) -> Notice:
    return notice(
        Paragraph(f"Verzoek {verzoek.id} loopt nu tot {format_date(verzoek.deadline)}."),
        Paragraph("Laat de betrokkene binnen de eerste maand weten dat het langer duurt, en "
                  "waarom (AVG art. 12 lid 3)."),
    )  # fmt: skip


def state_of(verzoek: Verzoek, today: date) -> str:
    if verzoek.status is not VerzoekStatus.OPEN:
        return verzoek.status.value
    if today > verzoek.deadline:
        return "termijn verstreken"
    return "verlengd" if verzoek.extended_reason else "open"


def listing(verzoeken: Sequence[Verzoek], names: Names, today: date, everything: bool) -> Notice:
    if not verzoeken:
        return notice(Paragraph("Er staan geen open verzoeken." if not everything
                                else "Het register is leeg."))  # fmt: skip
    rows: list[tuple[Cell, ...]] = [
        (str(v.id), v.soort.value, v.reference or "—", format_date(v.received_on),
         format_date(v.deadline), names.person(v.handler) if v.handler else "—",
         state_of(v, today))
        for v in verzoeken
    ]  # fmt: skip
    head = "Alle verzoeken" if everything else "Open verzoeken"
    return notice(
        Paragraph(Bold(head), f" ({len(verzoeken)})"),
        Table(("nr", "soort", "casus", "ontvangen", "termijn", "behandelaar", "stand"),
              tuple(rows)),
        Paragraph("Details: ", Code("verzoek NR"), "."),
    )  # fmt: skip


def detail(verzoek: Verzoek, names: Names, today: date) -> Notice:
    rows: list[tuple[Cell, Cell]] = [
        ("soort", SOORT_LABELS[verzoek.soort]),
        ("casus", verzoek.reference or "—"),
        ("betrokkene", verzoek.betrokkene or "(verwijderd)"),
        ("vraag", verzoek.omschrijving or "—"),
        ("ontvangen", format_date(verzoek.received_on)),
        ("termijn", format_date(verzoek.deadline)),
        ("behandelaar", names.person(verzoek.handler) if verzoek.handler else "—"),
        ("stand", state_of(verzoek, today)),
    ]
    if verzoek.extended_reason:
        rows.append(("verlengd omdat", verzoek.extended_reason))
    if verzoek.decision:
        rows.append(("besluit", verzoek.decision))
    return notice(Paragraph(Bold(title(verzoek))), Table(("", ""), tuple(rows)))


def reminder(verzoek: Verzoek) -> Notice:
    return notice(
        Paragraph(Bold(title(verzoek))),
        Paragraph(f"De wettelijke termijn loopt af op {format_date(verzoek.deadline)}. Rond af "
                  "met ", Code(f"verzoek {verzoek.id} afgehandeld TOELICHTING"), ", of verleng "
                  "één keer met ", Code(f"verzoek {verzoek.id} verlengen REDEN"), "."),
    )  # fmt: skip


def escalation(verzoek: Verzoek, handler: Segment) -> Notice:
    return notice(
        Paragraph(Bold(f"Termijn verstreken: {title(verzoek)}")),
        Paragraph(f"Het verzoek had uiterlijk {format_date(verzoek.deadline)} beantwoord "
                  "moeten zijn (AVG art. 12). Behandelaar: ", handler,
                  ". Zorg dat het vandaag wordt opgepakt."),
    )  # fmt: skip
