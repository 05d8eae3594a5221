"""The casus aggregate: the aanmelding (the casus's personal data lives in its columns), its
reference, the verrijking requests to partners, and the anonymous triage outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, literal, select, update

from handlers.vocabulary import DEFAULT_TAFEL, Route, TriageStatus, VerrijkingStatus
from storage.base import Repository, rowcount
from storage.crypto import installed
from storage.models import (
    Aanmelding,
    Overleg,
    Persoon,
    PvaActie,
    ReferenceCounter,
    Verrijkingsverzoek,
)

# Free-text and personal columns of an aanmelding, emptied when the file is cleaned.
CLEANED_TEXT = (
    "voornaam", "achternaam", "aliassen", "adres", "postcode", "woonplaats", "gemeente",
    "probleemstelling", "doel", "spoed_reden", "contactpersoon", "open_vraag", "overleg_doel",
    "overleg_themas", "client_informant", "afschaling_criteria", "inform_postponed_reason",
    "zwaarte",
)  # fmt: skip
NULLABLE = {"aliassen", "adres", "postcode", "spoed_reden", "open_vraag", "overleg_doel",
            "overleg_themas", "client_informant", "afschaling_criteria",
            "inform_postponed_reason", "zwaarte"}  # fmt: skip


@dataclass(frozen=True)
class UndecidedRow:
    """An aanmelding awaiting its triage decision (columns only)."""

    id: int
    reference: str
    submitted_at: datetime
    triage_status: TriageStatus
    procesregisseur: str | None
    tafel: str = DEFAULT_TAFEL


@dataclass(frozen=True)
class RetentionRow:
    """An aanmelding retention has business with: closed, 'geen casus' or undecided."""

    reference: str
    triage_status: TriageStatus
    submitted_at: datetime
    closed_on: date | None
    closed_route: Route | None
    cleaned_at: datetime | None
    has_answers: bool
    undecided_reminded_at: datetime | None
    tafel: str = DEFAULT_TAFEL


@dataclass(frozen=True)
class RunningRow:
    """A casus that is decided and not closed, with what tells when something last happened."""

    id: int
    reference: str
    triage_status: TriageStatus
    decided_at: datetime | None
    still_needed_at: datetime | None
    stale_asked_at: datetime | None
    stale_escalated_at: datetime | None
    procesregisseur: str | None
    casusregisseur: str | None
    # The latest moment of its overleggen (planned or held) and of its actions (added,
    # done, given a new deadline); None when it has none.
    overleg_at: datetime | None
    overleg_planned_at: datetime | None
    action_at: datetime | None
    action_done_at: datetime | None
    action_deadline_set_at: datetime | None
    # Informing the betrokkene: the day it happened, or until when it is postponed.
    informed_on: date | None = None
    inform_postponed_until: date | None = None
    inform_reminded_at: datetime | None = None
    # The other persons of the casus who are neither informed nor postponed beyond the day
    # given to running() (0 when no day is given).
    others_waiting: int = 0
    tafel: str = DEFAULT_TAFEL


class ReferenceRepository(Repository):
    async def next(self, prefix: str, year: int) -> str:
        """The next case reference, e.g. ZVH-2026-0042; numbers restart every year."""
        counter = await self.session.get(ReferenceCounter, (prefix, year), with_for_update=True)
        if counter is None:
            counter = ReferenceCounter(prefix=prefix, year=year, last=0)
            self.session.add(counter)
        counter.last += 1
        await self.session.flush()
        return f"{prefix}-{year}-{counter.last:04d}"


class AanmeldingRepository(Repository):
    async def add(self, aanmelding: Aanmelding) -> Aanmelding:
        self.rehash(aanmelding)
        # Set while new (no query): the collection is then known, so using it later in this
        # transaction loads nothing (an async session cannot load lazily).
        aanmelding.personen = list(aanmelding.personen)
        self.session.add(aanmelding)
        await self.session.flush()
        return aanmelding

    @staticmethod
    def rehash(person: Aanmelding | Persoon) -> None:
        """Inzage finds a person by achternaam and geboortedatum without plaintext: keep the
        keyed hash in step with the two (after a correction too), for every person."""
        if person.geboortedatum is not None:
            person.lookup_hash = installed().lookup_hash(
                person.achternaam, person.geboortedatum.isoformat()
            )

    def add_person(self, aanmelding: Aanmelding, persoon: Persoon) -> Persoon:
        """One more person the casus concerns, numbered after the last one."""
        persoon.number = max([1, *(p.number for p in aanmelding.personen)]) + 1
        self.rehash(persoon)
        aanmelding.personen.append(persoon)
        return persoon

    async def in_triage(self) -> Sequence[Aanmelding]:
        """Aanmeldingen awaiting a triage decision (open, or onduidelijk)."""
        result = await self.session.execute(
            select(Aanmelding)
            .where(Aanmelding.triage_status.in_((TriageStatus.OPEN, TriageStatus.ONDUIDELIJK)))
            .order_by(Aanmelding.submitted_at)
        )
        return result.scalars().all()

    async def undecided(self) -> Sequence[UndecidedRow]:
        """Aanmeldingen awaiting a decision, oldest first (nothing to decrypt)."""
        rows = await self.session.execute(
            select(Aanmelding.id, Aanmelding.reference, Aanmelding.submitted_at,
                   Aanmelding.triage_status, Aanmelding.procesregisseur, Aanmelding.tafel)
            .where(Aanmelding.triage_status.in_((TriageStatus.OPEN, TriageStatus.ONDUIDELIJK)))
            .order_by(Aanmelding.submitted_at)
        )  # fmt: skip
        return [UndecidedRow(*row) for row in rows.all()]

    async def delete(self, aanmelding: Aanmelding) -> None:
        """Delete the aanmelding and its verrijkingsverzoeken: rows, not flags."""
        await self.session.execute(
            delete(Verrijkingsverzoek).where(Verrijkingsverzoek.aanmelding_id == aanmelding.id)
        )
        await self.session.delete(aanmelding)
        await self.session.flush()
        self.effects.scrub = True

    async def by_reference(self, reference: str) -> Aanmelding | None:
        result = await self.session.execute(
            select(Aanmelding).where(Aanmelding.reference == reference)
        )
        return result.scalar_one_or_none()

    async def of_person(
        self, achternaam: str, geboortedatum: date
    ) -> Sequence[tuple[Aanmelding, int]]:
        """Every casus about this person, found through the keyed hash (inzage), with the
        person's number in it (1: the betrokkene; 2 and on: the other persons)."""
        wanted = installed().lookup_hash(achternaam, geboortedatum.isoformat())
        result = await self.session.execute(
            select(Aanmelding).where(Aanmelding.lookup_hash == wanted).order_by(Aanmelding.id)
        )
        found = [(a, 1) for a in result.scalars().all()]
        others = await self.session.execute(
            select(Persoon.aanmelding_id, Persoon.number).where(Persoon.lookup_hash == wanted)
        )
        for aanmelding_id, number in others.all():
            aanmelding = await self.for_id(aanmelding_id)
            if aanmelding is not None:
                found.append((aanmelding, number))
        return sorted(found, key=lambda pair: (pair[0].id, pair[1]))

    async def by_references(self, references: Sequence[str]) -> Sequence[Aanmelding]:
        result = await self.session.execute(
            select(Aanmelding).where(Aanmelding.reference.in_(references)).order_by(Aanmelding.id)
        )
        return result.scalars().all()

    async def retention_candidates(self) -> Sequence[RetentionRow]:
        """Every aanmelding retention has business with: closed, 'geen casus', or not decided
        on. References and dates only (nothing to decrypt), and whether it still holds
        verrijking answers."""
        with_answers = select(Verrijkingsverzoek.aanmelding_id).distinct().scalar_subquery()
        rows = await self.session.execute(
            select(
                Aanmelding.reference, Aanmelding.triage_status, Aanmelding.submitted_at,
                Aanmelding.closed_on, Aanmelding.closed_route, Aanmelding.cleaned_at,
                Aanmelding.id.in_(with_answers), Aanmelding.undecided_reminded_at,
                Aanmelding.tafel,
            )
            .where(
                Aanmelding.closed_on.is_not(None)
                | Aanmelding.triage_status.in_(
                    (TriageStatus.GEEN_CASUS, TriageStatus.OPEN, TriageStatus.ONDUIDELIJK)
                )
            )
            .order_by(Aanmelding.id)
        )  # fmt: skip
        return [RetentionRow(*row) for row in rows.all()]

    async def running(self, today: date | None = None) -> Sequence[RunningRow]:
        """Every casus that is decided and not closed, with the moments that tell when
        something last happened in it (nothing personal to decrypt); with ``today``, also
        how many of its other persons wait to be informed."""

        def latest(column: Any, of: Any) -> Any:
            return select(func.max(column)).where(of == Aanmelding.id).scalar_subquery()

        rows = await self.session.execute(
            select(
                Aanmelding.id, Aanmelding.reference, Aanmelding.triage_status,
                Aanmelding.decided_at, Aanmelding.still_needed_at, Aanmelding.stale_asked_at,
                Aanmelding.stale_escalated_at, Aanmelding.procesregisseur,
                Aanmelding.casusregisseur,
                latest(Overleg.created_at, Overleg.aanmelding_id).label("overleg_at"),
                latest(Overleg.scheduled_at, Overleg.aanmelding_id).label("planned_at"),
                latest(PvaActie.created_at, PvaActie.aanmelding_id).label("action_at"),
                latest(PvaActie.done_at, PvaActie.aanmelding_id).label("done_at"),
                latest(PvaActie.deadline_set_at, PvaActie.aanmelding_id).label("set_at"),
                Aanmelding.informed_on, Aanmelding.inform_postponed_until,
                Aanmelding.inform_reminded_at,
                select(func.count(Persoon.id)).where(
                    Persoon.aanmelding_id == Aanmelding.id, Persoon.informed_on.is_(None),
                    Persoon.inform_postponed_until.is_(None)
                    | (Persoon.inform_postponed_until < today),
                ).scalar_subquery()
                if today is not None
                else literal(0),
                Aanmelding.tafel,
            )
            .where(
                Aanmelding.closed_on.is_(None),
                Aanmelding.triage_status.in_(
                    (TriageStatus.ZONDER_OVERLEG, TriageStatus.CASUSOVERLEG)
                ),
            )
            .order_by(Aanmelding.id)
        )  # fmt: skip
        return [RunningRow(*row) for row in rows.all()]

    async def awaiting_release(self, tafels: Sequence[str]) -> Sequence[Aanmelding]:
        """Running casussen of these tafels with a release date not yet reminded of (the
        date is encrypted: the caller compares it)."""
        result = await self.session.execute(
            select(Aanmelding)
            .where(
                Aanmelding.tafel.in_(tafels), Aanmelding.closed_on.is_(None),
                Aanmelding.vrijlating_op.is_not(None),
                Aanmelding.vrijlating_reminded_at.is_(None),
                Aanmelding.triage_status.in_(
                    (TriageStatus.ZONDER_OVERLEG, TriageStatus.CASUSOVERLEG)
                ),
            )
            .order_by(Aanmelding.id)
        )  # fmt: skip
        return result.scalars().all()

    async def mark_undecided_reminded(self, reference: str, now: datetime) -> None:
        await self.session.execute(
            update(Aanmelding)
            .where(Aanmelding.reference == reference)
            .values(undecided_reminded_at=now)
        )

    async def for_id(self, aanmelding_id: int) -> Aanmelding | None:
        return await self.session.get(Aanmelding, aanmelding_id)

    def clean(self, aanmeldingen: Sequence[Aanmelding], now: datetime) -> None:
        """Personal data and free text out of the files; reference and dates stay."""
        for aanmelding in aanmeldingen:
            for column in CLEANED_TEXT:
                setattr(aanmelding, column, None if column in NULLABLE else "")
            aanmelding.geboortedatum = None
            aanmelding.vrijlating_op = None
            aanmelding.lookup_hash = None
            aanmelding.personen.clear()  # rows, not blanks: they hold nothing but personalia
            aanmelding.cleaned_at = now
        self.effects.scrub = True

    async def erase(self, aanmeldingen: Sequence[Aanmelding]) -> None:
        """The files themselves (what hangs on them is deleted first by the caller)."""
        for aanmelding in aanmeldingen:
            await self.session.delete(aanmelding)
        await self.session.flush()
        self.effects.scrub = True

    async def guarded_by(self, matrix_id: str) -> Sequence[Aanmelding]:
        """Running casussen the member guards as casusregisseur or procesregisseur."""
        result = await self.session.execute(
            select(Aanmelding)
            .where(
                (Aanmelding.casusregisseur == matrix_id)
                | (Aanmelding.procesregisseur == matrix_id),
                Aanmelding.closed_on.is_(None),
            )
            .order_by(Aanmelding.reference)
        )
        return result.scalars().all()


