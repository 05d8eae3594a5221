"""Triage and verrijking on a real Synapse with several partners (issue: triage)."""

from __future__ import annotations

import asyncio
import io
import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.logs import setup_logging
from demo.scripted import ScriptedMember
from scheduler.clock import FrozenClock
from tests.conftest import BotHarness, MemberFactory
from tests.helpers import (
    AANMELDING_ANSWERS,
    Chats,
    converse,
    open_dm,
    opened,
    submit_aanmelding,
)

pytestmark = pytest.mark.integration

SECRET_PROBLEM = "GEHEIM-PROBLEEM: overlast en schulden."
ANSWERS = [*AANMELDING_ANSWERS[:8], SECRET_PROBLEM, *AANMELDING_ANSWERS[9:]]


@dataclass
class House(Chats):
    aanmelder: ScriptedMember
    regisseur: ScriptedMember
    politie1: ScriptedMember
    politie2: ScriptedMember
    om: ScriptedMember
    ggz: ScriptedMember

    async def answer_verrijking(
        self, contact: ScriptedMember, reference: str, answers: list[str]
    ) -> None:
        """The contact waits for the request, then answers it (answers end with bevestig);
        returns once the regisseur has the answer, so their next question gets its own reply."""
        await contact.wait_for_text(self.bot.user_id, self.room(contact), reference)
        await self.ask(contact, f"beantwoord {reference}")
        await converse(contact, self.bot, self.room(contact), answers)
        await self.regisseur.wait_for_text(
            self.bot.user_id, self.room(self.regisseur), f"Verrijking {reference} van"
        )

    def everything_received(self, member: ScriptedMember) -> str:
        return "\n".join(m.body for m in member.messages_from(self.bot.user_id))


@pytest.fixture
async def house(bot: BotHarness, member_factory: MemberFactory) -> House:
    members = [
        await member_factory(name)
        for name in ("wijkteam", "regie", "politie", "politie", "om", "ggz")
    ]
    aanmelder, regisseur, politie1, politie2, om, ggz = members
    await bot.seed({
        aanmelder.user_id: ("wijkteam", "partner"),
        regisseur.user_id: ("zvh", "procesregisseur"),
        politie1.user_id: ("politie", "partner"),
        politie2.user_id: ("politie", "partner"),
        om.user_id: ("om", "partner"),
        ggz.user_id: ("ggz", "partner"),
    })  # fmt: skip
    await bot.start()
    rooms = {m.user_id: await open_dm(m, bot) for m in members}
    return House(bot, rooms, aanmelder, regisseur, politie1, politie2, om, ggz)


async def new_case(house: House) -> str:
    reference = await submit_aanmelding(
        house.aanmelder, house.bot, house.room(house.aanmelder), ANSWERS
    )
    prompt = await house.regisseur.wait_for_text(
        house.bot.user_id, house.room(house.regisseur), f"Nieuwe aanmelding {reference}"
    )
    assert SECRET_PROBLEM in prompt.body, "the procesregie sees the full aanmelding"
    return reference


async def test_verrijking_reaches_exactly_the_asked_contacts_with_minimal_personalia(
    house: House,
) -> None:
    reference = await new_case(house)
    reply = await house.ask(house.regisseur, f"verrijk {reference} politie om")
    assert "Gevraagd: Organisatie om, Organisatie politie." in reply or (
        "Gevraagd: Organisatie politie, Organisatie om." in reply
    )
    for contact in (house.politie1, house.politie2, house.om):
        request = await contact.wait_for_text(
            house.bot.user_id, house.room(contact), f"Verzoek om informatie — {reference}"
        )
        assert request.encrypted
        for minimal in ("Testje van Nepnaam", "3 april 1990", "Demostad"):
            assert minimal in request.body
        for withheld in (
            "GEHEIM-PROBLEEM",
            "Voorbeeldstraat",
            "1234 AB",
            "plan van aanpak",
            "wijkteam",
        ):
            assert withheld not in request.body
    await asyncio.sleep(1)
    assert reference not in house.everything_received(house.ggz), "ggz was not asked"
    again = await house.ask(house.regisseur, f"verrijk {reference} politie")
    assert "Al gevraagd: Organisatie politie." in again


