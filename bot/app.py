"""App wiring: settings → database → domain → Matrix transport and scheduler, and a clean
shutdown.

The application is where the parts meet, in one direction: the transport hands events to
the handlers (``bot/handling.py``); what a unit of work leaves goes to the outbox sender
and the room manager; the scheduler runs the jobs of ``scheduler/jobs``. On SIGTERM/SIGINT
the bot stops syncing, lets in-flight events finish (bounded), saves its position and
closes the database; it does not log out.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import UTC, datetime
from functools import partial

from bot.anchoring import Anchorer
from bot.board.server import BoardServer
from bot.board.widget import ensure_widget
from bot.config import Settings
from bot.guard import ProcesregieGuard
from bot.handling import BotHandler
from bot.health import Health, HealthServer
from bot.logs import configure_pseudonyms
from bot.matrix.login import TransportSettings
from bot.matrix.managed import Drift
from bot.matrix.transport import MatrixTransport
from bot.metrics import Metrics, Tally, label_value
from bot.outbox import OutboxSender
from bot.positions import DatabasePositions
from bot.room_manager import RoomManager
from bot.wiring import build_house, features_of
from handlers.audit_log import audit_log_broken
from handlers.bord.service import board_title
from handlers.directory import clean_name, known_display_names, record_display_name
from handlers.incidenten.detected import (
    audit_log_shortened,
    intruder_in_casus_room,
    room_security_changed,
)
from handlers.outbox import Handled, queue
from handlers.router import Router
from handlers.stats import casussen_per_phase
from scheduler.clock import Clock, SystemClock
from scheduler.job import Job, JobRun, run_job
from scheduler.jobs import build_jobs
from scheduler.jobs.housekeeping import HANDLED_EVENTS, HANDLED_EVENTS_PRUNE_SECONDS
from scheduler.runner import JobRunner, Periodic
from storage import crypto
from storage.db import Database
from storage.types import OutboxState

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 20.0
# How often members' display names are looked up (a message of theirs updates at once).
DISPLAY_NAMES_SECONDS = 6 * 3600
BOARD_WIDGET_SECONDS = 3600


class Application:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock(settings.house.zone)
        # No personal data without its key: refuse to start rather than write plaintext.
        crypto.install(settings.database.resolve_data_keys())
        self.db = Database(settings.database.url)
        pickle_key = settings.matrix.resolve_pickle_key()
        configure_pseudonyms(pickle_key)
        self.house = build_house(settings)
        self.working_time = self.house.working_time
        self.metrics = Metrics()
        self.metrics.track(self._tallies)
        self.router = Router(self.db, self.clock, self.house, features_of(self.house))
        matrix = settings.matrix
        self.transport = MatrixTransport(
            TransportSettings(
                homeserver_url=matrix.homeserver_url,
                user_id=matrix.user_id,
                password=matrix.password.get_secret_value() if matrix.password else None,
                access_token=matrix.access_token.get_secret_value()
                if matrix.access_token
                else None,
                device_name=matrix.device_name,
                store_path=matrix.store_path,
                pickle_key=pickle_key,
                sync_timeout_ms=matrix.sync_timeout_seconds * 1000,
                key_grace_seconds=matrix.key_grace_seconds,
                recovery_key=matrix.recovery_key.get_secret_value()
                if matrix.recovery_key
                else None,
                new_identity=matrix.new_identity,
            ),
            BotHandler(self.router, self.metrics, self._handled, self._membership_changed),
            DatabasePositions(self.db, matrix.user_id, self.clock),
        )
        self.outbox = OutboxSender(
            self.db, self.transport.sending, self.clock, self._delivery_failed, self.transport
        )
        self.rooms = RoomManager(
            self.db, self.transport.managed, self.clock, self._intruder, self._room_changed,
            self.outbox.wake,
            guard=ProcesregieGuard(self.db, self.clock, self.house, self.outbox.wake)
            if self.house.procesregie_room else None,
        )  # fmt: skip
        self.anchors = Anchorer(
            self.db, settings.audit.anchor_file, self.clock, self._audit_shortened,
            self._audit_broken,
        )  # fmt: skip
        tick = settings.scheduler.tick_seconds
        scheduled = [(job, tick) for job in build_jobs(self.house)]
        scheduled.append((HANDLED_EVENTS, HANDLED_EVENTS_PRUNE_SECONDS))
        self.jobs = JobRunner([
            *(Periodic(job.name, every, partial(self._run_job, job)) for job, every in scheduled),
            Periodic("display_names", DISPLAY_NAMES_SECONDS, self._refresh_display_names),
        ])  # fmt: skip
        health = settings.health
        self.health_server = (
            HealthServer(health.host, health.port, self.health, self.render_metrics)
            if health.enabled
            else None
        )
        self.board = (
            BoardServer(settings.board, matrix.homeserver_url, matrix.user_id.split(":", 1)[1],
                        self.db, self.house, self.clock, audited=self.anchors.wake)
            if settings.board.enabled
            else None
        )  # fmt: skip
        if self.board is not None and self.house.procesregie_room:
            self.jobs.add(Periodic("board_widget", BOARD_WIDGET_SECONDS, self._board_widget))
        self.started_at: datetime | None = None
        self._sync_task: asyncio.Task[None] | None = None
        self._outbox_task: asyncio.Task[None] | None = None
        self._rooms_task: asyncio.Task[None] | None = None
        self._anchor_task: asyncio.Task[None] | None = None

    # --- what units of work leave behind ----------------------------------------------

    def _handled(self, handled: Handled) -> None:
        """After a commit: hand the sender what it may send as it is; wake who has work."""
        if handled.handed or handled.more:
            self.outbox.hand_over(handled.handed, handled.more)
        if handled.room_work:
            self.rooms.wake()
        if handled.audited:
            self.anchors.wake()

    def _membership_changed(self) -> None:
        self.rooms.wake()

    async def _delivery_failed(self, room_id: str, error: str) -> None:
        self._handled(await self.router.on_delivery_failure(room_id, error))

    async def _intruder(self, room_key: str, user_id: str) -> None:
        """Someone was removed from a casus room they were never invited to."""
        now = self.clock.now()
        async with self.db.transaction() as unit:
            told = await intruder_in_casus_room(unit, self.house, room_key, user_id, now)
            handed = await queue(unit, told, now)
        self._handled(Handled.of(unit, handed))

    async def _room_changed(self, room_key: str, drift: Drift, restored: bool) -> None:
        """Someone changed a casus room's security state (the bot put it back, or could not)."""
        now = self.clock.now()
        async with self.db.transaction() as unit:
            told = await room_security_changed(
                unit, self.house, room_key, list(drift.raised), list(drift.changed), restored, now
            )
            handed = await queue(unit, told, now)
        self._handled(Handled.of(unit, handed))

    async def _run_job(self, job: Job) -> None:
        run = await run_job(self.db.transaction, job, self.clock.now())
        self._count(run)
        if run.queued:
            self.outbox.wake()
        if run.room_work:
            self.rooms.wake()
        if run.audited:
            self.anchors.wake()

    async def _audit_shortened(self, anchored: int, head: int) -> None:
        now = self.clock.now()
        async with self.db.transaction() as unit:
            told = await audit_log_shortened(unit, self.house, anchored, head, now)
            handed = await queue(unit, told, now)
        self._handled(Handled.of(unit, handed))

    async def _audit_broken(self, findings: list[str]) -> None:
        now = self.clock.now()
        async with self.db.transaction() as unit:
            told = await audit_log_broken(unit, self.house, findings, now)
            handed = await queue(unit, told, now)
        self._handled(Handled.of(unit, handed))

    async def _refresh_display_names(self) -> None:
        """Learn how members are called in Matrix, also those who never wrote to the bot
        (messages name people by display name; a message a member sends updates theirs).
        The profile is asked only for whom no name is known yet; the rest come from the
        rooms the bot shares with them, which cost no request."""
        async with self.db.reading() as unit:
            known = await known_display_names(unit)
        changed = {}
        for matrix_id, name in known.items():
            try:
                seen = clean_name(await self.transport.display_name(matrix_id, name is None))
            except Exception as exc:  # the homeserver busy: the next round tries again
                log.warning("display name lookup failed (%s)", type(exc).__name__)
                continue
            if seen is not None and seen != name:
                changed[matrix_id] = seen
        if changed:
            async with self.db.transaction() as unit:
                for matrix_id, name in changed.items():
                    await record_display_name(unit, matrix_id, name)
            log.info("display names learnt: %d", len(changed))

    async def _board_widget(self) -> None:
        """The board's widget in the procesregie room (at start-up, then hourly)."""
        if self.board is not None and self.house.procesregie_room:
            await ensure_widget(self.transport.managed, self.house.procesregie_room,
                                self.board.url, board_title(self.house.words))  # fmt: skip

    def _count(self, run: JobRun) -> None:
        metrics = self.metrics
        for kind, n in run.reminders.items():
            metrics.reminders_sent.labels(kind).inc(n)
        metrics.reminders_late.inc(run.late)
        removed = {what: n for what, n in run.removed.items() if n}
        if removed:
            metrics.purges.inc()
            for what, n in removed.items():
                metrics.purge_removed.labels(label_value(what)).inc(n)

    # --- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        # First, so a port in use stops the start before anything runs (503 until synced).
        if self.health_server is not None:
            await self.health_server.start()
        if self.board is not None:
            await self.board.start()
        try:
            await self.db.migrate()
            await self.transport.start()
        except BaseException:
            await self._undo_start()  # e.g. an identity it may not take on: nothing left open
            raise
        self.started_at = self.clock.now()
        self._sync_task = asyncio.create_task(self.transport.run(), name="matrix-sync")
        self._outbox_task = asyncio.create_task(self.outbox.run(), name="outbox")
        self._rooms_task = asyncio.create_task(self.rooms.run(), name="rooms")
        self._anchor_task = asyncio.create_task(self.anchors.run(), name="audit-anchors")
        self.jobs.start()

    async def _undo_start(self) -> None:
        if self.health_server is not None:
            await self.health_server.stop()
        if self.board is not None:
            await self.board.stop()
        await self.transport.close()
        await self.db.close()

    @property
    def sync_task(self) -> asyncio.Task[None]:
        assert self._sync_task is not None, "start() first"
        return self._sync_task

    async def stop(self) -> None:
        # The sync loop finishes the batch it is dispatching, then ends by itself; the
        # events in hand are handled; deliveries under way finish. What is still in the
        # outbox stays there and is sent after the next start.
        if self.health_server is not None:
            await self.health_server.stop()
        if self.board is not None:
            await self.board.stop()
        await self.jobs.stop(SHUTDOWN_GRACE_SECONDS)
        self.transport.stop()
        if self._sync_task is not None:
            await asyncio.gather(self._sync_task, return_exceptions=True)
        await self.transport.drain(SHUTDOWN_GRACE_SECONDS)
        self.rooms.stop()
        if self._rooms_task is not None:
            await asyncio.gather(self._rooms_task, return_exceptions=True)
        self.anchors.stop()
        if self._anchor_task is not None:
            await asyncio.gather(self._anchor_task, return_exceptions=True)
        self.outbox.stop()
        await self.outbox.drain(SHUTDOWN_GRACE_SECONDS)
        if self._outbox_task is not None:
            await asyncio.gather(self._outbox_task, return_exceptions=True)
        await self.transport.close()
        await self.db.scrub()
        await self.db.close()
        log.info("stopped")

    # --- operability ----------------------------------------------------------------

    async def health(self) -> Health:
        last = self.transport.last_sync_at
        return Health(
            sync_loop=self._sync_task is not None and not self._sync_task.done(),
            database=await self.db.ping(),
            scheduler=self.jobs.running,
            last_sync_age_seconds=None
            if last is None
            else (datetime.now(UTC) - last).total_seconds(),
            max_sync_age_seconds=self.settings.health.max_sync_age_seconds,
        )

    async def render_metrics(self) -> bytes:
        """Refresh what is read from the database, then the whole registry."""
        metrics = self.metrics
        try:
            async with self.db.reading() as unit:
                depth = await unit.stats.outbox_depth()
                phases = await casussen_per_phase(unit)
        except Exception as exc:  # the database is down: say so in /healthz, not here
            log.warning("metrics: database not readable (%s)", type(exc).__name__)
        else:
            for state in OutboxState:
                metrics.outbox_depth.labels(state.value).set(depth.get(state.value, 0))
            for phase, count in phases.items():
                metrics.open_casussen.labels(phase).set(count)
        last = self.transport.last_sync_at
        if last is not None:
            metrics.last_sync_age.set((datetime.now(UTC) - last).total_seconds())
        return metrics.render()

    def _tallies(self) -> list[Tally]:
        """The counters the components keep, for /metrics."""
        outbox, rooms = self.outbox, self.rooms
        tallies = [
            Tally("casusbot_outbox_sent", "Messages delivered.", lambda: outbox.sent),
            Tally("casusbot_outbox_retries", "Deliveries to retry.", lambda: outbox.retries),
            Tally("casusbot_outbox_failures", "Messages that failed for good.",
                  lambda: outbox.failures),
            Tally("casusbot_undecryptable_events", "Events the bot could not decrypt.",
                  lambda: self.transport.undecryptable_events),
            Tally("casusbot_syncs", "Sync responses handled.", lambda: self.transport.syncs),
            Tally("casusbot_sync_gaps_read",
                  "Rooms where a sync left events out and the bot read them back.",
                  lambda: self.transport.sync_gaps_read),
            Tally("casusbot_devices_withheld", "Unsigned devices that got no room keys.",
                  lambda: self.transport.trust.withheld),
            Tally("casusbot_room_removals", "People removed from rooms the bot keeps.",
                  lambda: rooms.removed),
            Tally("casusbot_redactions", "Own messages taken back (retention).",
                  lambda: rooms.redacted),
            Tally("casusbot_rooms_closed", "Casus rooms closed.", lambda: rooms.closed),
            Tally("casusbot_rooms_restored", "Casus rooms whose security state was put back.",
                  lambda: rooms.restored),
            Tally("casusbot_audit_anchors", "Audit anchors written outside the database.",
                  lambda: self.anchors.written),
        ]  # fmt: skip
        jobs = self.jobs
        for name in jobs.jobs:
            labels = (("job", name),)
            tallies.append(
                Tally(
                    "casusbot_job_runs", "Job runs.", partial(jobs.runs.__getitem__, name), labels
                )
            )
            tallies.append(Tally("casusbot_job_failures", "Job runs that failed.",
                                 partial(jobs.failures.__getitem__, name), labels))  # fmt: skip
        return tallies


async def run_until_signalled(app: Application) -> None:
    """Run the bot until SIGTERM or SIGINT, then shut down cleanly."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await app.start()
    log.info("casusbot is running")
    waiter = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({waiter, app.sync_task}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    try:
        if app.sync_task in done:
            app.sync_task.result()  # re-raise a fatal transport error
    finally:
        log.info("shutting down")
        await app.stop()
