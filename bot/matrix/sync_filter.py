"""What the bot asks of a sync, uploaded once per run as a filter.

The bot reads the rooms' state and timelines, invites and leaves, to-device messages and
device lists from a sync; never presence, typing, read receipts or account data. A filter
that blocks a kind entirely makes Synapse skip it: it does not compute it for the bot's
2,000 rooms on every sync, and a read receipt or a typing notice in one of the casus rooms
no longer wakes the bot's waiting sync (a wake with nothing left in it is no answer).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from nio import AsyncClient, UploadFilterResponse

log = logging.getLogger(__name__)

NOTHING: dict[str, Any] = {"types": []}
FILTER: dict[str, Any] = {
    "presence": NOTHING,
    "account_data": NOTHING,
    "room": {"ephemeral": NOTHING, "account_data": NOTHING},
}
RETRY_SECONDS = 60.0


class SyncFilter:
    """The filter's id on the homeserver, uploaded at the first sync of a run; until the
    upload succeeds the bot syncs unfiltered (it then reads a little more, loses nothing)
    and tries again a minute later."""

    def __init__(
        self, client: AsyncClient, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.client = client
        self.monotonic = monotonic
        self.filter_id: str | None = None
        self._next_try = 0.0

    async def id(self) -> str | None:
        if self.filter_id is None and self.monotonic() >= self._next_try:
            response = await self.client.upload_filter(**FILTER)
            if isinstance(response, UploadFilterResponse):
                self.filter_id = response.filter_id
            else:
                self._next_try = self.monotonic() + RETRY_SECONDS
                log.warning("sync filter not accepted (%s); syncing without it",
                            response.status_code)  # fmt: skip
        return self.filter_id