class VerrijkingRepository(Repository):
    async def counts(self) -> dict[int, tuple[int, int]]:
        """Per aanmelding: the partners asked (not withdrawn) and how many answered."""
        asked = Verrijkingsverzoek.status != VerrijkingStatus.INGETROKKEN
        rows = await self.session.execute(
            select(
                Verrijkingsverzoek.aanmelding_id,
                func.count().filter(asked),
                func.count().filter(Verrijkingsverzoek.status == VerrijkingStatus.BEANTWOORD),
            ).group_by(Verrijkingsverzoek.aanmelding_id)
        )
        return {aanmelding: (n, answered) for aanmelding, n, answered in rows.all()}

    async def for_aanmelding(self, aanmelding_id: int) -> Sequence[Verrijkingsverzoek]:
        result = await self.session.execute(
            select(Verrijkingsverzoek)
            .where(Verrijkingsverzoek.aanmelding_id == aanmelding_id)
            .order_by(Verrijkingsverzoek.organisation_key)
        )
        return result.scalars().all()

    async def get(self, aanmelding_id: int, organisation_key: str) -> Verrijkingsverzoek | None:
        result = await self.session.execute(
            select(Verrijkingsverzoek).where(
                Verrijkingsverzoek.aanmelding_id == aanmelding_id,
                Verrijkingsverzoek.organisation_key == organisation_key,
            )
        )
        return result.scalar_one_or_none()

    async def add(
        self, aanmelding_id: int, organisation_key: str, now: datetime
    ) -> Verrijkingsverzoek:
        request = Verrijkingsverzoek(
            aanmelding_id=aanmelding_id,
            organisation_key=organisation_key,
            asked_at=now,
            status=VerrijkingStatus.OPEN,
            delen_vooraf=False,
        )
        self.session.add(request)
        await self.session.flush()
        return request

    async def open_requests(
        self, organisation_key: str | None = None
    ) -> Sequence[tuple[Verrijkingsverzoek, Aanmelding]]:
        """Requests still waiting for an answer (of one organisation), oldest first."""
        query = (
            select(Verrijkingsverzoek, Aanmelding)
            .join(Aanmelding, Aanmelding.id == Verrijkingsverzoek.aanmelding_id)
            .where(Verrijkingsverzoek.status == VerrijkingStatus.OPEN)
            .order_by(Verrijkingsverzoek.id)
        )
        if organisation_key is not None:
            query = query.where(Verrijkingsverzoek.organisation_key == organisation_key)
        result = await self.session.execute(query)
        return [(request, aanmelding) for request, aanmelding in result.all()]

    async def delete_for(self, aanmelding_ids: Sequence[int]) -> int:
        """The partners' answers of these casussen go (retention, afschaling)."""
        result = await self.session.execute(
            delete(Verrijkingsverzoek).where(Verrijkingsverzoek.aanmelding_id.in_(aanmelding_ids))
        )
        self.effects.scrub = True
        return rowcount(result)
