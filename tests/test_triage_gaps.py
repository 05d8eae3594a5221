"""Smaller parts of the werkproces, through the bot's router over a real database: the
gemeente concerned is always consulted (a besluit without its answer asks first), and the
procesregie files an aanmelding on a partner's behalf (the partner is the aanmelder and
hears the outcome)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from handlers.beheer.members import MembershipService
from handlers.router import Router
from scheduler.clock import FrozenClock
from storage.db import Database
from storage.models import Aanmelding, AuditEntry
from tests.databases import Databases
from tests.helpers import AANMELDING_ANSWERS, router_for, say

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=AMS)
REGIE, WIJK, GEMEENTE, AGENT = "@regie:x.nl", "@wijk:x.nl", "@gemeente:x.nl", "@agent:x.nl"
REF = "ZVH-2026-0101"


@pytest.fixture
async def router(databases: Databases) -> AsyncIterator[Router]:
    db = Database(databases.url("gaps"))
    await db.migrate()
    async with db.transaction() as unit:
        members = MembershipService(unit)
        for org, name in (("zvh", "ZVH"), ("wijkteam", "Wijkteam"),
                          ("demostad", "Gemeente Demostad"), ("politie", "Politie")):  # fmt: skip
            await members.add_organisation(org, name, NOW)
        for user, org, role in ((REGIE, "zvh", "procesregisseur"), (WIJK, "wijkteam", "partner"),
                                (GEMEENTE, "demostad", "partner"),
                                (AGENT, "politie", "partner")):  # fmt: skip
            await members.add_member(user, org, role, NOW)
            await members.record_direct_room(user, f"!dm-{user}")
        await unit.aanmeldingen.add(Aanmelding(
            reference=REF, submitted_at=NOW, status="aangemeld", aanmelder_matrix_id=WIJK,
            aanmelder_organisation="wijkteam", voornaam="Testje", achternaam="Nep",
            geboortedatum=date(1990, 4, 3), minderjarig=False, woonplaats="Demostad",
            gemeente="Demostad", probleemstelling="p", doel="d", criteria="[]",
            betrokken_partners="[]", urgentie="regulier", contactpersoon="ik",
        ))  # fmt: skip
    yield router_for(db, FrozenClock(NOW))
    await db.close()


async def test_a_besluit_without_the_gemeente_asks_first(router: Router) -> None:
    asked = await say(router, REGIE, f"besluit {REF} casus zonder overleg")
    [reply] = asked[REGIE]
    assert "Gemeente Demostad is nog niet gehoord" in reply
    assert f"verrijk {REF} demostad" in reply
    assert f"besluit {REF} casus-zonder-overleg toch" in reply
    # Undecided is no decision: it needs no confirmation.
    assert (
        "nog niet gehoord" not in (await say(router, REGIE, f"besluit {REF} onduidelijk"))[REGIE][0]
    )
    await say(router, REGIE, "stop")
    await say(router, REGIE, "ja")
    done = await say(router, REGIE, f"besluit {REF} casus zonder overleg toch")
    assert any("casus zonder casusoverleg" in text for text in done[REGIE])
    assert WIJK in done, "the aanmelder hears the outcome"


async def test_once_the_gemeente_answered_the_besluit_goes_ahead(router: Router) -> None:
    await say(router, REGIE, f"verrijk {REF} demostad")
    await say(router, GEMEENTE, f"beantwoord {REF}")
    for answer in ("nee", "bevestig"):
        await say(router, GEMEENTE, answer)
    done = await say(router, REGIE, f"besluit {REF} casus zonder overleg")
    assert any("casus zonder casusoverleg" in text for text in done[REGIE])


async def test_the_procesregie_files_an_aanmelding_on_a_partners_behalf(router: Router) -> None:
    refused = await say(router, AGENT, f"aanmelden namens {WIJK}")
    assert refused[AGENT] == ["Namens een ander aanmelden kan alleen de procesregie."]
    unknown = await say(router, REGIE, "aanmelden namens @niemand:x.nl")
    assert unknown[REGIE] == ["@niemand:x.nl is geen partner op de ledenlijst."]
    started = await say(router, REGIE, f"aanmelden namens {WIJK}")
    assert "Je meldt aan namens" in started[REGIE][0]
    for answer in AANMELDING_ANSWERS:
        await say(router, REGIE, answer)
    filed = await say(router, REGIE, "bevestig")
    assert any("Ingediend namens" in text for text in filed[REGIE])
    [told] = filed[WIJK]
    assert "heeft namens jou een aanmelding ingediend" in told
    reference = next(w for w in told.split() if w.startswith("ZVH-")).rstrip(".")
    async with router.db.reading() as unit:
        aanmelding = await unit.aanmeldingen.by_reference(reference)
        assert aanmelding is not None
        assert (aanmelding.aanmelder_matrix_id, aanmelding.aanmelder_organisation) == (
            WIJK, "wijkteam",
        )  # fmt: skip
        entries = (await unit.session.execute(
            select(AuditEntry.actor, AuditEntry.detail).where(AuditEntry.kind == "submitted")
        )).all()  # fmt: skip
    [(actor, detail)] = entries
    assert actor == REGIE
    assert json.loads(detail)["on_behalf_of"] == WIJK
    # The outcome goes to the partner, not to who typed it in.
    decided = await say(router, REGIE, f"besluit {reference} casus zonder overleg toch")
    assert any(reference in text for text in decided.get(WIJK, []))


async def test_the_procesregie_records_an_answer_given_by_phone(router: Router) -> None:
    """Kennemerland Bijlage 3: the procesondersteuner records what a partner said by phone
    or mail, marked as such; the partner's contacts hear it was recorded for them."""
    await say(router, REGIE, f"verrijk {REF} politie")
    refused = await say(router, AGENT, f"verrijking vastleggen {REF} politie")
    assert refused[AGENT] == ["Dat kan ik voor jouw rol niet doen."]
    not_asked = await say(router, REGIE, f"verrijking vastleggen {REF} wijkteam")
    assert "geen open verzoek" in not_asked[REGIE][0]
    asked = await say(router, REGIE, f"verrijking vastleggen {REF} politie")
    assert "Hoe kwam het antwoord binnen?" in asked[REGIE][-1]
    for answer in ("telefoon", "ja", "POLITIE-INFO: bekend van overlast.", "nee"):
        await say(router, REGIE, answer)
    done = await say(router, REGIE, "bevestig")
    [shown] = [text for text in done[REGIE] if text.startswith(f"Verrijking {REF}")]
    assert "telefonisch ontvangen, vastgelegd door" in shown
    assert "POLITIE-INFO" in shown
    [told] = done[AGENT]
    assert "vastgelegd" in told
    assert "POLITIE-INFO" not in told, "the contacts hear that, not what"
    async with router.db.reading() as unit:
        aanmelding = await unit.aanmeldingen.by_reference(REF)
        assert aanmelding is not None
        request = await unit.verrijking.get(aanmelding.id, "politie")
        assert request is not None
        assert (request.status, request.answered_by, request.received_via) == (
            "beantwoord", REGIE, "telefoon",
        )  # fmt: skip
    again = await say(router, AGENT, f"beantwoord {REF}")
    assert "al beantwoord" in again[AGENT][0]
