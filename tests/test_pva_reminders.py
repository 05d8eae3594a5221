"""Deadline reminders of the plan van aanpak: time travel over a real database.

Each reminder fires once, at the start of working hours in Amsterdam time, across DST
and around holidays; two runs at once, a restart or long downtime never double or drop.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select

from handlers.beheer.members import MembershipService
from handlers.house import House, ReminderPolicy
from handlers.vocabulary import ActieStatus
from scheduler.job import run_job
from scheduler.jobs.plan_van_aanpak import action_reminders, horizon
from scheduler.workhours import WorkingTime
from storage.db import Database
from storage.models import Aanmelding, OutboxMessage, PvaActie
from tests.databases import Databases

AMS = ZoneInfo("Europe/Amsterdam")
WORK = WorkingTime(zone=AMS)
POLICY = ReminderPolicy(before=(3, 0), escalate_after=1)
JOB = action_reminders(House(working_time=WORK, reminders=POLICY))
REGIE, AGENT, OFFICIER = "@regie:x.nl", "@agent:x.nl", "@officier:x.nl"
CREATED = datetime(2026, 3, 2, 9, 0, tzinfo=AMS)


@pytest.fixture
async def db(databases: Databases) -> AsyncIterator[Database]:
    database = Database(databases.url("reminders"))
    await database.migrate()
    async with database.transaction() as unit:
        members = MembershipService(unit)
        for org in ("zvh", "politie", "om"):
            await members.add_organisation(org, f"Organisatie {org}", CREATED)
        for user, org, role in ((REGIE, "zvh", "procesregisseur"), (AGENT, "politie", "partner"),
                                (OFFICIER, "om", "partner")):  # fmt: skip
            await members.add_member(user, org, role, CREATED)
            await members.record_direct_room(user, f"!dm-{user}")
        await unit.aanmeldingen.add(Aanmelding(
            reference="ZVH-2026-0005", submitted_at=CREATED, status="aangemeld",
            aanmelder_matrix_id=AGENT, aanmelder_organisation="politie",
            voornaam="Testje", achternaam="Nep", geboortedatum=date(1990, 4, 3),
            minderjarig=False, woonplaats="Demostad", gemeente="Demostad",
            probleemstelling="p", doel="d", criteria="[]", betrokken_partners="[]",
            urgentie="regulier", contactpersoon="ik", triage_status="casusoverleg",
            overleg_partners=json.dumps(["politie", "om"]), casusregisseur=AGENT,
            procesregisseur=REGIE,
        ))  # fmt: skip
    yield database
    await database.close()


async def add_action(db: Database, deadline: date, owner: str | None = OFFICIER) -> None:
    async with db.transaction() as unit:
        aanmelding = (await unit.session.execute(select(Aanmelding))).scalar_one()
        unit.session.add(PvaActie(
            aanmelding_id=aanmelding.id, number=1, wat="SCHULDHULP regelen",
            organisation_key="om", owner=owner, deadline=deadline, status="open",
            created_at=CREATED, deadline_set_at=CREATED,
        ))  # fmt: skip


async def run(db: Database, now: datetime) -> dict[str, list[str]]:
    """One run of the job at ``now``; what it queued, per recipient."""
    await run_job(db.transaction, JOB, now.astimezone(AMS))
    return await take(db)


async def take(db: Database) -> dict[str, list[str]]:
    async with db.transaction() as unit:
        rows = (
            await unit.session.execute(select(OutboxMessage).order_by(OutboxMessage.id))
        ).scalars()
        queued: dict[str, list[str]] = {}
        for row in rows:
            queued.setdefault(row.room_id.removeprefix("!dm-"), []).append(row.plain)
        await unit.session.execute(delete(OutboxMessage))
    return queued


def at(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=AMS)


async def test_three_working_days_before_on_the_day_and_escalation_across_dst(
    db: Database,
) -> None:
    # Wednesday 1 April 2026; summer time started on Sunday 29 March.
    await add_action(db, date(2026, 4, 1))
    assert await run(db, at(27, 3, 8, 29)) == {}
    first = await run(db, at(27, 3, 8, 30))  # Friday, 08:30 winter time
    assert set(first) == {AGENT, OFFICIER}, "casusregisseur and owner"
    assert "over 3 werkdagen (1 april 2026)" in first[OFFICIER][0]
    assert "later dan gepland" not in first[OFFICIER][0]
    assert await run(db, at(27, 3, 15)) == {}, "once"
    assert await run(db, at(1, 4, 8, 29)) == {}
    on_the_day = await run(db, at(1, 4, 8, 30))  # 08:30 summer time
    assert "Deadline vandaag" in on_the_day[AGENT][0]
    assert await run(db, at(1, 4, 16)) == {}
    assert await run(db, at(2, 4, 8, 29)) == {}
    escalated = await run(db, at(2, 4, 8, 30))
    assert set(escalated) == {REGIE}
    assert "is over de deadline" in escalated[REGIE][0]
    assert await run(db, at(9, 4, 9)) == {}, "escalated once"


async def test_holidays_and_weekends_move_the_moments(db: Database) -> None:
    # Tuesday 28 April 2026; Monday 27 April is Koningsdag.
    await add_action(db, date(2026, 4, 28))
    assert await run(db, at(22, 4, 8, 29)) == {}
    assert OFFICIER in await run(db, at(22, 4, 8, 30)), "Wednesday: 3 working days before"
    assert await run(db, at(27, 4, 9)) == {}, "nothing on Koningsdag"
    assert OFFICIER in await run(db, at(28, 4, 8, 30))
    assert await run(db, at(29, 4, 8, 29)) == {}
    assert REGIE in await run(db, at(29, 4, 8, 30))


async def test_long_downtime_gives_one_late_message_not_a_flood(db: Database) -> None:
    await add_action(db, date(2026, 4, 1))
    # Down from before the first reminder until the afternoon of the deadline.
    late = await run(db, at(1, 4, 14))
    assert len(late[OFFICIER]) == 1
    assert "Deadline vandaag" in late[OFFICIER][0]
    assert "later dan gepland" in late[OFFICIER][0]
    # Down again for a week: only the escalation, marked late, no stale reminders.
    await add_action_second(db)
    week_later = await run(db, at(9, 4, 10))
    assert set(week_later) == {REGIE}
    assert len(week_later[REGIE]) == 2, "one escalation per action"
    assert all("later dan gepland" in text for text in week_later[REGIE])


async def add_action_second(db: Database) -> None:
    async with db.transaction() as unit:
        aanmelding = (await unit.session.execute(select(Aanmelding))).scalar_one()
        unit.session.add(PvaActie(
            aanmelding_id=aanmelding.id, number=2, wat="Huisbezoek", organisation_key="politie",
            deadline=date(2026, 4, 2), status="open", created_at=CREATED, deadline_set_at=CREATED,
        ))  # fmt: skip


async def test_at_night_the_late_reminder_waits_for_working_hours(db: Database) -> None:
    await add_action(db, date(2026, 4, 1))
    await run_job(db.transaction, JOB, at(28, 3, 23))  # Saturday
    async with db.transaction() as unit:
        rows = (await unit.session.execute(select(OutboxMessage))).scalars().all()
    assert rows
    assert {row.not_before.astimezone(AMS) for row in rows if row.not_before} == {
        at(30, 3, 8, 30)
    }, "Monday 08:30"


async def test_two_runs_at_once_send_once(db: Database) -> None:
    await add_action(db, date(2026, 4, 1))

    async def one() -> None:
        await run_job(db.transaction, JOB, at(27, 3, 9))

    await asyncio.gather(one(), one(), one())
    queued = await take(db)
    assert len(queued[OFFICIER]) == 1
    assert len(queued[AGENT]) == 1


async def test_a_new_deadline_reschedules_and_a_done_action_is_quiet(db: Database) -> None:
    await add_action(db, date(2026, 4, 1))
    assert OFFICIER in await run(db, at(27, 3, 9))
    async with db.transaction() as unit:
        actie = (await unit.session.execute(select(PvaActie))).scalar_one()
        actie.reschedule(date(2026, 4, 20), at(31, 3, 11))  # Monday 20 April
    assert await run(db, at(1, 4, 9)) == {}, "the old deadline is gone"
    assert await run(db, at(2, 4, 9)) == {}, "no escalation for the old deadline"
    assert "over 3 werkdagen (20 april 2026)" in (await run(db, at(15, 4, 8, 30)))[OFFICIER][0]
    async with db.transaction() as unit:
        actie = (await unit.session.execute(select(PvaActie))).scalar_one()
        actie.status = ActieStatus.GEREED
    assert await run(db, at(20, 4, 9)) == {}
    assert await run(db, at(21, 4, 9)) == {}


async def test_a_deadline_set_after_a_moment_does_not_send_it_late(db: Database) -> None:
    await add_action(db, date(2026, 4, 1))
    async with db.transaction() as unit:
        actie = (await unit.session.execute(select(PvaActie))).scalar_one()
        actie.reschedule(date(2026, 4, 1), at(30, 3, 10))  # set after Friday's moment
    assert await run(db, at(30, 3, 11)) == {}
    assert OFFICIER in await run(db, at(1, 4, 8, 30))


@pytest.mark.parametrize("before", [(3, 0), (0,), (5, 1), ()])
def test_beyond_the_horizon_nothing_is_due_today(before: tuple[int, ...]) -> None:
    """The job reads only deadlines up to the horizon; a later one has nothing due today,
    whatever the weekends and holidays in between."""
    policy = ReminderPolicy(before=before, escalate_after=1)
    for offset in range(400):  # every day of 2026 and into 2027 (Easter, Christmas)
        today = date(2026, 1, 1) + timedelta(days=offset)
        end_of_today = datetime.combine(today, time(23, 59), tzinfo=AMS)
        for later in range(1, 8):
            deadline = horizon(today, WORK, policy) + timedelta(days=later)
            moments = [WORK.start_of(WORK.working_day_before(deadline, n)) for n in before]
            moments.append(WORK.start_of(WORK.working_day_after(deadline, 1)))
            assert min(moments) > end_of_today, (today, deadline)
