"""Counts for the operator's dashboard: casussen per phase. No names, no ids."""

from __future__ import annotations

from handlers.vocabulary import TriageStatus
from storage.unit import Unit

PHASES = ("triage", "casusoverleg", "uitvoering", "afgeschaald")


async def casussen_per_phase(unit: Unit) -> dict[str, int]:
    """Casussen the bot still holds, by phase (DOMAIN.md): in triage, waiting for the
    casusoverleg, in uitvoering (a plan, or a casus without overleg), closed (kept
    until retention removes them)."""
    counts = dict.fromkeys(PHASES, 0)
    for row in await unit.stats.casus_counts():
        if row.afgeschaald:
            phase = "afgeschaald"
        elif row.triage_status.undecided:
            phase = "triage"
        elif row.triage_status is TriageStatus.CASUSOVERLEG and not row.has_casusregisseur:
            phase = "casusoverleg"
        else:
            phase = "uitvoering"
        counts[phase] += row.count
    return counts
