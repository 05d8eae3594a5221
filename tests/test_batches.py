"""The sync position only moves past events that were handled."""

from __future__ import annotations

from bot.matrix.batches import BatchTracker


def test_empty_batch_is_saved_when_closed() -> None:
    tracker = BatchTracker()
    seq = tracker.open("t1")
    assert tracker.close(seq) == "t1"


def test_position_waits_for_every_event_of_earlier_batches() -> None:
    tracker = BatchTracker()
    first = tracker.open("t1")
    tracker.add(first)
    tracker.add(first)
    assert tracker.close(first) is None
    second = tracker.open("t2")
    tracker.add(second)
    assert tracker.close(second) is None
    # The later batch finishes first: nothing may be saved yet.
    assert tracker.done(second) is None
    assert tracker.done(first) is None
    assert tracker.in_flight == 1
    # The last event of the first batch releases both batches at once.
    assert tracker.done(first) == "t2"
    assert tracker.in_flight == 0


def test_open_batch_holds_back_later_ones() -> None:
    tracker = BatchTracker()
    first = tracker.open("t1")
    second = tracker.open("t2")
    assert tracker.close(second) is None
    assert tracker.close(first) == "t2"
