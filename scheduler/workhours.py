"""Working hours: when the bot may send reminders (never at night, on Sundays or holidays).

All arithmetic is done on local wall-clock dates in the house's zone and converted back,
so 08:30 stays 08:30 across the DST changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays


@dataclass(frozen=True)
class WorkingTime:
    zone: ZoneInfo
    start: time = time(8, 30)
    end: time = time(17, 0)
    weekdays: frozenset[int] = frozenset(range(5))  # Monday = 0
    country: str = "NL"
    _holidays: holidays.HolidayBase = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_holidays", holidays.country_holidays(self.country))

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self._holidays

    def is_working_moment(self, instant: datetime) -> bool:
        local = instant.astimezone(self.zone)
        return self.is_working_day(local.date()) and self.start <= local.time() < self.end

    def add_working_days(self, instant: datetime, days: int) -> datetime:
        """The same time of the working day, ``days`` working days after ``instant``
        (counted from the next working moment)."""
        moment = self.next_working_moment(instant).astimezone(self.zone)
        day, added = moment.date(), 0
        while added < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                added += 1
        return datetime.combine(day, moment.time(), tzinfo=self.zone).astimezone(UTC)

    def start_of(self, day: date) -> datetime:
        """The start of working hours on ``day`` (local), as UTC."""
        return datetime.combine(day, self.start, tzinfo=self.zone).astimezone(UTC)

    def working_day_before(self, day: date, days: int) -> date:
        """The working day ``days`` working days before ``day`` (0: ``day`` itself, or the
        last working day before it when it is none)."""
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        for _ in range(days):
            day -= timedelta(days=1)
            while not self.is_working_day(day):
                day -= timedelta(days=1)
        return day

    def working_day_after(self, day: date, days: int) -> date:
        """The working day ``days`` (≥ 1) working days after ``day``."""
        for _ in range(days):
            day += timedelta(days=1)
            while not self.is_working_day(day):
                day += timedelta(days=1)
        return day

    def latest_weekly_slot(self, instant: datetime, weekday: int, at: time) -> datetime:
        """The most recent ``weekday`` at ``at`` (local time) at or before ``instant``."""
        local = instant.astimezone(self.zone)
        day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
        slot = datetime.combine(day, at, tzinfo=self.zone)
        if slot > local:
            slot = datetime.combine(day - timedelta(days=7), at, tzinfo=self.zone)
        return slot.astimezone(UTC)

    def next_working_moment(self, instant: datetime) -> datetime:
        """``instant`` itself when it is inside working hours, else the next start of work."""
        if self.is_working_moment(instant):
            return instant
        local = instant.astimezone(self.zone)
        day = local.date()
        if not (self.is_working_day(day) and local.time() < self.start):
            day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return datetime.combine(day, self.start, tzinfo=self.zone).astimezone(UTC)
