"""The rooms' state kept with the sync position (bot/matrix/snapshot.py, bot/positions.py):
what a sync changed is kept in order with the position, and a restart rebuilds nio's rooms
from it (members and their names, encryption, power) without asking for the full state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, cast

from nio import AsyncClient, SyncResponse
from sqlalchemy import text as sql

from bot.matrix.snapshot import changes_of, restore
from bot.positions import DatabasePositions
from scheduler.clock import FrozenClock
from storage.db import Database

NOW = datetime(2026, 12, 5, 9, tzinfo=UTC)
BOT, ANNA, PIET = "@casusbot:x.nl", "@anna:x.nl", "@piet:x.nl"
_ids = iter(range(1, 10_000))


def state(kind: str, key: str, content: dict[str, Any], sender: str = BOT) -> dict[str, Any]:
    return {"type": kind, "state_key": key, "sender": sender, "content": content,
            "event_id": f"$e{next(_ids)}", "origin_server_ts": 1}  # fmt: skip


def member(user: str, name: str, membership: str = "join") -> dict[str, Any]:
    return state("m.room.member", user, {"membership": membership, "displayname": name}, user)


def room(*events: dict[str, Any], timeline: tuple[dict[str, Any], ...] = ()) -> dict[str, Any]:
    timeline_ = {"events": list(timeline), "limited": False, "prev_batch": "p"}
    return {"state": {"events": list(events)}, "timeline": timeline_}


def sync(batch: str, join: dict[str, Any], leave: tuple[str, ...] = ()) -> SyncResponse:
    response = SyncResponse.from_dict({
        "next_batch": batch,
        "rooms": {"join": join, "leave": {r: room() for r in leave}},
    })  # fmt: skip
    assert isinstance(response, SyncResponse)
    return response


async def chunks(
    kept: dict[str, list[dict[str, Any]]], size: int = 200
) -> AsyncIterator[dict[str, list[dict[str, Any]]]]:
    """The kept state as the positions hand it to a restart: ``size`` rooms at a time."""
    rooms = list(kept)
    for start in range(0, len(rooms), size):
        yield {room_id: kept[room_id] for room_id in rooms[start : start + size]}


async def stored(positions: DatabasePositions, size: int = 1) -> dict[str, list[dict[str, Any]]]:
    return {k: v async for chunk in positions.kept_state(size) for k, v in chunk.items()}


def full_state() -> SyncResponse:
    """What the first sync of a bot in two rooms brings: their whole state."""
    casus = room(
        state("m.room.create", "", {"creator": BOT}), member(BOT, "casusbot"),
        member(ANNA, "Anna de Vries"), member(PIET, "Piet"),
        state("m.room.encryption", "", {"algorithm": "m.megolm.v1.aes-sha2"}),
        state("m.room.power_levels", "", {"users": {BOT: 100}, "invite": 100}),
        state("m.room.name", "", {"name": "Casusoverleg ZVH-2026-0001"}),
    )  # fmt: skip
    dm = room(state("m.room.create", "", {"creator": ANNA}, ANNA), member(BOT, "casusbot"),
              member(ANNA, "Anna de Vries"))  # fmt: skip
    return sync("s1", {"!casus:x.nl": casus, "!dm:x.nl": dm})


def kept_of(*responses: SyncResponse) -> dict[str, list[dict[str, Any]]]:
    """The kept state after these syncs, as the database holds it."""
    kept: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    for response in responses:
        changes = changes_of(response)
        for left in changes.left:
            kept.pop(left, None)
        for room_id, events in changes.rooms.items():
            kept.setdefault(room_id, {}).update(events)
    return {room_id: list(events.values()) for room_id, events in kept.items()}


async def test_a_restart_rebuilds_the_rooms_from_the_kept_state() -> None:
    later = sync("s2", {"!casus:x.nl": room(timeline=(
        member(PIET, "Piet Bakker"), member(ANNA, "Anna de Vries", "leave"),
    ))}, leave=("!dm:x.nl",))  # fmt: skip
    restarted = AsyncClient("http://127.0.0.1:9", BOT)
    try:
        assert await restore(restarted, chunks(kept_of(full_state(), later)), "s2") == 1
        casus = restarted.rooms["!casus:x.nl"]
        assert casus.encrypted
        assert set(casus.users) == {BOT, PIET}  # Anna left
        assert casus.users[PIET].display_name == "Piet Bakker"
        assert casus.power_levels.get_user_level(BOT) == 100
        assert casus.name == "Casusoverleg ZVH-2026-0001"
        assert "!dm:x.nl" not in restarted.rooms  # the bot left it
        assert restarted.next_batch == "s2"
    finally:
        await restarted.close()


async def test_nothing_kept_means_the_full_state_is_asked() -> None:
    client = AsyncClient("http://127.0.0.1:9", BOT)
    try:
        assert await restore(client, chunks({}), "s1") == 0
        assert not client.rooms
    finally:
        await client.close()


async def test_rooms_are_rebuilt_a_chunk_at_a_time_and_a_refused_chunk_asks_everything() -> None:
    kept = kept_of(full_state())
    client = AsyncClient("http://127.0.0.1:9", BOT)
    try:
        assert await restore(client, chunks(kept, size=1), "s1") == 2
        assert set(client.rooms) == {"!casus:x.nl", "!dm:x.nl"}
        assert set(client.rooms["!dm:x.nl"].users) == {BOT, ANNA}
        assert client.rooms["!casus:x.nl"].encrypted
    finally:
        await client.close()
    # A chunk nio refuses (kept state that is not events): the full state is asked,
    # whatever the other chunks restored.
    broken = {**kept, "!broken:x.nl": cast(list[dict[str, Any]], ["not an event"])}
    client = AsyncClient("http://127.0.0.1:9", BOT)
    try:
        assert await restore(client, chunks(broken, size=1), "s1") == 0
    finally:
        await client.close()


async def test_the_state_is_kept_with_the_position_and_in_order(db: Database) -> None:
    db.deferred.delay = 60  # written only when asked
    positions = DatabasePositions(db, BOT, FrozenClock(NOW))
    positions.record_state(changes_of(full_state()))
    await positions.save("s1")
    # Until written, neither is there; then both at once.
    assert await positions.load() is None
    assert await stored(positions) == {}
    await db.deferred.flush(everything=True)
    assert await positions.load() == "s1"
    kept = await stored(positions)
    assert {r: len(events) for r, events in kept.items()} == {"!casus:x.nl": 7, "!dm:x.nl": 3}
    # A later sync writes over the member's old event and drops the room left.
    positions.record_state(changes_of(sync("s2", {"!casus:x.nl": room(timeline=(
        member(PIET, "Piet Bakker"),
    ))}, leave=("!dm:x.nl",))))  # fmt: skip
    await positions.save("s2")
    await db.deferred.flush(everything=True)
    kept = await stored(positions)
    assert list(kept) == ["!casus:x.nl"]
    names = {e["state_key"]: e["content"].get("displayname") for e in kept["!casus:x.nl"]
             if e["type"] == "m.room.member"}  # fmt: skip
    assert names[PIET] == "Piet Bakker"
    # The events are encrypted at rest: no display name in the table as stored.
    async with db.session() as session:
        raw = (await session.execute(sql("SELECT events FROM room_state"))).scalars().all()
    assert raw
    assert not any("Piet" in value for value in raw)
