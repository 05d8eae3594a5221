"""The bot's Matrix connection: login, E2EE start-up, the sync loop and its dispatch.

Owns the nio client. It turns sync responses into ``Incoming`` values for a
:class:`MessageHandler`, handles each room's events in order (rooms run concurrently),
and saves the sync position only once the events before it were handled. Invites go to
:mod:`bot.matrix.rooms`, sending (for the outbox) to :mod:`bot.matrix.sending`. It knows
nothing of casework: what to answer is the handler's business.

It never logs message bodies, and never logs out (that would destroy the device keys).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    MegolmEvent,
    RedactionEvent,
    RoomMessageText,
    SyncResponse,
)

from bot.logs import pseudonym
from bot.matrix.batches import BatchTracker
from bot.matrix.content import display_name_of, from_a_bot, incoming_of
from bot.matrix.device_trust import DeviceTrust
from bot.matrix.gaps import missed_events
from bot.matrix.late_keys import wait_for_key
from bot.matrix.login import FatalTransportError, TransportSettings, log_in, start_session
from bot.matrix.managed import ManagedRoomOps
from bot.matrix.ports import MessageHandler, PositionStore
from bot.matrix.rooms import RoomKeeper, inviter_of, own_join
from bot.matrix.sending import NoticeSending
from bot.matrix.session import StoreLock, ensure_private_dir
from bot.matrix.snapshot import RESTORE_CHUNK, StateChanges, changes_of, restore
from bot.matrix.store import CasusbotStore
from bot.matrix.sync_filter import SyncFilter
from bot.matrix.workers import IDLE_SECONDS, IN_ROOM_WORKER, RoomWorker, WorkItem
from handlers.messages import Incoming

log = logging.getLogger(__name__)

ROOM_APPEAR_TIMEOUT = 30.0


class MatrixTransport:
    def __init__(
        self,
        settings: TransportSettings,
        handler: MessageHandler,
        positions: PositionStore,
    ) -> None:
        self.settings = settings
        self.handler = handler
        self.positions = positions
        ensure_private_dir(settings.store_path)
        self._lock = StoreLock(settings.store_path)
        config = AsyncClientConfig(
            encryption_enabled=True,
            store_sync_tokens=False,  # the position is saved by us, after handling
            store=CasusbotStore,
            pickle_key=settings.pickle_key,
            max_timeout_retry_wait_time=30,
            request_timeout=max(60, settings.sync_timeout_ms / 1000 + 30),
        )
        self.client = AsyncClient(
            settings.homeserver_url,
            settings.user_id,
            store_path=str(settings.store_path),
            config=config,
        )
        # Sending (for the outbox) and room admission live in their own modules.
        self.trust = DeviceTrust(self.client)
        self.sync_filter = SyncFilter(self.client)
        self.sending = NoticeSending(self.client, self.wait_for_room, self.trust)
        self.rooms = RoomKeeper(self.client, handler, self.wait_for_room, self.sending.send_raw)
        self.managed = ManagedRoomOps(
            self.client, lambda room_id: positions.record_state(StateChanges(left=(room_id,)))
        )
        # Told when the last event in hand has been handled (the outbox sends the replies
        # it gathered, see handling_others).
        self._all_handled_listeners: list[Callable[[], None]] = []
        self._batches = BatchTracker()
        self._workers: dict[str, RoomWorker] = {}
        self.worker_idle_seconds = IDLE_SECONDS
        self._save_lock = asyncio.Lock()
        self._synced = asyncio.Event()
        self._stopping = asyncio.Event()
        self._next_batch: str | None = None
        self.last_sync_at: datetime | None = None
        self.syncs = 0  # sync responses handled
        self.undecryptable_events = 0
        self.sync_gaps_read = 0  # rooms whose sync left events out, read back from history
        # Rooms rebuilt at start from the state kept with the position (0: none kept, and
        # the run's first sync asks for the full state; see bot/matrix/snapshot.py).
        self.restored_rooms = 0
        self.first_sync_full_state: bool | None = None

    @property
    def user_id(self) -> str:
        return str(self.client.user_id)

    @property
    def device_id(self) -> str:
        return str(self.client.device_id)

    # --- start-up -------------------------------------------------------------------

    async def start(self) -> None:
        """Log in (reusing the stored device), open the crypto store, upload keys, cross-sign."""
        if not self._lock.acquire():
            raise FatalTransportError(
                f"another casusbot is already running with the crypto store at "
                f"{self.settings.store_path}; two processes on one device corrupt it"
            )
        try:
            await self._start_locked()
        except BaseException:
            self._lock.release()
            raise

    async def _start_locked(self) -> None:
        await start_session(self.client, self.settings)
        self._next_batch = await self.positions.load()
        if self._next_batch is not None:
            kept = self.positions.kept_state(RESTORE_CHUNK)
            self.restored_rooms = await restore(self.client, kept, self._next_batch)
            if self.restored_rooms:
                log.info("rooms restored from kept state: %d", self.restored_rooms)

    async def _login(self, device_id: str | None) -> None:
        await log_in(self.client, self.settings, device_id)

    # --- the sync loop --------------------------------------------------------------

    async def run(self) -> None:
        """Sync until :meth:`stop`; survives homeserver restarts and network loss."""
        # Never synced before: the first response is history only, nothing to handle.
        initial = self._next_batch is None
        # The run's first sync asks for the full state unless the rooms were restored from
        # the state kept with the position (nio keeps no room list: bot/matrix/snapshot.py).
        first = True
        failures = 0
        while not self._stopping.is_set():
            try:
                response = await self._sync_unless_stopping(first)
                if response is None:
                    break
            except Exception as exc:  # network trouble that nio did not retry
                failures += 1
                delay = min(30.0, 0.5 * 2 ** min(failures, 6))
                log.warning("sync failed (%s); retrying in %.1fs", type(exc).__name__, delay)
                await self._sleep_unless_stopping(delay)
                continue
            if not isinstance(response, SyncResponse):
                failures += 1
                if response.status_code == "M_UNKNOWN_TOKEN":
                    # Expired or revoked token (e.g. the homeserver's session_lifetime). With
                    # a password the bot logs in again on the same device, keeping its keys.
                    if not self.settings.password or self.settings.access_token:
                        raise FatalTransportError(
                            "the homeserver no longer accepts the access token"
                        )
                    log.warning("access token no longer accepted; logging in again")
                    await self._login(device_id=self.device_id)
                    continue
                delay = min(30.0, 0.5 * 2 ** min(failures, 6))
                log.warning("sync error %s; retrying in %.1fs", response.status_code, delay)
                await self._sleep_unless_stopping(delay)
                continue
            if failures:
                log.info("sync recovered after %d failed attempts", failures)
            failures = 0
            self.last_sync_at = datetime.now(UTC)
            self.syncs += 1
            await self._dispatch(response, initial=initial, first=first)
            first = initial = False
            self._next_batch = response.next_batch
            self._synced.set()
            self._synced = asyncio.Event()

    async def _sync_unless_stopping(self, first: bool) -> Any:
        """One sync (the filter uploaded first, when due); abandoned if stop() is called."""

        async def sync() -> Any:
            return await self.client.sync(
                timeout=0 if first else self.settings.sync_timeout_ms,
                sync_filter=await self.sync_filter.id(),
                since=self._next_batch,
                full_state=self._full_state(first),
            )

        request = asyncio.create_task(sync())
        stopping = asyncio.create_task(self._stopping.wait())
        try:
            await asyncio.wait({request, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not request.done():
            request.cancel()
            await asyncio.gather(request, return_exceptions=True)
            return None
        return request.result()

    def _full_state(self, first: bool) -> bool | None:
        if not first:
            return None
        self.first_sync_full_state = not self.restored_rooms
        return self.first_sync_full_state or None

    async def _sleep_unless_stopping(self, delay: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=delay)

    async def _dispatch(self, response: SyncResponse, initial: bool, first: bool) -> None:
        self.trust.forget(response.device_list.changed)
        # Kept before this sync's position can be: the state reaches as far as it.
        if changes := changes_of(response):
            self.positions.record_state(changes)
        seq = self._batches.open(response.next_batch)
        for room_id, info in response.rooms.invite.items():
            inviter = inviter_of(info.invite_state)
            if inviter is not None:
                self._enqueue(room_id, seq, self._invite_item(room_id, inviter))
        for room_id, info in response.rooms.join.items():
            if initial:
                continue  # on the very first sync everything is history
            events = info.timeline.events
            # A room we just joined shows what happened before our join first: skip that.
            joined = own_join(events, self.user_id)
            if info.timeline.limited and self._next_batch is not None and joined is None:
                # More happened than one sync returns: read the rest back first. (Not when
                # our join is in sight: what was left out came before it.)
                self.sync_gaps_read += 1
                events = [
                    *await missed_events(
                        self.client, room_id, info.timeline.prev_batch, self._next_batch
                    ),
                    *events,
                ]
                joined = own_join(events, self.user_id)
            start = 0 if joined is None else joined + 1
            for event in events[start:]:
                if isinstance(event, RedactionEvent):
                    # Also the bot's own: it may take back a member's message itself.
                    self._enqueue(room_id, seq, self._redaction_item(room_id, event.redacts))
                    continue
                if getattr(event, "sender", None) == self.user_id:
                    continue
                if isinstance(event, RoomMessageText):
                    if from_a_bot(event.source.get("content", {})):
                        continue
                    self._enqueue(room_id, seq, self._message_item(room_id, event))
                elif isinstance(event, MegolmEvent):
                    event.room_id = room_id
                    self._enqueue(room_id, seq, self._undecryptable_item(room_id, event))
        if first or changes:
            # Someone's membership or a room's state (power, join rules) changed somewhere,
            # or the bot left a room (or it is the run's first sync): the room manager
            # checks its rooms then.
            self.handler.on_membership_change()
        token = self._batches.close(seq)
        if token is not None:
            await self._save_position(token)

    def _enqueue(self, room_id: str, seq: int, item: WorkItem) -> None:
        worker = self._workers.get(room_id)
        if worker is None:
            worker = RoomWorker(
                self._item_done, lambda: self._retire(room_id, worker), self.worker_idle_seconds
            )
            worker.start()
            self._workers[room_id] = worker
        self._batches.add(seq)
        worker.queue.put_nowait((seq, item))

    def _retire(self, room_id: str, worker: RoomWorker | None) -> None:
        """An idle worker ended: forget it (a newer one for the room stays)."""
        if self._workers.get(room_id) is worker:
            del self._workers[room_id]

    @property
    def room_workers(self) -> int:
        """Rooms with a running worker (the rest are quiet)."""
        return len(self._workers)

    def handling_others(self) -> bool:
        """Whether events other than the caller's own are queued or being handled.

        Their replies follow in a moment, so the outbox holds a reply back briefly and
        sends them together (bot/outbox.py: why that is faster).
        """
        return self._batches.in_flight > (1 if IN_ROOM_WORKER.get() else 0)

    def on_all_handled(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` whenever the last event in hand has been handled."""
        self._all_handled_listeners.append(listener)

    async def _item_done(self, seq: int) -> None:
        token = self._batches.done(seq)
        if not self._batches.in_flight:
            for listener in self._all_handled_listeners:
                listener()
        if token is not None:
            await self._save_position(token)

    async def _save_position(self, token: str) -> None:
        async with self._save_lock:
            await self.positions.save(token)

    # --- work items -----------------------------------------------------------------

    async def _incoming(self, room_id: str, event: RoomMessageText) -> Incoming:
        return await incoming_of(self.client, self.trust, room_id, event)

    def _message_item(self, room_id: str, event: RoomMessageText) -> WorkItem:
        async def handle() -> None:
            await self.handler.on_message(await self._incoming(room_id, event))

        return handle

    def _undecryptable_item(self, room_id: str, event: MegolmEvent) -> WorkItem:
        """Wait (in the room's order) for the room key; ask for a resend only after the grace."""

        async def handle() -> None:
            self.undecryptable_events += 1
            log.info("undecryptable event from %s; waiting for its key", pseudonym(event.sender))
            found = await wait_for_key(self.client, event, self.settings.key_grace_seconds,
                                       lambda: self._synced, self._stopping)  # fmt: skip
            if isinstance(found, RoomMessageText):
                await self.handler.on_message(await self._incoming(room_id, found))
            elif not found and not self._stopping.is_set():
                await self.handler.on_undecryptable(room_id, event.sender, event.event_id)

        return handle

    def _redaction_item(self, room_id: str, redacted: str) -> WorkItem:
        async def handle() -> None:
            await self.handler.on_redaction(room_id, redacted)

        return handle

    def _invite_item(self, room_id: str, inviter: str) -> WorkItem:
        async def handle() -> None:
            await self.rooms.admit(room_id, inviter)

        return handle

    async def display_name(self, user_id: str, ask: bool = True) -> str | None:
        return await display_name_of(self.client, user_id, ask)

    async def wait_for_room(self, room_id: str, encrypted: bool) -> bool:
        """Wait until sync has shown the room (and, if asked, its encryption) to nio."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ROOM_APPEAR_TIMEOUT
        while True:
            room = self.client.rooms.get(room_id)
            if room is not None and (room.encrypted or not encrypted):
                return True
            remaining = deadline - loop.time()
            if remaining <= 0 or self._stopping.is_set():
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._synced.wait(), timeout=remaining)

    # --- shutdown -------------------------------------------------------------------

    async def drain(self, timeout: float) -> None:
        """Let queued work finish (bounded), so no handler stops half-way."""
        pending = [worker.queue.join() for worker in self._workers.values()]
        if pending:
            try:
                await asyncio.wait_for(asyncio.gather(*pending), timeout=timeout)
            except TimeoutError:
                log.warning("shutdown: %d events still in flight", self._batches.in_flight)

    def stop(self) -> None:
        self._stopping.set()

    async def close(self) -> None:
        for worker in self._workers.values():
            if worker.task is not None:
                worker.task.cancel()
        await asyncio.gather(
            *(w.task for w in self._workers.values() if w.task is not None),
            return_exceptions=True,
        )
        # Close the HTTP session only: logging out would delete the device and its keys.
        await self.client.close()
        self._lock.release()
