"""Column types shared by the models: aware UTC datetimes and the domain's enums as text."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC; SQLite would otherwise hand back naive values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


E = TypeVar("E", bound=StrEnum)


class EnumText(TypeDecorator[E], Generic[E]):
    """A domain enum stored as its value (plain text, as before the enums existed).

    Reading gives the enum member; writing takes a member or its value, and refuses a
    word the enum does not know, so no stray status reaches the database.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        if value is None:
            return None
        return self.enum(value)


# The bookkeeping states of the bot's own tables (not domain statuses).


class OutboxState(StrEnum):
    PENDING = "pending"
    HELD = "held"
    FAILED = "failed"


class RoomState(StrEnum):
    """A managed room: pending (the homeserver does not match the wish yet), ready, or
    closing (retention empties and gives it up)."""

    PENDING = "pending"
    READY = "ready"
    CLOSING = "closing"


class SentState(StrEnum):
    SENT = "sent"
    REDACT = "redact"


# The reference of a member's message with a BSN that the bot takes back itself (in the
# sent-messages table, so the room manager redacts it like the bot's own).
WITHDRAWN = "bsn-ingetrokken"
