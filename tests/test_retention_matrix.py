"""Retention on the real homeserver: six months after afschaling the bot's messages about
the casus are redacted (casus room and direct chats) and the casus room is emptied and
deleted (issue: scheduler)."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from demo.devserver import LocalSynapse
from scheduler.clock import OffsetClock
from tests.helpers import opened
from tests.test_casusoverleg_matrix import House, a_weekday, admin_token, house, start

pytestmark = pytest.mark.integration
__all__ = ["house"]  # the fixture


def room_keys_on_disk(store: Path, room_id: str) -> int:
    """The megolm sessions of a room in the bot's crypto store (nio's SQLite file)."""
    total = 0
    for path in store.glob("*.db"):
        connection = sqlite3.connect(path)
        try:
            total += connection.execute(
                "SELECT count(*) FROM megolminboundsessions WHERE room_id = ?", (room_id,)
            ).fetchone()[0]
        finally:
            connection.close()
    return total


async def test_six_months_after_afschaling_the_messages_and_the_room_are_gone(
    house: House, synapse: LocalSynapse
) -> None:
    clock = OffsetClock()
    house.bot.clock = clock
    await start(house)
    reference = await house.casus()
    summary = next(m for m in house.aanmelder.messages_from(house.bot.user_id)
                   if "Overzicht van je aanmelding" in m.body)  # fmt: skip
    request = await house.politie.wait_for_text(
        house.bot.user_id, house.room(house.politie), f"Verzoek om informatie — {reference}"
    )
    await house.plan(reference, a_weekday(3))
    room_id = await house.politie.accept_invite(house.bot.user_id)
    await house.om.accept_invite(house.bot.user_id)
    invitation = await house.politie.wait_for_text(house.bot.user_id, room_id, "Uitnodiging")
    done = await house.afschalen(reference, "toch")  # before the planned overleg
    assert "afgeschaald op" in done
    store = Path(house.bot.settings.matrix.store_path)
    assert await asyncio.to_thread(room_keys_on_disk, store, room_id) > 0

    # The bot's account is a homeserver admin here, so the room can be deleted outright.
    token = await admin_token(synapse)
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        promoted = await http.put(
            f"{synapse.url}/_synapse/admin/v2/users/{house.bot.user_id}", json={"admin": True}
        )
        assert promoted.status == 200, await promoted.text()

        clock.travel(timedelta(days=200))
        app = house.bot.running
        assert app is not None
        await app.jobs.run_now("retention")

        for member, event in ((house.politie, invitation.event_id),
                              (house.politie, request.event_id),
                              (house.aanmelder, summary.event_id)):  # fmt: skip
            redacted = member.inbox.redacted
            await member.wait_until(functools.partial(set.__contains__, redacted, event))

        await house.told(house.manager, "Bewaartermijnen")

        async def room_exists() -> bool:
            response = await http.get(f"{synapse.url}/_synapse/admin/v1/rooms/{room_id}")
            return response.status == 200

        for _ in range(100):
            if not await room_exists():
                break
            await asyncio.sleep(0.2)
        assert not await room_exists(), "the room is deleted on the homeserver"

    # Deleted means gone: the bot's own keys to the room as well, on disk and in memory.
    for _ in range(100):
        if await asyncio.to_thread(room_keys_on_disk, store, room_id) == 0:
            break
        await asyncio.sleep(0.2)
    assert await asyncio.to_thread(room_keys_on_disk, store, room_id) == 0
    client = app.transport.managed.client
    assert room_id not in client.rooms
    # Nor is its state kept for the next restart (its name held the reference).
    for _ in range(100):
        kept = await house.bot.rows("SELECT count(*) FROM room_state WHERE room_id = :r",
                                    r=room_id)  # fmt: skip
        if kept == [(0,)]:
            break
        await asyncio.sleep(0.2)
    assert kept == [(0,)]
    assert client.olm is not None
    assert not client.olm.inbound_group_store[room_id]
    assert room_id not in client.olm.outbound_group_sessions

    [row] = await house.bot.rows(
        "SELECT voornaam, geboortedatum, cleaned_at IS NOT NULL FROM aanmeldingen "
        "WHERE reference = :r", r=reference,
    )  # fmt: skip
    [(left,)] = await house.bot.rows(
        "SELECT count(*) FROM sent_messages WHERE reference = :r", r=reference
    )
    [(rooms,)] = await house.bot.rows("SELECT count(*) FROM managed_rooms")
    assert tuple(map(opened, row)) == ("", None, 1)
    assert left == 0
    assert rooms == 0
