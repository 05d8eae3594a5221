"""The authorisation review twice a year, with a frozen clock over a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select

from handlers.beheer.members import MembershipService
from handlers.house import House, Wording
from scheduler.job import run_job
from scheduler.jobs.review import authorisation_review
from scheduler.workhours import WorkingTime
from storage.db import Database
from storage.models import OutboxMessage
from tests.databases import Databases

AMS = ZoneInfo("Europe/Amsterdam")
WORK = WorkingTime(zone=AMS)
WORDING = Wording(house_name="ZVH Testregio")
JOB = authorisation_review(House(words=WORDING, working_time=WORK, review_months=(1, 7)))


@pytest.fixture
async def db(databases: Databases) -> AsyncIterator[Database]:
    database = Database(databases.url("review"))
    await database.migrate()
    start = datetime(2026, 6, 1, tzinfo=AMS)
    async with database.transaction() as unit:
        members = MembershipService(unit)
        await members.add_organisation("zvh", "ZVH", start)
        await members.add_organisation("politie", "Politie", start)
        for user, org, role in (("@manager:x.nl", "zvh", "manager"),
                                ("@beheer:x.nl", "zvh", "beheerder"),
                                ("@agent:x.nl", "politie", "partner")):  # fmt: skip
            await members.add_member(user, org, role, start)
            await members.record_direct_room(user, f"!dm-{user}")
    yield database
    await database.close()


async def run(db: Database, now: datetime) -> list[OutboxMessage]:
    await run_job(db.transaction, JOB, now)
    async with db.transaction() as unit:
        rows = list((await unit.session.execute(select(OutboxMessage))).scalars())
        await unit.session.execute(delete(OutboxMessage))
    return rows


async def test_twice_a_year_once_to_managers_and_beheerders(db: Database) -> None:
    assert await run(db, datetime(2026, 12, 31, 23, tzinfo=AMS)) == [], (
        "installed long after July's review: not sent late"
    )
    new_year = await run(db, datetime(2027, 1, 1, 0, 30, tzinfo=AMS))
    assert sorted(row.room_id for row in new_year) == ["!dm-@beheer:x.nl", "!dm-@manager:x.nl"]
    assert "Politie | medewerker ketenpartner | agent (@agent:x.nl)" in new_year[0].plain
    assert {row.not_before.astimezone(AMS) for row in new_year if row.not_before} == {
        datetime(2027, 1, 4, 8, 30, tzinfo=AMS)
    }, "New Year's Day is a holiday and the 2nd and 3rd a weekend"
    assert await run(db, datetime(2027, 1, 4, 9, tzinfo=AMS)) == [], "once"
    assert await run(db, datetime(2027, 6, 30, 9, tzinfo=AMS)) == []
    late = await run(db, datetime(2027, 7, 12, 9, tzinfo=AMS))  # the bot was down
    assert len(late) == 2
    assert await run(db, datetime(2027, 7, 12, 10, tzinfo=AMS)) == []
