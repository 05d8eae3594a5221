"""The figures as charts (PNG, matplotlib's headless Agg backend): triage outcomes per
month, and the lead times. The same suppression as the tables: a month's count under five
is not drawn (the chart says so), a lead time over fewer than five casussen neither."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from handlers.cijfers.service import LEAD_TIMES, SMALL, Figures
from handlers.triage.texts import triage_label
from handlers.vocabulary import OUTCOMES
from handlers.wording import Wording

MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
# Colours that stay apart for the common colour-vision deficiencies (Okabe-Ito).
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    png: bytes
    width: int
    height: int


def _slug(figures: Figures) -> str:
    """The period (and tafel) in a file name: "2026-kwartaal-3-nazorg"."""
    return re.sub(r"[^a-z0-9]+", "-", figures.period.label.lower()).strip("-")


def _png(figure: Figure, name: str, title: str) -> Chart:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    width, height = (int(v) for v in figure.get_size_inches() * 100)
    plt.close(figure)
    return Chart(name, title, buffer.getvalue(), width, height)


def outcomes_per_month(figures: Figures, words: Wording) -> Chart:
    months = sorted(figures.per_month)
    figure, axes = plt.subplots(figsize=(8, 4.5))
    bottom = [0] * len(months)
    hidden = False
    # The national outcomes, then those a tafel names itself (IJsselland's five).
    keys = [o.value for o in OUTCOMES]
    keys += sorted({k for counts in figures.per_month.values() for k in counts} - set(keys))
    for colour, key in zip(COLOURS * 3, keys, strict=False):
        values = []
        for month in months:
            n = figures.per_month[month][key]
            hidden = hidden or 0 < n < SMALL
            values.append(n if n >= SMALL else 0)
        axes.bar([MONTHS[m.month - 1] for m in months], values, bottom=bottom, color=colour,
                 label=triage_label(key, words))  # fmt: skip
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    title = f"{words.triage.title}-uitkomsten per maand, {figures.period.label}"
    axes.set_title(title)
    axes.set_ylabel("aanmeldingen")
    axes.legend(fontsize="small", loc="upper left")
    if hidden:
        figure.text(0.01, 0.01, "Aantallen onder de 5 zijn niet getekend.", fontsize="small")
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    return _png(figure, f"cijfers-{_slug(figures)}-triage.png", title)


def lead_times(figures: Figures) -> Chart:
    figure, axes = plt.subplots(figsize=(8, 3.5))
    steps = list(LEAD_TIMES)
    medians = [figures.lead_times[s].median or 0 for s in steps]
    p90s = [figures.lead_times[s].p90 or 0 for s in steps]
    positions = range(len(steps))
    axes.barh([p + 0.2 for p in positions], p90s, height=0.4, color=COLOURS[1],
              label="90% binnen")  # fmt: skip
    axes.barh([p - 0.2 for p in positions], medians, height=0.4, color=COLOURS[0],
              label="mediaan")  # fmt: skip
    axes.set_yticks(list(positions), [
        s if figures.lead_times[s].median is not None else f"{s} (te weinig casussen)"
        for s in steps
    ])  # fmt: skip
    axes.invert_yaxis()
    axes.set_xlabel("dagen")
    title = f"Doorlooptijden, {figures.period.label}"
    axes.set_title(title)
    axes.legend(fontsize="small")
    figure.tight_layout()
    return _png(figure, f"cijfers-{_slug(figures)}-doorlooptijden.png",
                title)  # fmt: skip


def charts(figures: Figures, words: Wording) -> list[Chart]:
    return [outcomes_per_month(figures, words), lead_times(figures)]
