"""Which sync position may be saved: only one whose every event was handled.

Each sync response is a batch. Its events are handed to per-room workers and finish out of
order across rooms. The position of batch N is safe to save once batches 1..N are closed
(all their events queued) and have no events left in flight. After a crash the bot syncs
again from the last safe position; already-handled events are skipped by event id.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class _Batch:
    token: str
    pending: int = 0
    closed: bool = False


class BatchTracker:
    def __init__(self) -> None:
        self._batches: dict[int, _Batch] = {}
        self._next_seq = 0
        self._saved_seq = -1
        self._pending = 0

    def open(self, token: str) -> int:
        seq = self._next_seq
        self._next_seq += 1
        self._batches[seq] = _Batch(token)
        return seq

    def add(self, seq: int) -> None:
        self._batches[seq].pending += 1
        self._pending += 1

    def close(self, seq: int) -> str | None:
        self._batches[seq].closed = True
        return self._advance()

    def done(self, seq: int) -> str | None:
        self._batches[seq].pending -= 1
        self._pending -= 1
        return self._advance()

    @property
    def in_flight(self) -> int:
        """Events queued or being handled, in all batches."""
        return self._pending

    def _advance(self) -> str | None:
        """Drop finished batches from the front; return the newest safe token, if any."""
        token = None
        seq = self._saved_seq + 1
        while seq in self._batches:
            batch = self._batches[seq]
            if not batch.closed or batch.pending:
                break
            token = batch.token
            del self._batches[seq]
            self._saved_seq = seq
            seq += 1
        return token
