"""Every casus ends, on the real homeserver, with the bot's clock travelling (issue: every
casus ends): a casus without overleg is afgesloten and gone a year later; an aanmelding
nobody decides on is reminded about and then deleted; a quiet casus is asked about, the
manager hears of it, and a confirmation starts the clock over."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

import pytest

from scheduler.clock import OffsetClock
from tests.helpers import AANMELDING_ANSWERS, converse, opened, submit_aanmelding
from tests.test_casusoverleg_matrix import House, house, start

pytestmark = pytest.mark.integration
__all__ = ["house"]  # the fixture


def working_moment(house: House, clock: OffsetClock, days: int) -> datetime:
    """10:00 on the first working day at least ``days`` days from the bot's now."""
    working = house.bot.settings.house
    zone = working.zone
    app = house.bot.running
    assert app is not None
    day = (clock.now() + timedelta(days=days)).astimezone(zone).date()
    while not app.working_time.is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, datetime.min.time(), tzinfo=zone) + timedelta(hours=10)


def travel(clock: OffsetClock, to: datetime) -> None:
    clock.travel(to - clock.now())


async def stored(house: House, reference: str) -> list[tuple[object, ...]]:
    return await house.bot.rows("SELECT id FROM aanmeldingen WHERE reference = :r", r=reference)


async def run(house: House, job: str) -> None:
    app = house.bot.running
    assert app is not None
    await app.jobs.run_now(job)


async def zonder_overleg(house: House) -> str:
    """An aanmelding, asked of politie, decided 'casus zonder casusoverleg'."""
    reference = await submit_aanmelding(
        house.aanmelder, house.bot, house.room(house.aanmelder), AANMELDING_ANSWERS
    )
    await house.told(house.regisseur, f"Nieuwe aanmelding {reference}")
    await house.ask(house.regisseur, f"verrijk {reference} politie")
    await house.told(house.politie, f"Verzoek om informatie — {reference}")
    decided = await house.ask(house.regisseur, f"besluit {reference} casus zonder overleg")
    assert "casus zonder casusoverleg" in decided
    await house.told(house.aanmelder, f"Uitkomst triage {reference}")
    return reference


async def test_a_casus_without_overleg_is_afgesloten_and_gone_a_year_later(
    house: House,
) -> None:
    clock = OffsetClock()
    house.bot.clock = clock
    await start(house)
    reference = await zonder_overleg(house)
    request = await house.politie.wait_for_text(
        house.bot.user_id, house.room(house.politie), f"Verzoek om informatie — {reference}"
    )
    summary = next(m for m in house.aanmelder.messages_from(house.bot.user_id)
                   if "Overzicht van je aanmelding" in m.body)  # fmt: skip

    wrong = await house.ask(house.regisseur, f"afschalen {reference}")
    assert f"sluit je af met afsluiten {reference}" in wrong
    asked = await house.ask(house.regisseur, f"afsluiten {reference}")
    assert "Afsluiten legt vast" in asked
    assert "Waarom sluit de casus?" in asked
    assert "2. overgedragen aan een partner" in asked
    await converse(house.regisseur, house.bot, house.room(house.regisseur), ["2", "deels"])
    done = await house.ask(house.regisseur, "bevestig")
    assert f"{reference} afgesloten op" in done
    [row] = await house.bot.rows(
        "SELECT closed_route, closed_outcome, evaluation FROM aanmeldingen "
        "WHERE reference = :r", r=reference,
    )  # fmt: skip
    assert row == ("afgesloten", "overgedragen", "deels")
    again = await house.ask(house.regisseur, f"afsluiten {reference}")
    assert "is afgesloten op" in again

    travel(clock, working_moment(house, clock, 200))
    await run(house, "retention")
    for member, event in ((house.politie, request.event_id),
                          (house.aanmelder, summary.event_id)):  # fmt: skip
        await member.wait_until(functools.partial(set.__contains__, member.inbox.redacted, event))
    [cleaned] = await house.bot.rows(
        "SELECT voornaam, cleaned_at IS NOT NULL FROM aanmeldingen WHERE reference = :r",
        r=reference,
    )
    assert tuple(map(opened, cleaned)) == ("", 1)

    travel(clock, working_moment(house, clock, 200))  # more than a year after the close
    await run(house, "retention")
    assert await stored(house, reference) == []
    # What the figures need outlives the casus, without its reference.
    closures = await house.bot.rows(
        "SELECT route, outcome, evaluation FROM feiten WHERE soort = 'afgesloten'"
    )
    assert closures == [("afgesloten", "overgedragen", "deels")]


