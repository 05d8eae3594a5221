"""ORM models, one module per part of the schema; every model is imported here, so that
``Base.metadata`` knows the whole schema (migrations compare against it)."""

from __future__ import annotations

from storage.models.base import Base
from storage.models.bookkeeping import (
    AuditEntry,
    Conversation,
    HandledEvent,
    JobSlot,
    ManagedRoom,
    OutboxMessage,
    RoomStateEvent,
    SentMessage,
    SyncPosition,
    WithdrawnMessage,
)
from storage.models.casus import (
    Aanmelding,
    Overleg,
    Persoon,
    PvaActie,
    ReferenceCounter,
    Verrijkingsverzoek,
)
from storage.models.feiten import Feit
from storage.models.members import Member, MemberIdentity, Organisation
from storage.models.registers import Incident, Verzoek

__all__ = [
    "Aanmelding",
    "AuditEntry",
    "Base",
    "Conversation",
    "Feit",
    "HandledEvent",
    "Incident",
    "JobSlot",
    "ManagedRoom",
    "Member",
    "MemberIdentity",
    "Organisation",
    "OutboxMessage",
    "Overleg",
    "Persoon",
    "PvaActie",
    "ReferenceCounter",
    "RoomStateEvent",
    "SentMessage",
    "SyncPosition",
    "Verrijkingsverzoek",
    "Verzoek",
    "WithdrawnMessage",
]
