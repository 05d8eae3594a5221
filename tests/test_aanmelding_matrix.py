"""The aanmelding as a partner lives it, on a real Synapse with E2EE (issue: aanmelding)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from demo.scripted import ScriptedMember
from scheduler.clock import FrozenClock
from storage.models import Aanmelding
from tests.conftest import BotHarness, MemberFactory
from tests.helpers import AANMELDING_ANSWERS, converse, open_dm, opened

pytestmark = pytest.mark.integration

ANSWERS = AANMELDING_ANSWERS


async def stored_aanmeldingen(bot: BotHarness) -> list[dict[str, object]]:
    columns = [column.name for column in Aanmelding.__table__.columns]
    rows = await bot.rows(f"SELECT {', '.join(columns)} FROM aanmeldingen ORDER BY id")  # noqa: S608
    return [{key: opened(value) for key, value in zip(columns, row, strict=True)} for row in rows]


async def drafts_left(bot: BotHarness) -> int:
    [(count,)] = await bot.rows("SELECT count(*) FROM conversations")
    return int(count)


@pytest.fixture
async def partner_and_regisseur(
    bot: BotHarness, member_factory: MemberFactory
) -> tuple[ScriptedMember, ScriptedMember]:
    partner = await member_factory("politie")
    regisseur = await member_factory("regie")
    await bot.seed(
        {
            partner.user_id: ("politie", "partner"),
            regisseur.user_id: ("zvh", "procesregisseur"),
        }
    )
    # A registered care organisation to choose as involved partner (number 1 = ggz).
    await bot.seed({"@contact:ggz.example": ("ggz", "partner")})
    return partner, regisseur


async def test_a_partner_submits_an_aanmelding_and_gets_a_reference(
    bot: BotHarness, partner_and_regisseur: tuple[ScriptedMember, ScriptedMember]
) -> None:
    partner, regisseur = partner_and_regisseur
    await bot.start()
    room = await open_dm(partner, bot)
    regie_room = await open_dm(regisseur, bot)

    first = await partner.ask(room, bot.user_id, "aanmelden")
    assert "Vraag 1 van 14" in first.body
    summary = await converse(partner, bot, room, ANSWERS)
    assert "Overzicht van je aanmelding" in summary.body
    assert summary.formatted_body is not None
    assert "<table>" in summary.formatted_body
    assert "<td>3 april 1990</td>" in summary.formatted_body
    assert summary.encrypted

    done = await partner.ask(room, bot.user_id, "bevestig")
    reference = next(w for w in done.body.split() if w.startswith("ZVH-")).rstrip(".")
    assert re.fullmatch(r"ZVH-20\d\d-0001", reference), "the first case of the year"
    assert f"ingediend onder kenmerk {reference}" in done.body

    # The procesregie gets the full aanmelding as its triage prompt (triage issue).
    announced = await regisseur.wait_for_text(bot.user_id, regie_room, reference)
    assert announced.encrypted
    for detail in ("Testje van Nepnaam", "3 april 1990", "Demostad", ANSWERS[8], "politie"):
        assert detail in announced.body

    rows = await stored_aanmeldingen(bot)
    assert len(rows) == 1
    row = rows[0]
    assert row["reference"] == reference
    assert (row["voornaam"], row["achternaam"], row["aliassen"]) == ("Testje", "van Nepnaam", None)
    assert row["geboortedatum"] == "1990-04-03"
    assert row["minderjarig"] == 0
    assert (row["adres"], row["postcode"], row["woonplaats"]) == (
        "Voorbeeldstraat 1",
        "1234 AB",
        "Demostad",
    )
    assert row["probleemstelling"] == ANSWERS[8]
    assert json.loads(str(row["criteria"])) == ["veiligheid", "multiproblem"]
    assert json.loads(str(row["betrokken_partners"])) == ["politie"]
    assert row["urgentie"] == "regulier"
    assert row["contactpersoon"] == partner.user_id
    assert row["aanmelder_organisation"] == "politie"
    assert await drafts_left(bot) == 0


async def test_mistakes_navigation_and_a_restart_lose_nothing(
    bot: BotHarness, partner_and_regisseur: tuple[ScriptedMember, ScriptedMember]
) -> None:
    partner, _ = partner_and_regisseur
    await bot.start()
    room = await open_dm(partner, bot)
    await partner.ask(room, bot.user_id, "!aanmelden")
    await converse(partner, bot, room, ANSWERS[:3])

    wrong = await partner.ask(room, bot.user_id, "30-2-1990")
    assert "Die datum bestaat niet" in wrong.body
    future = await partner.ask(room, bot.user_id, "1-1-2090")
    assert "toekomst" in future.body
    back = await partner.ask(room, bot.user_id, "terug")
    assert "andere namen" in back.body

    # The bot restarts in the middle of the conversation.
    await bot.stop()
    await bot.start()
    resumed = await partner.ask(room, bot.user_id, "Nepper")
    assert "geboortedatum" in resumed.body, "resumed exactly at the next question"

    await converse(partner, bot, room, ANSWERS[3:])
    bsn = await partner.ask(room, bot.user_id, "wijzig doel")
    assert "doel" in bsn.body
    refused = await partner.ask(room, bot.user_id, "Hulp bij BSN 111222333 aanvragen")
    assert "BSN" in refused.body
    assert "Verwijderen" in refused.body, "asked to delete the message, in the same reply"
    assert "111222333" not in refused.body
    summary = await partner.ask(room, bot.user_id, "Samen een plan.")
    assert "Samen een plan." in summary.body
    assert "Nepper" in summary.body

    stop = await partner.ask(room, bot.user_id, "stop")
    assert "Wil je echt stoppen?" in stop.body
    stopped = await partner.ask(room, bot.user_id, "ja")
    assert "Het concept is verwijderd" in stopped.body
    assert await stored_aanmeldingen(bot) == []
    assert await drafts_left(bot) == 0


async def test_a_second_start_offers_to_continue_the_draft(
    bot: BotHarness, partner_and_regisseur: tuple[ScriptedMember, ScriptedMember]
) -> None:
    partner, _ = partner_and_regisseur
    await bot.start()
    room = await open_dm(partner, bot)
    await partner.ask(room, bot.user_id, "aanmelden")
    await converse(partner, bot, room, ANSWERS[:2])
    again = await partner.ask(room, bot.user_id, "!nieuwe aanmelding")
    assert "doorgaan" in again.body
    assert "2 van de 14 vragen" in again.body
    go_on = await partner.ask(room, bot.user_id, "doorgaan")
    assert "andere namen" in go_on.body
    fresh = await partner.ask(room, bot.user_id, "!aanmelden")
    assert "doorgaan" in fresh.body
    restarted = await partner.ask(room, bot.user_id, "opnieuw")
    assert "Vraag 1 van 14" in restarted.body


async def test_aanmelden_is_refused_in_a_group_and_for_roles_without_it(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    partner = await member_factory("gemeente")
    manager = await member_factory("manager")
    await bot.seed({partner.user_id: ("gemeente", "partner"), manager.user_id: ("zvh", "manager")})
    await bot.start()
    group = await partner.create_room(
        [bot.user_id, manager.user_id], direct=False, invitees_are_admins=True
    )
    await partner.wait_for_text(bot.user_id, group, "Typ hulp")
    refused = await partner.ask(group, bot.user_id, "!aanmelden")
    assert "alleen in je eigen chat" in refused.body
    manager_room = await open_dm(manager, bot)
    denied = await manager.ask(manager_room, bot.user_id, "aanmelden")
    assert "Dat kan ik voor jouw rol niet doen." in denied.body


async def test_an_edited_answer_corrects_it(
    bot: BotHarness, partner_and_regisseur: tuple[ScriptedMember, ScriptedMember]
) -> None:
    partner, _ = partner_and_regisseur
    await bot.start()
    room = await open_dm(partner, bot)
    await partner.ask(room, bot.user_id, "aanmelden")
    seen = len(partner.messages_from(bot.user_id, room))
    event_id = await partner.send(room, "Tstje")
    await partner.next_message(bot.user_id, room, seen)
    await partner.client.room_send(
        room,
        "m.room.message",
        {
            "msgtype": "m.text",
            "body": "* Testje",
            "m.new_content": {"msgtype": "m.text", "body": "Testje"},
            "m.relates_to": {"rel_type": "m.replace", "event_id": event_id},
        },
        ignore_unverified_devices=True,
    )
    corrected = await partner.wait_for_text(bot.user_id, room, "Aangepast")
    assert "voornaam is nu Testje" in corrected.body


async def test_an_abandoned_draft_is_reminded_once_then_deleted(
    bot: BotHarness, partner_and_regisseur: tuple[ScriptedMember, ScriptedMember]
) -> None:
    partner, _ = partner_and_regisseur
    clock = FrozenClock(datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam")))
    bot.clock = clock
    app = await bot.start()
    room = await open_dm(partner, bot)
    await partner.ask(room, bot.user_id, "aanmelden")
    await partner.ask(room, bot.user_id, "Testje")

    clock.advance(timedelta(days=1, minutes=1))
    await app.jobs.run_now("drafts")
    await app.jobs.run_now("drafts")  # a second tick must not remind again
    reminder = await partner.wait_for_text(bot.user_id, room, "nog een aanmelding in concept")
    assert "9 november 2026" in reminder.body
    resumed = await partner.ask(room, bot.user_id, "status")
    assert "1 van de 14 vragen beantwoord" in resumed.body

    clock.advance(timedelta(days=7, minutes=1))
    await app.jobs.run_now("drafts")
    await partner.wait_for_text(bot.user_id, room, "is verwijderd")
    reminders = [m for m in partner.messages_from(bot.user_id, room) if "nog een" in m.body]
    assert len(reminders) == 1
    assert await drafts_left(bot) == 0
    after = await partner.ask(room, bot.user_id, "hulp")
    assert "Dit kun je met mij doen" in after.body, "no conversation is left"


async def test_a_non_member_cannot_start_an_aanmelding(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    member = await member_factory("gemeente")
    stranger = await member_factory("vreemde")
    await bot.seed({member.user_id: ("gemeente", "partner")})
    await bot.start()
    group = await member.create_room(
        [bot.user_id, stranger.user_id], direct=False, invitees_are_admins=True
    )
    await member.wait_for_text(bot.user_id, group, "Typ hulp")
    await stranger.client.join(group)
    await stranger.send(group, "!aanmelden")
    await stranger.wait_for_text(bot.user_id, group, "niet op de ledenlijst")
    assert await drafts_left(bot) == 0


async def test_new_aanmelding_is_announced_in_the_procesregie_room(
    bot: BotHarness, partner_and_regisseur: tuple[ScriptedMember, ScriptedMember]
) -> None:
    partner, regisseur = partner_and_regisseur
    regie_room = await regisseur.create_room([bot.user_id], direct=False, invitees_are_admins=True)
    bot.extra_config = {"house": {"procesregie_room": regie_room}}
    await bot.start()
    await regisseur.wait_for_text(bot.user_id, regie_room, "Typ hulp")
    room = await open_dm(partner, bot)
    await partner.ask(room, bot.user_id, "aanmelden")
    await converse(partner, bot, room, [*ANSWERS[:12], "spoed", "Huisuitzetting morgen.", "ik"])
    done = await partner.ask(room, bot.user_id, "bevestig")
    reference = next(w for w in done.body.split() if w.startswith("ZVH-")).rstrip(".")
    announced = await regisseur.wait_for_text(bot.user_id, regie_room, reference)
    assert "SPOED" in announced.body
    assert "spoed: Huisuitzetting morgen." in announced.body
    assert f"verrijk {reference} standaard" in announced.body
    assert (await stored_aanmeldingen(bot))[0]["spoed_reden"] == "Huisuitzetting morgen."
