"""Repositories for the casusoverleg and the plan van aanpak (DOMAIN.md phases 3-5)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Aanmelding, AuditEntry, Overleg, PvaActie


class OverlegRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, overleg: Overleg) -> Overleg:
        self.session.add(overleg)
        await self.session.flush()
        return overleg

    async def upcoming(self, aanmelding_id: int) -> Overleg | None:
        """The casus's planned overleg that has not been held (at most one at a time)."""
        result = await self.session.execute(
            select(Overleg)
            .where(Overleg.aanmelding_id == aanmelding_id, Overleg.status == "gepland")
            .order_by(Overleg.scheduled_at)
        )
        return result.scalars().first()

    async def to_remind(self, before: datetime) -> Sequence[tuple[Overleg, Aanmelding]]:
        """Planned overleggen starting before ``before`` whose participants were not reminded."""
        result = await self.session.execute(
            select(Overleg, Aanmelding)
            .join(Aanmelding, Aanmelding.id == Overleg.aanmelding_id)
            .where(
                Overleg.status == "gepland",
                Overleg.reminded_at.is_(None),
                Overleg.scheduled_at <= before,
            )
            .order_by(Overleg.scheduled_at)
        )
        return [(overleg, aanmelding) for overleg, aanmelding in result.all()]


class ActieRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_casus(self, aanmelding_id: int) -> Sequence[PvaActie]:
        result = await self.session.execute(
            select(PvaActie)
            .where(PvaActie.aanmelding_id == aanmelding_id)
            .order_by(PvaActie.number)
        )
        return result.scalars().all()

    async def next_number(self, aanmelding_id: int) -> int:
        result = await self.session.execute(
            select(func.max(PvaActie.number)).where(PvaActie.aanmelding_id == aanmelding_id)
        )
        return int(result.scalar_one_or_none() or 0) + 1

    async def add(self, actie: PvaActie) -> PvaActie:
        self.session.add(actie)
        await self.session.flush()
        return actie

    async def open_in_active_casus(self) -> Sequence[tuple[PvaActie, Aanmelding]]:
        """Open actions of casussen that are not afgeschaald."""
        result = await self.session.execute(
            select(PvaActie, Aanmelding)
            .join(Aanmelding, Aanmelding.id == PvaActie.aanmelding_id)
            .where(PvaActie.status == "open", Aanmelding.afgeschaald_on.is_(None))
            .order_by(PvaActie.deadline, PvaActie.id)
        )
        return [(actie, aanmelding) for actie, aanmelding in result.all()]

    async def open_with_number(self, number: int) -> Sequence[tuple[PvaActie, Aanmelding]]:
        """Open actions numbered ``number`` in any casus that is not afgeschaald."""
        result = await self.session.execute(
            select(PvaActie, Aanmelding)
            .join(Aanmelding, Aanmelding.id == PvaActie.aanmelding_id)
            .where(PvaActie.number == number, Aanmelding.afgeschaald_on.is_(None))
        )
        return [(actie, aanmelding) for actie, aanmelding in result.all()]


class AuditRepository:
    """The audit log: references and Matrix ids, never the personal data itself."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self, at: datetime, kind: str, actor: str, reference: str | None, detail: dict[str, Any]
    ) -> None:
        self.session.add(AuditEntry(
            at=at, kind=kind, actor=actor, reference=reference,
            detail=json.dumps(detail, sort_keys=True, ensure_ascii=False),
        ))  # fmt: skip
        await self.session.flush()

    async def for_reference(self, reference: str) -> Sequence[AuditEntry]:
        result = await self.session.execute(
            select(AuditEntry).where(AuditEntry.reference == reference).order_by(AuditEntry.id)
        )
        return result.scalars().all()
