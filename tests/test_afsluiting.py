"""Closing a casus in chat, without Matrix: the outcome is asked and kept without personal
data, nothing is recorded before the planned overleg without a second word, and only who
answers for a casus says it is still needed."""

from __future__ import annotations

from sqlalchemy import select

from handlers.router import Router
from storage.models import Aanmelding, Feit, Overleg, Verrijkingsverzoek
from tests.helpers import say
from tests.test_pva_commands import AGENT, NOW, OFFICIER, REF, REGIE, router

__all__ = ["router"]  # the fixture


async def test_afschalen_before_the_planned_overleg_asks_first_and_keeps_the_outcome(
    router: Router,
) -> None:
    await say(router, REGIE, f"overleg plan {REF} 1-12-2026 10:00 Stadhuis")
    first = await say(router, REGIE, f"afschalen {REF}")
    assert "staat pas op dinsdag 1 december 2026 om 10:00. Toch nu afschalen?" in first[REGIE][0]
    assert f"afschalen {REF} toch" in first[REGIE][0]
    async with router.db.session() as session:
        assert (await session.execute(select(Aanmelding.closed_on))).scalar_one() is None

    asked = (await say(router, REGIE, f"afschalen {REF} toch"))[REGIE][0]
    assert "Nog open acties: 2." in asked
    assert "7. anders" in asked
    assert "Kies een nummer van 1 tot 7" in (await say(router, REGIE, "9"))[REGIE][0]
    assert (
        "Hebben de afgesproken interventies gewerkt?" in (await say(router, REGIE, "1"))[REGIE][0]
    )
    summary = (await say(router, REGIE, "weet ik niet"))[REGIE][0]
    assert "doel bereikt" in summary
    assert "weet ik niet" in summary
    done = await say(router, REGIE, "bevestig")
    assert done[REGIE] == [
        f"Vastgelegd: {REF} afgeschaald op 23 november 2026. De bewaartermijn loopt vanaf vandaag."
    ]
    assert "is afgeschaald op 23 november 2026" in done[AGENT][0], "the casusregisseur hears it"
    assert "is afgeschaald op" in done[f"casus:{REF}"][0]
    async with router.db.session() as session:
        casus = (await session.execute(select(Aanmelding))).scalar_one()
        closures = (
            (await session.execute(select(Feit).where(Feit.soort == "afgesloten"))).scalars().all()
        )
        statuses = (await session.execute(select(Overleg.status))).scalars().all()
        answers = (await session.execute(select(Verrijkingsverzoek))).scalars().all()
    assert (casus.closed_route, casus.closed_outcome, casus.evaluation) == (
        "afgeschaald", "doel-bereikt", "onbekend",
    )  # fmt: skip
    assert str(casus.closed_on) == str(casus.afgeschaald_on) == "2026-11-23"
    assert [(c.route, c.outcome, c.evaluation, c.organisation_key) for c in closures] == [
        ("afgeschaald", "doel-bereikt", "onbekend", "politie")
    ]
    assert "geannuleerd" in statuses, "the planned overleg is called off"
    assert answers == []
    again = await say(router, REGIE, f"afschalen {REF}")
    assert again[REGIE] == [f"{REF} is afgeschaald op 23 november 2026."]


async def test_a_verslag_before_the_overleg_took_place_asks_first(router: Router) -> None:
    await say(router, REGIE, f"overleg plan {REF} 1-12-2026 10:00")
    first = await say(router, REGIE, f"overleg verslag {REF}")
    assert "staat pas op dinsdag 1 december 2026 om 10:00" in first[REGIE][0]
    assert "Toch nu het verslag vastleggen?" in first[REGIE][0]
    form = await say(router, REGIE, f"overleg verslag {REF} toch")
    assert "Wie is de casusregisseur?" in form[REGIE][0]


async def test_only_who_answers_for_a_casus_says_it_is_still_needed(router: Router) -> None:
    refused = await say(router, OFFICIER, f"nog nodig {REF} ja")
    assert refused[OFFICIER] == [
        f"Of {REF} nog nodig is, zeggen de procesregie en de casusregisseur."
    ]
    confirmed = await say(router, AGENT, f"nog nodig {REF} ja")
    assert (
        f"Genoteerd: {REF} loopt door. Ik vraag het opnieuw op 24 mei 2027" in (confirmed[AGENT][0])
    ), "six months later, at the next working moment"
    no = await say(router, REGIE, f"nog nodig {REF} nee")
    assert no[REGIE] == [f"Sluit de casus dan af met afschalen {REF}."]
    async with router.db.session() as session:
        needed = (await session.execute(select(Aanmelding.still_needed_at))).scalar_one()
    assert needed == NOW
