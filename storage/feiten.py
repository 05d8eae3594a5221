"""The anonymous facts behind the figures: written at each transition, read per period."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from handlers.vocabulary import FeitSoort
from storage.base import Repository
from storage.models.feiten import Feit


class FeitRepository(Repository):
    def add(
        self, soort: FeitSoort, day: date, tafel: str, organisation_key: str,
        outcome: str | None = None, route: str | None = None, evaluation: str | None = None,
        days: int | None = None,
    ) -> None:  # fmt: skip
        self.session.add(Feit(
            soort=soort, day=day, tafel=tafel, organisation_key=organisation_key,
            outcome=outcome, route=route, evaluation=evaluation, days=days,
        ))  # fmt: skip

    async def between(self, start: date, end: date) -> Sequence[Feit]:
        """The facts of the days [start, end)."""
        result = await self.session.execute(
            select(Feit).where(Feit.day >= start, Feit.day < end).order_by(Feit.day, Feit.id)
        )
        return result.scalars().all()
