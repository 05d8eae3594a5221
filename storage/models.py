"""ORM models. Portable SQL only (SQLite and PostgreSQL); schema changes go through migrations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from handlers.vocabulary import (
    ActieStatus,
    AuditKind,
    OverlegStatus,
    Phase,
    Role,
    TriageStatus,
    Urgentie,
    VerrijkingStatus,
)
from storage.crypto import EncryptedDate, EncryptedText
from storage.types import EnumText, OutboxState, RoomState, SentState, UTCDateTime


class Base(DeclarativeBase):
    pass


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    members: Mapped[list[Member]] = relationship(back_populates="organisation")


class Member(Base):
    """A Matrix user who may use the bot, in one organisation with one role."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    matrix_id: Mapped[str] = mapped_column(String(255), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    role: Mapped[Role] = mapped_column(EnumText(Role, 32))
    # The encrypted direct chat the member opened with the bot; where the bot reaches them.
    dm_room_id: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship(back_populates="members")


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
    # The casus whose personal data the message carries: once sent, it is remembered in
    # sent_messages so retention can redact it.
    reference: Mapped[str | None] = mapped_column(String(32), default=None)


class MemberIdentity(Base):
    """The cross-signing master key a member was first seen with (trust on first use).

    When a different key shows up the member is paused until a beheerder confirms the new
    key: a stolen account is a real threat (issue: E2EE transport).
    """

    __tablename__ = "member_identities"

    matrix_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    master_key: Mapped[str] = mapped_column(String(64))
    pending_master_key: Mapped[str | None] = mapped_column(String(64), default=None)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


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


