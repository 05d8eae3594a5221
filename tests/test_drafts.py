"""Abandoned drafts, with a frozen clock: one reminder in working hours, then deletion."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from handlers.house import House, RetentionPolicy
from scheduler.clock import FrozenClock
from scheduler.job import run_job
from scheduler.jobs.drafts import drafts as drafts_job
from scheduler.workhours import WorkingTime
from storage.db import Database
from storage.models import Conversation, OutboxMessage
from storage.unit import Unit

AMS = ZoneInfo("Europe/Amsterdam")
WORK = WorkingTime(zone=AMS)


async def tick(db: Database, clock: FrozenClock) -> list[tuple[str, datetime]]:
    """One job run; returns the notices it queued (text, not before) and clears them."""
    policy = RetentionPolicy(draft_reminder_hours=24, draft_days=7)
    await run_job(
        db.transaction, drafts_job(House(working_time=WORK, retention=policy)), clock.now()
    )
    async with db.session() as session, session.begin():
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
        queued = [(row.plain, row.next_attempt_at) for row in rows]
        for row in rows:
            await session.delete(row)
    return queued


async def start_draft(db: Database, at: datetime) -> None:
    async with db.session() as session, session.begin():
        await Unit(session).conversations.save("@p:x.nl", "!dm:x.nl", "aanmelding", "{}", at)


async def drafts(db: Database) -> int:
    async with db.session() as session:
        return len((await session.execute(select(Conversation))).scalars().all())


async def test_reminder_waits_for_working_hours_and_comes_once(db: Database) -> None:
    # Left on Friday 24 April 2026 at 16:00; Monday 27 April is Koningsdag.
    clock = FrozenClock(datetime(2026, 4, 24, 16, 0, tzinfo=AMS))
    await start_draft(db, clock.now())
    clock.advance(timedelta(hours=23))
    assert await tick(db, clock) == []
    clock.set(datetime(2026, 4, 25, 16, 30, tzinfo=AMS))  # Saturday: 24 h passed, not working
    assert await tick(db, clock) == []
    clock.set(datetime(2026, 4, 27, 10, 0, tzinfo=AMS))  # Koningsdag
    assert await tick(db, clock) == []
    clock.set(datetime(2026, 4, 28, 8, 30, tzinfo=AMS))  # Tuesday, start of work
    queued = await tick(db, clock)
    assert len(queued) == 1
    assert "nog een aanmelding in concept" in queued[0][0]
    assert "1 mei 2026" in queued[0][0], "the member learns when the draft will be deleted"
    # A second tick, or a restart that runs the job again, sends nothing more.
    assert await tick(db, clock) == []
    clock.advance(timedelta(hours=5))
    assert await tick(db, clock) == []


async def test_long_downtime_gives_one_late_reminder_not_a_flood(db: Database) -> None:
    clock = FrozenClock(datetime(2026, 11, 2, 9, 0, tzinfo=AMS))  # a Monday
    await start_draft(db, clock.now())
    clock.advance(timedelta(days=3))  # the bot was down all that time
    assert len(await tick(db, clock)) == 1
    assert await tick(db, clock) == []


async def test_activity_resets_the_reminder(db: Database) -> None:
    clock = FrozenClock(datetime(2026, 11, 2, 9, 0, tzinfo=AMS))
    await start_draft(db, clock.now())
    clock.advance(timedelta(days=1, minutes=1))
    assert len(await tick(db, clock)) == 1
    await start_draft(db, clock.now())  # the member answers a question
    clock.advance(timedelta(hours=12))
    assert await tick(db, clock) == []
    clock.advance(timedelta(hours=12))
    assert len(await tick(db, clock)) == 1, "a new silence earns a new reminder"


async def test_draft_is_deleted_at_the_deadline_and_the_member_told_in_working_hours(
    db: Database,
) -> None:
    clock = FrozenClock(datetime(2026, 11, 2, 9, 0, tzinfo=AMS))
    await start_draft(db, clock.now())
    clock.advance(timedelta(days=1))
    await tick(db, clock)
    clock.set(datetime(2026, 11, 9, 8, 59, tzinfo=AMS))
    assert await drafts(db) == 1
    clock.set(datetime(2026, 11, 9, 9, 0, tzinfo=AMS))  # exactly 7 days
    queued = await tick(db, clock)
    assert await drafts(db) == 0
    assert len(queued) == 1
    assert "is verwijderd, omdat er 7 dagen niets mee is gedaan" in queued[0][0]


async def test_deletion_at_night_is_told_the_next_morning(db: Database) -> None:
    clock = FrozenClock(datetime(2026, 11, 2, 23, 0, tzinfo=AMS))
    await start_draft(db, clock.now())
    clock.advance(timedelta(days=7))
    queued = await tick(db, clock)
    assert await drafts(db) == 0, "personal data goes when due, whatever the hour"
    assert queued[0][1] == datetime(2026, 11, 10, 8, 30, tzinfo=AMS)
