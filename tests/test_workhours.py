"""Working hours across weekends, Dutch holidays and DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.workhours import WorkingTime

AMS = ZoneInfo("Europe/Amsterdam")
WORK = WorkingTime(zone=AMS)


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMS)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (local(2026, 11, 23, 10, 0), local(2026, 11, 23, 10, 0)),  # Monday morning: now
        (local(2026, 11, 23, 7, 0), local(2026, 11, 23, 8, 30)),  # before work: same day
        (local(2026, 11, 23, 17, 0), local(2026, 11, 24, 8, 30)),  # after work: next day
        (local(2026, 11, 27, 18, 0), local(2026, 11, 30, 8, 30)),  # Friday evening: Monday
        (local(2026, 11, 29, 12, 0), local(2026, 11, 30, 8, 30)),  # Sunday: Monday
        (local(2026, 4, 24, 17, 30), local(2026, 4, 28, 8, 30)),  # Koningsdag Monday skipped
        (local(2026, 12, 24, 20, 0), local(2026, 12, 28, 8, 30)),  # Christmas, weekend
    ],
)
def test_next_working_moment(instant: datetime, expected: datetime) -> None:
    assert WORK.next_working_moment(instant) == expected


def test_dst_changes_keep_the_local_start_of_work() -> None:
    # Spring forward on Sunday 29 March 2026, fall back on Sunday 25 October 2026.
    spring = WORK.next_working_moment(local(2026, 3, 27, 18, 0))
    autumn = WORK.next_working_moment(local(2026, 10, 23, 18, 0))
    assert spring.astimezone(AMS).hour == 8
    assert spring.astimezone(AMS).minute == 30
    assert spring == datetime(2026, 3, 30, 6, 30, tzinfo=UTC)  # CEST: UTC+2
    assert autumn == datetime(2026, 10, 26, 7, 30, tzinfo=UTC)  # CET: UTC+1


@given(
    st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    )
)
def test_the_answer_is_always_a_working_moment_not_in_the_past(instant: datetime) -> None:
    moment = WORK.next_working_moment(instant)
    assert moment >= instant
    assert WORK.is_working_moment(moment)
    assert moment - instant < timedelta(days=8)


def test_working_days_skip_weekends_and_holidays() -> None:
    # Thursday 23 April 2026 10:00 + 3 working days: Fri, (Koningsdag Mon skipped) Tue, Wed.
    assert WORK.add_working_days(local(2026, 4, 23, 10, 0), 3) == local(2026, 4, 29, 10, 0)
    # Asked on Friday evening: counted from Monday 08:30.
    assert WORK.add_working_days(local(2026, 11, 27, 20, 0), 1) == local(2026, 12, 1, 8, 30)


def test_latest_weekly_slot() -> None:
    monday_9 = time(9, 0)
    assert WORK.latest_weekly_slot(local(2026, 11, 23, 9, 0), 0, monday_9) == local(
        2026, 11, 23, 9, 0
    )
    assert WORK.latest_weekly_slot(local(2026, 11, 23, 8, 59), 0, monday_9) == local(
        2026, 11, 16, 9, 0
    )
    assert WORK.latest_weekly_slot(local(2026, 11, 26, 15, 0), 0, monday_9) == local(
        2026, 11, 23, 9, 0
    )
    # Across the autumn DST change the slot stays at 09:00 local.
    assert WORK.latest_weekly_slot(local(2026, 10, 27, 12, 0), 0, monday_9) == local(
        2026, 10, 26, 9, 0
    )
