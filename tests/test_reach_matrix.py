"""Messages that reach people, and conversations that forgive, on a real Synapse with E2EE
(issue 19). Whether a message notifies is judged as Element judges it: the member's own
push rules from the homeserver, evaluated on the decrypted event (tests/push_rules.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.matrix.content import BOT_MARK
from demo.scripted import Received, ScriptedMember
from handlers.house import AMSTERDAM
from scheduler.clock import OffsetClock
from tests.conftest import BotHarness, MemberFactory
from tests.helpers import converse, open_dm, opened
from tests.push_rules import Verdict, push_rules, verdict
from tests.test_casusoverleg_matrix import House, a_weekday, house, start
from tests.test_every_casus_ends_matrix import travel, working_moment

pytestmark = pytest.mark.integration
__all__ = ["house"]  # the fixture

BSN = "111222333"  # passes the elfproef


async def judged(member: ScriptedMember, received: Received) -> Verdict:
    return verdict(await push_rules(member), received)


def pill(member: ScriptedMember, name: str) -> str:
    return f'<a href="https://matrix.to/#/{member.user_id}">{name}</a>'


async def test_an_aanmelding_forgives_loose_answers_and_reaches_the_procesregie(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    aanmelder, regisseur, politie, quiet = [
        await member_factory(name) for name in ("wijkteam", "regie", "politie", "politie")
    ]
    await regisseur.set_display_name("Roos Regie")
    await politie.set_display_name("Piet Politie")
    await quiet.set_display_name("Stille Collega")
    await bot.seed({
        aanmelder.user_id: ("wijkteam", "partner"),
        regisseur.user_id: ("zvh", "procesregisseur"),
        politie.user_id: ("politie", "partner"),
        quiet.user_id: ("politie", "partner"),
    })  # fmt: skip
    regie_room = await regisseur.create_room([bot.user_id], direct=False, invitees_are_admins=True)
    bot.extra_config = {"house": {"procesregie_room": regie_room}}
    await bot.start()
    await regisseur.wait_for_text(bot.user_id, regie_room, "Typ hulp")
    dm = await open_dm(aanmelder, bot)

    # A reply to who just typed is an m.notice: no buzz for what one is looking at.
    reply = await aanmelder.ask(dm, bot.user_id, "hulp")
    assert reply.msgtype == "m.notice"
    assert not (await judged(aanmelder, reply)).notify
    # A message of another bot (marked as casusbot marks its own) is not answered.
    await aanmelder.client.room_send(
        dm, "m.room.message", {"msgtype": "m.text", "body": "hulp", BOT_MARK: True},
        ignore_unverified_devices=True,
    )  # fmt: skip
    assert "Je bent" in (await aanmelder.ask(dm, bot.user_id, "wie ben ik")).body
    # A command with a typo: a suggestion, not the whole help.
    typo = await aanmelder.ask(dm, bot.user_id, "aanmleden")
    assert "Bedoel je aanmelden?" in typo.body
    assert "Dit kun je met mij doen" not in typo.body

    await aanmelder.ask(dm, bot.user_id, "aanmelden")
    await converse(aanmelder, bot, dm, ["Testje", "van Nepnaam", "overslaan"])
    born = await aanmelder.ask(dm, bot.user_id, "geboren op 03-04-90")
    assert "Genoteerd: geboortedatum 3 april 1990" in born.body
    address = await aanmelder.ask(dm, bot.user_id, "Voorbeeldstraat 1, 1234 ab demostad")
    assert "postcode 1234 AB" in address.body
    assert "woonplaats Demostad" in address.body
    assert "Om welke gemeente gaat het" in address.body, "postcode and woonplaats not asked"
    await aanmelder.ask(dm, bot.user_id, "gemeente demostad")
    meant = await aanmelder.ask(dm, bot.user_id, "bevestig")
    assert "als antwoord op" in meant.body, "a command word at a free-text question"
    await converse(aanmelder, bot, dm, ["Overlast en schulden.", "Eén plan.", "optie 1", "geen"])
    urgent = await aanmelder.ask(dm, bot.user_id, "reguleir")
    assert "Genoteerd: urgentie regulier" in urgent.body
    summary = await aanmelder.ask(dm, bot.user_id, "ik")
    assert "Vraag" not in summary.body
    done = await aanmelder.ask(dm, bot.user_id, "ja hoor")
    reference = next(w for w in done.body.split() if w.startswith("ZVH-")).rstrip(".")
    [stored] = await bot.rows(
        "SELECT geboortedatum, adres, postcode, woonplaats, gemeente, urgentie FROM aanmeldingen"
    )
    assert tuple(map(str, map(opened, stored))) == (
        "1990-04-03", "Voorbeeldstraat 1", "1234 AB", "Demostad", "Demostad", "regulier",
    )  # fmt: skip

    # The new aanmelding reaches the procesregisseur: an m.text that mentions them.
    announced = await regisseur.wait_for_text(bot.user_id, regie_room, reference)
    assert announced.msgtype == "m.text"
    assert announced.content["m.mentions"] == {"user_ids": [regisseur.user_id]}
    told = await judged(regisseur, announced)
    assert (told.notify, told.highlight) == (True, True), told

    # A verrijking request reaches the contact.
    regie_dm = await open_dm(regisseur, bot)
    politie_dm = await open_dm(politie, bot)
    await regisseur.ask(regie_dm, bot.user_id, f"verrijk {reference} politie")
    request = await politie.wait_for_text(bot.user_id, politie_dm, "Verzoek om informatie")
    assert (await judged(politie, request)).notify

    # Names are known also of members who never wrote to the bot (from their profile).
    app = bot.running
    assert app is not None
    await app.jobs.run_now("display_names")
    names = {m: opened(n) for m, n in await bot.rows("SELECT matrix_id, display_name FROM members")}
    assert names[quiet.user_id] == "Stille Collega"
    assert names[politie.user_id] == "Piet Politie"

    # A BSN: the member is asked to delete their message, and thanked once it is gone.
    sent = await politie.send(politie_dm, f"zijn bsn is {BSN}")
    asked = await politie.wait_for_text(bot.user_id, politie_dm, "Verwijderen")
    assert BSN not in asked.body
    await politie.delete(politie_dm, sent)
    await politie.wait_for_text(bot.user_id, politie_dm, "het bericht met het nummer is weg")
    assert await bot.rows("SELECT count(*) FROM withdrawn_messages") == [(0,)]


async def test_the_casusoverleg_names_people_and_its_reminders_reach_them(house: House) -> None:
    clock = OffsetClock()
    house.bot.clock = clock
    await house.politie.set_display_name("Piet Politie")
    await house.regisseur.set_display_name("Roos Regie")
    await start(house)
    reference = await house.casus()
    await house.plan(reference, a_weekday(10))

    # The invitation addresses each participant, by name.
    room_id = await house.politie.accept_invite(house.bot.user_id)
    invitation = await house.politie.wait_for_text(house.bot.user_id, room_id, "Uitnodiging")
    assert invitation.msgtype == "m.text"
    mentioned = set(invitation.content["m.mentions"]["user_ids"])
    assert mentioned == {house.politie.user_id, house.om.user_id, house.regisseur.user_id}
    assert pill(house.politie, "Piet Politie") in (invitation.formatted_body or "")
    assert "Piet Politie" in invitation.body
    told = await judged(house.politie, invitation)
    assert (told.notify, told.highlight) == (True, True), told

    # The casusregisseur is chosen from who takes part, by name; an owner picked as a pill.
    form = await house.ask(house.regisseur, f"overleg verslag {reference} toch")
    candidates = form.split("Geef het nummer of de naam.")[1]
    assert "Piet Politie (Organisatie politie)" in candidates
    assert "Roos Regie (Organisatie zvh)" in candidates
    assert "@" not in candidates
    await house.ask(house.regisseur, "piet politie")
    deadline = a_weekday(20)
    line = f"HUISBEZOEK; politie Piet Politie; {deadline:%d-%m-%Y}"
    await house.regisseur.send(
        house.room(house.regisseur), line,
        html=line.replace("Piet Politie", pill(house.politie, "Piet Politie")),
    )  # fmt: skip
    await house.told(house.regisseur, "Wie informeert de cliënt")
    await converse(house.regisseur, house.bot, house.room(house.regisseur),
                   ["De casusregisseur.", "Rust.", "overslaan"])  # fmt: skip
    await house.ask(house.regisseur, "bevestig")
    [owner] = await house.bot.rows("SELECT owner FROM pva_acties")
    assert owner == (house.politie.user_id,), "the pill named exactly that account"

    # The deadline reminder and the escalation each reach who must act.
    days = (deadline - clock.now().astimezone(AMSTERDAM).date()).days
    travel(clock, working_moment(house, clock, days))
    app = house.bot.running
    assert app is not None
    await app.jobs.run_now("plan_van_aanpak")
    reminder = await house.politie.wait_for_text(
        house.bot.user_id, house.room(house.politie), "Herinnering: actie 1"
    )
    assert "Piet Politie" in reminder.body
    assert (await judged(house.politie, reminder)).notify
    clock.travel(timedelta(days=7))
    await app.jobs.run_now("plan_van_aanpak")
    escalated = await house.regisseur.wait_for_text(
        house.bot.user_id, house.room(house.regisseur), "over de deadline"
    )
    assert "Casusregisseur: Piet Politie" in escalated.body
    assert "@" not in escalated.body
    assert (await judged(house.regisseur, escalated)).notify

    # Someone probing what they may not do: the manager hears of it, and is notified.
    for _ in range(5):
        await house.ask(house.ggz, "triage")
    incident = await house.told(house.manager, "Mogelijk incident")
    assert house.ggz.user_id in incident
    [received] = [m for m in house.manager.messages_from(house.bot.user_id)
                  if "Mogelijk incident" in m.body]  # fmt: skip
    assert (await judged(house.manager, received)).notify
