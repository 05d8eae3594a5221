"""Trust on a real Synapse: identity changes pause a member; room policy guards case data."""

from __future__ import annotations

import asyncio

import pytest
from nio import RoomGetStateEventResponse

from storage.unit import Unit
from tests.conftest import BotHarness, MemberFactory
from tests.helpers import open_dm
from tests.push_rules import push_rules, verdict

pytestmark = pytest.mark.integration


async def queue_sensitive(bot: BotHarness, room_id: str, text: str, audience: set[str]) -> None:
    """Queue personal data the way a casework handler will (sensitive, with its audience)."""
    app = bot.running
    assert app is not None
    async with app.db.session() as session, session.begin():
        await Unit(session).outbox.add(
            room_id, text, f"<p>{text}</p>", app.clock.now(), sensitive=True, audience=audience
        )
    app.outbox.wake()


async def test_changed_identity_pauses_the_member_until_a_beheerder_confirms(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    partner = await member_factory("politie")
    beheerder = await member_factory("beheer")
    first_key = await partner.set_up_cross_signing()
    await bot.seed(
        {partner.user_id: ("politie", "partner"), beheerder.user_id: ("zvh", "beheerder")}
    )
    await bot.start()
    room = await open_dm(partner, bot)
    beheer_room = await open_dm(beheerder, bot)
    assert "politie" in (await partner.ask(room, bot.user_id, "wie ben ik")).body

    # The account gets new cross-signing keys (reset, or taken over).
    assert await partner.set_up_cross_signing(fresh=True) != first_key
    changed = await partner.ask(room, bot.user_id, "wie ben ik")
    assert "beveiligingssleutel van je account is gewijzigd" in changed.body
    report = await beheerder.wait_for_text(bot.user_id, beheer_room, "Let op")
    assert partner.user_id in report.body
    # The warning must reach the beheerder: Element notifies, with a mention.
    told = verdict(await push_rules(beheerder), report)
    assert (told.notify, told.highlight) == (True, True), told
    paused = await partner.ask(room, bot.user_id, "hulp")
    assert "gepauzeerd" in paused.body

    # Case data for the member waits; it is not lost and not sent.
    await queue_sensitive(bot, room, "Casusgegevens voor de partner", {partner.user_id})
    await asyncio.sleep(2)
    assert not [m for m in partner.messages_from(bot.user_id, room) if "Casusgegevens" in m.body]

    # A member cannot confirm their own new key; a beheerder can.
    confirmed = await beheerder.ask(
        beheer_room, bot.user_id, f"identiteit bevestigen {partner.user_id}"
    )
    assert "is bevestigd" in confirmed.body
    await partner.wait_for_text(bot.user_id, room, "weer verder")
    held = await partner.wait_for_text(bot.user_id, room, "Casusgegevens")
    assert held.encrypted
    assert "politie" in (await partner.ask(room, bot.user_id, "wie ben ik")).body


async def test_a_beheerder_cannot_confirm_their_own_identity(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    beheerder = await member_factory("beheer")
    await beheerder.set_up_cross_signing()
    other = await member_factory("beheer")
    await bot.seed({beheerder.user_id: ("zvh", "beheerder"), other.user_id: ("zvh", "beheerder")})
    await bot.start()
    room = await open_dm(beheerder, bot)
    await beheerder.ask(room, bot.user_id, "wie ben ik")
    await beheerder.set_up_cross_signing(fresh=True)
    await beheerder.ask(room, bot.user_id, "wie ben ik")
    # Even the bot's most powerful command is refused while paused.
    refused = await beheerder.ask(room, bot.user_id, f"identiteit bevestigen {beheerder.user_id}")
    assert "gepauzeerd" in refused.body


async def test_dm_is_tightened_on_join(bot: BotHarness, member_factory: MemberFactory) -> None:
    partner = await member_factory("gemeente")
    await bot.seed({partner.user_id: ("gemeente", "partner")})
    await bot.start()
    room = await open_dm(partner, bot)
    history = await partner.client.room_get_state_event(room, "m.room.history_visibility")
    guests = await partner.client.room_get_state_event(room, "m.room.guest_access")
    assert isinstance(history, RoomGetStateEventResponse)
    assert history.content["history_visibility"] == "invited"
    assert isinstance(guests, RoomGetStateEventResponse)
    assert guests.content["guest_access"] == "forbidden"


async def test_case_data_is_refused_in_a_room_with_unexpected_members(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    partner = await member_factory("ggz")
    outsider = await member_factory("buitenstaander")
    beheerder = await member_factory("beheer")
    await bot.seed({partner.user_id: ("ggz", "partner"), beheerder.user_id: ("zvh", "beheerder")})
    await bot.start()
    beheer_room = await open_dm(beheerder, bot)
    # A room that is otherwise fine (the bot may tighten it), but someone else is in it.
    group = await partner.create_room(
        [bot.user_id, outsider.user_id], direct=False, invitees_are_admins=True
    )
    await partner.wait_for_text(bot.user_id, group, "Typ hulp")
    assert not [m for m in partner.messages_from(bot.user_id, group) if "Let op" in m.body]

    await queue_sensitive(bot, group, "Geheime casusgegevens", {partner.user_id})

    refusal = await partner.wait_for_text(bot.user_id, group, "Ik stuur hier geen casusgegevens")
    assert "deelnemers die deze gegevens niet mogen zien" in refusal.body
    report = await beheerder.wait_for_text(bot.user_id, beheer_room, "niet worden afgeleverd")
    assert "room_policy:unexpected_members" in report.body
    assert not [m for m in partner.messages_from(bot.user_id, group) if "Geheime" in m.body]


async def test_room_the_bot_may_not_tighten_is_flagged_and_refused(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    partner = await member_factory("reclassering")
    await bot.seed({partner.user_id: ("reclassering", "partner")})
    await bot.start()
    group = await partner.create_room([bot.user_id], direct=False)  # the bot gets no power
    warning = await partner.wait_for_text(bot.user_id, group, "niet veilig genoeg")
    assert "nieuwe deelnemers kunnen eerdere berichten lezen" in warning.body
    await queue_sensitive(bot, group, "Geheime casusgegevens", {partner.user_id})
    await partner.wait_for_text(bot.user_id, group, "Ik stuur hier geen casusgegevens")
    assert not [m for m in partner.messages_from(bot.user_id, group) if "Geheime" in m.body]


async def test_undeliverable_message_is_reported_to_the_beheerder(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    partner = await member_factory("woco")
    beheerder = await member_factory("beheer")
    await bot.seed({partner.user_id: ("woco", "partner"), beheerder.user_id: ("zvh", "beheerder")})
    await bot.start()
    beheer_room = await open_dm(beheerder, bot)
    group = await partner.create_room([bot.user_id], direct=False)
    await partner.wait_for_text(bot.user_id, group, "Typ hulp")
    await partner.client.room_kick(group, bot.user_id, reason="test")
    await asyncio.sleep(1)

    app = bot.running
    assert app is not None
    async with app.db.session() as session, session.begin():
        await Unit(session).outbox.add(group, "Herinnering", "<p>Herinnering</p>", app.clock.now())
    app.outbox.wake()
    report = await beheerder.wait_for_text(bot.user_id, beheer_room, "niet worden afgeleverd")
    assert group in report.body

    async def counts() -> tuple[int, int]:
        async with app.db.session() as session:
            outbox = Unit(session).outbox
            return await outbox.count("failed"), await outbox.count("pending")

    # The report reaches the beheerder a moment before the outbox records it as sent.
    for _ in range(50):
        if await counts() == (1, 0):
            break
        await asyncio.sleep(0.1)
    assert await counts() == (1, 0)
