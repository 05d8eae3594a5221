"""Bezwaar (AVG art. 21) pauses a casus: while a betrokkene's objection is open, no message
with the casus's personal data goes out and nothing new is disclosed.

Two places enforce it. Whoever starts a new disclosure (a verrijking request, an
invitation, a plan's details) hears at once that the casus is paused
(:func:`refuse_if_objected`). And every message with personal data of a paused casus that
is queued anyway (a job's reminder, a form's answer) is held in the outbox
(``handlers/outbox.py``); the procesregisseur's decision releases it (afgewezen) or
deletes the casus with it (toegewezen). This module knows no phase.
"""

from __future__ import annotations

from handlers.errors import UserError
from handlers.identifiers import is_reference
from handlers.wording import Wording
from storage.unit import Unit

# How a message held for a bezwaar is marked in the outbox.
HELD_FOR_BEZWAAR = "bezwaar"


PAUSED = ("Tot de {procesregisseur} daarover beslist, deel ik geen gegevens van deze "
          "casus.")  # fmt: skip


def paused_text(reference: str, words: Wording) -> str:
    return (
        f"Tegen de verwerking van {reference} loopt een bezwaar van de betrokkene (AVG art. 21). "
        + words.fill(PAUSED)
    )


async def refuse_if_objected(unit: Unit, reference: str) -> None:
    """Stop a new disclosure of a paused casus, with the reason (the caller's work is
    undone with it; nothing of the casus left the bot)."""
    if await unit.verzoeken.objected([reference]):
        raise UserError(
            f"Tegen de verwerking van {reference} loopt een bezwaar van de betrokkene "
            "(AVG art. 21).",
            PAUSED,
        )


async def objected(unit: Unit, references: set[str]) -> set[str]:
    """Which of these casussen are paused by an open bezwaar. Only case references can be:
    a form's echo ("gesprek:…") or a register entry is no casus, and asks nothing."""
    cases = {r for r in references if is_reference(r)}
    return await unit.verzoeken.objected(cases) if cases else set()
