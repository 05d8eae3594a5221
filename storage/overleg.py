"""The casusoverleggen of a casus (DOMAIN.md phase 3): when, where, and what became of them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, select, update

from handlers.vocabulary import OverlegStatus
from storage.base import Repository
from storage.models import Aanmelding, Overleg


class OverlegRepository(Repository):
    async def add(self, overleg: Overleg) -> Overleg:
        self.session.add(overleg)
        await self.session.flush()
        return overleg

    async def upcoming(self, aanmelding_id: int) -> Overleg | None:
        """The casus's planned overleg that has not been held (at most one at a time)."""
        result = await self.session.execute(
            select(Overleg)
            .where(Overleg.aanmelding_id == aanmelding_id, Overleg.status == OverlegStatus.GEPLAND)
            .order_by(Overleg.scheduled_at)
        )
        return result.scalars().first()

    async def next_planned(self, now: datetime) -> dict[int, datetime]:
        """Per casus (aanmelding id), its next planned overleg from ``now`` on."""
        result = await self.session.execute(
            select(Overleg.aanmelding_id, func.min(Overleg.scheduled_at))
            .where(Overleg.status == OverlegStatus.GEPLAND, Overleg.scheduled_at >= now)
            .group_by(Overleg.aanmelding_id)
        )
        return {casus: moment for casus, moment in result.all()}

    async def for_casus(self, aanmelding_id: int) -> Sequence[Overleg]:
        result = await self.session.execute(
            select(Overleg).where(Overleg.aanmelding_id == aanmelding_id).order_by(Overleg.id)
        )
        return result.scalars().all()

    async def _planned_before(
        self, before: datetime, condition: ColumnElement[bool]
    ) -> Sequence[tuple[Overleg, Aanmelding]]:
        """Planned overleggen starting before ``before`` that meet ``condition``, with their
        casus, earliest first."""
        result = await self.session.execute(
            select(Overleg, Aanmelding)
            .join(Aanmelding, Aanmelding.id == Overleg.aanmelding_id)
            .where(
                Overleg.status == OverlegStatus.GEPLAND, condition, Overleg.scheduled_at <= before
            )
            .order_by(Overleg.scheduled_at)
        )
        return [(overleg, aanmelding) for overleg, aanmelding in result.all()]

    async def to_remind(self, before: datetime) -> Sequence[tuple[Overleg, Aanmelding]]:
        """Planned overleggen starting before ``before`` whose participants were not reminded."""
        return await self._planned_before(before, Overleg.reminded_at.is_(None))

    async def incidental_done(self, before: datetime) -> Sequence[tuple[Overleg, Aanmelding]]:
        """Planned overleggen with incidental participants whose moment is before
        ``before``: those participants leave."""
        return await self._planned_before(before, Overleg.incidental.is_not(None))

    async def forget_places(self, aanmelding_ids: Sequence[int]) -> None:
        """Retention: where an overleg was held may name a person's home."""
        await self.session.execute(
            update(Overleg).where(Overleg.aanmelding_id.in_(aanmelding_ids)).values(locatie=None)
        )

    async def delete_for(self, aanmelding_ids: Sequence[int]) -> None:
        await self.session.execute(delete(Overleg).where(Overleg.aanmelding_id.in_(aanmelding_ids)))
