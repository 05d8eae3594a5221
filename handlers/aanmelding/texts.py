"""What the bot says to the aanmelder."""

from __future__ import annotations

from handlers.messages import Bold, Code, Notice, Paragraph, notice
from handlers.wording import Wording


def filed(reference: str, words: Wording) -> Notice:
    return notice(
        Paragraph("Dank je! Je aanmelding is ingediend onder kenmerk ", Bold(reference), "."),
        Paragraph(
            f"Wat er nu gebeurt: de {words.procesregie} beoordeelt de aanmelding "
            f"({words.triage}), samen met "
            "de gemeente en zo nodig met partners die de betrokkene kennen. Je hoort de "
            "uitkomst via deze chat. Noem het kenmerk als je contact opneemt, en zet nooit "
            "namen in het onderwerp van een e-mail."
        ),
        Paragraph(
            "Gaat het om een gezin of huishouden? Voeg de anderen toe met ",
            Code(f"persoon toevoegen {reference}"),
            ".",
        ),
    )


def filed_for(reference: str, partner: str, words: Wording) -> Notice:
    """To the procesregie member who filed it on a partner's behalf."""
    return notice(Paragraph(
        "Ingediend namens ", partner, " onder kenmerk ", Bold(reference), ". De uitkomst van de "
        f"{words.triage} en eventuele vragen gaan naar hen.",
    ))  # fmt: skip


def filed_by(reference: str, by: str, words: Wording) -> Notice:
    """To the partner on whose behalf the procesregie filed it."""
    return notice(
        Paragraph(by, f" ({words.procesregie}) heeft namens jou een aanmelding ingediend onder "
                  "kenmerk ", Bold(reference), "."),
        Paragraph(f"Jij bent de aanmelder: de uitkomst van de {words.triage} en eventuele "
                  "vragen komen in "
                  "deze chat. Gaat het om een gezin of huishouden? Voeg de anderen toe met ",
                  Code(f"persoon toevoegen {reference}"), "."),
    )  # fmt: skip


ONLY_IN_OWN_CHAT = (
    "Aanmelden kan alleen in je eigen chat met mij, niet in een groep: daar lezen anderen mee."
)
