"""The overviews as tables: references, phases, dates, display names and counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from handlers.conversation.parsing import format_date, short_moment
from handlers.directory import Names
from handlers.house import House
from handlers.messages import Bold, Cell, Code, Notice, Paragraph, Table, notice, plural
from handlers.overzicht.service import ActieLine, CasusLine


def _days(since: date, today: date) -> str:
    return plural((today - since).days, "dag", "dagen")


def _actions(line: CasusLine) -> str:
    if not line.open_actions:
        return "—"
    late = f", {line.overdue_actions} te laat" if line.overdue_actions else ""
    return f"{line.open_actions} open{late}"


def casus_table(
    lines: Sequence[CasusLine], names: Names, today: date, house: House, title: str
) -> Notice:
    words, zone = house.words, house.zone
    if not lines:
        return notice(Paragraph(f"{title}: er staat niets open."))
    several = house.tafels.several
    rows: list[tuple[Cell, ...]] = [
        (line.reference, *((words.tafel(line.tafel),) if several else ()),
         words.fill(line.phase), _days(line.since, today),
         short_moment(line.next_overleg.astimezone(zone)) if line.next_overleg else "—",
         names.person(line.casusregisseur) if line.casusregisseur else "—",
         _actions(line), line.informed.label(today) if line.informed else "—",
         format_date(line.ask_on) if line.ask_on else "—")
        for line in lines
    ]  # fmt: skip
    late = sum(1 for line in lines if line.overdue_actions)
    return notice(
        Paragraph(Bold(title), f" ({len(lines)}"
                  + (f"; {plural(late, 'casus', 'casussen')} met acties te laat" if late else "")
                  + ")"),
        Table(("kenmerk", *(("tafel",) if several else ()), "fase", "sinds", "volgend overleg",
               str(words.casusregisseur), "acties", "geïnformeerd", "nog nodig?"), tuple(rows)),
        Paragraph("Oudste eerst per fase. Details: ", Code("pva KENMERK"), " of ",
                  Code(f"{words.command('triage')} KENMERK"), "."),
    )  # fmt: skip


def action_table(lines: Sequence[ActieLine], names: Names, today: date, title: str) -> Notice:
    if not lines:
        return notice(Paragraph(f"{title}: geen open acties."))
    rows: list[tuple[Cell, ...]] = [
        (line.reference, str(line.number), format_date(line.deadline)
         + (" (te laat)" if line.overdue else ""),
         names.person(line.owner) if line.owner else names.organisation(line.organisation_key))
        for line in sorted(lines, key=lambda a: (a.deadline, a.reference, a.number))
    ]  # fmt: skip
    return notice(
        Paragraph(Bold(title), f" ({len(lines)})"),
        Table(("kenmerk", "actie", "deadline", "wie"), tuple(rows)),
        Paragraph("Wat de actie is: ", Code("pva KENMERK"), ". Klaar: ",
                  Code("actie KENMERK NR gereed"), "."),
    )  # fmt: skip
