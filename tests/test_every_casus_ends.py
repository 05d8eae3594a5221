"""Nothing is forgotten, whatever happens: random sequences of the werkproces's commands,
typed in chat through the real router, with the clock travelling and the jobs running in
between. After every step, every aanmelding and casus has a date on which the bot acts on
it (its data cleaned or deleted, or the "nog nodig?" question), and that date lies within
the longest configured period."""

from __future__ import annotations

import asyncio
import itertools
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from handlers.beheer.members import MembershipService
from handlers.house import House
from handlers.messages import Incoming
from handlers.retention.service import fates
from handlers.router import Router
from scheduler.clock import FrozenClock
from scheduler.job import Job, run_job
from scheduler.jobs import build_jobs
from storage.db import Database
from storage.models import Aanmelding, Feit, OutboxMessage
from tests.helpers import AANMELDING_ANSWERS, router_for

REGIE, PARTNER = "@regie:x.nl", "@wijk:x.nl"
START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # a Monday morning
_ids = itertools.count()

# What may happen to the n-th aanmelding, in chat; and time passing.
STEPS = st.one_of(
    st.tuples(st.just("aanmelden")),
    st.tuples(st.just("besluit"), st.integers(0, 3), st.sampled_from(
        ["geen-casus", "onduidelijk", "casus zonder overleg", "casusoverleg"]
    )),
    st.tuples(st.just("overleg plan"), st.integers(0, 3)),
    st.tuples(st.just("overleg verslag"), st.integers(0, 3)),
    st.tuples(st.just("afschalen"), st.integers(0, 3)),
    st.tuples(st.just("afsluiten"), st.integers(0, 3)),
    st.tuples(st.just("nog nodig"), st.integers(0, 3)),
    st.tuples(st.just("wacht"), st.integers(1, 400)),
)  # fmt: skip


async def say(router: Router, sender: str, *texts: str) -> None:
    """Type ``texts`` one by one, a few seconds apart (as people do: the router slows down
    more than 60 messages a minute)."""
    assert isinstance(router.clock, FrozenClock)
    for text in texts:
        router.clock.advance(timedelta(seconds=5))
        await router.on_message(Incoming(
            room_id=f"!dm-{sender}", sender=sender, body=text, event_id=f"$e{next(_ids)}",
            timestamp=router.clock.now(), encrypted=True, room_members=2,
        ))  # fmt: skip


@dataclass
class World:
    """A migrated database, a travelling clock, the router and the jobs of one house."""

    db: Database
    clock: FrozenClock
    house: House
    router: Router
    jobs: list[Job]
    references: list[str] = field(default_factory=list)

    async def step(self, step: tuple[object, ...]) -> None:
        """Take the step, run every job, forget the messages, check every aanmelding."""
        await take(step, self.router, self.clock, self.references)
        for job in self.jobs:
            await run_job(self.db.transaction, job, self.clock.now())
        async with self.db.transaction() as unit:  # nobody reads the messages here
            await unit.session.execute(delete(OutboxMessage))
        await check(self.db, self.house, self.clock)


async def world(directory: Path) -> World:
    db = Database(f"sqlite+aiosqlite:///{directory / 'casusbot.db'}")
    await db.migrate()
    clock = FrozenClock(START)
    house = House()
    async with db.transaction() as unit:
        members = MembershipService(unit)
        for key in ("zvh", "wijkteam", "politie"):
            await members.add_organisation(key, f"Organisatie {key}", START)
        await members.add_member(REGIE, "zvh", "procesregisseur", START)
        await members.add_member(PARTNER, "wijkteam", "partner", START)
        for user in (REGIE, PARTNER):
            await members.record_direct_room(user, f"!dm-{user}")
    return World(db, clock, house, router_for(db, clock, house), build_jobs(house))


async def play(steps: list[tuple[object, ...]], directory: Path) -> None:
    played = await world(directory)
    try:
        for step in steps:
            await played.step(step)
    finally:
        await played.db.close()


