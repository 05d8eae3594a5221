"""Working on the plan van aanpak in chat, without Matrix: who may do what, who hears it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from handlers.beheer.members import MembershipService
from handlers.house import House, Wording
from handlers.router import Router
from scheduler.clock import FrozenClock
from scheduler.workhours import WorkingTime
from storage.db import Database
from storage.models import Aanmelding, Overleg, PvaActie
from storage.unit import Unit
from tests.databases import Databases
from tests.helpers import router_for, say

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=AMS)
REGIE, AGENT, OFFICIER, ZORG = "@regie:x.nl", "@agent:x.nl", "@officier:x.nl", "@zorg:x.nl"
BEHEER = "@beheer:x.nl"
REF = "ZVH-2026-0003"


@pytest.fixture
async def router(databases: Databases) -> AsyncIterator[Router]:
    db = Database(databases.url("pva"))
    await db.migrate()
    async with db.transaction() as unit:
        members = MembershipService(unit)
        for org in ("zvh", "politie", "om", "ggz"):
            await members.add_organisation(org, f"Organisatie {org}", NOW)
        for user, org, role in ((REGIE, "zvh", "procesregisseur"), (AGENT, "politie", "partner"),
                                (OFFICIER, "om", "partner"), (ZORG, "ggz", "partner"),
                                (BEHEER, "zvh", "beheerder")):  # fmt: skip
            await members.add_member(user, org, role, NOW)
            await members.record_direct_room(user, f"!dm-{user}")
        aanmelding = await unit.aanmeldingen.add(Aanmelding(
            reference=REF, submitted_at=NOW, status="aangemeld",
            aanmelder_matrix_id=AGENT, aanmelder_organisation="politie",
            voornaam="Testje", achternaam="Nep", geboortedatum=date(1990, 4, 3),
            minderjarig=False, woonplaats="Demostad", gemeente="Demostad",
            probleemstelling="p", doel="d", criteria="[]", betrokken_partners="[]",
            urgentie="regulier", contactpersoon="ik", triage_status="casusoverleg",
            overleg_partners=json.dumps(["politie", "om"]), casusregisseur=AGENT,
        ))  # fmt: skip
        unit.session.add(Overleg(aanmelding_id=aanmelding.id, scheduled_at=NOW, status="gehouden",
                            planned_by=REGIE, created_at=NOW))  # fmt: skip
        for number, org, owner in ((1, "politie", None), (2, "om", OFFICIER)):
            unit.session.add(PvaActie(
                aanmelding_id=aanmelding.id, number=number, wat=f"ACTIE-{number}",
                organisation_key=org, owner=owner, deadline=date(2026, 12, 15), status="open",
                created_at=NOW, deadline_set_at=NOW,
            ))  # fmt: skip
    house = House(words=Wording(house_name="ZVH"), working_time=WorkingTime(zone=AMS))
    yield router_for(db, FrozenClock(NOW), house)
    await db.close()


async def test_a_deadline_moves_only_when_the_casusregisseur_agrees(router: Router) -> None:
    asked = await say(router, OFFICIER, "actie 2 uitstel 15 januari 2027 wacht op de rechtbank")
    assert "ligt bij de casusregisseur" in asked[OFFICIER][0]
    assert "tot 15 januari 2027: wacht op de rechtbank" in asked[AGENT][0]
    assert f"actie {REF} 2 akkoord" in asked[AGENT][0]
    refused = await say(router, OFFICIER, f"actie {REF} 2 akkoord")
    assert refused[OFFICIER] == ["Over uitstel beslist de casusregisseur."]
    agreed = await say(router, AGENT, f"actie {REF} 2 akkoord")
    assert "deadline 15 januari 2027" in agreed[OFFICIER][0]
    plan = (await say(router, OFFICIER, f"pva {REF}"))[OFFICIER][0]
    assert "15 januari 2027" in plan
    assert "ACTIE-1" not in plan, "only one's own actions"
    again = await say(router, AGENT, f"actie {REF} 2 afwijzen")
    assert again[AGENT] == [f"Voor actie 2 van {REF} is geen uitstel gevraagd."]


async def test_only_the_owner_or_the_guards_report_an_action_done(router: Router) -> None:
    assert "is niet van jou" in (await say(router, OFFICIER, f"actie {REF} 1 gereed"))[OFFICIER][0]
    not_mine = await say(router, ZORG, f"actie {REF} 1 gereed")
    assert not_mine[ZORG] == [f"Ik ken geen plan van aanpak van {REF} waar jij bij betrokken bent."]
    unknown = await say(router, ZORG, "actie ZVH-2026-0999 1 gereed")
    assert unknown[ZORG] == [not_mine[ZORG][0].replace(REF, "ZVH-2026-0999")], (
        "no hint whether a casus exists"
    )
    done = await say(router, OFFICIER, "actie 2 gereed")
    assert "is gereed" in done[OFFICIER][0]
    assert "gereed gemeld door officier:" in done[AGENT][0], "named, not by id"
    twice = await say(router, OFFICIER, "actie 2 gereed")
    assert twice[OFFICIER] == [f"Actie 2 van {REF} staat al op gereed."]


async def test_the_casusregisseur_adds_and_changes_actions_and_owners_hear_it(
    router: Router,
) -> None:
    refused = await say(router, OFFICIER, f"actie toevoegen {REF} Bellen; om; 1-12-2026")
    assert "doet de casusregisseur of de procesregie" in refused[OFFICIER][0]
    added = await say(router, AGENT, f"actie toevoegen {REF} Cliënt's moeder bellen; om; 1-12-2026")
    assert "Actie 3 toegevoegd" in added[AGENT][0]
    assert "Cliënt's moeder bellen" in added[OFFICIER][0]
    assert ZORG not in added
    wrong = await say(router, AGENT, f"actie wijzig {REF} 3 Bellen; ggz; 1-12-2026")
    assert "'ggz' is geen deelnemende organisatie" in wrong[AGENT][0]
    changed = await say(router, REGIE, f"actie wijzig {REF} 3 Bellen; politie; 2-12-2026")
    assert "Actie 3 gewijzigd" in changed[REGIE][0]
    assert "2 december 2026" in changed[AGENT][0], "the casusregisseur hears of the change"


async def test_planning_moving_and_cancelling_an_overleg(router: Router) -> None:
    past = await say(router, REGIE, f"overleg plan {REF} 20-11-2026 10:00")
    assert "is al voorbij" in past[REGIE][0]
    planned = await say(
        router, REGIE, f"overleg plan {REF} zaterdag 10:00 Gemeentehuis 's-Hertogenbosch"
    )
    assert "gepland op zaterdag 28 november 2026 om 10:00" in planned[REGIE][0]
    assert "buiten werktijd" in planned[REGIE][0]
    room = planned[f"casus:{REF}"]
    assert "Gemeentehuis 's-Hertogenbosch" in room[0]
    assert "Testje" in room[0], "a new room gets the personalia of the policy"
    twice = await say(router, REGIE, f"overleg plan {REF} 1-12-2026 10:00")
    assert "staat al een casusoverleg gepland" in twice[REGIE][0]
    moved = await say(router, REGIE, f"overleg verzet {REF} 1-12-2026 9:30")
    assert "dinsdag 1 december 2026 om 09:30" in moved[f"casus:{REF}"][0]
    cancelled = await say(router, REGIE, f"overleg annuleer {REF} ziekte voorzitter")
    assert "gaat niet door" in cancelled[f"casus:{REF}"][0]
    assert "ziekte voorzitter" in cancelled[f"casus:{REF}"][0]
    async with router.db.session() as session:
        wish = await Unit(session).rooms.get(f"casus:{REF}")
    assert wish is not None
    assert wish.name == f"Casusoverleg {REF} — geannuleerd"
    assert set(wish.members.split()) == {REGIE, AGENT, OFFICIER}
    nothing = await say(router, REGIE, f"overleg annuleer {REF}")
    assert "staat geen casusoverleg gepland" in nothing[REGIE][0]
    partner = await say(router, AGENT, f"overleg plan {REF} 1-12-2026 10:00")
    assert partner[AGENT] == ["Dat kan ik voor jouw rol niet doen."]


async def test_a_verslag_with_a_follow_up_overleg_invites_again_without_personalia(
    router: Router,
) -> None:
    await say(router, REGIE, f"overleg plan {REF} 1-12-2026 10:00")
    form = await say(router, REGIE, f"overleg verslag {REF} toch")
    # who takes part, by name and organisation; nobody else
    assert "1. agent (Organisatie politie)" in form[REGIE][0]
    assert "@" not in form[REGIE][0].split("Geef het nummer")[1], "names, not Matrix ids"
    assert ZORG.removeprefix("@").split(":")[0] not in form[REGIE][0].split("Geef het nummer")[1]
    for answer in (OFFICIER, "NIEUW; politie; 10-12-2026", "De casusregisseur.", "Rust."):
        await say(router, REGIE, answer)
    summary = await say(router, REGIE, "15-1-2027 10:00 Stadhuis")
    assert "vrijdag 15 januari 2027 om 10:00, Stadhuis" in summary[REGIE][0]
    assert "wijzig acties" in summary[REGIE][0]
    done = await say(router, REGIE, "bevestig")
    assert "Verslag ZVH-2026-0003 vastgelegd: 1 actie" in done[REGIE][-1]
    assert "Je bent casusregisseur voor" in done[OFFICIER][0]
    assert "NIEUW" in done[AGENT][0], "the politie contact owns the new action"
    invitation = done[f"casus:{REF}"][0]
    assert "vrijdag 15 januari 2027" in invitation
    assert "Testje" not in invitation, "the room had the personalia already"
    async with router.db.session() as session:
        planned = (await session.execute(
            select(Overleg.status).order_by(Overleg.scheduled_at)
        )).scalars().all()  # fmt: skip
        numbers = (await session.execute(select(PvaActie.number))).scalars().all()
    assert planned == ["gehouden", "gehouden", "gepland"]
    assert sorted(numbers) == [1, 2, 3], "new actions continue the numbering"


async def test_a_removed_member_hands_over_their_actions_and_their_casus(router: Router) -> None:
    gone = await say(router, BEHEER, f"lid verwijderen {OFFICIER}")
    assert "heeft geen toegang meer" in gone[BEHEER][0]
    assert "1 open actie(s) gaan naar de contactpersonen van om" in gone[BEHEER][0]
    async with router.db.session() as session:
        owners = dict((await session.execute(select(PvaActie.number, PvaActie.owner))).all())
    assert owners == {1: None, 2: None}
    plan = await say(router, AGENT, f"pva {REF}")
    assert "Organisatie om |" in plan[AGENT][0], "the action now belongs to the organisation"
    regisseur_gone = await say(router, BEHEER, f"lid verwijderen {AGENT}")
    assert f"{REF} heeft geen casusregisseur meer" in regisseur_gone[BEHEER][0]


@pytest.mark.parametrize(
    "command",
    [
        "pva {ref}", "actie {ref} 1 gereed", "actie {ref} 1 uitstel 1-2-2027", "beantwoord {ref}",
        "nog nodig {ref} ja", "triage {ref}", "overleg verslag {ref}", "afschalen {ref}",
        "afsluiten {ref}", "actie toevoegen {ref} Bellen; ggz; 1-2-2027",
    ],
)  # fmt: skip
async def test_guessing_references_tells_nothing(router: Router, command: str) -> None:
    """An outsider gets the same answer for a casus that exists as for one that does not:
    guessing references shows nothing (kept from the adversarial pass of issue 20)."""
    existing = await say(router, ZORG, command.format(ref=REF))
    missing = await say(router, ZORG, command.format(ref="ZVH-2026-0999"))
    assert list(existing) == [ZORG], "nobody else hears of it"
    assert existing[ZORG] == [m.replace("ZVH-2026-0999", REF) for m in missing[ZORG]]
