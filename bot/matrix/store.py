"""nio's crypto store, without a database transaction for every sync.

After every sync nio hands the store the rooms that became encrypted in it, nearly always
none; the stock store opens a transaction and looks up the account all the same. That was
~0.7 ms of CPU per sync, about a tenth of the bot's work per message (bench/RESULTS.md).
"""

from __future__ import annotations

from collections.abc import Iterable

from nio.store.database import DefaultStore


class CasusbotStore(DefaultStore):  # type: ignore[misc]  # nio has no type information
    """nio's default store; an empty set of newly encrypted rooms is not written."""

    def save_encrypted_rooms(self, rooms: Iterable[str]) -> None:
        rooms = list(rooms)
        if rooms:
            super().save_encrypted_rooms(rooms)
