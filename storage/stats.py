"""Counts for the operator's dashboard: casussen by state, messages waiting. No names, no ids."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from handlers.vocabulary import TriageStatus
from storage.base import Repository
from storage.models import Aanmelding, OutboxMessage


@dataclass(frozen=True)
class CasusCount:
    triage_status: TriageStatus
    has_casusregisseur: bool
    afgeschaald: bool
    count: int


class StatsRepository(Repository):
    async def casus_counts(self) -> Sequence[CasusCount]:
        """Casussen the bot still holds (not cleaned), grouped by what decides their phase."""
        has_plan = Aanmelding.casusregisseur.is_not(None)
        afgeschaald = Aanmelding.closed_on.is_not(None)
        rows = await self.session.execute(
            select(Aanmelding.triage_status, has_plan, afgeschaald, func.count(Aanmelding.id))
            .where(Aanmelding.cleaned_at.is_(None))
            .group_by(Aanmelding.triage_status, has_plan, afgeschaald)
        )
        return [CasusCount(s, bool(p), bool(a), int(n)) for s, p, a, n in rows.all()]

    async def outbox_depth(self) -> dict[str, int]:
        """Messages in the outbox by state (sent ones are deleted)."""
        rows = await self.session.execute(
            select(OutboxMessage.state, func.count(OutboxMessage.id)).group_by(OutboxMessage.state)
        )
        return {str(state): int(count) for state, count in rows.all()}
