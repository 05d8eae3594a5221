"""App wiring: settings → database → handlers → Matrix transport, and a clean shutdown.

On SIGTERM/SIGINT the bot stops syncing, lets in-flight events finish (bounded), saves
its position and closes the database; it does not log out.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import uuid
from datetime import datetime, timedelta

from bot.config import WEEKDAYS, ConfigError, RetentionSettings, Settings
from bot.logs import configure_pseudonyms, correlation_id
from bot.matrix.transport import MatrixTransport, TransportSettings
from bot.outbox import OutboxSender
from bot.room_manager import RoomManager
from handlers.aanmelding import form_spec as aanmelding_form_spec
from handlers.casusoverleg import CasusoverlegService, OverlegConfig
from handlers.conversation.service import FormSpec
from handlers.drafts import housekeep_drafts
from handlers.messages import Incoming, Invite, InviteDecision, Notice
from handlers.outbox import queue
from handlers.overleg_commands import verslag_spec
from handlers.pva_jobs import ReminderPolicy, remind_actions
from handlers.retention import RetentionPolicy, purge
from handlers.review import review_authorisations
from handlers.router import Router
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


class DatabasePositions:
    """The transport's sync position, kept in the bot's database."""

    def __init__(self, db: Database, account: str, clock: Clock) -> None:
        self.db = db
        self.account = account
        self.clock = clock

    async def load(self) -> str | None:
        async with self.db.session() as session:
            return await SyncPositionRepository(session).load(self.account)

    async def save(self, next_batch: str) -> None:
        async with self.db.transaction() as session:
            await SyncPositionRepository(session).save(self.account, next_batch, self.clock.now())


class _CorrelatedHandler:
    """Gives every handled event its own correlation id in the logs."""

    def __init__(self, router: Router) -> None:
        self.router = router

    async def on_invite(self, invite: Invite) -> InviteDecision:
        correlation_id.set(uuid.uuid4().hex[:12])
        return await self.router.on_invite(invite)

    async def on_joined(
        self, room_id: str, inviter: str, room_members: int, notes: list[str]
    ) -> None:
        await self.router.on_joined(room_id, inviter, room_members, notes)

    async def on_message(self, incoming: Incoming) -> None:
        correlation_id.set(uuid.uuid4().hex[:12])
        await self.router.on_message(incoming)

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
            _CorrelatedHandler(self.router),
            DatabasePositions(self.db, matrix.user_id, self.clock),
        )
        self.outbox = OutboxSender(
            self.db, self.transport.sending, self.clock, self.router.on_delivery_failure
        )
        self.rooms = RoomManager(
            self.db, self.transport.managed, self.clock, self.router.on_intruder, self.outbox.wake
        )
        self.router.on_queued = self.outbox.wake
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
            self._queued()  # the notice, and redactions and rooms for the room manager

    async def _action_reminders(self) -> None:
        pva = self.settings.plan_van_aanpak
        policy = ReminderPolicy(
            tuple(pva.remind_working_days_before), pva.escalate_after_working_days
        )
        async with self.db.transaction() as session:
            queued = await remind_actions(
                session, self.clock.now(), self.working_time, policy, self.triage
            )
        if queued:
            self.outbox.wake()

    async def _overleg_reminders(self) -> None:
        async with self.db.transaction() as session:
            service = CasusoverlegService(session, self.triage, self.overleg)
            outgoing = await service.remind(self.clock.now())
            await queue(session, outgoing, self.clock.now())
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
            queued += await post_weekly_agenda(
                session, self.clock.now(), self.working_time, self.triage,
                WEEKDAYS.index(triage.agenda_day), triage.agenda_time,
            )  # fmt: skip
        if queued:
            self.outbox.wake()

    async def start(self) -> None:
        await self.db.migrate()
        await self.transport.start()
        self.started_at = self.clock.now()
        self._sync_task = asyncio.create_task(self.transport.run(), name="matrix-sync")
        self._outbox_task = asyncio.create_task(self.outbox.run(), name="outbox")
        self._rooms_task = asyncio.create_task(self.rooms.run(), name="rooms")
        self.jobs.start()

    @property
    def sync_task(self) -> asyncio.Task[None]:
        assert self._sync_task is not None, "start() first"
        return self._sync_task

    async def stop(self) -> None:
        # The sync loop finishes the batch it is dispatching, then ends by itself; the
        # events in hand are handled; deliveries under way finish. What is still in the
        # outbox stays there and is sent after the next start.
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
