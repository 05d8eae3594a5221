"""The registers the house answers for to the betrokkene and the supervisor: AVG requests
(with bezwaar) and security incidents. What could name a person is encrypted; the rest
(kind, dates, state) is what the periodic overviews count."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from handlers.vocabulary import ApBesluit, IncidentSoort, VerzoekSoort, VerzoekStatus
from storage.crypto import EncryptedText
from storage.models.base import Base
from storage.types import EnumText, UTCDateTime


class Verzoek(Base):
    """One request of a betrokkene (AVG art. 15-18, 21) or a klacht; its number is its id."""

    __tablename__ = "verzoeken"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    soort: Mapped[VerzoekSoort] = mapped_column(EnumText(VerzoekSoort, 16))
    received_on: Mapped[date] = mapped_column(Date)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    registered_by: Mapped[str] = mapped_column(String(255))
    # Who works it (a member), and for which organisation (the supplier of the casus's data).
    handler: Mapped[str | None] = mapped_column(String(255), default=None)
    organisation_key: Mapped[str | None] = mapped_column(String(32), default=None)
    # The casus it concerns, when known (the reference stays after the casus is deleted).
    reference: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    # Who asks and what, as told (needed to find and answer them); cleared by retention.
    betrokkene: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    omschrijving: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    # AVG art. 12(3): one month, extendable by two more with a reason.
    deadline: Mapped[date] = mapped_column(Date)
    extended_reason: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    status: Mapped[VerzoekStatus] = mapped_column(
        EnumText(VerzoekStatus, 16), default=VerzoekStatus.OPEN
    )
    decision: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    decided_by: Mapped[str | None] = mapped_column(String(255), default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Retention took the texts (who asked, what, the decision's wording).
    cleaned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Incident(Base):
    """One (possible) security incident: found by the bot or reported by a member."""

    __tablename__ = "incidenten"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    soort: Mapped[IncidentSoort] = mapped_column(EnumText(IncidentSoort, 32))
    # The member who reported it, or "casusbot" when the bot found it.
    reported_by: Mapped[str] = mapped_column(String(255))
    # Whom or what it concerns (a member's id, a room), as plain words for the managers.
    subject: Mapped[str | None] = mapped_column(String(255), default=None)
    reference: Mapped[str | None] = mapped_column(String(32), default=None)
    description: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    # AVG art. 33: within 72 hours, decided whether the AP is told.
    ap_besluit: Mapped[ApBesluit | None] = mapped_column(EnumText(ApBesluit, 16), default=None)
    ap_reason: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    ap_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    ap_decided_by: Mapped[str | None] = mapped_column(String(255), default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    cleaned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