class ReferenceCounter(Base):
    """The last case number handed out per prefix and year (ZVH-2026-0042)."""

    __tablename__ = "reference_counters"

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Aanmelding(Base):
    """A submitted aanmelding (DOMAIN.md phase 1). Personal data lives in these columns only."""

    __tablename__ = "aanmeldingen"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Written since the first version and never read; the column stays (dropping it means
    # rebuilding this table on SQLite, whose children cascade).
    status: Mapped[str] = mapped_column(String(32), default="aangemeld")
    aanmelder_matrix_id: Mapped[str] = mapped_column(String(255))
    aanmelder_organisation: Mapped[str] = mapped_column(String(32))
    # Personalia of the betrokkene.
    voornaam: Mapped[str] = mapped_column(EncryptedText())
    achternaam: Mapped[str] = mapped_column(EncryptedText())
    aliassen: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    geboortedatum: Mapped[date | None] = mapped_column(EncryptedDate())  # None once cleaned
    minderjarig: Mapped[bool] = mapped_column(Boolean)
    adres: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    postcode: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    woonplaats: Mapped[str] = mapped_column(EncryptedText())
    # The case.
    gemeente: Mapped[str] = mapped_column(EncryptedText())
    probleemstelling: Mapped[str] = mapped_column(EncryptedText())
    doel: Mapped[str] = mapped_column(EncryptedText())
    criteria: Mapped[str] = mapped_column(Text)  # JSON list of criterion keys
    betrokken_partners: Mapped[str] = mapped_column(Text)  # JSON list of organisation keys
    urgentie: Mapped[Urgentie] = mapped_column(EnumText(Urgentie, 16))
    spoed_reden: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    contactpersoon: Mapped[str] = mapped_column(EncryptedText())
    # Triage (DOMAIN.md phase 2).
    triage_status: Mapped[TriageStatus] = mapped_column(
        EnumText(TriageStatus, 32), default=TriageStatus.OPEN
    )
    open_vraag: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    overleg_doel: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    overleg_themas: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    overleg_partners: Mapped[str | None] = mapped_column(Text, default=None)  # JSON list
    # Casusoverleg and plan van aanpak (DOMAIN.md phases 3-5).
    procesregisseur: Mapped[str | None] = mapped_column(String(255), default=None)
    casusregisseur: Mapped[str | None] = mapped_column(String(255), default=None)
    client_informant: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    afschaling_criteria: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    # The day the casusoverleg decided to afschalen: the retention clock starts here.
    afgeschaald_on: Mapped[date | None] = mapped_column(Date, default=None)
    # When retention cleaned the file: personal data and free text gone, reference and
    # dates kept (DOMAIN.md phase 5).
    cleaned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Keyed hash of achternaam and geboortedatum: finds a person for inzage (AVG art. 15)
    # without a plaintext name in the database.
    lookup_hash: Mapped[str | None] = mapped_column(String(64), default=None, index=True)


class Verrijkingsverzoek(Base):
    """A request to one partner organisation: is the betrokkene known, what is relevant?

    The first contact of the organisation to answer closes it (DOMAIN.md phase 2).
    """

    __tablename__ = "verrijkingsverzoeken"
    __table_args__ = (UniqueConstraint("aanmelding_id", "organisation_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    aanmelding_id: Mapped[int] = mapped_column(
        ForeignKey("aanmeldingen.id", ondelete="CASCADE"), index=True
    )
    organisation_key: Mapped[str] = mapped_column(String(32))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[VerrijkingStatus] = mapped_column(EnumText(VerrijkingStatus, 16))
    answered_by: Mapped[str | None] = mapped_column(String(255), default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    bekend: Mapped[bool | None] = mapped_column(Boolean, default=None)
    informatie: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    # The supplying partner decides whether its answer may be shown to the participants of
    # a casusoverleg beforehand (Gelderland-Midden art. 12.2f / 13.2d); default no.
    delen_vooraf: Mapped[bool] = mapped_column(Boolean, default=False)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class TriageOutcome(Base):
    """Anonymous record for the yearly figures: when, which organisation, which outcome."""

    __tablename__ = "triage_outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decided_on: Mapped[date] = mapped_column(Date)
    organisation_key: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[TriageStatus] = mapped_column(EnumText(TriageStatus, 32))


class JobSlot(Base):
    """The last slot a calendar job (e.g. the weekly agenda) ran for: once per slot."""

    __tablename__ = "job_slots"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_slot: Mapped[datetime] = mapped_column(UTCDateTime())


class Overleg(Base):
    """One scheduled casusoverleg of a casus (a casus may have follow-up overleggen)."""

    __tablename__ = "overleggen"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    aanmelding_id: Mapped[int] = mapped_column(
        ForeignKey("aanmeldingen.id", ondelete="CASCADE"), index=True
    )
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    locatie: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    status: Mapped[OverlegStatus] = mapped_column(EnumText(OverlegStatus, 16))
    planned_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class PvaActie(Base):
    """One action of the plan van aanpak: wat, wie (organisation, optionally a person), wanneer."""

    __tablename__ = "pva_acties"
    __table_args__ = (UniqueConstraint("aanmelding_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    aanmelding_id: Mapped[int] = mapped_column(
        ForeignKey("aanmeldingen.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    wat: Mapped[str] = mapped_column(EncryptedText())
    organisation_key: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str | None] = mapped_column(String(255), default=None)
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[ActieStatus] = mapped_column(EnumText(ActieStatus, 16), default=ActieStatus.OPEN)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # A new deadline the owner asked for, until the casusregisseur decides.
    requested_deadline: Mapped[date | None] = mapped_column(Date, default=None)
    requested_by: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Deadline reminders already sent, as working-day offsets ("3,0"); cleared when the
    # deadline changes, so a new deadline gets its own reminders.
    reminders_sent: Mapped[str] = mapped_column(String(32), default="")
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # When the deadline was set: reminder moments before it are not sent (late) afterwards.
    deadline_set_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def sent_offsets(self) -> set[int]:
        return {int(part) for part in self.reminders_sent.split(",") if part}

    def mark_sent(self, offsets: set[int]) -> None:
        self.reminders_sent = ",".join(str(n) for n in sorted(self.sent_offsets() | offsets))

    def reschedule(self, deadline: date, now: datetime) -> None:
        """A new deadline: its reminders and escalation start over."""
        self.deadline, self.deadline_set_at = deadline, now
        self.reminders_sent, self.escalated_at = "", None


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
    # Tamper evidence: each entry's hash covers its content and the previous entry's hash.
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


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
