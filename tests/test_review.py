"""The authorisation review twice a year, with a frozen clock over a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select

from handlers.membership import MembershipService
from handlers.review import review_authorisations
from handlers.texts import Wording
from scheduler.workhours import WorkingTime
from storage.db import Database
from storage.models import OutboxMessage
from tests.databases import Databases

AMS = ZoneInfo("Europe/Amsterdam")
WORK = WorkingTime(zone=AMS)
WORDING = Wording(house_name="ZVH Testregio")


@pytest.fixture
async def db(databases: Databases) -> AsyncIterator[Database]:
    database = Database(databases.url("review"))
    await database.migrate()
    start = datetime(2026, 6, 1, tzinfo=AMS)
    async with database.transaction() as session:
        members = MembershipService(session)
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
    async with db.transaction() as session:
        await review_authorisations(session, now, WORK, (1, 7), WORDING)
        rows = list((await session.execute(select(OutboxMessage))).scalars())
        await session.execute(delete(OutboxMessage))
    return rows


async def test_twice_a_year_once_to_managers_and_beheerders(db: Database) -> None:
    assert await run(db, datetime(2026, 12, 31, 23, tzinfo=AMS)) == [], (
        "installed long after July's review: not sent late"
    )
    new_year = await run(db, datetime(2027, 1, 1, 0, 30, tzinfo=AMS))
    assert sorted(row.room_id for row in new_year) == ["!dm-@beheer:x.nl", "!dm-@manager:x.nl"]
    assert "Politie | medewerker ketenpartner | @agent:x.nl" in new_year[0].plain
    assert {row.not_before.astimezone(AMS) for row in new_year if row.not_before} == {
        datetime(2027, 1, 4, 8, 30, tzinfo=AMS)
    }, "New Year's Day is a holiday and the 2nd and 3rd a weekend"
    assert await run(db, datetime(2027, 1, 4, 9, tzinfo=AMS)) == [], "once"
    assert await run(db, datetime(2027, 6, 30, 9, tzinfo=AMS)) == []
    late = await run(db, datetime(2027, 7, 12, 9, tzinfo=AMS))  # the bot was down
    assert len(late) == 2
    assert await run(db, datetime(2027, 7, 12, 10, tzinfo=AMS)) == []
