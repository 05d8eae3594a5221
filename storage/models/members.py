"""Who may use the bot: organisations, members, and the identities seen of them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from handlers.vocabulary import (
    Role,
)
from storage.crypto import EncryptedText
from storage.models.base import Base
from storage.types import EnumText, UTCDateTime


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
    # How the member appears in Matrix (their display name), shown instead of their id;
    # a name is personal data, so it is stored encrypted like the casus data.
    display_name: Mapped[str | None] = mapped_column(EncryptedText(), default=None)
    # The encrypted direct chat the member opened with the bot; where the bot reaches them.
    dm_room_id: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship(back_populates="members")


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
