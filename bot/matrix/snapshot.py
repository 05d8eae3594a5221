"""The rooms' state kept across restarts, so a restart need not ask for the full state.

nio keeps no room list across restarts. The first sync of a run used to ask the homeserver
for the full state of every joined room (``full_state``): at 2,000 rooms that took Synapse
7 s and was most of a restart (bench/RESULTS.md, twelfth round). Instead, every sync's
state events (its state section and the state events of its timeline) are kept in the
bot's database together with the sync position, in the same write and in order (bot/
positions.py); a room the bot left is dropped. At the next start they are fed to nio as
synthetic sync responses of the saved position (a chunk of rooms each), so nio rebuilds
its rooms (members, encryption, power levels, names) as if it had just synced them, and
the first real sync is an incremental one from the saved position. It delivers every
state change since that position, applied on top: the state it ends with is the
homeserver's.

Without kept state (a bot from before, or a first start) the first sync asks for the full
state as before, and its state is kept from then on.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nio import AsyncClient, SyncResponse

log = logging.getLogger(__name__)

StateKey = tuple[str, str]  # (event type, state key)
# Rooms rebuilt per synthetic sync response: bounds the memory of a restart (bench/RESULTS.md).
RESTORE_CHUNK = 200


@dataclass(frozen=True)
class StateChanges:
    """What one sync changed in the rooms' state: per room, its state events by (type,
    state key), the latest last; and the rooms the bot is no longer in."""

    rooms: Mapping[str, Mapping[StateKey, dict[str, Any]]] = field(default_factory=dict)
    left: Sequence[str] = ()

    def __bool__(self) -> bool:
        return bool(self.rooms or self.left)


def changes_of(response: SyncResponse) -> StateChanges:
    """The state events of a sync response (joined rooms), and the rooms it left."""
    rooms: dict[str, dict[StateKey, dict[str, Any]]] = {}
    for room_id, info in response.rooms.join.items():
        events = [*info.state, *info.timeline.events]
        found: dict[StateKey, dict[str, Any]] = {}
        for event in events:
            source = getattr(event, "source", None)
            if isinstance(source, dict) and isinstance(source.get("state_key"), str):
                found[(str(source.get("type")), source["state_key"])] = source
        if found:
            rooms[room_id] = found
    return StateChanges(rooms, tuple(response.rooms.leave))


async def restore(
    client: AsyncClient,
    chunks: AsyncIterable[Mapping[str, Sequence[dict[str, Any]]]],
    position: str,
) -> int:
    """Feed the kept state to nio as sync responses of ``position``, one per chunk of
    rooms (parsing a house's rooms at once raised the bot's memory by 25 MB for the rest
    of its run). Returns the rooms restored; 0 when nothing was kept or nio refused a
    chunk, and the caller asks for the full state (applied over what was restored)."""
    restored = 0
    refused = False
    async for kept in chunks:
        count = await _restore_chunk(client, kept, position)
        refused = refused or (bool(kept) and not count)
        restored += count
    return 0 if refused else restored


async def _restore_chunk(
    client: AsyncClient, kept: Mapping[str, Sequence[dict[str, Any]]], position: str
) -> int:
    if not kept:
        return 0
    body = {
        "next_batch": position,
        "rooms": {"join": {
            room_id: {"state": {"events": list(events)},
                      "timeline": {"events": [], "limited": False}}
            for room_id, events in kept.items()
        }},
    }  # fmt: skip
    try:
        response = SyncResponse.from_dict(body)
    except Exception as error:  # nio's event parsers raise on what is not an event
        response = error
    if not isinstance(response, SyncResponse):
        # The type only: what nio says quotes the events, and they hold names.
        log.warning("kept room state not accepted (%s); asking for the full state",
                    type(response).__name__)  # fmt: skip
        return 0
    client.next_batch = ""  # nio skips a response of the batch it is at: every chunk is one
    await client.receive_response(response)
    return len(response.rooms.join)