async def test_an_aanmelding_nobody_decides_on_is_reminded_then_deleted(house: House) -> None:
    clock = OffsetClock()
    house.bot.clock = clock
    await start(house)
    reference = await submit_aanmelding(
        house.aanmelder, house.bot, house.room(house.aanmelder), AANMELDING_ANSWERS
    )
    await house.told(house.regisseur, f"Nieuwe aanmelding {reference}")

    travel(clock, working_moment(house, clock, 15))
    await run(house, "nog_nodig")
    reminder = await house.told(house.regisseur, "zonder besluit op de triage-agenda")
    assert reference in reminder
    await run(house, "nog_nodig")
    reminders = [m for m in house.regisseur.messages_from(house.bot.user_id)
                 if "zonder besluit op de triage-agenda" in m.body]  # fmt: skip
    assert len(reminders) == 1, "once per period"

    travel(clock, working_moment(house, clock, 80))  # past 90 days after the aanmelding
    await run(house, "retention")
    told = await house.told(house.aanmelder, f"Je aanmelding {reference} is verwijderd")
    assert "opnieuw aan" in told
    await house.told(house.regisseur, f"{reference} is na 90 dagen zonder besluit verwijderd")
    assert await stored(house, reference) == []
    summary = next(m for m in house.aanmelder.messages_from(house.bot.user_id)
                   if "Overzicht van je aanmelding" in m.body)  # fmt: skip
    await house.aanmelder.wait_until(
        functools.partial(set.__contains__, house.aanmelder.inbox.redacted, summary.event_id)
    )


async def test_a_quiet_casus_is_asked_about_the_manager_hears_and_ja_starts_over(
    house: House,
) -> None:
    clock = OffsetClock()
    house.bot.clock = clock
    await start(house)
    reference = await zonder_overleg(house)

    travel(clock, working_moment(house, clock, 120))
    await run(house, "nog_nodig")
    assert not [m for m in house.regisseur.messages_from(house.bot.user_id)
                if f"Is {reference} nog nodig?" in m.body], "not before six months"  # fmt: skip
    travel(clock, working_moment(house, clock, 70))
    await run(house, "nog_nodig")
    question = await house.told(house.regisseur, f"Is {reference} nog nodig?")
    assert f"nog nodig {reference} ja" in question
    assert f"afsluiten {reference}" in question

    travel(clock, working_moment(house, clock, 16))  # more than ten working days later
    await run(house, "nog_nodig")
    escalation = await house.told(house.manager, f"{reference}: niemand zegt of de casus")
    assert "nog nodig is" in escalation

    refused = await house.ask(house.politie, f"nog nodig {reference} ja")
    # Politie does not take part in this casus: the answer says nothing of it.
    assert refused == f"Ik ken geen aanmelding met kenmerk {reference}."
    confirmed = await house.ask(house.regisseur, f"nog nodig {reference} ja")
    assert f"Genoteerd: {reference} loopt door" in confirmed
    await run(house, "nog_nodig")
    questions = [m for m in house.regisseur.messages_from(house.bot.user_id)
                 if f"Is {reference} nog nodig?" in m.body]  # fmt: skip
    assert len(questions) == 1, "the clock starts over: no new question now"
    [(asked,)] = await house.bot.rows(
        "SELECT still_needed_at IS NOT NULL FROM aanmeldingen WHERE reference = :r",
        r=reference,
    )
    assert asked
