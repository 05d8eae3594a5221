"""The clock every part of casusbot asks for the time, so tests can travel in time.

All times are aware. ``local_now`` is in the house's zone (Europe/Amsterdam by default),
so date arithmetic survives DST changes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    zone: ZoneInfo

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        ...


def local_now(clock: Clock) -> datetime:
    """The current instant in the clock's zone."""
    return clock.now().astimezone(clock.zone)


class SystemClock:
    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to; for tests and time-travelled demos."""

    def __init__(self, start: datetime, zone: ZoneInfo | None = None) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware start time")
        self.zone = zone or ZoneInfo("Europe/Amsterdam")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("FrozenClock needs aware times")
        self._now = instant.astimezone(UTC)


class OffsetClock:
    """The real time plus an offset that only grows: the bot keeps running normally
    (retries, timeouts) while a demo or a test travels months ahead."""

    def __init__(self, zone: ZoneInfo | None = None) -> None:
        self.zone = zone or ZoneInfo("Europe/Amsterdam")
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def travel(self, delta: timedelta) -> None:
        if delta < timedelta():
            raise ValueError("OffsetClock only travels forward")
        self.offset += delta
