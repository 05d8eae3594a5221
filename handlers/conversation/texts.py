"""What the bot says about a half-finished form it keeps for a member."""

from __future__ import annotations

from handlers.messages import Notice, text_notice


def draft_deleted(form: str, days: int) -> Notice:
    return text_notice(
        f"Je concept-{form} is verwijderd, omdat er {days} dagen niets mee is gedaan. "
        "Wil je toch aanmelden? Typ aanmelden."
    )


def draft_reminder(form: str, deadline: str) -> Notice:
    return text_notice(
        f"Je hebt nog een {form} in concept. Typ status om te zien waar je was, of stop om "
        f"het concept te verwijderen. Zonder reactie verwijder ik het op {deadline}."
    )
