"""What the bot shows of a plan van aanpak: the actions table, the hints, the reminders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from handlers.conversation.parsing import format_date
from handlers.directory import Names
from handlers.messages import Block, Bold, Cell, Code, Notice, Paragraph, Table, notice
from handlers.plan_van_aanpak.actions import owner_label
from handlers.vocabulary import ActieStatus
from handlers.wording import Wording
from scheduler.workhours import WorkingTime
from storage.models import PvaActie

LATE_NOTE = " (later dan gepland: de bot was een tijd niet bereikbaar)"


def actions_table(actions: Sequence[PvaActie], names: Names) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for actie in actions:
        state = "gereed" if actie.status is ActieStatus.GEREED else "open"
        if actie.requested_deadline:
            state += f", uitstel gevraagd tot {format_date(actie.requested_deadline)}"
        rows.append((
            str(actie.number), actie.wat, owner_cell(actie, names),
            format_date(actie.deadline), state,
        ))  # fmt: skip
    return Table(("nr", "wat", "wie", "wanneer", "stand"), tuple(rows))


def owner_cell(actie: PvaActie, names: Names) -> Cell:
    """The organisation, with the owner by name (a pill) when the action has one."""
    return owner_label(actie.organisation_key, actie.owner, names)


def actions_notice(title: str, actions: Sequence[PvaActie], names: Names,
                   *after: Block) -> Notice:  # fmt: skip
    return notice(Paragraph(Bold(title)), actions_table(actions, names), *after)


def done_hint(reference: str) -> Paragraph:
    return Paragraph(
        "Klaar? Typ ",
        Code(f"actie {reference} <nr> gereed"),
        ". Meer tijd nodig? Typ ",
        Code(f"actie {reference} <nr> uitstel <datum>"),
        ".",
    )


def deadline_in(deadline: date, today: date, working: WorkingTime) -> str:
    if deadline == today:
        return "vandaag"
    if deadline < today:
        return f"was {format_date(deadline)}"
    days = 0
    day = today
    while day < deadline:
        day = working.working_day_after(day, 1)
        days += 1
    return f"over {days} werkdag{'en' if days > 1 else ''} ({format_date(deadline)})"


def reminder(
    reference: str, actie: PvaActie, names: Names, today: date,
    working: WorkingTime, late: bool,
) -> Notice:  # fmt: skip
    return notice(
        Paragraph(Bold(f"Herinnering: actie {actie.number} van {reference}"),
                  LATE_NOTE if late else ""),
        Paragraph(f"Deadline {deadline_in(actie.deadline, today, working)}: ", actie.wat,
                  " — ", *owner_label(actie.organisation_key, actie.owner, names), "."),
        Paragraph("Klaar? Typ ", Code(f"actie {reference} {actie.number} gereed"),
                  ". Meer tijd nodig? Typ ",
                  Code(f"actie {reference} {actie.number} uitstel <datum>"), "."),
    )  # fmt: skip


def escalation(
    reference: str, actie: PvaActie, names: Names, casusregisseur: str | None, late: bool,
    words: Wording,
) -> Notice:  # fmt: skip
    return notice(
        Paragraph(Bold(f"Actie {actie.number} van {reference} is over de deadline"),
                  LATE_NOTE if late else ""),
        Paragraph(f"Deadline was {format_date(actie.deadline)}; nog niet gereed: ", actie.wat,
                  " — ", *owner_label(actie.organisation_key, actie.owner, names), "."),
        Paragraph(f"{words.casusregisseur.title}: ",
                  names.person(casusregisseur) if casusregisseur else "nog niet gekozen", "."),
    )  # fmt: skip
