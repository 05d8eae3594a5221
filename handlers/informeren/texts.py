"""What the bot says about informing the betrokkene."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from handlers.conversation.parsing import format_date
from handlers.informeren.service import waits
from handlers.messages import Bold, Code, Notice, Paragraph, notice
from handlers.personen import Person, persons
from handlers.wording import Wording
from storage.models import Aanmelding


def question(aanmelding: Aanmelding, today: date, words: Wording) -> Notice:
    reference = aanmelding.reference
    waiting = [p for p in persons(aanmelding) if waits(p.row, today)]
    who = (
        "de betrokkene" if not aanmelding.personen else ", ".join(p.title.lower() for p in waiting)
    )
    return notice(
        Paragraph(Bold(f"Is {who} van {reference} al geïnformeerd?")),
        Paragraph(f"De betrokkene heeft recht te weten dat {words.huis} gegevens over hem of haar "
                  "verwerkt (AVG art. 13/14). Leg vast wanneer dat gebeurde, of waarom het "
                  "later kan."),
        Paragraph("Typ ", Code(f"geïnformeerd {reference}"), " (of met de datum), of ",
                  Code(f"informeren uitstellen {reference} DATUM REDEN"), ".",
                  " Voor één persoon: zet persoon NR voor de datum." if aanmelding.personen
                  else ""),
    )  # fmt: skip


def _who(aanmelding: Aanmelding, chosen: Sequence[Person]) -> str:
    """'de betrokkene', or for a casus about several persons which of them."""
    if not aanmelding.personen:
        return "de betrokkene"
    return ", ".join("de betrokkene" if p.is_betrokkene else p.title.lower() for p in chosen)


def recorded(aanmelding: Aanmelding, chosen: Sequence[Person], on: date) -> Notice:
    return notice(Paragraph(
        f"Vastgelegd: {_who(aanmelding, chosen)} van {aanmelding.reference} geïnformeerd op "
        f"{format_date(on)}. Dank je."
    ))  # fmt: skip


def postponed(aanmelding: Aanmelding, chosen: Sequence[Person], until: date) -> Notice:
    return notice(Paragraph(
        f"Vastgelegd: informeren van {_who(aanmelding, chosen)} ({aanmelding.reference}) is "
        f"uitgesteld tot {format_date(until)}. Dan vraag ik het opnieuw."
    ))  # fmt: skip
