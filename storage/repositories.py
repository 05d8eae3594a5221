"""Repositories: the only code that builds queries. Each takes an open AsyncSession."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Executable,
    Table,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from storage.crypto import installed
from storage.db import deleted_personal_data
from storage.models import (
    Aanmelding,
    Conversation,
    HandledEvent,
    JobSlot,
    ManagedRoom,
    Member,
    MemberIdentity,
    Organisation,
    OutboxMessage,
    ReferenceCounter,
    Role,
    SyncPosition,
    TriageOutcome,
    Verrijkingsverzoek,
)

# The statements run for (nearly) every message, built once against the tables: building a
# statement and its cache key, and the ORM's bookkeeping for an ORM-enabled statement, cost
# more CPU than SQLite needs to run it (~0.4 ms against ~0.17 ms per update, bench/RESULTS.md).
_organisations = cast(Table, Organisation.__table__)
_members = cast(Table, Member.__table__)
_identities = cast(Table, MemberIdentity.__table__)
_conversations = cast(Table, Conversation.__table__)
_outbox = cast(Table, OutboxMessage.__table__)
_handled = cast(Table, HandledEvent.__table__)
_positions = cast(Table, SyncPosition.__table__)

_ORGANISATION_NAMES = select(_organisations.c.key, _organisations.c.name).order_by(
    _organisations.c.key
)
_MEMBER_SUMMARY = (
    select(
        _members.c.matrix_id, _members.c.role, _members.c.dm_room_id,
        _organisations.c.key, _organisations.c.name,
        _identities.c.master_key, _identities.c.pending_master_key,
    )
    .join(_organisations, _organisations.c.id == _members.c.organisation_id)
    .outerjoin(_identities, _identities.c.matrix_id == _members.c.matrix_id)
    .where(_members.c.matrix_id == bindparam("matrix_id"))
)  # fmt: skip
_CLAIM = {
    "sqlite": sqlite_insert(_handled).on_conflict_do_nothing(index_elements=["event_id"]),
    "postgresql": postgresql_insert(_handled).on_conflict_do_nothing(index_elements=["event_id"]),
}
_SAVE_POSITION = (
    update(_positions)
    .where(_positions.c.account == bindparam("for_account"))
    .values(next_batch=bindparam("next_batch"), updated_at=bindparam("updated_at"))
)
_CONVERSATION = select(
    _conversations.c.id, _conversations.c.matrix_id, _conversations.c.room_id,
    _conversations.c.form, _conversations.c.state, _conversations.c.updated_at,
    _conversations.c.reminded_at,
)  # fmt: skip
_CONVERSATION_OF = _CONVERSATION.where(
    _conversations.c.matrix_id == bindparam("for_member"),
    _conversations.c.room_id == bindparam("for_room"),
)
_UPDATE_CONVERSATION = (
    update(_conversations)
    .where(_conversations.c.id == bindparam("conversation_id"))
    .values(
        form=bindparam("form"), state=bindparam("state"), updated_at=bindparam("updated_at"),
        reminded_at=None,
    )
)  # fmt: skip
_INSERT_OUTBOX = insert(_outbox)
_DELETE_OUTBOX = delete(_outbox).where(_outbox.c.id.in_(bindparam("ids", expanding=True)))


_Rows = CursorResult[*tuple[Any, ...]]


async def _execute(
    session: AsyncSession, statement: Executable, params: Mapping[str, Any] | None = None
) -> _Rows:
    """Run a prebuilt table statement. The ORM flushes pending changes only before its own
    statements; this does the same, so what the unit of work changed is seen."""
    if session.new or session.dirty or session.deleted:
        await session.flush()
    result = await session.execute(statement, params)
    return cast(_Rows, result)


class OrganisationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: str) -> Organisation | None:
        result = await self.session.execute(select(Organisation).where(Organisation.key == key))
        return result.scalar_one_or_none()

    async def add(self, key: str, name: str, now: datetime) -> Organisation:
        organisation = Organisation(key=key, name=name, created_at=now)
        self.session.add(organisation)
        await self.session.flush()
        return organisation

    async def rename(self, organisation: Organisation, name: str) -> None:
        organisation.name = name
        await self.session.flush()

    async def names(self) -> Sequence[tuple[str, str]]:
        """(key, name) of every organisation, by key: a plain query, read for many messages
        (the choices of a form)."""
        result = await _execute(self.session, _ORGANISATION_NAMES)
        return [(key, name) for key, name in result.all()]

    async def list_with_member_counts(self) -> Sequence[tuple[Organisation, int]]:
        counts = (
            select(Member.organisation_id, func.count(Member.id).label("n"))
            .group_by(Member.organisation_id)
            .subquery()
        )
        result = await self.session.execute(
            select(Organisation, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.organisation_id == Organisation.id)
            .order_by(Organisation.key)
        )
        return [(organisation, int(count)) for organisation, count in result.all()]


@dataclass(frozen=True)
class MemberSummary:
    matrix_id: str
    role: str
    dm_room_id: str | None
    organisation_key: str
    organisation_name: str
    # The identity (cross-signing master key) the bot knows of them, and an unconfirmed
    # new one: read along, since every message checks it (see IdentityService.check).
    master_key: str | None = None
    pending_master_key: str | None = None

    @property
    def identity_keys(self) -> tuple[str, str | None] | None:
        """(known master key, unconfirmed new one), or None when no key is known yet."""
        if self.master_key is None:
            return None
        return (self.master_key, self.pending_master_key)


class MemberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def summary(self, matrix_id: str) -> MemberSummary | None:
        """What the bot needs to know of a member for every message: one plain query (no
        ORM object to track), with the organisation and their known identity joined in."""
        result = await _execute(self.session, _MEMBER_SUMMARY, {"matrix_id": matrix_id})
        row = result.first()
        return None if row is None else MemberSummary(*row)

    async def get(self, matrix_id: str) -> Member | None:
        # One query with a join, not a second for the organisation.
        result = await self.session.execute(
            select(Member)
            .options(joinedload(Member.organisation))
            .where(Member.matrix_id == matrix_id)
        )
        return result.scalar_one_or_none()

    async def add(
        self, matrix_id: str, organisation: Organisation, role: Role, now: datetime
    ) -> Member:
        member = Member(
            matrix_id=matrix_id,
            organisation=organisation,
            role=role.value,
            created_at=now,
        )
        self.session.add(member)
        await self.session.flush()
        return member

    async def remove(self, member: Member) -> None:
        await self.session.delete(member)
        await self.session.flush()

    async def list(self, organisation: Organisation | None = None) -> Sequence[Member]:
        query = select(Member).options(selectinload(Member.organisation))
        if organisation is not None:
            query = query.where(Member.organisation_id == organisation.id)
        result = await self.session.execute(
            query.join(Member.organisation).order_by(Organisation.key, Member.matrix_id)
        )
        return result.scalars().all()

    async def set_dm_room(self, member: Member, room_id: str) -> None:
        member.dm_room_id = room_id
        await self.session.flush()


class HandledEventRepository:
    """Remembers handled Matrix event ids; ``claim`` is the exactly-once gate."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, event_id: str, now: datetime) -> bool:
        """Mark ``event_id`` handled; False when it already was."""
        dialect = self.session.get_bind().dialect.name
        if dialect in ("sqlite", "postgresql"):
            # Every message passes here: one statement instead of a lookup and an insert
            # in a savepoint (four).
            result = await self.session.execute(
                _CLAIM[dialect], {"event_id": event_id, "handled_at": now}
            )
            return bool(getattr(result, "rowcount", 0))
        if await self.session.get(HandledEvent, event_id) is not None:
            return False
        try:
            async with self.session.begin_nested():
                self.session.add(HandledEvent(event_id=event_id, handled_at=now))
        except IntegrityError:
            return False
        return True

    async def forget_before(self, cutoff: datetime) -> int:
        result = await self.session.execute(
            delete(HandledEvent).where(HandledEvent.handled_at < cutoff)
        )
        return int(getattr(result, "rowcount", 0) or 0)


class SyncPositionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def load(self, account: str) -> str | None:
        result = await self.session.execute(
            select(SyncPosition.next_batch).where(SyncPosition.account == account)
        )
        return result.scalar_one_or_none()

    async def save(self, account: str, next_batch: str, now: datetime) -> None:
        # Saved after nearly every sync: one UPDATE, an INSERT only the first time.
        result = await self.session.execute(
            _SAVE_POSITION, {"for_account": account, "next_batch": next_batch, "updated_at": now}
        )
        if not getattr(result, "rowcount", 0):
            self.session.add(SyncPosition(account=account, next_batch=next_batch, updated_at=now))
            await self.session.flush()


QUEUED_COUNT = "casusbot.queued"


def queued_count(session: AsyncSession) -> int:
    """How many messages this unit of work put in the outbox (rolled-back ones included)."""
    return int(session.info.get(QUEUED_COUNT, 0))


@dataclass(frozen=True)
class QueuedMessage:
    id: int
    # Where the handler addressed it: a room id, or a managed room's key ("casus:…").
    room_id: str
    # The Matrix room it goes to.
    target: str
    tx_id: str
    plain: str
    html: str
    sensitive: bool
    audience: frozenset[str] | None
    is_report: bool
    attempts: int
    # The casus whose personal data it carries (see SentMessage), if any.
    reference: str | None = None


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        room_id: str,
        plain: str,
        html: str,
        now: datetime,
        *,
        sensitive: bool = False,
        audience: Iterable[str] | None = None,
        is_report: bool = False,
        not_before: datetime | None = None,
        reference: str | None = None,
        held: str | None = None,
    ) -> QueuedMessage:
        """Queue a message (``held``: parked for that reason until :meth:`release_held`).
        Returns it as the sender reads it (the target is the room id or key as given)."""
        tx_id = uuid.uuid4().hex
        result = await _execute(self.session, _INSERT_OUTBOX, {
            "reference": reference,
            "room_id": room_id,
            "tx_id": tx_id,
            "plain": plain,
            "html": html,
            "sensitive": sensitive,
            "audience": None if audience is None else "\n".join(sorted(audience)),
            "is_report": is_report,
            "state": "pending" if held is None else "held",
            "error": None if held is None else held[:64],
            "attempts": 0,
            "created_at": now,
            "not_before": not_before if not_before and not_before > now else None,
            "next_attempt_at": max(now, not_before) if not_before else now,
        })  # fmt: skip
        (message_id,) = result.inserted_primary_key or (None,)
        if message_id is None:
            raise RuntimeError("the database did not return the new outbox row's id")
        self.session.info[QUEUED_COUNT] = self.session.info.get(QUEUED_COUNT, 0) + 1
        return QueuedMessage(
            id=int(message_id),
            room_id=room_id,
            target=room_id,
            tx_id=tx_id,
            plain=plain,
            html=html,
            sensitive=sensitive,
            audience=None if audience is None else frozenset(audience),
            is_report=is_report,
            attempts=0,
            reference=reference,
        )

    async def due_heads(self, now: datetime, exclude_rooms: Iterable[str]) -> list[QueuedMessage]:
        """The oldest pending message of each room, if it is due: rooms keep their order.

        A message deferred to a later moment (``not_before``) is not a head until then, so
        it does not hold up the room; a message waiting for a retry is, and does.
        """
        heads = (
            select(func.min(OutboxMessage.id))
            .where(
                OutboxMessage.state == "pending",
                or_(OutboxMessage.not_before.is_(None), OutboxMessage.not_before <= now),
            )
            .group_by(OutboxMessage.room_id)
        )
        # A message to a managed room waits until the room is as the handlers described it
        # (created, everyone invited), so the room key reaches every invited member.
        query = (
            select(OutboxMessage, ManagedRoom.room_id)
            .outerjoin(ManagedRoom, ManagedRoom.key == OutboxMessage.room_id)
            .where(
                OutboxMessage.id.in_(heads),
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.room_id.startswith("!"), ManagedRoom.state == "ready"),
            )
        )
        excluded = list(exclude_rooms)
        if excluded:
            query = query.where(OutboxMessage.room_id.not_in(excluded))
        result = await self.session.execute(query.order_by(OutboxMessage.id))
        return [
            QueuedMessage(
                id=row.id,
                room_id=row.room_id,
                target=managed_room_id or row.room_id,
                tx_id=row.tx_id,
                plain=row.plain,
                html=row.html,
                sensitive=row.sensitive,
                audience=None if row.audience is None else frozenset(row.audience.split("\n")),
                is_report=row.is_report,
                attempts=row.attempts,
                reference=row.reference,
            )
            for row, managed_room_id in result.all()
        ]

    async def next_due_at(self, exclude_rooms: Iterable[str] = ()) -> datetime | None:
        """When the next message (of a room not in ``exclude_rooms``) is due."""
        query = (
            select(func.min(OutboxMessage.next_attempt_at))
            .outerjoin(ManagedRoom, ManagedRoom.key == OutboxMessage.room_id)
            .where(
                OutboxMessage.state == "pending",
                or_(OutboxMessage.room_id.startswith("!"), ManagedRoom.state == "ready"),
            )
        )
        excluded = list(exclude_rooms)
        if excluded:
            query = query.where(OutboxMessage.room_id.not_in(excluded))
        result = await self.session.execute(query)
        value: datetime | None = result.scalar_one_or_none()  # min() keeps the column type
        return value

    async def rooms_with_pending(self, now: datetime) -> set[str]:
        """Rooms with a pending message that holds up the room (due, or waiting for a
        retry; not one deferred to a later moment)."""
        result = await self.session.execute(
            select(OutboxMessage.room_id)
            .where(
                OutboxMessage.state == "pending",
                or_(OutboxMessage.not_before.is_(None), OutboxMessage.not_before <= now),
            )
            .distinct()
        )
        return set(result.scalars())

    async def mark_sent_all(self, message_ids: Sequence[int]) -> None:
        await _execute(self.session, _DELETE_OUTBOX, {"ids": list(message_ids)})

    async def retry_later(self, message_id: int, at: datetime, error: str) -> None:
        row = await self.session.get(OutboxMessage, message_id)
        if row is not None:
            row.attempts += 1
            row.next_attempt_at = at
            row.error = error[:64]

    async def hold(self, message_id: int, reason: str) -> None:
        """Park a message until :meth:`release_held`; a held message does not block its room."""
        row = await self.session.get(OutboxMessage, message_id)
        if row is not None:
            row.state = "held"
            row.error = reason[:64]

    async def release_held(self, now: datetime) -> int:
        result = await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.state == "held")
            .values(state="pending", next_attempt_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def mark_failed(self, message_id: int, error: str) -> None:
        """Give up on a message; its text is removed, the failure is kept."""
        row = await self.session.get(OutboxMessage, message_id)
        if row is not None:
            row.state = "failed"
            row.attempts += 1
            row.error = error[:64]
            row.plain = ""
            row.html = ""

    async def count(self, state: str = "pending") -> int:
        result = await self.session.execute(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.state == state)
        )
        return int(result.scalar_one())


class IdentityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, matrix_id: str) -> MemberIdentity | None:
        return await self.session.get(MemberIdentity, matrix_id)

    async def remember(self, matrix_id: str, master_key: str, now: datetime) -> None:
        self.session.add(
            MemberIdentity(matrix_id=matrix_id, master_key=master_key, first_seen_at=now)
        )
        await self.session.flush()

    async def mark_changed(self, identity: MemberIdentity, new_key: str, now: datetime) -> None:
        identity.pending_master_key = new_key
        identity.changed_at = now
        await self.session.flush()

    async def confirm(self, identity: MemberIdentity) -> None:
        assert identity.pending_master_key is not None
        identity.master_key = identity.pending_master_key
        identity.pending_master_key = None
        await self.session.flush()

    async def paused(self, matrix_ids: Iterable[str]) -> set[str]:
        ids = list(matrix_ids)
        if not ids:
            return set()
        result = await self.session.execute(
            select(MemberIdentity.matrix_id).where(
                MemberIdentity.matrix_id.in_(ids), MemberIdentity.pending_master_key.is_not(None)
            )
        )
        return set(result.scalars())

    async def forget(self, matrix_id: str) -> None:
        await self.session.execute(
            delete(MemberIdentity).where(MemberIdentity.matrix_id == matrix_id)
        )


