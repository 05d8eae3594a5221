"""App wiring: settings → database → handlers → Matrix transport, and a clean shutdown.

On SIGTERM/SIGINT the bot stops syncing, lets in-flight events finish (bounded), saves
its position and closes the database; it does not log out.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import WEEKDAYS, ConfigError, RetentionSettings, Settings
from bot.health import Health, HealthServer
from bot.logs import configure_pseudonyms, correlation_id
from bot.matrix.transport import MatrixTransport, TransportSettings
from bot.metrics import Metrics, Tally, label_value
from bot.outbox import OutboxSender
from bot.room_manager import RoomManager
from handlers.aanmelding import form_spec as aanmelding_form_spec
from handlers.casusoverleg import CasusoverlegService, OverlegConfig
from handlers.conversation.service import FormSpec
from handlers.drafts import housekeep_drafts
from handlers.guard import ProcesregieGuard
from handlers.messages import Incoming, Invite, InviteDecision, Notice
from handlers.outbox import queue
from handlers.overleg_commands import verslag_spec
from handlers.pva_jobs import ReminderPolicy, remind_actions
from handlers.retention import RetentionPolicy, purge
from handlers.review import review_authorisations
from handlers.router import Router
from handlers.stats import casussen_per_phase, outbox_depth
from handlers.texts import Wording
from handlers.triage import TriageConfig
from handlers.triage_commands import form_specs as decision_form_specs
from handlers.triage_jobs import post_weekly_agenda, remind_late_verrijking
from handlers.verrijking import form_spec as verrijking_form_spec
from scheduler.clock import Clock, SystemClock, local_now
from scheduler.runner import Job, JobRunner
from scheduler.workhours import WorkingTime
from storage import crypto
from storage.db import Database
from storage.repositories import HandledEventRepository, SyncPositionRepository

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 20.0
# The sync position is saved within seconds of handling, so an event is only delivered
# again after a crash, from the last saved position: a month is far beyond that.
HANDLED_EVENTS_KEPT = timedelta(days=30)
HANDLED_EVENTS_PRUNE_SECONDS = 6 * 3600


# The sync position is written at most once a second (with other work when it can): each
# write cost about as much as the rest of a message's bookkeeping (bench/RESULTS.md).
SYNC_POSITION_INTERVAL = 1.0


class DatabasePositions:
    """The transport's sync position, kept in the bot's database."""

    def __init__(self, db: Database, account: str, clock: Clock) -> None:
        self.db = db
        self.account = account
        self.clock = clock
        db.deferred.register(
            "sync_position", self._write, keep_last=True, interval=SYNC_POSITION_INTERVAL
        )

    async def load(self) -> str | None:
        async with self.db.session() as session:
            return await SyncPositionRepository(session).load(self.account)

    async def save(self, next_batch: str) -> None:
        # Written with the next transaction, or within a moment: after a crash the sync
        # resumes a little earlier, and what it delivers again was claimed once already.
        self.db.deferred.add("sync_position", (next_batch, self.clock.now()))

    async def _write(self, session: AsyncSession, latest: list[tuple[str, datetime]]) -> None:
        next_batch, at = latest[-1]
        await SyncPositionRepository(session).save(self.account, next_batch, at)


class _CorrelatedHandler:
    """Gives every handled event its own correlation id in the logs, and times it."""

    def __init__(self, router: Router, metrics: Metrics) -> None:
        self.router = router
        self.metrics = metrics

    async def on_invite(self, invite: Invite) -> InviteDecision:
        correlation_id.set(uuid.uuid4().hex[:12])
        return await self.router.on_invite(invite)

    async def on_joined(
        self, room_id: str, inviter: str, room_members: int, notes: list[str]
    ) -> None:
        await self.router.on_joined(room_id, inviter, room_members, notes)

    async def on_message(self, incoming: Incoming) -> None:
        correlation_id.set(uuid.uuid4().hex[:12])
        started = time.perf_counter()
        try:
            await self.router.on_message(incoming)
        finally:
            self.metrics.handler_seconds.observe(time.perf_counter() - started)
            self.metrics.messages_handled.inc()

    async def on_undecryptable(self, room_id: str, sender: str, event_id: str) -> None:
        correlation_id.set(uuid.uuid4().hex[:12])
        await self.router.on_undecryptable(room_id, sender, event_id)

    def unencrypted_room_notice(self) -> Notice:
        return self.router.unencrypted_room_notice()


def build_triage(settings: Settings) -> TriageConfig:
    triage = settings.triage
    return TriageConfig(
        house_name=settings.house.name,
        procesregie_room=settings.house.procesregie_room,
        standard_partners=tuple(triage.standard_partners),
        minor_partners=tuple(triage.minor_partners),
        contacts={org: tuple(ids) for org, ids in triage.contacts.items()},
        answer_working_days=triage.answer_working_days,
    )


def build_overleg(settings: Settings, working_time: WorkingTime | None = None) -> OverlegConfig:
    terms = settings.house.terminology
    return OverlegConfig(
        personalia=tuple(settings.casusoverleg.personalia),
        share_verrijking=settings.casusoverleg.share_verrijking,
        term=terms.casusoverleg,
        casusregisseur_term=terms.casusregisseur,
        zone=settings.house.zone,
        working_time=working_time or build_working_time(settings),
    )


def build_retention(retention: RetentionSettings) -> RetentionPolicy:
    return RetentionPolicy(
        retention.afschaling_clean_months, retention.afschaling_delete_months,
        retention.audit_years,
    )  # fmt: skip


def build_working_time(settings: Settings) -> WorkingTime:
    hours = settings.working_hours
    return WorkingTime(
        zone=settings.house.zone, start=hours.start, end=hours.end, weekdays=hours.weekday_numbers
    )


def build_forms(settings: Settings) -> dict[str, FormSpec]:
    """The conversation forms with the house's wording; a prompt for an unknown question is a
    configuration error."""
    triage = build_triage(settings)
    prompts = settings.forms.get("aanmelding")
    try:
        aanmelding = aanmelding_form_spec(
            prompts.prompts if prompts else {}, settings.house.reference_prefix, triage
        )
    except KeyError as error:
        raise ConfigError(
            f"forms.aanmelding.prompts: {error.args[0]} is geen vraag van het formulier"
        ) from None
    specs = [
        aanmelding,
        verrijking_form_spec(triage),
        *decision_form_specs(triage),
        verslag_spec(triage, build_overleg(settings)),
    ]
    return {spec.form.name: spec for spec in specs}


class Application:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock(settings.house.zone)
        # No personal data without its key: refuse to start rather than write plaintext.
        crypto.install(settings.database.resolve_data_keys())
        self.db = Database(settings.database.url)
        pickle_key = settings.matrix.resolve_pickle_key()
        configure_pseudonyms(pickle_key)
        wording = Wording(
            house_name=settings.house.name,
            procesregisseur=settings.house.terminology.procesregisseur,
        )
        self.metrics = Metrics()
        self.metrics.track(self._tallies)
        self.working_time = build_working_time(settings)
        self.triage = build_triage(settings)
        self.overleg = build_overleg(settings, self.working_time)
        self.router = Router(
            self.db,
            self.clock,
            wording,
            forms=build_forms(settings),
            triage=self.triage,
            overleg=self.overleg,
        )
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
            ),
            _CorrelatedHandler(self.router, self.metrics),
            DatabasePositions(self.db, matrix.user_id, self.clock),
        )
        self.outbox = OutboxSender(
            self.db, self.transport.sending, self.clock, self.router.on_delivery_failure,
            more_coming=self.transport.handling_others,
        )  # fmt: skip
        self.transport.on_all_handled = self.outbox.send_gathered
        regie_room = settings.house.procesregie_room
        self.rooms = RoomManager(
            self.db, self.transport.managed, self.clock, self.router.on_intruder, self.outbox.wake,
            guard=ProcesregieGuard(self.db, self.clock, regie_room, self.outbox.wake)
            if regie_room else None,
        )  # fmt: skip
        self.router.on_queued = self.outbox.hand_over
        self.router.on_room_work = self.rooms.wake
        self.transport.on_membership_change = self.rooms.wake
        tick = settings.scheduler.tick_seconds
        self.jobs = JobRunner(
            [
                Job("drafts", tick, self._housekeep_drafts),
                Job("triage", tick, self._triage_jobs),
                Job("casusoverleg", tick, self._overleg_reminders),
                Job("plan_van_aanpak", tick, self._action_reminders),
                Job("retention", tick, self._retention),
                Job("authorisation_review", tick, self._authorisation_review),
                Job("handled_events", HANDLED_EVENTS_PRUNE_SECONDS, self._prune_handled_events),
            ]
        )
        health = settings.health
        self.health_server = (
            HealthServer(health.host, health.port, self.health, self.render_metrics)
            if health.enabled
            else None
        )
        self.started_at: datetime | None = None
        self._sync_task: asyncio.Task[None] | None = None
        self._outbox_task: asyncio.Task[None] | None = None
        self._rooms_task: asyncio.Task[None] | None = None

    def _queued(self) -> None:
        """A job wrote to the outbox, and maybe a room wish or redactions: both look now."""
        self.outbox.wake()
        self.rooms.wake()

    async def _authorisation_review(self) -> None:
        async with self.db.transaction() as session:
            queued = await review_authorisations(
                session, self.clock.now(), self.working_time,
                self.settings.scheduler.authorisation_review_months, self.router.wording,
            )  # fmt: skip
        if queued:
            self.outbox.wake()

    async def _retention(self) -> None:
        report = await purge(
            self.db.transaction, self.clock.now(), local_now(self.clock).date(),
            build_retention(self.settings.retention),
        )  # fmt: skip
        if report:
            self.metrics.purges.inc()
            for what, count in report.counts.items():
                self.metrics.purge_removed.labels(label_value(what)).inc(count)
            self._queued()  # the notice, and redactions and rooms for the room manager

    async def _action_reminders(self) -> None:
        pva = self.settings.plan_van_aanpak
        policy = ReminderPolicy(
            tuple(pva.remind_working_days_before), pva.escalate_after_working_days
        )
        async with self.db.transaction() as session:
            run = await remind_actions(
                session, self.clock.now(), self.working_time, policy, self.triage
            )
        self.metrics.reminders_sent.labels("plan_van_aanpak").inc(run.reminded)
        self.metrics.reminders_sent.labels("escalatie").inc(run.escalated)
        self.metrics.reminders_late.inc(run.late)
        if run.notices:
            self.outbox.wake()

    async def _overleg_reminders(self) -> None:
        async with self.db.transaction() as session:
            service = CasusoverlegService(session, self.triage, self.overleg)
            outgoing = await service.remind(self.clock.now())
            await queue(session, outgoing, self.clock.now())
        self.metrics.reminders_sent.labels("casusoverleg").inc(len(outgoing))
        if outgoing:
            self.outbox.wake()

    async def _housekeep_drafts(self) -> None:
        retention = self.settings.retention
        async with self.db.transaction() as session:
            queued = await housekeep_drafts(
                session,
                self.clock.now(),
                self.working_time,
                reminder_after=timedelta(hours=retention.draft_reminder_hours),
                delete_after=timedelta(days=retention.draft_days),
            )
        self.metrics.reminders_sent.labels("concept").inc(queued)
        if queued:
            self.outbox.wake()

    async def _prune_handled_events(self) -> None:
        """Forget handled event ids long after they could be delivered again."""
        async with self.db.transaction() as session:
            await HandledEventRepository(session).forget_before(
                self.clock.now() - HANDLED_EVENTS_KEPT
            )

    async def _triage_jobs(self) -> None:
        triage = self.settings.triage
        async with self.db.transaction() as session:
            queued = await remind_late_verrijking(
                session, self.clock.now(), self.working_time, self.triage
            )
            self.metrics.reminders_sent.labels("verrijking").inc(queued)
            queued += await post_weekly_agenda(
                session, self.clock.now(), self.working_time, self.triage,
                WEEKDAYS.index(triage.agenda_day), triage.agenda_time,
            )  # fmt: skip
        if queued:
            self.outbox.wake()

    async def start(self) -> None:
        # First, so a port in use stops the start before anything runs (503 until synced).
        if self.health_server is not None:
            await self.health_server.start()
        await self.db.migrate()
        await self.transport.start()
        self.started_at = self.clock.now()
        self._sync_task = asyncio.create_task(self.transport.run(), name="matrix-sync")
        self._outbox_task = asyncio.create_task(self.outbox.run(), name="outbox")
        self._rooms_task = asyncio.create_task(self.rooms.run(), name="rooms")
        self.jobs.start()

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
            async with self.db.session() as session:
                depth = await outbox_depth(session)
                phases = await casussen_per_phase(session)
        except Exception as exc:  # the database is down: say so in /healthz, not here
            log.warning("metrics: database not readable (%s)", type(exc).__name__)
        else:
            for state in ("pending", "held", "failed"):
                metrics.outbox_depth.labels(state).set(depth.get(state, 0))
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
        await self.jobs.stop(SHUTDOWN_GRACE_SECONDS)
        self.transport.stop()
        if self._sync_task is not None:
            await asyncio.gather(self._sync_task, return_exceptions=True)
        await self.transport.drain(SHUTDOWN_GRACE_SECONDS)
        self.rooms.stop()
        if self._rooms_task is not None:
            await asyncio.gather(self._rooms_task, return_exceptions=True)
        self.outbox.stop()
        await self.outbox.drain(SHUTDOWN_GRACE_SECONDS)
        if self._outbox_task is not None:
            await asyncio.gather(self._outbox_task, return_exceptions=True)
        await self.transport.close()
        await self.db.scrub()
        await self.db.close()
        log.info("stopped")


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
