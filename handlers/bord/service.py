"""What the procesregie board shows: every open aanmelding and casus as a card in its phase,
with references, days, moments, open and overdue actions and display names only. The board
is not end-to-end encrypted, so nothing here is decrypted or personal: every value comes
from columns that hold no personalia.

Phases (columns): nieuw (no partner asked yet), in triage (verrijking asked), casus zonder
overleg, in casusoverleg (waiting for the overleg), uitvoering (a casusregisseur works the
plan), af te schalen (every action done, or the bot asked whether it is still needed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from handlers.access import Action, Caller, may
from handlers.conversation.parsing import short_moment
from handlers.directory import Directory
from handlers.house import House
from handlers.vocabulary import DEFAULT_TAFEL, AuditKind, TriageStatus
from handlers.wording import Wording
from storage.unit import Unit

COLUMNS = (
    ("nieuw", "Nieuw"),
    ("triage", "In {triage}"),
    ("zonder_overleg", "Casus zonder {casusoverleg}"),
    ("casusoverleg", "In {casusoverleg}"),
    ("uitvoering", "Uitvoering"),
    ("afschalen", "Af te schalen"),
)


@dataclass(frozen=True)
class Card:
    reference: str
    column: str
    since: date
    note: str | None = None
    next_overleg: datetime | None = None
    procesregisseur: str | None = None
    casusregisseur: str | None = None
    open_actions: int = 0
    overdue_actions: int = 0
    tafel: str = DEFAULT_TAFEL


def board_title(words: Wording) -> str:
    """The board's name, in the room's widget list and on the page: "Procesregie-bord"."""
    return f"{words.procesregie.title}-bord"


def sees_board(caller: Caller) -> bool:
    return may(caller.role, Action.BORD)


async def cards(unit: Unit, house: House, now: datetime) -> list[Card]:
    """Every open aanmelding and casus, oldest first within its column."""
    zone = house.zone
    today = now.astimezone(zone).date()
    asked = await unit.verrijking.counts()
    found: list[Card] = []
    for row in await unit.aanmeldingen.undecided():
        n, answered = asked.get(row.id, (0, 0))
        since = row.submitted_at.astimezone(zone).date()
        if n == 0:
            found.append(Card(row.reference, "nieuw", since, "nog niemand gevraagd",
                              procesregisseur=row.procesregisseur, tafel=row.tafel))  # fmt: skip
            continue
        stand = f"verrijking {answered} van {n} beantwoord"
        if row.triage_status is TriageStatus.ONDUIDELIJK:
            stand += "; nog onduidelijk"
        found.append(Card(row.reference, "triage", since, stand,
                          procesregisseur=row.procesregisseur, tafel=row.tafel))  # fmt: skip
    planned = await unit.overleggen.next_planned(now)
    actions = await unit.acties.counts(today)
    for casus in await unit.aanmeldingen.running(today):
        n_open, late, done = actions.get(casus.id, (0, 0, 0))
        since = (casus.decided_at or now).astimezone(zone).date()
        column: str
        note: str | None
        if casus.triage_status is TriageStatus.ZONDER_OVERLEG:
            column, note = "zonder_overleg", None
        elif not casus.casusregisseur:
            column, note = "casusoverleg", None if casus.id in planned else "nog niet gepland"
        elif casus.stale_asked_at is not None:
            column, note = "afschalen", "gevraagd of de casus nog nodig is"
        elif done and not n_open:
            column, note = "afschalen", "alle acties gereed"
        else:
            column, note = "uitvoering", None
        found.append(Card(casus.reference, column, since, note, planned.get(casus.id),
                          casus.procesregisseur, casus.casusregisseur, n_open, late,
                          casus.tafel))  # fmt: skip
    order = [key for key, _ in COLUMNS]
    return sorted(found, key=lambda card: (order.index(card.column), card.since))


async def board(unit: Unit, house: House, caller: Caller, now: datetime) -> dict[str, Any]:
    """The board as the page gets it (JSON): columns of cards, for this viewer."""
    zone, words = house.zone, house.words
    today = now.astimezone(zone).date()
    found = await cards(unit, house, now)
    names = await Directory(unit, house).names(c.casusregisseur for c in found)

    def as_json(card: Card) -> dict[str, Any]:
        return {
            "reference": card.reference,
            "days_in_phase": (today - card.since).days,
            "note": card.note,
            "next_overleg": short_moment(card.next_overleg.astimezone(zone))
            if card.next_overleg else None,
            "casusregisseur": names.person(card.casusregisseur).name
            if card.casusregisseur else None,
            "open_actions": card.open_actions,
            "overdue_actions": card.overdue_actions,
            "tafel": words.tafel(card.tafel),
            "mine": caller.matrix_id in (card.casusregisseur, card.procesregisseur),
        }  # fmt: skip

    return {
        "updated": now.astimezone(zone).strftime("%H:%M"),
        # The page's own words: its title, and the role a card names.
        "words": {"title": board_title(words), "casusregisseur": str(words.casusregisseur)},
        "tafels": sorted({words.tafel(card.tafel) for card in found}),
        "columns": [
            {
                "key": key,
                "label": house.words.fill(label),
                "cards": [as_json(card) for card in found if card.column == key],
            }
            for key, label in COLUMNS
        ],
    }


async def viewer(unit: Unit, house: House, matrix_id: str) -> Caller | None:
    """The member behind a signed-in Matrix id, as plain values (None: not a member)."""
    member = await Directory(unit, house).find(matrix_id)
    return None if member is None else member.caller


async def opened(unit: Unit, caller: Caller, now: datetime) -> None:
    """Every view of the board is in the audit log (who, when; the board names casussen by
    reference only, so no reference is logged with it)."""
    await unit.audit.add(now, AuditKind.VIEWED, caller.matrix_id, None, {"what": "bord"})
