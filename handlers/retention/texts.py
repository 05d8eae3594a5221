"""What the bot says when retention acts."""

from __future__ import annotations

from handlers.messages import Notice, plural, text_notice


def undecided_deleted(reference: str, days: int) -> Notice:
    return text_notice(
        f"Je aanmelding {reference} is verwijderd: er is {days} dagen geen besluit over "
        "genomen, en gegevens bewaren we niet langer dan nodig. Speelt het nog? Meld dan "
        "opnieuw aan met aanmelden."
    )


def undecided_gone(reference: str, days: int) -> Notice:
    return text_notice(
        f"{reference} is na {days} dagen zonder besluit verwijderd, met de antwoorden van "
        "partners. De aanmelder weet het."
    )


# The report's counts are named in the plural; one of each reads in the singular.
SINGULAR = {
    "auditregels verwijderd": "auditregel verwijderd",
    "berichten teruggenomen": "bericht teruggenomen",
    "dossiers opgeschoond": "dossier opgeschoond",
    "dossiers verwijderd": "dossier verwijderd",
    "onbesliste aanmeldingen verwijderd": "onbesliste aanmelding verwijderd",
    "verrijkingsantwoorden verwijderd": "verrijkingsantwoord verwijderd",
}


def purge_report(day: str, counts: dict[str, int]) -> Notice:
    """'Bewaartermijnen (3 januari 2027): 1 dossier verwijderd, 2 berichten teruggenomen.'"""
    return text_notice(
        f"Bewaartermijnen ({day}): "
        + ", ".join(plural(n, SINGULAR.get(what, what), what) for what, n in sorted(counts.items()))
        + ". Details (aantallen) staan in het auditlog."
    )
