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
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol

from handlers.messages import Attachment, Notice
from handlers.outbox import IDENTITY_HELD
from scheduler.clock import Clock
from storage.db import Database
from storage.outbox import QueuedMessage
from storage.unit import Unit

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 5.0
# Sent texts are deleted rows; the database's log is scrubbed at most this often.
SCRUB_INTERVAL_SECONDS = 30.0
MAX_BACKOFF_SECONDS = 300.0
# The longest a reply is held back while replies to other events are on their way.
GATHER_SECONDS = 0.1


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


@dataclass(frozen=True)
class Message:
    """What the sender puts into a room: the text, and how it reaches people."""

    notice: Notice
    # An m.text (Element notifies) or an m.notice (it does not); whom it mentions.
    notify: bool = False
    mentions: frozenset[str] = frozenset()
    # A file sent (encrypted) as an m.image instead of the text.
    attachment: Attachment | None = None


class NoticeSender(Protocol):
    async def send_notice(
        self,
        room_id: str,
        message: Message,
        tx_id: str,
        sensitive: bool,
        audience: frozenset[str] | None = None,
    ) -> SendOutcome: ...


FailureReporter = Callable[[str, str], Awaitable[None]]


class Activity(Protocol):
    """What the outbox asks of whoever handles events (the transport)."""

    def handling_others(self) -> bool:
        """Whether events other than the caller's own are queued or being handled."""
        ...

    def on_all_handled(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` whenever the last event in hand has been handled."""
        ...


class Idle:
    """No events in hand ever (tools and tests without a transport)."""

    def handling_others(self) -> bool:
        return False

    def on_all_handled(self, listener: Callable[[], None]) -> None:
        pass


@dataclass(frozen=True)
class _Sent:
    """A delivery to record (deferred: see ``storage/deferred.py``)."""

    message_id: int
    reference: str | None
    room_id: str
    event_id: str
    at: datetime


class OutboxSender:
    """Delivers the outbox: each room's messages in order, one delivery per room at a time.

    Two ways in. A handler's reply is *handed over* after its commit (``hand_over``) and
    sent without reading it back; the outbox table stays the truth, read in a *database
    pass*: at the start, when woken without messages (jobs, the command line, retries,
    managed rooms), when a handed-over room turns out to have older messages waiting, and
    every few seconds. A room whose order the database must decide (a retry waits, an older
    message came from elsewhere) is sent from the database until it has nothing pending.
    Deliveries are recorded a moment later, together with other work (``Database.deferred``).

    Replies are *gathered*: one handed over while the bot still handles other events
    (``activity``: the transport) waits until those are handled too (:meth:`send_gathered`,
    which the activity calls), at most ``gather_seconds``, and then they all go out together.
    Under load that is faster for everyone: the bot handles a sync's messages one after
    the other (a write transaction each), and replies that trickle out one by one cost
    the homeserver more than the same replies sent at once. With 50 members at once,
    Synapse needed ~1-3 ms more CPU per message and answered ~7% fewer messages a second
    (bench/RESULTS.md, fifth round). A lone message is never held.
    """

    def __init__(
        self,
        db: Database,
        sender: NoticeSender,
        clock: Clock,
        report_failure: FailureReporter,
        activity: Activity | None = None,
        gather_seconds: float = GATHER_SECONDS,
    ) -> None:
        self.db = db
        self.sender = sender
        self.clock = clock
        self.report_failure = report_failure
        self.activity: Activity = activity or Idle()
        self.activity.on_all_handled(self.send_gathered)
        self.gather_seconds = gather_seconds
        self._gathering: asyncio.TimerHandle | None = None
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        # Handed-over messages per room (rooms addressed by id only), oldest first.
        self._handed: dict[str, deque[QueuedMessage]] = {}
        # Rooms sent from the database until it has nothing pending for them.
        self._database_rooms: set[str] = set()
        self._database_pass_due = True
        self._next_database_pass = 0.0
        self.sent = 0
        self.retries = 0
        self.failures = 0
        self._dirty = False
        self._last_scrub = 0.0
        db.deferred.register("outbox_sent", self._record_sent)

    def wake(self) -> None:
        """Something was queued that was not handed over: read the outbox."""
        self._database_pass_due = True
        self._wake.set()

    def hand_over(self, messages: Sequence[QueuedMessage], more: bool = False) -> None:
        """Committed messages, due now, to send as they are; ``more``: the unit of work
        queued others too (the database pass finds them)."""
        for message in messages:
            room = message.room_id
            if room in self._database_rooms or not room.startswith("!"):
                more = True  # managed rooms wait until they are ready: the database knows
                continue
            queue = self._handed.setdefault(room, deque())
            if not queue or queue[-1].id < message.id:
                queue.append(message)
        if more:
            self._database_pass_due = True
        if self.activity.handling_others():
            if self._gathering is None:
                loop = asyncio.get_running_loop()
                self._gathering = loop.call_later(self.gather_seconds, self.send_gathered)
            return
        self.send_gathered()
        self._wake.set()

    def send_gathered(self) -> None:
        """Send the replies held back: the bot has handled what it had in hand, or the
        wait is over."""
        if self._gathering is not None:
            self._gathering.cancel()
            self._gathering = None
            self._wake.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stopping.is_set():
            self._wake.clear()
            if self._database_pass_due or loop.time() >= self._next_database_pass:
                try:
                    await self._database_pass()
                except Exception:
                    log.exception("outbox pass failed; retrying")
                    self._next_database_pass = loop.time() + IDLE_POLL_SECONDS
            if self._gathering is None:  # else they go together, a moment later
                self._start_handed()  # even when the database is in trouble
            try:
                await self._scrub_when_idle()
            except Exception:
                log.exception("scrubbing the database log failed; retrying")
            timeout = max(0.0, self._next_database_pass - loop.time())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=timeout)

    async def _database_pass(self) -> None:
        """Start each room's next due message from the outbox table, and decide which
        rooms the table orders; plans the next pass.

        One session: the due messages, whose recipients are paused (one query for all of
        them), the rooms with anything pending and, when none is due, when the next
        message of a room without a delivery in progress falls due (a delivery wakes the
        loop when it ends).
        """
        self._database_pass_due = False
        await self.db.deferred.flush()  # the table must know what was delivered
        now = self.clock.now()
        in_flight = set(self._in_flight)
        # What memory held before the queries: a reply handed over while they run may be
        # newer than what they saw, and must not be taken for one gone from the table.
        known = {room: queue[0].id for room, queue in self._handed.items() if queue}
        async with self.db.reading() as unit:
            outbox = unit.outbox
            due = await outbox.due_heads(now, exclude_rooms=in_flight)
            pending = await outbox.rooms_with_pending(now)
            audiences = {
                member for message in due if message.sensitive for member in message.audience or ()
            }
            paused = await unit.identities.paused(audiences)
            next_at = None
            if not due:
                next_at = await outbox.next_due_at(exclude_rooms=in_flight)
        heads = {message.room_id: message for message in due}
        for room in pending - in_flight:
            queue = self._handed.get(room)
            head = heads.get(room)
            if queue and head is not None and queue[0].id == head.id:
                continue  # what was handed over leads the room: it is sent from memory
            if queue and room not in known and (head is None or head.id > queue[0].id):
                continue  # handed over during the queries: nothing older in the table
            self._handed.pop(room, None)  # the table has them too, in order
            self._database_rooms.add(room)
        self._database_rooms &= pending | in_flight  # drained rooms are handed over again
        for room in set(known) - pending - in_flight:
            queue = self._handed.get(room)
            if queue and queue[0].id == known[room]:
                del self._handed[room]  # taken out of the outbox meanwhile (a form stopped)
        for message in due:
            if message.room_id in self._database_rooms:
                held = message.sensitive and bool(paused & (message.audience or frozenset()))
                self._start(message, held)
        loop = asyncio.get_running_loop()
        wait = IDLE_POLL_SECONDS
        if next_at is not None:
            wait = max(0.05, min(IDLE_POLL_SECONDS, (next_at - now).total_seconds()))
        self._next_database_pass = loop.time() + wait

    def _start_handed(self) -> None:
        for room in list(self._handed):
            if room in self._in_flight:
                continue
            queue = self._handed[room]
            if queue:
                self._start(queue.popleft())
            if not queue:
                del self._handed[room]

    def _start(self, message: QueuedMessage, held: bool = False) -> None:
        task = asyncio.create_task(self._deliver(message, held))
        self._in_flight[message.room_id] = task
        task.add_done_callback(functools.partial(self._finished, message.room_id))

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
        if room_id in self._database_rooms:
            self._database_pass_due = True  # the room's next message is in the table
        self._wake.set()

    async def _record_sent(self, unit: Unit, sent: list[_Sent]) -> None:
        """Deliveries, recorded with the next transaction: the text leaves the outbox, and
        what carries a casus's data is kept for retention to redact."""
        await unit.outbox.mark_sent_all([s.message_id for s in sent])
        await unit.sent.add_all([
            (s.reference, s.room_id, s.event_id, s.at) for s in sent if s.reference and s.event_id
        ])  # fmt: skip
        self._dirty = True

    async def _deliver(self, message: QueuedMessage, held: bool = False) -> None:
        if held:
            async with self.db.transaction() as unit:
                # Released when a beheerder confirms the new identity.
                await unit.outbox.hold(message.id, IDENTITY_HELD)
            log.warning("message held: a recipient's identity change is unconfirmed")
            return
        try:
            outcome = await self.sender.send_notice(
                message.target,
                Message(
                    Notice(message.plain, message.html),
                    message.notify,
                    message.mentions,
                    Attachment.from_json(message.attachment) if message.attachment else None,
                ),
                message.tx_id,
                message.sensitive,
                message.audience,
            )
        except Exception as exc:  # a bug or an unexpected library error: retry, visibly
            log.exception("sending failed unexpectedly")
            outcome = SendOutcome(Delivery.RETRY, error=type(exc).__name__)
        if outcome.delivery is Delivery.SENT:
            self.sent += 1
            self.db.deferred.add("outbox_sent", _Sent(
                message.id, message.reference, message.target, outcome.event_id, self.clock.now()
            ))  # fmt: skip
            return
        # The room's order is the table's now (a retry holds it up).
        self._handed.pop(message.room_id, None)
        if message.room_id.startswith("!"):
            self._database_rooms.add(message.room_id)
        async with self.db.transaction() as unit:
            outbox = unit.outbox
            if outcome.delivery is Delivery.RETRY:
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
        if self._gathering is not None:
            self._gathering.cancel()
            self._gathering = None
        self._stopping.set()
        self._wake.set()

    async def drain(self, timeout: float) -> None:
        """Let deliveries in progress finish, so none is cut off half-way."""
        tasks = list(self._in_flight.values())
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        await self.db.deferred.close()  # what was delivered is recorded before the end
