"""A message with a number like a BSN: the member is asked to delete it, reminded once, then
the bot takes it back itself, and if even that fails the beheerders hear of it. Never is
the number stored or repeated (issue 19). Without Matrix; the Matrix test drives the
deletion by hand (tests/test_reach_matrix.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from handlers.beheer.members import MembershipService
from handlers.house import House, Wording
from handlers.router import Router
from scheduler.clock import FrozenClock
from scheduler.job import run_job
from scheduler.jobs.withdrawn import withdrawn
from storage.db import Database
from storage.models import OutboxMessage, SentMessage, WithdrawnMessage
from storage.types import WITHDRAWN, SentState
from tests.databases import Databases
from tests.helpers import router_for
from tests.test_router import message

# Friday 4 December 2026, 10:00 in Amsterdam.
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
PARTNER = "@partner:politie.nl"
BEHEERDER = "@beheer:zvh.nl"
DM = "!dm:zvh.nl"
BSN = "111222333"  # passes the elfproef


@pytest.fixture
async def router(databases: Databases) -> AsyncIterator[Router]:
    db = Database(databases.url("bsn"))
    await db.migrate()
    async with db.transaction() as unit:
        service = MembershipService(unit)
        await service.add_organisation("zvh", "ZVH Testregio", NOW)
        await service.add_organisation("politie", "Politie", NOW)
        await service.add_member(BEHEERDER, "zvh", "beheerder", NOW)
        await service.add_member(PARTNER, "politie", "partner", NOW)
        await unit.members.set_dm_room(await unit.members.get(BEHEERDER), "!beheer:zvh.nl")  # type: ignore[arg-type]
    yield router_for(db, FrozenClock(NOW), House(words=Wording(house_name="ZVH Testregio")))
    await db.close()


async def taken(router: Router) -> list[OutboxMessage]:
    async with router.db.transaction() as unit:
        rows = list((await unit.session.execute(select(OutboxMessage))).scalars())
        await unit.session.execute(delete(OutboxMessage))
    return rows


async def tick(router: Router, advance: timedelta) -> list[OutboxMessage]:
    clock = router.clock
    assert isinstance(clock, FrozenClock)
    clock.advance(advance)
    await run_job(router.db.transaction, withdrawn(router.house), clock.now())
    return await taken(router)


async def watched(router: Router) -> list[WithdrawnMessage]:
    async with router.db.reading() as unit:
        return list((await unit.session.execute(select(WithdrawnMessage))).scalars())


async def test_asked_to_delete_then_thanked_when_gone(router: Router) -> None:
    await router.on_message(message(PARTNER, f"aanmelden, zijn bsn is {BSN}", event_id="$bsn"))
    replies = await taken(router)
    asked = [r for r in replies if "Verwijderen" in r.plain]
    assert len(asked) == 1
    assert asked[0].room_id == DM
    assert [r.plain for r in replies if BSN in r.plain] == [], "the number is never repeated"
    assert [(w.event_id, w.sender) for w in await watched(router)] == [("$bsn", PARTNER)]
    # The same event again (a restart before the position was saved): asked once.
    await router.on_message(message(PARTNER, f"aanmelden, zijn bsn is {BSN}", event_id="$bsn"))
    assert not [r for r in await taken(router) if "Verwijderen" in r.plain]
    await router.on_redaction(DM, "$bsn")
    thanks = await taken(router)
    assert [t.plain for t in thanks] == ["Dank je, het bericht met het nummer is weg."]
    assert not thanks[0].notify, "a reply to what the member just did"
    assert await watched(router) == []
    assert await tick(router, timedelta(days=3)) == []


async def test_reminded_then_taken_back_then_reported(router: Router) -> None:
    await router.on_message(message(PARTNER, f"BSN {BSN}", event_id="$bsn"))
    await taken(router)
    assert await tick(router, timedelta(minutes=59)) == []
    reminder = await tick(router, timedelta(minutes=1))
    assert len(reminder) == 1
    assert reminder[0].notify, "a reminder must reach the member: an m.text"
    assert reminder[0].mentions == PARTNER
    assert await tick(router, timedelta(hours=2)) == [], "reminded once"
    # Friday 11:00 reminded: the bot takes it back itself on the next working day, Monday.
    assert await tick(router, timedelta(days=1)) == []
    took = await tick(router, timedelta(days=2))
    assert ["zelf weg" in t.plain for t in took] == [True]
    async with router.db.reading() as unit:
        sent = list((await unit.session.execute(select(SentMessage))).scalars())
    assert [(s.event_id, s.state, s.reference) for s in sent] == [
        ("$bsn", SentState.REDACT, WITHDRAWN)
    ]
    # The redaction did not work (e.g. the bot may not redact there): the beheerders hear.
    report = await tick(router, timedelta(hours=1))
    assert [r.room_id for r in report] == ["!beheer:zvh.nl"]
    assert "partner (@partner:politie.nl)" in report[0].plain
    assert BSN not in report[0].plain
    assert await watched(router) == []
    async with router.db.reading() as unit:
        incidents = await unit.audit.count_since(PARTNER, "incident", NOW)  # type: ignore[arg-type]
    assert incidents == 1


async def test_a_stranger_is_not_remembered(router: Router) -> None:
    await router.on_message(message("@vreemde:elders.nl", f"bsn {BSN}"))
    assert await watched(router) == []
