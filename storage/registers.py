"""The registers of AVG requests and of security incidents: every query on them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import or_, select

from handlers.vocabulary import VerzoekSoort, VerzoekStatus
from storage.base import Repository
from storage.models.registers import Incident, Verzoek


class VerzoekRepository(Repository):
    async def add(self, verzoek: Verzoek) -> Verzoek:
        self.session.add(verzoek)
        await self.session.flush()  # its number
        return verzoek

    async def get(self, number: int) -> Verzoek | None:
        return await self.session.get(Verzoek, number)

    async def listing(self, everything: bool = False) -> Sequence[Verzoek]:
        """Open requests by deadline; with ``everything``, the decided ones after them."""
        query = select(Verzoek)
        if not everything:
            query = query.where(Verzoek.status == VerzoekStatus.OPEN)
        result = await self.session.execute(
            query.order_by((Verzoek.status != VerzoekStatus.OPEN), Verzoek.deadline, Verzoek.id)
        )
        return result.scalars().all()

    async def objected(self, references: Collection[str]) -> set[str]:
        """Which of these casussen have an open bezwaar (processing paused)."""
        if not references:
            return set()
        result = await self.session.execute(
            select(Verzoek.reference).where(
                Verzoek.soort == VerzoekSoort.BEZWAAR,
                Verzoek.status == VerzoekStatus.OPEN,
                Verzoek.reference.in_(list(references)),
            )
        )
        return {reference for reference in result.scalars() if reference}

    async def received_between(self, start: date, end: date) -> Sequence[Verzoek]:
        """Requests received in [start, end), and those decided then, for an overview."""
        result = await self.session.execute(
            select(Verzoek)
            .where(
                or_(
                    (Verzoek.received_on >= start) & (Verzoek.received_on < end),
                    Verzoek.status == VerzoekStatus.OPEN,
                )
            )
            .order_by(Verzoek.id)
        )
        return result.scalars().all()

    def clean(self, verzoeken: Sequence[Verzoek], now: datetime) -> None:
        """Retention: who asked and what goes; kind, dates and state stay."""
        for verzoek in verzoeken:
            verzoek.betrokkene = verzoek.omschrijving = None
            verzoek.decision = verzoek.extended_reason = None
            verzoek.cleaned_at = now
        self.effects.scrub = self.effects.scrub or bool(verzoeken)

    async def to_clean(self, decided_before: datetime) -> Sequence[Verzoek]:
        result = await self.session.execute(
            select(Verzoek).where(
                Verzoek.status != VerzoekStatus.OPEN,
                Verzoek.cleaned_at.is_(None),
                Verzoek.decided_at < decided_before,
            )
        )
        return result.scalars().all()


class IncidentRepository(Repository):
    async def add(self, incident: Incident) -> Incident:
        self.session.add(incident)
        await self.session.flush()  # its number
        return incident

    async def get(self, number: int) -> Incident | None:
        return await self.session.get(Incident, number)

    async def listing(self, everything: bool = False) -> Sequence[Incident]:
        """Undecided incidents first (oldest first); with ``everything``, all, newest first
        after the undecided ones."""
        query = select(Incident)
        if not everything:
            query = query.where(Incident.ap_besluit.is_(None))
        result = await self.session.execute(
            query.order_by(Incident.ap_besluit.is_not(None), Incident.at)
        )
        return result.scalars().all()

    async def between(self, start: datetime, end: datetime) -> Sequence[Incident]:
        result = await self.session.execute(
            select(Incident).where(Incident.at >= start, Incident.at < end).order_by(Incident.id)
        )
        return result.scalars().all()

    def clean(self, incidents: Sequence[Incident], now: datetime) -> None:
        """Retention: the descriptions go; kind, dates and the AP decision stay."""
        for incident in incidents:
            incident.description = incident.ap_reason = None
            incident.cleaned_at = now
        self.effects.scrub = self.effects.scrub or bool(incidents)

    async def to_clean(self, before: datetime) -> Sequence[Incident]:
        result = await self.session.execute(
            select(Incident).where(
                Incident.ap_besluit.is_not(None),
                Incident.cleaned_at.is_(None),
                Incident.at < before,
            )
        )
        return result.scalars().all()
