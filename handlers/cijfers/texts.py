"""The figures as a table in chat and as rows for the command line (and CSV): every count
through :func:`shown`, so small cells are suppressed everywhere alike."""

from __future__ import annotations

from collections.abc import Mapping

from handlers.afsluiting.texts import EVALUATIE_LABELS, UITKOMST_LABELS
from handlers.cijfers.service import LEAD_TIMES, Duration, Figures, shown
from handlers.messages import Block, Bold, Cell, Notice, Paragraph, Table, notice
from handlers.triage.texts import triage_label
from handlers.vocabulary import LATE, ON_TIME, Evaluatie, Uitkomst
from handlers.wording import Wording

Row = tuple[str, str, str]


def _label(kind: str, key: str, organisations: Mapping[str, str], words: Wording) -> str:
    if kind == "aanmeldingen":
        return organisations.get(key, key)
    if kind == "tafel":
        return words.tafel(key)
    if kind == "triage":
        return triage_label(key, words)
    if kind == "afgesloten" and key in {u.value for u in Uitkomst}:
        return words.fill(UITKOMST_LABELS[Uitkomst(key)])
    if kind == "evaluatie" and key in {e.value for e in Evaluatie}:
        return EVALUATIE_LABELS[Evaluatie(key)]
    return key


def _days(duration: Duration) -> str:
    if duration.median is None:
        return f"te weinig casussen ({shown(duration.count)})"
    median = f"{duration.median:g}".replace(".", ",")  # Dutch decimal comma
    return f"mediaan {median} dagen, 90% binnen {duration.p90} dagen ({duration.count})"


def rows(figures: Figures, organisations: Mapping[str, str], words: Wording) -> list[Row]:
    """(onderdeel, wat, waarde) for every figure, small cells suppressed; the parts named
    in the house's words."""
    out: list[Row] = []
    groups = (("aanmeldingen", figures.aanmeldingen), ("tafel", figures.tafels),
              ("triage", figures.outcomes), ("afgesloten", figures.closed),
              ("route", figures.routes), ("evaluatie", figures.evaluations),
              ("personen", figures.persons))  # fmt: skip
    for kind, counts in groups:
        total = sum(counts.values())
        part = str(words.triage) if kind == "triage" else kind
        out.append((part, "totaal", shown(total)))
        out += [(part, _label(kind, key, organisations, words), shown(n))
                for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]  # fmt: skip
    out.append((str(words.casusoverleg), "casussen met een eerste overleg",
                shown(figures.overleg)))  # fmt: skip
    done = figures.actions[ON_TIME] + figures.actions[LATE]
    out.append(("acties", "gereed", shown(done)))
    out.append(("acties", "op tijd", shown(figures.actions[ON_TIME])))
    if done >= 5:
        out.append(("acties", "op tijd (%)", f"{100 * figures.actions[ON_TIME] / done:.0f}%"))
    out += [("doorlooptijd", step, _days(figures.lead_times[step])) for step in LEAD_TIMES]
    return out


def figures_notice(figures: Figures, organisations: Mapping[str, str], words: Wording) -> Notice:
    table: list[tuple[Cell, ...]] = [tuple(row) for row in rows(figures, organisations, words)]
    blocks: list[Block] = [
        Paragraph(Bold(f"Cijfers {figures.period.label}")),
        Table(("onderdeel", "wat", "aantal"), tuple(table)),
        Paragraph("Zonder persoonsgegevens; aantallen onder de 5 staan als <5, zodat niemand "
                  "herkenbaar is. Verwijderde casussen tellen mee."),
    ]  # fmt: skip
    return notice(*blocks)
