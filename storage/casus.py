"""Repositories for the casusoverleg and the plan van aanpak (DOMAIN.md phases 3-5)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only, selectinload

from storage.audit_chain import GENESIS, entry_hash, stamp
from storage.models import Aanmelding, AuditEntry, Member, Overleg, PvaActie


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

    async def open_in_active_casus(
        self, deadline_until: date | None = None
    ) -> Sequence[tuple[PvaActie, Aanmelding]]:
        """Open actions of casussen that are not afgeschaald (with a deadline on or before
        ``deadline_until``, when given). Read every tick, so only the casus's reference and
        its regisseurs are loaded (nothing personal to decrypt)."""
        query = (
            select(PvaActie, Aanmelding)
            .join(Aanmelding, Aanmelding.id == PvaActie.aanmelding_id)
            .options(
                load_only(
                    Aanmelding.id,
                    Aanmelding.reference,
                    Aanmelding.casusregisseur,
                    Aanmelding.procesregisseur,
                    Aanmelding.afgeschaald_on,
                )
            )
            .where(PvaActie.status == "open", Aanmelding.afgeschaald_on.is_(None))
            .order_by(PvaActie.deadline, PvaActie.id)
        )
        if deadline_until is not None:
            query = query.where(PvaActie.deadline <= deadline_until)
        result = await self.session.execute(query)
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
    """The audit log: references and Matrix ids, never the personal data itself.

    Append-only: entries are added (in the transaction of what they record), never
    changed; retention removes only the oldest, so the chain stays checkable from the first
    entry left.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        at: datetime,
        kind: str,
        actor: str,
        reference: str | None,
        detail: dict[str, Any],
        phase: str | None = None,
    ) -> None:
        member = (await self.session.execute(
            select(Member).options(selectinload(Member.organisation))
            .where(Member.matrix_id == actor)
        )).scalar_one_or_none()  # fmt: skip
        organisation = member.organisation.key if member else None
        role = member.role if member else None
        text = json.dumps(detail, sort_keys=True, ensure_ascii=False)
        last = (await self.session.execute(
            select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1)
        )).scalar_one_or_none()  # fmt: skip
        previous = last or GENESIS
        self.session.add(AuditEntry(
            at=at, kind=kind, actor=actor, organisation=organisation, role=role,
            reference=reference, phase=phase, detail=text, prev_hash=previous,
            entry_hash=entry_hash(previous, stamp(at), kind, actor, organisation, role,
                                  reference, phase, text),
        ))  # fmt: skip
        await self.session.flush()

    async def entries(
        self, reference: str | None = None, actor: str | None = None
    ) -> Sequence[AuditEntry]:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if reference is not None:
            query = query.where(AuditEntry.reference == reference)
        if actor is not None:
            query = query.where(AuditEntry.actor == actor)
        return (await self.session.execute(query)).scalars().all()

    async def first_broken(self) -> int | None:
        """The id of the first entry whose hash or link does not hold; None when intact."""
        previous: str | None = None
        for entry in await self.entries():
            expected = entry_hash(entry.prev_hash, stamp(entry.at), entry.kind, entry.actor,
                                  entry.organisation, entry.role, entry.reference, entry.phase,
                                  entry.detail)  # fmt: skip
            if entry.entry_hash != expected or (
                previous is not None and entry.prev_hash != previous
            ):
                return entry.id
            previous = entry.entry_hash
        return None
