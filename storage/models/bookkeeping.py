"""What the bot keeps to do its work: events handled, the sync position, the outbox, forms in
progress, job slots, managed rooms, the audit log, and sent messages retention may redact."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from handlers.vocabulary import (
    AuditKind,
    Phase,
    Role,
)
from storage.crypto import EncryptedText
from storage.models.base import Base
from storage.types import EnumText, OutboxState, RoomState, SentState, UTCDateTime


class HandledEvent(Base):
    """Matrix events already handled, so a re-delivered event is never handled twice."""

    __tablename__ = "handled_events"

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class SyncPosition(Base):
    """Where the bot's Matrix sync stands; advanced only after events were handed over."""

    __tablename__ = "sync_position"
    __table_args__ = (UniqueConstraint("account"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(255))
    next_batch: Mapped[str] = mapped_column(Text)  # opaque, of no fixed length
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RoomStateEvent(Base):
    """The current state of a room the bot is in (bot/matrix/snapshot.py): kept with the
    sync position, so a restart rebuilds the client's rooms instead of asking the
    homeserver for the full state of every room. Its state events as one JSON list,
    encrypted: member events hold user ids and display names, which are never stored
    readable (a stranger who was in a room leaves no readable trace)."""

    __tablename__ = "room_state"
    __table_args__ = (UniqueConstraint("account", "room_id"),)

    # A key rotation rewrites encrypted rows by id (storage/keys.py).
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(255))
    room_id: Mapped[str] = mapped_column(String(255))
    events: Mapped[str] = mapped_column(EncryptedText())


class OutboxMessage(Base):
    """A notice waiting to be sent. Written in the same transaction as the work that caused it.

    ``tx_id`` is fixed when the row is written, so a resend after a crash is recognised by
    the homeserver as the same message. Rows are deleted once sent; a row that can never be
    sent is kept as ``failed`` with its text removed.
    """

    __tablename__ = "outbox"
    # Ids are never used twice: the sender refers to a message by id after it was sent and
    # deleted (migration 0012).
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[str] = mapped_column(String(255), index=True)
    tx_id: Mapped[str] = mapped_column(String(64), unique=True)
    plain: Mapped[str] = mapped_column(EncryptedText())
    html: Mapped[str] = mapped_column(EncryptedText())
    # Carries personal data: sent only where the room policy holds.
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    # Who may be in the room when a sensitive message goes out (newline-separated user ids).
    audience: Mapped[str | None] = mapped_column(Text, default=None)
    # A report about a failed delivery: never itself reported when it fails.
    is_report: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[OutboxState] = mapped_column(
        EnumText(OutboxState, 16), default=OutboxState.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Not before this moment (e.g. the next working moment); later messages to the same
    # room do not wait for it. A retry, by contrast, keeps its place in the room's order.
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A file sent with the message (a chart), as JSON; encrypted like the text.
    attachment: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    # The casus whose personal data the message carries: once sent, it is remembered in
    # sent_messages so retention can redact it.
    reference: Mapped[str | None] = mapped_column(String(32), default=None)
    # An m.text that notifies (asks someone to act), else an m.notice; whom it mentions
    # (newline-separated Matrix ids).
    notify: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    mentions: Mapped[str | None] = mapped_column(Text, default=None)


class Conversation(Base):
    """A member's conversation in progress (e.g. an aanmelding draft), one per member and room.

    ``state`` is the engine's pydantic state as JSON; it holds the draft's answers.
    """

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("matrix_id", "room_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    matrix_id: Mapped[str] = mapped_column(String(255))
    room_id: Mapped[str] = mapped_column(String(255))
    form: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(EncryptedText())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class WithdrawnMessage(Base):
    """A member's message with a BSN in it, which the bot asked them to delete: watched
    until its redaction comes (a reminder, then the bot takes it back itself, then the
    beheerders hear of it). Ids only, never the text."""

    __tablename__ = "withdrawn_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[str] = mapped_column(String(255))
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    sender: Mapped[str] = mapped_column(String(255))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # When the bot asked for its own redaction of it (after the reminder went unheeded).
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class JobSlot(Base):
    """The last slot a calendar job (e.g. the weekly agenda) ran for: once per slot."""

    __tablename__ = "job_slots"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_slot: Mapped[datetime] = mapped_column(UTCDateTime())


class ManagedRoom(Base):
    """A room the bot creates and keeps as described: name, topic and who belongs in it.

    Handlers write the wish (``name``, ``topic``, ``members``); the bot's room manager makes
    the homeserver match it and records what it did (``room_id``, ``invited``). Name and
    topic are room state, which is not encrypted: references and dates only.
    """

    __tablename__ = "managed_rooms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The address handlers use (e.g. "casus:ZVH-2026-0042"), also in the outbox.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(255))
    members: Mapped[str] = mapped_column(Text)  # newline-separated Matrix ids wanted in it
    room_id: Mapped[str | None] = mapped_column(String(255), default=None, index=True)
    invited: Mapped[str] = mapped_column(Text, default="")  # ids the bot invited
    applied_name: Mapped[str | None] = mapped_column(String(255), default=None)
    applied_topic: Mapped[str | None] = mapped_column(String(255), default=None)
    state: Mapped[RoomState] = mapped_column(
        EnumText(RoomState, 16), default=RoomState.PENDING, index=True
    )
    create_attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(64), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """Who disclosed or saw what, when and why; references and Matrix ids only, never the
    data itself (DOMAIN.md: 'Every disclosure of personal data is logged')."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    kind: Mapped[AuditKind] = mapped_column(EnumText(AuditKind, 32))
    actor: Mapped[str] = mapped_column(String(255), index=True)
    # The actor's organisation and role at that moment (members change; the log does not).
    organisation: Mapped[str | None] = mapped_column(String(32), default=None)
    role: Mapped[Role | None] = mapped_column(EnumText(Role, 32), default=None)
    reference: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    phase: Mapped[Phase | None] = mapped_column(EnumText(Phase, 16), default=None)
    detail: Mapped[str] = mapped_column(Text)  # JSON: fields, room, recipients, purpose
    # Tamper evidence (storage/audit_chain.py): the entry's number in the chain (1, 2, …;
    # never reused, so a gap is a removal), the previous entry's MAC, this entry's MAC
    # (HMAC-SHA256 under a key derived from the data key ``key_id``; not in the database).
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(8))


class SentMessage(Base):
    """A message the bot sent that carries a casus's personal data: retention redacts it.

    ``state`` is ``sent``, or ``redact`` once retention asked for it; the row is deleted
    when the redaction is done.
    """

    __tablename__ = "sent_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), index=True)
    room_id: Mapped[str] = mapped_column(String(255))
    event_id: Mapped[str] = mapped_column(String(255))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[SentState] = mapped_column(
        EnumText(SentState, 16), default=SentState.SENT, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
