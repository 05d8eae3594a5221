"""The registers on the real homeserver: a beheerder registers a bezwaar in chat, the
casus is paused (an invitation and a verrijking request are refused, with the reason),
the procesregisseur rejects it and the invitation goes out; a partner reports an incident,
the manager is asked the AP question and records the decision; the command line lists both
registers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from demo.scripted import ScriptedMember
from tests.conftest import MemberFactory
from tests.helpers import AANMELDING_ANSWERS, converse, open_dm, submit_aanmelding
from tests.test_casusoverleg_matrix import House, a_weekday, house, start

pytestmark = pytest.mark.integration
__all__ = ["house"]  # the fixture


async def cli(config: Path, *args: str) -> int:
    """The command line, beside the running bot (its own event loop, in a thread)."""
    return await asyncio.to_thread(main, ["--config", str(config), *args])


async def beheerder_of(house: House, member_factory: MemberFactory) -> ScriptedMember:
    beheerder = await member_factory("beheer")
    await house.bot.seed({beheerder.user_id: ("zvh", "beheerder")})
    house.rooms[beheerder.user_id] = await open_dm(beheerder, house.bot)
    return beheerder


async def test_a_bezwaar_pauses_the_casus_until_the_procesregisseur_rejects_it(
    house: House, member_factory: MemberFactory, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    await start(house)
    beheerder = await beheerder_of(house, member_factory)
    reference = await submit_aanmelding(
        house.aanmelder, house.bot, house.room(house.aanmelder), AANMELDING_ANSWERS
    )
    await house.told(house.regisseur, f"Nieuwe aanmelding {reference}")
    config = tmp_path / "cli.toml"
    config.write_text(f'[database]\nurl = "{house.bot.settings.database.url}"\n'
                      f'[audit]\nanchor_file = "{tmp_path / "anchors"}"\n')  # fmt: skip

    asked = await house.ask(beheerder, f"verzoek bezwaar {reference}")
    assert "Wie doet het verzoek?" in asked
    await converse(beheerder, house.bot, house.room(beheerder),
                   ["Testje van Nepnaam, 3-4-90", "gisteren",
                    "Wil niet dat de politie meekijkt."])  # fmt: skip
    registered = await house.ask(beheerder, "bevestig")
    assert f"Verzoek 1: bezwaar (art. 21) over {reference}" in registered
    assert "Wettelijke termijn" in registered
    paused = await house.told(house.regisseur, f"Bezwaar tegen de verwerking van {reference}")
    assert "Nepnaam" not in paused, "the procesregie hears of it without the person's name"
    # The casus was put forward by the wijkteam: its contact handles the request.
    await house.told(house.aanmelder, "Verzoek 1: bezwaar")

    refused = await house.ask(house.regisseur, f"verrijk {reference} ggz")
    assert "loopt een bezwaar van de betrokkene" in refused
    assert not [m for m in house.ggz.messages_from(house.bot.user_id) if reference in m.body]
    shown = await house.ask(beheerder, "verzoek 1")
    assert "Testje van Nepnaam, 3-4-90" in shown, "the handler reads who asked"
    assert "Wil niet dat de politie meekijkt." in shown
    assert "Ik ken geen verzoek 1" in await house.ask(house.politie, "verzoek 1")
    wrong = await house.ask(beheerder, "verzoek 1 afgewezen geen grond")
    assert "Over een bezwaar beslist de procesregisseur" in wrong
    await house.ask_for(house.regisseur, "verzoek 1 afgewezen zwaarwegend belang",
                        "Verzoek 1 is afgewezen")  # fmt: skip

    # Through the triage to casusoverleg; then a second bezwaar, from the command line.
    await house.to_casusoverleg(reference)
    assert await cli(config, "verzoek", "nieuw", "bezwaar", "--kenmerk", reference,
                     "--betrokkene", "T. van Nepnaam") == 0  # fmt: skip
    assert "Verzoek 2 (bezwaar) staat in het register" in capsys.readouterr().out
    # The running bot delivers what the command line queued: the procesregie hears of it.
    await house.told(house.regisseur, "verzoek 2 toegewezen")
    day = a_weekday(10)
    plan = f"overleg plan {reference} {day:%d-%m-%Y} 10:00 Stadhuis"
    refused = await house.ask(house.regisseur, plan)
    assert "loopt een bezwaar van de betrokkene" in refused
    await house.ask_for(house.regisseur, "verzoek 2 afgewezen zwaarwegend belang", "afgewezen")
    await house.plan(reference, day)
    room_id = await house.politie.accept_invite(house.bot.user_id)
    await house.politie.wait_for_text(house.bot.user_id, room_id, "Uitnodiging")
    [(status, decision)] = await house.bot.rows(
        "SELECT status, decision FROM verzoeken WHERE id = 1"
    )
    assert status == "afgewezen"
    assert "zwaarwegend" not in decision, "the decision is encrypted at rest"
    assert (
        await asyncio.to_thread(main, ["--config", str(config), "verzoeken", "--alle", "--csv"])
        == 0
    )
    listed = capsys.readouterr().out
    assert f"1,bezwaar,{reference}" in listed
    assert ",afgewezen," in listed


async def test_a_reported_incident_reaches_the_managers_and_the_ap_decision_is_recorded(
    house: House, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await start(house)
    asked = await house.ask(house.politie, "incident melden")
    assert "1. gegevens naar de verkeerde persoon" in asked
    await converse(house.politie, house.bot, house.room(house.politie),
                   ["1", "Verslag naar een collega van een ander team gestuurd."])  # fmt: skip
    done = await house.ask(house.politie, "bevestig")
    assert "Incident 1 staat in het register" in done
    told = await house.told(house.manager, "Incident gemeld: gegevens naar de verkeerde persoon")
    assert "Verslag naar een collega" in told
    assert "beslis vóór" in told

    listed = await house.ask(house.manager, "incidenten")
    assert "besluit nodig" in listed
    detail = await house.ask(house.manager, "incident 1")
    assert "Verslag naar een collega van een ander team gestuurd." in detail
    refused = await house.ask(house.manager, "incident 1 niet melden")
    assert "Leg vast waarom niet" in refused
    decided = await house.ask(house.manager, "incident 1 niet melden teruggehaald, niet gelezen")
    assert "incident 1 is niet gemeld bij de AP" in decided
    not_allowed = await house.ask(house.politie, "incidenten")
    assert "Incidenten zonder besluit" not in not_allowed

    [(description,)] = await house.bot.rows("SELECT description FROM incidenten WHERE id = 1")
    assert "Verslag" not in description, "the description is encrypted at rest"
    config = tmp_path / "cli.toml"
    config.write_text(f'[database]\nurl = "{house.bot.settings.database.url}"\n'
                      f'[audit]\nanchor_file = "{tmp_path / "anchors"}"\n')  # fmt: skip
    assert (
        await asyncio.to_thread(main, ["--config", str(config), "incidenten", "--alle", "--csv"])
        == 0
    )
    out = capsys.readouterr().out
    assert "1," in out
    assert "verkeerde-ontvanger" in out
    assert "niet-melden" in out
