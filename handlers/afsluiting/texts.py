"""What the bot says when a casus closes, and when it asks whether one is still needed."""

from __future__ import annotations

from handlers.house import Wording
from handlers.messages import Block, Bold, Code, Notice, Paragraph, notice
from handlers.vocabulary import Evaluatie, Route, Uitkomst
from handlers.wording import cap

UITKOMST_LABELS = {
    Uitkomst.DOEL_BEREIKT: "doel bereikt",
    Uitkomst.OVERGEDRAGEN: "overgedragen aan een partner",
    Uitkomst.PROCESREGIE_ELDERS: "{procesregie} elders",
    Uitkomst.VERHUISD: "gestopt: betrokkene verhuisd",
    Uitkomst.OVERLEDEN: "gestopt: betrokkene overleden",
    Uitkomst.WEIGERT: "gestopt: betrokkene weigert medewerking",
    Uitkomst.ANDERS: "anders",
}
EVALUATIE_LABELS = {
    Evaluatie.JA: "ja",
    Evaluatie.DEELS: "deels",
    Evaluatie.NEE: "nee",
    Evaluatie.ONBEKEND: "weet ik niet",
}


def route_word(route: Route) -> str:
    return "afgeschaald" if route is Route.AFGESCHAALD else "afgesloten"


def before_the_overleg(words: Wording, reference: str, day: str, verb: str) -> Notice:
    return notice(
        Paragraph(f"{cap(words.casusoverleg.de)} over {reference} staat pas op {day}. Toch nu "
                  f"{verb}?"),
        Paragraph("Typ ", Code(f"{verb} {reference} toch"), " om door te gaan."),
    )  # fmt: skip


def closing_intro(words: Wording, reference: str, route: Route, open_actions: int) -> list[Block]:
    if route is Route.AFGESCHAALD:
        what = (f"Afschalen legt vast dat {words.casusoverleg.de} besloot dat {reference} "
                f"{words.huis} niet meer nodig heeft.")  # fmt: skip
    else:
        what = f"Afsluiten legt vast dat de ondersteuning van {reference} klaar is."
    return [
        Paragraph(what, " Vanaf vandaag loopt de bewaartermijn; daarna verwijder ik de "
                  "gegevens stap voor stap."),
        Paragraph(f"Nog open acties: {open_actions}." if open_actions
                  else "Er staan geen open acties."),
    ]  # fmt: skip


def closed(words: Wording, reference: str, route: Route, day: str) -> Notice:
    if route is Route.AFGESCHAALD:
        why = f"{words.casusoverleg.de} vond {words.huis} niet meer nodig"
    else:
        why = "de ondersteuning is klaar"
    return notice(Paragraph(
        f"{reference} is {route_word(route)} op {day}: {why}. Dank voor jullie inzet."
    ))  # fmt: skip


def recorded(reference: str, route: Route, day: str) -> Notice:
    return notice(Paragraph(
        f"Vastgelegd: {reference} {route_word(route)} op {day}. De bewaartermijn loopt vanaf "
        "vandaag."
    ))  # fmt: skip


def still_needed_question(
    words: Wording, reference: str, since: str, escalate_on: str, close_command: str
) -> Notice:
    return notice(
        Paragraph(Bold(f"Is {reference} nog nodig?")),
        Paragraph(f"Sinds {since} is er niets gebeurd: geen overleg en geen actie."),
        Paragraph("Loopt de casus door? Typ ", Code(f"nog nodig {reference} ja"),
                  ". Is hij klaar? Sluit hem af met ", Code(close_command), "."),
        Paragraph(f"Zonder antwoord hoort de {words.manager} het op {escalate_on}."),
    )  # fmt: skip


def still_needed_escalation(words: Wording, reference: str, asked_on: str) -> Notice:
    return notice(
        Paragraph(Bold(f"{reference}: niemand zegt of de casus nog nodig is")),
        Paragraph(f"Op {asked_on} vroeg ik de {words.procesregisseur} en de "
                  f"{words.casusregisseur} of {reference} nog nodig is; er kwam geen antwoord "
                  "en er is niets gebeurd. Gegevens mogen niet langer bewaard worden dan "
                  "nodig: vraag hen de casus af te sluiten of te bevestigen dat hij "
                  "doorloopt."),
    )  # fmt: skip


def confirmed_needed(reference: str, next_on: str) -> Notice:
    return notice(Paragraph(
        f"Genoteerd: {reference} loopt door. Ik vraag het opnieuw op {next_on} als er tot dan "
        "niets gebeurt."
    ))  # fmt: skip


def undecided_reminder(words: Wording, reference: str, days: int, deleted_on: str) -> Notice:
    return notice(Paragraph(
        f"{reference} staat al {days} dagen zonder besluit op de {words.triage}-agenda. Besluit "
        f"erover met besluit {reference} ...; anders verwijder ik de aanmelding op "
        f"{deleted_on}."
    ))  # fmt: skip