async def test_first_answer_wins_and_answers_stay_with_the_procesregie(house: House) -> None:
    reference = await new_case(house)
    await house.ask(house.regisseur, f"verrijk {reference} politie om")
    await house.politie1.wait_for_text(house.bot.user_id, house.room(house.politie1), reference)

    form = await house.ask(house.politie1, f"beantwoord {reference}")
    assert "Is de persoon uit het verzoek bij jouw organisatie bekend?" in form
    await converse(
        house.politie1,
        house.bot,
        house.room(house.politie1),
        ["ja", "POLITIE-INFO: twee meldingen overlast in 2026.", "nee"],
    )
    thanks = await house.ask(house.politie1, "bevestig")
    assert "naar de procesregie gestuurd" in thanks

    told = await house.politie2.wait_for_text(
        house.bot.user_id, house.room(house.politie2), "beantwoord door een collega"
    )
    assert "POLITIE-INFO" not in told.body
    late = await house.ask(house.politie2, f"beantwoord {reference}")
    assert "al beantwoord" in late

    not_asked = await house.ask(house.ggz, f"beantwoord {reference}")
    assert f"Er staat voor jou geen verzoek om informatie open bij {reference}." == not_asked
    unknown = await house.ask(house.ggz, "beantwoord ZVH-2026-9999")
    assert "geen verzoek om informatie open" in unknown, "no hint whether a reference exists"

    await house.ask(house.om, f"beantwoord {reference}")
    await house.ask(house.om, "nee")
    await house.ask(house.om, "bevestig")

    answer = await house.regisseur.wait_for_text(
        house.bot.user_id, house.room(house.regisseur), "POLITIE-INFO"
    )
    assert "Alleen voor de procesregie" in answer.body
    state = await house.ask_for(house.regisseur, f"triage {reference}", f"Triage {reference}")
    assert "Organisatie politie | beantwoord: bekend" in state
    assert "Organisatie om | beantwoord: niet bekend" in state
    for other in (house.om, house.politie2, house.ggz, house.aanmelder):
        assert "POLITIE-INFO" not in house.everything_received(other)


async def test_geen_casus_advises_and_deletes_the_personal_data(house: House) -> None:
    reference = await new_case(house)
    await house.ask(house.regisseur, f"verrijk {reference} politie om")
    await house.answer_verrijking(
        house.politie1, reference, ["ja", "POLITIE-INFO: bekend van overlast.", "ja", "bevestig"]
    )

    form = await house.ask(house.regisseur, f"besluit {reference} geen casus")
    assert "Welk advies krijgt de aanmelder?" in form
    await house.ask(house.regisseur, "ADVIES: meld het bij het sociaal wijkteam.")
    await house.ask(house.regisseur, "bevestig")

    advice = await house.aanmelder.wait_for_text(
        house.bot.user_id, house.room(house.aanmelder), "geen casus voor het ZVH"
    )
    assert "ADVIES: meld het bij het sociaal wijkteam." in advice.body
    withdrawn = await house.om.wait_for_text(house.bot.user_id, house.room(house.om), "ingetrokken")
    assert reference in withdrawn.body
    await house.regisseur.wait_for_text(
        house.bot.user_id, house.room(house.regisseur), "persoonsgegevens van de aanmelding"
    )
    await asyncio.sleep(1)

    assert await house.bot.rows("SELECT count(*) FROM aanmeldingen") == [(0,)]
    assert await house.bot.rows("SELECT count(*) FROM verrijkingsverzoeken") == [(0,)]
    outcomes = await house.bot.rows(
        "SELECT organisation_key, outcome FROM feiten WHERE soort = 'besloten'"
    )
    assert outcomes == [("wijkteam", "geen-casus")]
    await house.bot.stop()
    raw = await house.bot.stored_bytes()
    for personal in (b"Testje", b"Nepnaam", b"GEHEIM-PROBLEEM", b"POLITIE-INFO"):
        assert personal not in raw, personal
    await house.bot.start()
    gone = await house.ask(house.regisseur, f"triage {reference}")
    assert f"Ik ken geen aanmelding met kenmerk {reference}." == gone


async def test_other_outcomes_are_recorded_and_told(house: House) -> None:
    unclear = await new_case(house)
    await house.ask(house.regisseur, f"besluit {unclear} onduidelijk")
    await house.ask(house.regisseur, "Welke hulpverlening loopt er al?")
    await house.ask(house.regisseur, "bevestig")
    question = await house.aanmelder.wait_for_text(
        house.bot.user_id, house.room(house.aanmelder), "meer informatie nodig"
    )
    assert "Welke hulpverlening loopt er al?" in question.body
    agenda = await house.ask_for(house.regisseur, "triage", "Triage-agenda")
    assert f"{unclear} | regulier | nog onduidelijk" in agenda

    overleg = await new_case(house)
    await house.ask(house.regisseur, f"besluit {overleg} casusoverleg")
    await converse(
        house.regisseur,
        house.bot,
        house.room(house.regisseur),
        ["Samen één plan.", "wonen, schulden", "politie, om"],
    )
    await house.ask(house.regisseur, "bevestig")
    await house.aanmelder.wait_for_text(
        house.bot.user_id, house.room(house.aanmelder), f"{overleg}: de casus komt in een"
    )
    again = await house.ask(house.regisseur, f"besluit {overleg} onduidelijk")
    assert "al besloten: casus voor casusoverleg" in again

    direct = await new_case(house)
    await house.ask(house.regisseur, f"besluit {direct} casus-zonder-overleg")
    await house.aanmelder.wait_for_text(
        house.bot.user_id, house.room(house.aanmelder), f"{direct}: het ZVH pakt dit op"
    )
    rows = dict(await house.bot.rows("SELECT reference, triage_status FROM aanmeldingen"))
    [stored] = await house.bot.rows(
        "SELECT overleg_doel, overleg_themas, overleg_partners FROM aanmeldingen "
        "WHERE reference = :r",
        r=overleg,
    )
    assert rows == {unclear: "onduidelijk", overleg: "casusoverleg", direct: "casus-zonder-overleg"}
    assert tuple(map(opened, stored)) == ("Samen één plan.", "wonen, schulden", '["politie", "om"]')


