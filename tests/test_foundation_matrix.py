"""The foundation on a real Synapse with real E2EE clients (issue: foundation)."""

from __future__ import annotations

import pytest
from nio import RoomCreateResponse

from tests.conftest import BotHarness, MemberFactory
from tests.helpers import open_dm, wait_until_bot_left

pytestmark = pytest.mark.integration


async def test_member_gets_help_for_their_role_in_an_encrypted_dm(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    partner = await member_factory("politie")
    beheerder = await member_factory("beheer")
    await bot.seed(
        {partner.user_id: ("politie", "partner"), beheerder.user_id: ("zvh", "beheerder")}
    )
    await bot.start()

    room_id = await open_dm(partner, bot)
    reply = await partner.ask(room_id, bot.user_id, "hulp")

    assert reply.encrypted, "the bot must answer end-to-end encrypted"
    assert reply.msgtype == "m.notice"
    assert reply.formatted_body is not None
    assert "<ul>" in reply.formatted_body
    assert "medewerker ketenpartner" in reply.body
    assert "wie ben ik" in reply.body
    assert "lid toevoegen" not in reply.body, "a partner must not be offered beheer commands"

    beheer_room = await open_dm(beheerder, bot)
    beheer_help = await beheerder.ask(beheer_room, bot.user_id, "!help")
    assert "lid toevoegen" in beheer_help.body
    assert "functioneel beheerder" in beheer_help.body

    rows = dict(await bot.rows("SELECT matrix_id, dm_room_id FROM members"))
    assert rows[partner.user_id] == room_id, "the member's DM is remembered to reach them later"


async def test_stranger_is_declined_politely_and_leaves_no_trace(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    member = await member_factory("gemeente")
    stranger = await member_factory("vreemde")
    await bot.seed({member.user_id: ("gemeente", "partner")})
    await bot.start()

    room_id = await stranger.create_room([bot.user_id])
    reason = await wait_until_bot_left(stranger, bot, room_id)
    assert "Alleen leden" in (reason or "")

    # In a group room a member invited the bot to, a stranger's command gets one refusal.
    group = await member.create_room([bot.user_id, stranger.user_id], direct=False)
    await member.next_message(bot.user_id, group, 0)
    await stranger.client.join(group)
    await stranger.send(group, "!hulp")
    await stranger.wait_for_text(bot.user_id, group, "niet op de ledenlijst")
    await stranger.send(group, "!hulp")
    confirmation = await member.ask(group, bot.user_id, "!wie ben ik")
    assert "Organisatie gemeente" in confirmation.body
    refusals = [m for m in stranger.messages_from(bot.user_id, group) if "ledenlijst" in m.body]
    assert len(refusals) == 1, "a stranger is refused once, not on every message"

    await bot.stop()
    raw = await bot.stored_bytes()
    assert stranger.user_id.encode() not in raw
    assert member.user_id.encode() in raw  # the check itself can see user ids


async def test_restart_keeps_device_and_decrypts_what_arrived_while_down(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    partner = await member_factory("reclassering")
    await bot.seed({partner.user_id: ("reclassering", "partner")})
    app = await bot.start()
    device = app.transport.device_id
    room_id = await open_dm(partner, bot)
    await partner.ask(room_id, bot.user_id, "hulp")
    await bot.stop()

    # While the bot is down the member sends three messages.
    for text in ("wie ben ik", "hulp", "wie ben ik"):
        await partner.send(room_id, text)

    app = await bot.start()
    assert app.transport.device_id == device, "the bot must reuse its device (and its keys)"
    before = len(partner.messages_from(bot.user_id, room_id))
    await partner.wait_until(lambda: len(partner.messages_from(bot.user_id, room_id)) >= before + 3)
    replies = partner.messages_from(bot.user_id, room_id)[before:]
    assert [("Je bent" in r.body and "Dit kun je" not in r.body) for r in replies] == [
        True,
        False,
        True,
    ], "messages sent while the bot was down are answered once each, in order"

    # A second restart must not answer anything again.
    await bot.stop()
    await bot.start()
    reply = await partner.ask(room_id, bot.user_id, "wie ben ik")
    assert "reclassering" in reply.body
    assert len(partner.messages_from(bot.user_id, room_id)) == before + 4


async def test_unencrypted_invite_gets_encryption_switched_on(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    partner = await member_factory("ggz")
    await bot.seed({partner.user_id: ("ggz", "partner")})
    await bot.start()

    room_id = await partner.create_room([bot.user_id], encrypted=False)
    first = await partner.next_message(bot.user_id, room_id, 0)
    assert "versleuteling aangezet" in first.body
    assert first.encrypted
    await partner.wait_for_text(bot.user_id, room_id, "Typ hulp")
    reply = await partner.ask(room_id, bot.user_id, "wie ben ik")
    assert reply.encrypted
    assert "ggz" in reply.body


async def test_unencrypted_room_where_bot_cannot_enable_encryption_is_left(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    partner = await member_factory("woco")
    await bot.seed({partner.user_id: ("woco", "partner")})
    await bot.start()

    response = await partner.client.room_create(
        is_direct=True,
        invite=[bot.user_id],
        # The creator keeps full power (room v12 forbids listing creators here).
        power_level_override={"events": {"m.room.encryption": 100}, "users_default": 0},
    )
    assert isinstance(response, RoomCreateResponse), response
    room_id = response.room_id
    notice = await partner.next_message(bot.user_id, room_id, 0)
    assert not notice.encrypted
    assert "alleen in versleutelde chats" in notice.body
    await wait_until_bot_left(partner, bot, room_id)
    # Whatever the member types there afterwards, the bot has gone and answers nothing.
    await partner.send(room_id, "hulp")
    assert len(partner.messages_from(bot.user_id, room_id)) == 1


async def test_messages_from_before_the_bot_joined_are_not_handled(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    partner = await member_factory("leerplicht")
    await bot.seed({partner.user_id: ("gemeente", "partner")})
    # The member talks in the room before the bot is even running.
    room_id = await partner.create_room([bot.user_id])
    await partner.send(room_id, "hulp")
    await bot.start()
    await partner.wait_for_text(bot.user_id, room_id, "Typ hulp")
    reply = await partner.ask(room_id, bot.user_id, "wie ben ik")
    assert "gemeente" in reply.body
    bodies = [m.body for m in partner.messages_from(bot.user_id, room_id)]
    assert not [b for b in bodies if "Dit kun je" in b], "the earlier 'hulp' is history"
    assert len(bodies) == 2
