"""The sync filter (bot/matrix/sync_filter.py): uploaded once; while the homeserver
refuses it the bot syncs unfiltered, and asks again only after a pause."""

from __future__ import annotations

from typing import Any, cast

from nio import AsyncClient, UploadFilterError, UploadFilterResponse

from bot.matrix import sync_filter
from bot.matrix.sync_filter import FILTER, SyncFilter


class Homeserver:
    def __init__(self, *answers: UploadFilterResponse | UploadFilterError) -> None:
        self.answers = list(answers)
        self.uploads: list[dict[str, Any]] = []

    async def upload_filter(self, **definition: Any) -> UploadFilterResponse | UploadFilterError:
        self.uploads.append(definition)
        return self.answers.pop(0)


async def test_the_filter_is_uploaded_once_and_blocks_what_the_bot_never_reads() -> None:
    server = Homeserver(UploadFilterResponse("7"))
    syncs = SyncFilter(cast(AsyncClient, server))
    assert [await syncs.id(), await syncs.id()] == ["7", "7"]
    assert server.uploads == [FILTER]
    room = FILTER["room"]
    for blocked in (FILTER["presence"], FILTER["account_data"], room["ephemeral"],
                    room["account_data"]):  # fmt: skip
        assert blocked == {"types": []}  # Synapse skips a kind whose types are none
    assert set(room) == {"ephemeral", "account_data"}  # state and timeline stay whole


async def test_a_refused_filter_means_unfiltered_syncs_and_a_later_try() -> None:
    now = [100.0]
    server = Homeserver(UploadFilterError("nee", "M_UNKNOWN"), UploadFilterResponse("8"))
    syncs = SyncFilter(cast(AsyncClient, server), monotonic=lambda: now[0])
    assert await syncs.id() is None
    now[0] += 30
    assert await syncs.id() is None  # not asked again yet
    assert len(server.uploads) == 1
    now[0] += sync_filter.RETRY_SECONDS
    assert await syncs.id() == "8"
