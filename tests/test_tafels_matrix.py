"""Tafels on a real Synapse with E2EE members, configured from the shipped examples
(``docs/tafels/``): a kernpartner chooses the radicalisering tafel, the procesregisseur
reads the announcement with its tafel and decides with the weegploeg's words; the
procesregie records a nazorg signal with its release date, works with the stoplicht instead
of a plan, and is reminded of the release date with an m.text that mentions them."""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.clock import FrozenClock
from tests.conftest import BotHarness, MemberFactory
from tests.helpers import AANMELDING_ANSWERS, converse, open_dm

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "tafels"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def example_tafels(*names: str) -> dict[str, object]:
    tafels: dict[str, object] = {}
    for name in names:
        tafels |= tomllib.loads((EXAMPLES / f"{name}.toml").read_text())["tafels"]
    return tafels


async def test_tafels_reach_members_in_their_own_words(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    agent, regisseur = [await member_factory(name) for name in ("politie", "regie")]
    await bot.seed({
        agent.user_id: ("politie", "partner"),
        regisseur.user_id: ("zvh", "procesregisseur"),
    })  # fmt: skip
    bot.extra_config = {"tafels": example_tafels("nazorg", "radicalisering")}
    clock = FrozenClock(datetime(2026, 11, 16, 10, 0, tzinfo=AMSTERDAM))  # a Monday
    bot.clock = clock
    app = await bot.start()
    police, regie = [await open_dm(m, bot) for m in (agent, regisseur)]

    # A kernpartner chooses among the tafels open to them (not nazorg: the procesregie's).
    asked = await agent.ask(police, bot.user_id, "aanmelden")
    assert "Bij welke tafel meld je aan?" in asked.body
    assert "2. Radicalisering" in asked.body
    assert "Nazorg" not in asked.body
    await agent.ask(police, bot.user_id, "aanmelden 2")
    await converse(agent, bot, police, AANMELDING_ANSWERS)
    filed = await agent.ask(police, bot.user_id, "bevestig")
    reference = next(w for w in filed.body.split() if w.startswith("ZVH-")).rstrip(".")
    announced = await regisseur.wait_for_text(bot.user_id, regie, f"Nieuwe aanmelding {reference}")
    assert f"Nieuwe aanmelding {reference} — Radicalisering" in announced.body
    choices = await regisseur.ask(regie, bot.user_id, f"besluit {reference}")
    assert "onvoldoende-substantieel" in choices.body
    await regisseur.ask(regie, bot.user_id, f"besluit {reference} onvoldoende-substantieel toch")
    await converse(regisseur, bot, regie, ["Geen aanleiding tot agenderen."])
    await regisseur.ask(regie, bot.user_id, "bevestig")
    told = await agent.wait_for_text(bot.user_id, police, f"Uitkomst triage {reference}")
    assert "signalen onvoldoende substantieel — geen casus" in told.body

    # The procesregie records a nazorg signal: the release date three weeks ahead.
    release = clock.now().date() + timedelta(days=21)
    await regisseur.ask(regie, bot.user_id, "aanmelden nazorg")
    await converse(regisseur, bot, regie, [
        "Testje", "van Nepnaam", "overslaan", "3-4-1990", f"{release:%d-%m-%Y}", "Demostad",
        "Demostad", "Geen woning na vrijlating.", "Onderdak bij terugkeer.", "geen", "ik",
    ])  # fmt: skip
    done = await regisseur.ask(regie, bot.user_id, "bevestig")
    nazorg = next(w for w in done.body.split() if w.startswith("ZVH-")).rstrip(".")
    # The procesregisseur filed it, so reads both the aanmelder's and the procesregie's line.
    await regisseur.send(regie, f"besluit {nazorg} nazorg toch")
    await regisseur.wait_for_text(bot.user_id, regie, f"{nazorg}: nazorgtraject")
    await regisseur.send(regie, f"pva {nazorg}")
    refused = await regisseur.wait_for_text(bot.user_id, regie, "zonder plan van aanpak")
    assert f"typ stoplicht {nazorg}" in refused.body
    await regisseur.send(regie, f"stoplicht {nazorg} onderdak rood")
    lights = await regisseur.wait_for_text(bot.user_id, regie, f"Stoplicht {nazorg}")
    assert "zwaarste: 🔴 rood" in lights.body

    # Fourteen days before the release the procesregisseur hears it, and Element notifies.
    clock.set(clock.now() + timedelta(days=8))
    await app.jobs.run_now("vrijlating")
    reminder = await regisseur.wait_for_text(bot.user_id, regie, "de verwachte vrijlating is")
    assert reminder.msgtype == "m.text"
    assert reminder.content["m.mentions"] == {"user_ids": [regisseur.user_id]}
    assert f"{nazorg}: de verwachte vrijlating is over 13 dagen" in reminder.body
    await app.jobs.run_now("vrijlating")
    await regisseur.ask(regie, bot.user_id, "hulp")  # everything before it has arrived
    reminders = [m for m in regisseur.messages_from(bot.user_id) if "vrijlating is" in m.body]
    assert len(reminders) == 1