async def take(
    step: tuple[object, ...], router: Router, clock: FrozenClock, references: list[str]
) -> None:
    kind = step[0]
    if kind == "aanmelden":
        await say(router, PARTNER, "aanmelden", *AANMELDING_ANSWERS, "bevestig")
        year = clock.now().year
        references.append(f"ZVH-{year}-{sum(r[4:8] == str(year) for r in references) + 1:04d}")
        return
    if kind == "wacht":
        assert isinstance(step[1], int)
        clock.advance(timedelta(days=step[1]))
        return
    if not references:
        return
    assert isinstance(step[1], int)
    reference = references[step[1] % len(references)]
    when = (clock.now() + timedelta(days=7)).astimezone(router.house.zone)
    texts = {
        "besluit": [f"besluit {reference} {step[-1]}", "Een antwoord.", "Thema's.", "politie",
                    "bevestig"],
        "overleg plan": [f"overleg plan {reference} {when:%d-%m-%Y} 10:00"],
        "overleg verslag": [f"overleg verslag {reference} toch", REGIE,
                            f"Actie; politie; {when:%d-%m-%Y}", "De regisseur.", "Klaar.",
                            "overslaan", "bevestig"],
        "afschalen": [f"afschalen {reference} toch", "1", "ja", "bevestig"],
        "afsluiten": [f"afsluiten {reference}", "2", "overslaan", "bevestig"],
        "nog nodig": [f"nog nodig {reference} ja"],
    }[str(kind)]  # fmt: skip
    await say(router, REGIE, *texts)
    await say(router, REGIE, "stop", "ja")  # leave no form half-way for the next step


async def check(db: Database, house: House, clock: FrozenClock) -> None:
    today = clock.now().astimezone(house.zone).date()
    bound = today + timedelta(days=house.retention.longest_days)
    async with db.reading() as unit:
        found = await fates(unit, house, today, clock.now())
        stored = (await unit.session.execute(select(func.count(Aanmelding.id)))).scalar_one()
    assert len(found) == stored, "every aanmelding has its fate"
    for fate in found:
        assert fate.next_on <= bound, fate
        if fate.next_on < today:
            # Overdue only while the bot may not ask: outside working days. What retention
            # removes goes whatever the day.
            assert fate.ask_on is not None, fate
            assert not house.working_time.is_working_day(today), fate


@pytest.mark.sqlite_only(reason="a property of the domain: one throwaway SQLite per example")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(STEPS, min_size=1, max_size=14))
def test_every_aanmelding_always_has_a_date_within_the_longest_period(
    steps: list[tuple[object, ...]],
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(play(steps, Path(directory)))


def test_a_due_date_is_acted_on_when_it_comes() -> None:
    """Not only a date: the bot acts on it. Every route, then a year and a half of waiting:
    nothing of the casussen is left but what the figures keep."""
    steps: list[tuple[object, ...]] = [
        ("aanmelden",), ("aanmelden",), ("aanmelden",), ("aanmelden",),
        ("besluit", 0, "geen-casus"), ("besluit", 1, "casus zonder overleg"),
        ("besluit", 2, "casusoverleg"), ("overleg plan", 2), ("afsluiten", 1),
        ("afschalen", 2),
    ]  # fmt: skip

    async def scenario(directory: Path) -> None:
        played = await world(directory)
        try:
            for step in steps:
                await played.step(step)
            async with played.db.reading() as unit:
                today = played.clock.now().astimezone(played.house.zone).date()
                statuses = [(f.reference[-4:], f.status)
                            for f in await fates(unit, played.house, today)]  # fmt: skip
            assert statuses == [("0002", "afgesloten"), ("0003", "afgeschaald"),
                                ("0004", "in triage")], "0001 went at 'geen casus'"  # fmt: skip
            for wait in (100, 100, 200, 200):
                await played.step(("wacht", wait))
            async with played.db.reading() as unit:
                left = (await unit.session.execute(select(Aanmelding.reference))).all()
                closures = (await unit.session.execute(
                    select(Feit.route).where(Feit.soort == "afgesloten")
                )).scalars().all()  # fmt: skip
        finally:
            await played.db.close()
        assert left == [], "the undecided one deleted, the closed ones gone"
        assert sorted(map(str, closures)) == ["afgeschaald", "afgesloten"], "the figures keep these"

    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(scenario(Path(directory)))
