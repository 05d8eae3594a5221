"""Reading back what a limited sync left out (bot/matrix/gaps.py), page by page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from nio import MessageDirection, RoomMessagesError, RoomMessagesResponse

from bot.matrix import gaps


@dataclass
class Event:
    event_id: str


class History:
    """A room's history as /messages pages it backwards, from ``prev_batch`` to ``since``."""

    def __init__(self, count: int, fail_at_page: int | None = None) -> None:
        self.events = [Event(f"$e{n}") for n in range(count)]  # oldest first
        self.fail_at_page = fail_at_page
        self.pages = 0

    async def room_messages(
        self, room_id: str, start: str, end: str, direction: MessageDirection, limit: int
    ) -> Any:
        assert (end, direction) == ("since", MessageDirection.back)
        self.pages += 1
        if self.pages == self.fail_at_page:
            return RoomMessagesError("busy", "M_LIMIT_EXCEEDED")
        top = len(self.events) if start == "prev" else int(start)
        bottom = max(0, top - limit)
        chunk = list(reversed(self.events[bottom:top]))
        return RoomMessagesResponse(room_id, chunk, start, str(bottom) if chunk else start)


async def test_the_gap_comes_back_oldest_first_over_several_pages() -> None:
    history = History(250)
    events = await gaps.missed_events(history, "!r", "prev", "since")
    assert [e.event_id for e in events] == [f"$e{n}" for n in range(250)]
    assert history.pages == 4  # three full pages and an empty one


async def test_a_failing_page_keeps_what_was_read_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    history = History(250, fail_at_page=2)
    events = await gaps.missed_events(history, "!r", "prev", "since")
    assert [e.event_id for e in events] == [f"$e{n}" for n in range(150, 250)]
    assert "could not read back a gap" in caplog.text


async def test_a_very_long_absence_is_read_back_only_so_far(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(gaps, "MAX_EVENTS", 150)
    history = History(1000)
    events = await gaps.missed_events(history, "!r", "prev", "since")
    assert [e.event_id for e in events] == [f"$e{n}" for n in range(800, 1000)]
    assert "older ones are skipped" in caplog.text


async def test_no_gap_token_no_request() -> None:
    history = History(5)
    assert await gaps.missed_events(history, "!r", None, "since") == []
    assert history.pages == 0
