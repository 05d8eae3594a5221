"""nio's crypto store, without a database transaction for every sync, and able to forget a
room's keys.

After every sync nio hands the store the rooms that became encrypted in it, nearly always
none; the stock store opens a transaction and looks up the account all the same. That was
~0.7 ms of CPU per sync, about a tenth of the bot's work per message (bench/RESULTS.md).
"""

from __future__ import annotations

from collections.abc import Iterable

from nio.store.database import DefaultStore, use_database
from nio.store.models import ForwardedChains, MegolmInboundSessions


class CasusbotStore(DefaultStore):  # type: ignore[misc]  # nio has no type information
    """nio's default store; an empty set of newly encrypted rooms is not written."""

    @use_database  # type: ignore[untyped-decorator]
    def delete_room_keys(self, room_id: str) -> int:
        """Every inbound megolm session of a room, and their forwarding chains: once a room
        is deleted, this store can no longer decrypt anything sent in it."""
        sessions = MegolmInboundSessions.select(MegolmInboundSessions.session_id).where(
            MegolmInboundSessions.room_id == room_id
        )
        ForwardedChains.delete().where(ForwardedChains.session.in_(sessions)).execute()
        return int(
            MegolmInboundSessions.delete().where(MegolmInboundSessions.room_id == room_id).execute()
        )

    def save_encrypted_rooms(self, rooms: Iterable[str]) -> None:
        rooms = list(rooms)
        if rooms:
            super().save_encrypted_rooms(rooms)
