"""What the bot says about informing the betrokkene."""

from __future__ import annotations

from handlers.conversation.parsing import format_date
from handlers.messages import Bold, Code, Notice, Paragraph, notice
from storage.models import Aanmelding


def question(aanmelding: Aanmelding) -> Notice:
    reference = aanmelding.reference
    return notice(
        Paragraph(Bold(f"Is de betrokkene van {reference} al geïnformeerd?")),
        Paragraph("De betrokkene heeft recht te weten dat het ZVH gegevens over hem of haar "
                  "verwerkt (AVG art. 13/14). Leg vast wanneer dat gebeurde, of waarom het "
                  "later kan."),
        Paragraph("Typ ", Code(f"geïnformeerd {reference}"), " (of met de datum), of ",
                  Code(f"informeren uitstellen {reference} DATUM REDEN"), "."),
    )  # fmt: skip


def recorded(aanmelding: Aanmelding) -> Notice:
    assert aanmelding.informed_on is not None
    return notice(Paragraph(
        f"Vastgelegd: de betrokkene van {aanmelding.reference} is geïnformeerd op "
        f"{format_date(aanmelding.informed_on)}. Dank je."
    ))  # fmt: skip


def postponed(aanmelding: Aanmelding) -> Notice:
    assert aanmelding.inform_postponed_until is not None
    return notice(Paragraph(
        f"Vastgelegd: informeren over {aanmelding.reference} is uitgesteld tot "
        f"{format_date(aanmelding.inform_postponed_until)}. Dan vraag ik het opnieuw."
    ))  # fmt: skip