async def test_partners_and_strangers_cannot_run_triage(house: House) -> None:
    reference = await new_case(house)
    for command in (
        f"verrijk {reference} politie",
        f"triage {reference}",
        f"besluit {reference} geen-casus",
        "triage",
    ):
        assert await house.ask(house.politie1, command) == "Dat kan ik voor jouw rol niet doen."


async def test_no_personal_data_reaches_the_log(house: House) -> None:
    """A whole triage at the most verbose production log level: names, birth date, free
    text and answers appear in no log line, message, traceback or metric."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    setup_logging("DEBUG", "json")
    written = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(written)  # exactly what the bot's log file gets
    try:
        reference = await new_case(house)
        await house.ask(house.regisseur, f"verrijk {reference} politie")
        await house.answer_verrijking(
            house.politie1, reference, ["ja", "POLITIE-INFO: bekend.", "nee", "bevestig"]
        )
        await house.ask(house.regisseur, f"besluit {reference} geen-casus")
        await converse(
            house.regisseur,
            house.bot,
            house.room(house.regisseur),
            ["ADVIES-VOOR-AANMELDER", "bevestig"],
        )
        await house.aanmelder.wait_for_text(
            house.bot.user_id, house.room(house.aanmelder), "ADVIES-VOOR-AANMELDER"
        )
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    app = house.bot.running
    assert app is not None
    metrics = (await app.render_metrics()).decode()
    assert "casusbot_messages_handled_total" in metrics
    log_text = "\n".join([written.getvalue(), metrics])
    # The capture works: the scenario's commands are in it (by kind, not content).
    assert "command action=triage" in log_text
    assert "form submitted: verrijking" in log_text
    for personal in (
        "Testje",
        "Nepnaam",
        "3 april 1990",
        "1990-04-03",
        "Voorbeeldstraat",
        "GEHEIM-PROBLEEM",
        "POLITIE-INFO",
        "ADVIES-VOOR-AANMELDER",
        house.aanmelder.user_id,
        house.politie1.user_id,
    ):
        assert personal not in log_text, personal


async def test_a_silent_partner_is_reminded_then_the_procesregie_told(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    aanmelder, regisseur, agent = [
        await member_factory(name) for name in ("wijkteam", "regie", "politie")
    ]
    await bot.seed({
        aanmelder.user_id: ("wijkteam", "partner"),
        regisseur.user_id: ("zvh", "procesregisseur"),
        agent.user_id: ("politie", "partner"),
    })  # fmt: skip
    amsterdam = ZoneInfo("Europe/Amsterdam")
    clock = FrozenClock(datetime(2026, 11, 19, 10, 0, tzinfo=amsterdam))  # a Thursday
    bot.clock = clock
    app = await bot.start()
    rooms = {m.user_id: await open_dm(m, bot) for m in (aanmelder, regisseur, agent)}
    reference = await submit_aanmelding(aanmelder, bot, rooms[aanmelder.user_id], ANSWERS)
    await regisseur.ask(rooms[regisseur.user_id], bot.user_id, f"verrijk {reference} politie")
    await agent.wait_for_text(bot.user_id, rooms[agent.user_id], "Verzoek om informatie")

    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=amsterdam))  # 2 working days later
    await app.jobs.run_now("triage")
    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=amsterdam))  # 3 working days
    await app.jobs.run_now("triage")
    await app.jobs.run_now("triage")
    reminder = await agent.wait_for_text(bot.user_id, rooms[agent.user_id], "Herinnering")
    assert f"beantwoord {reference}" in reminder.body
    clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=amsterdam))
    await app.jobs.run_now("triage")
    escalation = await regisseur.wait_for_text(
        bot.user_id, rooms[regisseur.user_id], "nog niet beantwoord"
    )
    assert "Organisatie politie" in escalation.body
    reminders = [m for m in agent.messages_from(bot.user_id) if "Herinnering" in m.body]
    assert len(reminders) == 1
