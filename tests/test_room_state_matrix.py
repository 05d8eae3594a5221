"""A restart without the full state (issue 26), on a real Synapse with E2EE members: the
rooms are rebuilt from the state kept with the sync position, the first sync is an
incremental one, what changed while the bot was down is applied on top, and the bot
writes encrypted to a member whose room had no activity since; a bot without kept state
(one from before) asks for the full state once, and keeps it from then on. And what the
bot's syncs leave out: a member typing and reading wakes no sync of the bot's."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import BotHarness, MemberFactory
from tests.helpers import converse, open_dm, submit_aanmelding

pytestmark = pytest.mark.integration


async def test_a_restart_rebuilds_the_rooms_and_syncs_from_where_it_was(
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
    first = await bot.start()
    rooms = {m.user_id: await open_dm(m, bot) for m in (aanmelder, regisseur, agent)}
    assert first.transport.first_sync_full_state  # never synced: the full state, once
    reference = await submit_aanmelding(aanmelder, bot, rooms[aanmelder.user_id])
    await regisseur.wait_for_text(bot.user_id, rooms[regisseur.user_id], reference)
    await bot.stop()

    # While the bot is down the police officer renames themself (a state event).
    await agent.set_display_name("Agent Nieuwnaam")
    app = await bot.start()
    transport = app.transport
    assert transport.restored_rooms >= 3
    # The aanmelder's room had no activity since: known to the client all the same.
    quiet = transport.client.rooms[rooms[aanmelder.user_id]]
    assert quiet.encrypted
    assert set(quiet.users) == {bot.user_id, aanmelder.user_id}
    # What changed while down came with the first (incremental) sync, on top.
    await regisseur.ask(rooms[regisseur.user_id], bot.user_id, "hulp")
    assert transport.first_sync_full_state is False
    renamed = transport.client.rooms[rooms[agent.user_id]].users[agent.user_id]
    assert renamed.display_name == "Agent Nieuwnaam"
    # The bot writes, encrypted, into the quiet room: the aanmelder reads the question.
    await regisseur.ask(rooms[regisseur.user_id], bot.user_id, f"besluit {reference} onduidelijk")
    await converse(regisseur, bot, rooms[regisseur.user_id], ["Wat is er al geprobeerd?"])
    await regisseur.ask(rooms[regisseur.user_id], bot.user_id, "bevestig")
    asked = await aanmelder.wait_for_text(bot.user_id, rooms[aanmelder.user_id], "meer informatie")
    assert "Wat is er al geprobeerd?" in asked.body
    await bot.stop()

    # A bot from before kept no state: it asks for the full state once, then keeps it.
    await bot.rows("DELETE FROM room_state")
    again = await bot.start()
    assert again.transport.restored_rooms == 0
    await agent.ask(rooms[agent.user_id], bot.user_id, "hulp")
    assert again.transport.first_sync_full_state is True
    await bot.stop()
    kept = await bot.rows("SELECT DISTINCT room_id FROM room_state")
    assert {row[0] for row in kept} >= set(rooms.values())
    last = await bot.start()
    assert "Dit kun je" in (await agent.ask(rooms[agent.user_id], bot.user_id, "hulp")).body
    assert last.transport.first_sync_full_state is False


async def test_typing_and_read_receipts_do_not_wake_the_bot(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    """The bot's syncs leave out what it never reads (bot/matrix/sync_filter.py): a member
    typing and reading in its chat costs the bot no sync, and the next message is answered."""
    member = await member_factory("wijkteam")
    await bot.seed({member.user_id: ("wijkteam", "partner")})
    app = await bot.start()
    room = await open_dm(member, bot)
    reply = await member.ask(room, bot.user_id, "hulp")
    await asyncio.sleep(1.0)  # the bot's own reply, back in its sync
    before = app.transport.syncs
    for _ in range(4):
        await member.client.room_typing(room, True, timeout=3000)
        await member.client.room_read_markers(room, reply.event_id, reply.event_id)
        await member.client.room_typing(room, False)
        await asyncio.sleep(0.5)
    await asyncio.sleep(1.0)
    # At most the waiting sync's own timeout (5 s in the tests) in these 3 seconds.
    assert app.transport.syncs - before <= 1
    assert "Dit kun je met mij doen" in (await member.ask(room, bot.user_id, "hulp")).body
