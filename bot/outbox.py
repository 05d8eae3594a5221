"""Drains the persisted outbox into Matrix: each message once, each room in order.

Handlers write notices to the outbox in the same transaction as the work that caused
them; this sender delivers them. A message keeps the transaction id it got when it was
written, so a resend after a crash (sent, but not yet marked) is deduplicated by the
homeserver. Transient failures back off; a permanent failure is recorded and reported to
the beheerders, never swallowed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Protocol

from handlers.messages import Notice
from scheduler.clock import Clock
from storage.db import Database
from storage.repositories import IdentityRepository, OutboxRepository, QueuedMessage
from storage.rooms import SentMessageRepository

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 5.0
# Sent texts are deleted rows; the database's log is scrubbed at most this often.
SCRUB_INTERVAL_SECONDS = 30.0
MAX_BACKOFF_SECONDS = 300.0


class Delivery(Enum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class SendOutcome:
    delivery: Delivery
    # Error code only (e.g. M_FORBIDDEN, http_502, room_policy): never message content.
    error: str = ""
    retry_after: float | None = None
    event_id: str = ""


class NoticeSender(Protocol):
    async def send_notice(
        self,
        room_id: str,
        notice: Notice,
        tx_id: str,
        sensitive: bool,
        audience: frozenset[str] | None = None,
    ) -> SendOutcome: ...


FailureReporter = Callable[[str, str], Awaitable[None]]


class OutboxSender:
    def __init__(
        self,
        db: Database,
        sender: NoticeSender,
        clock: Clock,
        report_failure: FailureReporter,
    ) -> None:
        self.db = db
        self.sender = sender
        self.clock = clock
        self.report_failure = report_failure
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        self.sent = 0
        self.retries = 0
        self.failures = 0
        self._dirty = False
        self._last_scrub = 0.0

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                timeout = await self._start_due()
                await self._scrub_when_idle()
            except Exception:
                log.exception("outbox pass failed; retrying")
                timeout = IDLE_POLL_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=timeout)

    async def _start_due(self) -> float:
        """Start delivering each room's next message that is due; returns how long the
        loop may sleep.

        One session per pass: the due messages, whose recipients are paused (one query for
        all of them, not a session per delivery), and, when none is due, when the next
        message of a room without a delivery in progress falls due (a delivery wakes the
        loop when it ends; counting the rooms in flight made it poll every 50 ms).
        """
        now = self.clock.now()
        async with self.db.session() as session:
            outbox = OutboxRepository(session)
            due = await outbox.due_heads(now, exclude_rooms=self._in_flight.keys())
            audiences = {
                member for message in due if message.sensitive for member in message.audience or ()
            }
            paused = await IdentityRepository(session).paused(audiences)
            next_at = None
            if not due:  # rooms with a delivery in flight wake the loop when it ends
                next_at = await outbox.next_due_at(exclude_rooms=self._in_flight.keys())
        for message in due:
            held = message.sensitive and bool(paused & (message.audience or frozenset()))
            task = asyncio.create_task(self._deliver(message, held))
            self._in_flight[message.room_id] = task
            task.add_done_callback(functools.partial(self._finished, message.room_id))
        if next_at is None:
            return IDLE_POLL_SECONDS
        return max(0.05, min(IDLE_POLL_SECONDS, (next_at - now).total_seconds()))

    async def _scrub_when_idle(self) -> None:
        loop = asyncio.get_running_loop()
        if (
            self._dirty
            and not self._in_flight
            and (loop.time() - self._last_scrub >= SCRUB_INTERVAL_SECONDS)
        ):
            self._dirty = False
            self._last_scrub = loop.time()
            await self.db.scrub()

    def _finished(self, room_id: str, _task: asyncio.Task[None]) -> None:
        self._in_flight.pop(room_id, None)
        self._wake.set()  # the room's next message may be due now

    async def _deliver(self, message: QueuedMessage, held: bool = False) -> None:
        if held:
            async with self.db.transaction() as session:
                # Released when a beheerder confirms the new identity.
                await OutboxRepository(session).hold(message.id, "identity_paused")
            log.warning("message held: a recipient's identity change is unconfirmed")
            return
        try:
            outcome = await self.sender.send_notice(
                message.target,
                Notice(message.plain, message.html),
                message.tx_id,
                message.sensitive,
                message.audience,
            )
        except Exception as exc:  # a bug or an unexpected library error: retry, visibly
            log.exception("sending failed unexpectedly")
            outcome = SendOutcome(Delivery.RETRY, error=type(exc).__name__)
        async with self.db.transaction() as session:
            outbox = OutboxRepository(session)
            if outcome.delivery is Delivery.SENT:
                await outbox.mark_sent(message.id)
                if message.reference and outcome.event_id:
                    # Retention redacts it when the casus's data must go.
                    await SentMessageRepository(session).add(
                        message.reference, message.target, outcome.event_id, self.clock.now()
                    )
                self.sent += 1
                self._dirty = True
            elif outcome.delivery is Delivery.RETRY:
                delay = outcome.retry_after or min(
                    MAX_BACKOFF_SECONDS, 0.5 * 2 ** min(message.attempts + 1, 10)
                )
                await outbox.retry_later(
                    message.id, self.clock.now() + timedelta(seconds=delay), outcome.error
                )
                self.retries += 1
                log.warning("send will be retried in %.1fs (%s)", delay, outcome.error)
            else:
                await outbox.mark_failed(message.id, outcome.error)
                self.failures += 1
                log.error("message could not be delivered (%s)", outcome.error)
        if outcome.delivery is Delivery.FAILED:
            await self.db.scrub()  # the text that was removed from the row must not linger
            if not message.is_report:
                await self.report_failure(message.target, outcome.error)

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def drain(self, timeout: float) -> None:
        """Let deliveries in progress finish, so none is cut off half-way."""
        tasks = list(self._in_flight.values())
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
