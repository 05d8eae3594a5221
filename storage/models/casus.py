"""The casus: the aanmelding (its personal data lives in these columns only), the verrijking,
the overleggen and the plan van aanpak; and the anonymous records that outlive it."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from handlers.vocabulary import (
    DEFAULT_TAFEL,
    ActieStatus,
    Evaluatie,
    OverlegStatus,
    Route,
    TriageStatus,
    Uitkomst,
    Urgentie,
    VerrijkingStatus,
)
from storage.crypto import EncryptedDate, EncryptedText
from storage.models.base import Base
from storage.types import EnumText, UTCDateTime


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
    # The tafel it is put forward at (handlers/tafels.py); the procesregie may move it at
    # the triage.
    tafel: Mapped[str] = mapped_column(String(32), default=DEFAULT_TAFEL,
                                       server_default=DEFAULT_TAFEL)  # fmt: skip
    # Nazorg ex-gedetineerden: the expected release date, when the procesregie was
    # reminded of it, and the zwaarte-indicatie (JSON: leefgebied → groen/oranje/rood).
    vrijlating_op: Mapped[date | None] = mapped_column(EncryptedDate(), default=None)
    vrijlating_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    zwaarte: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    # Triage (DOMAIN.md phase 2): the effect, and the tafel's word for the outcome.
    triage_status: Mapped[TriageStatus] = mapped_column(
        EnumText(TriageStatus, 32), default=TriageStatus.OPEN
    )
    triage_uitkomst: Mapped[str | None] = mapped_column(String(48), default=None)
    open_vraag: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    overleg_doel: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    overleg_themas: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    overleg_partners: Mapped[str | None] = mapped_column(Text, default=None)  # JSON list
    # Casusoverleg and plan van aanpak (DOMAIN.md phases 3-5).
    procesregisseur: Mapped[str | None] = mapped_column(String(255), default=None)
    casusregisseur: Mapped[str | None] = mapped_column(String(255), default=None)
    client_informant: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    # Informing the betrokkene (AVG art. 13/14): when and by whom, or until when and why not
    # yet; and when the bot last asked (handlers/informeren).
    informed_on: Mapped[date | None] = mapped_column(Date, default=None)
    informed_by: Mapped[str | None] = mapped_column(String(255), default=None)
    inform_postponed_until: Mapped[date | None] = mapped_column(Date, default=None)
    inform_postponed_reason: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    inform_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    afschaling_criteria: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    # The day the casusoverleg decided to afschalen (then also closed_on).
    afgeschaald_on: Mapped[date | None] = mapped_column(Date, default=None)
    # Every casus ends (retention's clock starts here): afgeschaald, or afgesloten by the
    # procesregisseur (a casus without casusoverleg), with why and whether it worked.
    closed_on: Mapped[date | None] = mapped_column(Date, default=None)
    closed_route: Mapped[Route | None] = mapped_column(EnumText(Route, 16), default=None)
    closed_outcome: Mapped[Uitkomst | None] = mapped_column(EnumText(Uitkomst, 32), default=None)
    evaluation: Mapped[Evaluatie | None] = mapped_column(EnumText(Evaluatie, 16), default=None)
    # A running casus: confirmed still needed ("nog nodig ja"), and the question about it.
    still_needed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    stale_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    stale_escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # An aanmelding nobody decides on: the procesregie was reminded (once per period).
    undecided_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # When retention cleaned the file: personal data and free text gone, reference and
    # dates kept (DOMAIN.md phase 5).
    cleaned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Keyed hash of achternaam and geboortedatum: finds a person for inzage (AVG art. 15)
    # without a plaintext name in the database.
    lookup_hash: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    # The other persons the casus concerns (a family, a household), numbered from 2; loaded
    # with the aanmelding (one query for a whole batch), gone with it or when it is cleaned.
    personen: Mapped[list[Persoon]] = relationship(
        back_populates="aanmelding", cascade="all, delete-orphan", lazy="selectin",
        order_by="Persoon.number",
    )  # fmt: skip


class Persoon(Base):
    """Another person a casus concerns (criterion 2 of Bijlage 2: the household, the family).

    The aanmelding's betrokkene is person 1; these are 2, 3, ... Each carries only what
    identifies them (no address of their own: a household shares the betrokkene's) and
    their own informing record (AVG art. 13/14 is owed to each person).
    """

    __tablename__ = "personen"
    __table_args__ = (UniqueConstraint("aanmelding_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    aanmelding_id: Mapped[int] = mapped_column(
        ForeignKey("aanmeldingen.id", ondelete="CASCADE"), index=True
    )
    aanmelding: Mapped[Aanmelding] = relationship(back_populates="personen")
    number: Mapped[int] = mapped_column(Integer)
    relatie: Mapped[str] = mapped_column(EncryptedText())
    voornaam: Mapped[str] = mapped_column(EncryptedText())
    achternaam: Mapped[str] = mapped_column(EncryptedText())
    geboortedatum: Mapped[date] = mapped_column(EncryptedDate())
    minderjarig: Mapped[bool] = mapped_column(Boolean)
    woonplaats: Mapped[str] = mapped_column(EncryptedText())
    added_by: Mapped[str] = mapped_column(String(255))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lookup_hash: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    informed_on: Mapped[date | None] = mapped_column(Date, default=None)
    informed_by: Mapped[str | None] = mapped_column(String(255), default=None)
    inform_postponed_until: Mapped[date | None] = mapped_column(Date, default=None)
    inform_postponed_reason: Mapped[str | None] = mapped_column(EncryptedText(), default=None)


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
    # Recorded by the procesregie for the partner ("telefoon", "mail"); None: the partner's
    # own contact answered in the bot.
    received_via: Mapped[str | None] = mapped_column(String(16), default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


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
    # Organisations invited for this overleg only (one agenda item): JSON list of keys. They
    # leave the room after it (held, cancelled, or some hours past its moment).
    incidental: Mapped[str | None] = mapped_column(Text, default=None)

    def incidental_keys(self) -> list[str]:
        return list(json.loads(self.incidental or "[]"))


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
