"""A unit of work: one transaction, the repositories that work in it, and its effects.

The domain gets a :class:`Unit`, never a session: every query is a repository method, and
what the unit did that matters after the commit is in :attr:`Unit.effects` (see
``storage/base.py``). :meth:`storage.db.Database.transaction` makes one.
"""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction

from storage.audit import AuditRepository
from storage.base import Effects
from storage.bookkeeping import (
    HandledEventRepository,
    JobSlotRepository,
    RoomStateRepository,
    SyncPositionRepository,
    WithdrawnMessageRepository,
)
from storage.casus import (
    AanmeldingRepository,
    ReferenceRepository,
    VerrijkingRepository,
)
from storage.conversations import ConversationRepository
from storage.feiten import FeitRepository
from storage.members import IdentityRepository, MemberRepository, OrganisationRepository
from storage.outbox import OutboxRepository
from storage.overleg import OverlegRepository
from storage.plan import ActieRepository
from storage.registers import IncidentRepository, VerzoekRepository
from storage.rooms import ManagedRoomRepository, SentMessageRepository
from storage.stats import StatsRepository


class Unit:
    def __init__(self, session: AsyncSession, effects: Effects | None = None) -> None:
        self.session = session
        self.effects = effects if effects is not None else Effects()

    @cached_property
    def organisations(self) -> OrganisationRepository:
        return OrganisationRepository(self.session, self.effects)

    @cached_property
    def members(self) -> MemberRepository:
        return MemberRepository(self.session, self.effects)

    @cached_property
    def identities(self) -> IdentityRepository:
        return IdentityRepository(self.session, self.effects)

    @cached_property
    def references(self) -> ReferenceRepository:
        return ReferenceRepository(self.session, self.effects)

    @cached_property
    def aanmeldingen(self) -> AanmeldingRepository:
        return AanmeldingRepository(self.session, self.effects)

    @cached_property
    def verrijking(self) -> VerrijkingRepository:
        return VerrijkingRepository(self.session, self.effects)

    @cached_property
    def feiten(self) -> FeitRepository:
        return FeitRepository(self.session, self.effects)

    @cached_property
    def overleggen(self) -> OverlegRepository:
        return OverlegRepository(self.session, self.effects)

    @cached_property
    def acties(self) -> ActieRepository:
        return ActieRepository(self.session, self.effects)

    @cached_property
    def audit(self) -> AuditRepository:
        return AuditRepository(self.session, self.effects)

    @cached_property
    def outbox(self) -> OutboxRepository:
        return OutboxRepository(self.session, self.effects)

    @cached_property
    def conversations(self) -> ConversationRepository:
        return ConversationRepository(self.session, self.effects)

    @cached_property
    def rooms(self) -> ManagedRoomRepository:
        return ManagedRoomRepository(self.session, self.effects)

    @cached_property
    def sent(self) -> SentMessageRepository:
        return SentMessageRepository(self.session, self.effects)

    @cached_property
    def handled_events(self) -> HandledEventRepository:
        return HandledEventRepository(self.session, self.effects)

    @cached_property
    def sync_positions(self) -> SyncPositionRepository:
        return SyncPositionRepository(self.session, self.effects)

    @cached_property
    def room_state(self) -> RoomStateRepository:
        return RoomStateRepository(self.session, self.effects)

    @cached_property
    def withdrawn(self) -> WithdrawnMessageRepository:
        return WithdrawnMessageRepository(self.session, self.effects)

    @cached_property
    def job_slots(self) -> JobSlotRepository:
        return JobSlotRepository(self.session, self.effects)

    @cached_property
    def verzoeken(self) -> VerzoekRepository:
        return VerzoekRepository(self.session, self.effects)

    @cached_property
    def incidenten(self) -> IncidentRepository:
        return IncidentRepository(self.session, self.effects)

    @cached_property
    def stats(self) -> StatsRepository:
        return StatsRepository(self.session, self.effects)

    def savepoint(self) -> AsyncSessionTransaction:
        """A nested transaction: what happens inside is undone alone when it fails."""
        return self.session.begin_nested()

    async def flush(self) -> None:
        """Write pending changes of the domain's objects now (e.g. before counting)."""
        await self.session.flush()
