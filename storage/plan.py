"""The plan van aanpak of a casus (DOMAIN.md phases 3-5): its actions and their deadlines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import load_only, raiseload

from handlers.vocabulary import ActieStatus
from storage.base import Repository, rowcount
from storage.models import Aanmelding, PvaActie


class ActieRepository(Repository):
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

    async def counts(self, today: date) -> dict[int, tuple[int, int, int]]:
        """Per casus (aanmelding id): its open actions, how many of those are overdue, and
        its done actions (columns only: the board reads it every refresh)."""
        open_ = PvaActie.status == ActieStatus.OPEN
        rows = await self.session.execute(
            select(
                PvaActie.aanmelding_id,
                func.count().filter(open_),
                func.count().filter(open_, PvaActie.deadline < today),
                func.count().filter(PvaActie.status == ActieStatus.GEREED),
            ).group_by(PvaActie.aanmelding_id)
        )
        return {casus: (n_open, late, done) for casus, n_open, late, done in rows.all()}

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
                    Aanmelding.tafel,
                    Aanmelding.casusregisseur,
                    Aanmelding.procesregisseur,
                    Aanmelding.closed_on,
                ),
                # Not the persons either (they would be decrypted every tick).
                raiseload(Aanmelding.personen),
            )
            .where(PvaActie.status == ActieStatus.OPEN, Aanmelding.closed_on.is_(None))
            .order_by(PvaActie.deadline, PvaActie.id)
        )
        if deadline_until is not None:
            query = query.where(PvaActie.deadline <= deadline_until)
        result = await self.session.execute(query)
        return [(actie, aanmelding) for actie, aanmelding in result.all()]

    async def with_number(self, number: int) -> Sequence[tuple[PvaActie, Aanmelding]]:
        """Actions numbered ``number`` in any casus that is not afgeschaald."""
        result = await self.session.execute(
            select(PvaActie, Aanmelding)
            .join(Aanmelding, Aanmelding.id == PvaActie.aanmelding_id)
            .where(PvaActie.number == number, Aanmelding.closed_on.is_(None))
        )
        return [(actie, aanmelding) for actie, aanmelding in result.all()]

    async def release_owner(self, matrix_id: str) -> int:
        """A member leaves: their open actions go back to their organisation."""
        result = await self.session.execute(
            update(PvaActie)
            .where(PvaActie.owner == matrix_id, PvaActie.status == ActieStatus.OPEN)
            .values(owner=None)
        )
        return rowcount(result)

    async def blank_texts(self, aanmelding_ids: Sequence[int]) -> None:
        """Retention: what an action was about is free text; its number and dates stay."""
        await self.session.execute(
            update(PvaActie).where(PvaActie.aanmelding_id.in_(aanmelding_ids)).values(wat="")
        )

    async def delete_for(self, aanmelding_ids: Sequence[int]) -> None:
        await self.session.execute(
            delete(PvaActie).where(PvaActie.aanmelding_id.in_(aanmelding_ids))
        )