@dataclass(frozen=True)
class ConversationRow:
    """A member's conversation in progress as the handlers use it (no ORM object: it is read
    and written for nearly every message, see bench/RESULTS.md)."""

    id: int
    matrix_id: str
    room_id: str
    form: str
    state: str
    updated_at: datetime
    reminded_at: datetime | None


class ConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, matrix_id: str, room_id: str) -> ConversationRow | None:
        result = await self.session.execute(
            _CONVERSATION_OF, {"for_member": matrix_id, "for_room": room_id}
        )
        row = result.first()
        return None if row is None else ConversationRow(*row)

    async def save(
        self,
        matrix_id: str,
        room_id: str,
        form: str,
        state: str,
        now: datetime,
        loaded: ConversationRow | None = None,
    ) -> ConversationRow:
        """Insert or update the conversation; ``loaded`` is its row when the caller has it
        (every answer in a conversation: no second lookup)."""
        existing = loaded or await self.get(matrix_id, room_id)
        if existing is None:
            result = await self.session.execute(
                insert(Conversation)
                .values(
                    matrix_id=matrix_id, room_id=room_id, form=form, state=state,
                    created_at=now, updated_at=now,
                )
                .returning(Conversation.id)
            )  # fmt: skip
            new_id = int(result.scalar_one())
        else:
            new_id = existing.id
            # Activity: a new reminder may be due later.
            await self.session.execute(
                _UPDATE_CONVERSATION,
                {"conversation_id": existing.id, "form": form, "state": state, "updated_at": now},
            )
        return ConversationRow(new_id, matrix_id, room_id, form, state, now, None)

    async def delete(self, conversation: ConversationRow) -> None:
        """A conversation's state holds what the member typed: personal data."""
        await self.session.execute(delete(Conversation).where(Conversation.id == conversation.id))
        deleted_personal_data(self.session)

    async def count_for(self, matrix_id: str) -> int:
        result = await self.session.execute(
            select(func.count(Conversation.id)).where(Conversation.matrix_id == matrix_id)
        )
        return int(result.scalar_one())

    async def idle_since(self, cutoff: datetime) -> Sequence[ConversationRow]:
        result = await self.session.execute(
            _CONVERSATION.where(_conversations.c.updated_at <= cutoff).order_by(_conversations.c.id)
        )
        return [ConversationRow(*row) for row in result.all()]

    async def mark_reminded(self, conversation: ConversationRow, now: datetime) -> None:
        await self.session.execute(
            update(Conversation).where(Conversation.id == conversation.id).values(reminded_at=now)
        )


class ReferenceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next(self, prefix: str, year: int) -> str:
        """The next case reference, e.g. ZVH-2026-0042; numbers restart every year."""
        counter = await self.session.get(ReferenceCounter, (prefix, year), with_for_update=True)
        if counter is None:
            counter = ReferenceCounter(prefix=prefix, year=year, last=0)
            self.session.add(counter)
        counter.last += 1
        await self.session.flush()
        return f"{prefix}-{year}-{counter.last:04d}"


class AanmeldingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, aanmelding: Aanmelding) -> Aanmelding:
        if aanmelding.geboortedatum is not None:
            # Inzage finds a person by achternaam and geboortedatum without plaintext.
            aanmelding.lookup_hash = installed().lookup_hash(
                aanmelding.achternaam, aanmelding.geboortedatum.isoformat()
            )
        self.session.add(aanmelding)
        await self.session.flush()
        return aanmelding

    async def in_triage(self) -> Sequence[Aanmelding]:
        """Aanmeldingen awaiting a triage decision (open, or onduidelijk)."""
        result = await self.session.execute(
            select(Aanmelding)
            .where(Aanmelding.triage_status.in_(("open", "onduidelijk")))
            .order_by(Aanmelding.submitted_at)
        )
        return result.scalars().all()

    async def delete(self, aanmelding: Aanmelding) -> None:
        """Delete the aanmelding and (cascade) its verrijkingsverzoeken: rows, not flags."""
        await self.session.execute(
            delete(Verrijkingsverzoek).where(Verrijkingsverzoek.aanmelding_id == aanmelding.id)
        )
        await self.session.delete(aanmelding)
        await self.session.flush()
        deleted_personal_data(self.session)

    async def by_reference(self, reference: str) -> Aanmelding | None:
        result = await self.session.execute(
            select(Aanmelding).where(Aanmelding.reference == reference)
        )
        return result.scalar_one_or_none()


class VerrijkingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

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
            status="open",
            delen_vooraf=False,
        )
        self.session.add(request)
        await self.session.flush()
        return request

    async def open_requests(self) -> Sequence[tuple[Verrijkingsverzoek, Aanmelding]]:
        result = await self.session.execute(
            select(Verrijkingsverzoek, Aanmelding)
            .join(Aanmelding, Aanmelding.id == Verrijkingsverzoek.aanmelding_id)
            .where(Verrijkingsverzoek.status == "open")
            .order_by(Verrijkingsverzoek.id)
        )
        return [(request, aanmelding) for request, aanmelding in result.all()]


class TriageOutcomeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, decided_on: date, organisation_key: str, outcome: str) -> None:
        self.session.add(
            TriageOutcome(decided_on=decided_on, organisation_key=organisation_key, outcome=outcome)
        )
        await self.session.flush()


class JobSlotRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, name: str, slot: datetime) -> bool:
        """Record that ``slot`` of job ``name`` ran; False when it (or a later one) already did."""
        row = await self.session.get(JobSlot, name, with_for_update=True)
        if row is not None and row.last_slot >= slot:
            return False
        if row is None:
            self.session.add(JobSlot(name=name, last_slot=slot))
        else:
            row.last_slot = slot
        await self.session.flush()
        return True
