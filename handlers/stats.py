"""Counts for the operator's dashboard: casussen per phase, messages waiting. No names, no ids."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Aanmelding, OutboxMessage

PHASES = ("triage", "casusoverleg", "uitvoering", "afgeschaald")


async def casussen_per_phase(session: AsyncSession) -> dict[str, int]:
    """Casussen the bot still holds, by phase (DOMAIN.md): in triage, waiting for the
    casusoverleg, in uitvoering (a plan, or a casus without overleg), afgeschaald (kept
    until retention removes them)."""
    rows = await session.execute(
        select(
            Aanmelding.triage_status,
            Aanmelding.casusregisseur.is_not(None),
            Aanmelding.afgeschaald_on.is_not(None),
            func.count(Aanmelding.id),
        )
        .where(Aanmelding.cleaned_at.is_(None))
        .group_by(
            Aanmelding.triage_status,
            Aanmelding.casusregisseur.is_not(None),
            Aanmelding.afgeschaald_on.is_not(None),
        )
    )
    counts = dict.fromkeys(PHASES, 0)
    for status, has_plan, afgeschaald, count in rows:
        if afgeschaald:
            phase = "afgeschaald"
        elif status in ("open", "onduidelijk"):
            phase = "triage"
        elif status == "casusoverleg" and not has_plan:
            phase = "casusoverleg"
        else:
            phase = "uitvoering"
        counts[phase] += int(count)
    return counts


async def outbox_depth(session: AsyncSession) -> dict[str, int]:
    """Messages in the outbox by state (pending, held, failed; sent ones are pruned)."""
    rows = await session.execute(
        select(OutboxMessage.state, func.count(OutboxMessage.id))
        .where(OutboxMessage.state != "sent")
        .group_by(OutboxMessage.state)
    )
    return {str(state): int(count) for state, count in rows}
