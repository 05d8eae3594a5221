"""Entry point of the handlers: invites, joins and messages in, notices to send out.

Owns the gatekeeping every message passes: members only, encrypted only, each event once,
policy before action. It returns what to send; it never sends itself.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import (
    aanmelding,
    beheer,
    general,
    overleg_commands,
    pva_commands,
    triage_commands,
    verrijking,
)
from handlers.casusoverleg import OverlegConfig, report_intruder
from handlers.commands import Caller, CommandContext, CommandRegistry
from handlers.conversation.service import ConversationService, FormSpec
from handlers.errors import UserError
from handlers.identity import IdentityService
from handlers.incidents import incident_notices
from handlers.membership import MembershipService
from handlers.messages import (
    BulletList,
    Incoming,
    Invite,
    InviteDecision,
    Notice,
    Outgoing,
    Paragraph,
    notice,
    text_notice,
)
from handlers.outbox import queue
from handlers.policy import may
from handlers.texts import (
    EDIT_IGNORED,
    NOT_ALLOWED,
    UNDECRYPTABLE,
    UNENCRYPTED_MESSAGE,
    UNENCRYPTED_ROOM,
    UNKNOWN_COMMAND,
    UNSIGNED_DEVICE,
    Wording,
    delivery_failure_report,
    invite_declined,
    room_notes,
    room_policy_refusal,
    stranger_refusal,
    welcome,
)
from handlers.triage import TriageConfig
from scheduler.clock import Clock
from storage.casus import AuditRepository
from storage.db import Database
from storage.models import Role
from storage.repositories import HandledEventRepository, QueuedMessage, queued_count
from storage.rooms import room_work

log = logging.getLogger(__name__)

# Longest message the bot reads at all; answers have their own, smaller limits.
MAX_MESSAGE_LENGTH = 8000
MAX_REMEMBERED_REFUSALS = 10_000
# Flood protection per member: more than this many messages within the window are not
# handled (the member is told once per window to resend later).
FLOOD_MESSAGES = 60
FLOOD_WINDOW = timedelta(minutes=1)
DENIALS_FOR_INCIDENT = 5
DENIALS_WINDOW = timedelta(hours=1)


# The member whose identity this unit of work found unpaused (session.info key).
SENDER_CLEARED = "casusbot.sender_cleared"
QueuedCallback = Callable[[Sequence[QueuedMessage], bool], None]


def build_registry() -> CommandRegistry:
    registry = CommandRegistry()
    general.register(registry)
    aanmelding.register(registry)
    verrijking.register(registry)
    triage_commands.register(registry)
    overleg_commands.register(registry)
    pva_commands.register(registry)
    beheer.register(registry)
    return registry


class Router:
    """Decides what to answer; writes answers to the outbox in the same transaction."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        wording: Wording,
        forms: Mapping[str, FormSpec] | None = None,
        triage: TriageConfig | None = None,
        overleg: OverlegConfig | None = None,
        on_queued: QueuedCallback = lambda handed, more: None,
        on_room_work: Callable[[], None] = lambda: None,
    ) -> None:
        self.forms = forms if forms is not None else {}
        self.triage = triage or TriageConfig(house_name=wording.house_name)
        self.overleg = overleg or OverlegConfig()
        self.db = db
        self.clock = clock
        self.wording = wording
        # Called after a commit with the messages the outbox sender may take over as they
        # are, and whether the unit of work queued more than those (the sender then reads
        # the outbox itself): a reply goes out without being read back (bench/RESULTS.md).
        self.on_queued = on_queued
        # Called after a unit of work that gave the room manager something to do; not
        # after every message: its pass reads every managed room (bench/RESULTS.md).
        self.on_room_work = on_room_work
        self.registry = build_registry()
        # (room, sender) pairs a non-member was already refused in; kept in memory only,
        # because nothing of a non-member may be stored, and bounded (oldest forgotten).
        self._refused: OrderedDict[tuple[str, str], None] = OrderedDict()
        # Recent message times per member (memory only) and whom we told to slow down.
        self._recent: dict[str, deque[datetime]] = {}
        self._slowed: dict[str, datetime] = {}

    async def on_invite(self, invite: Invite) -> InviteDecision:
        async with self.db.session() as session:
            member = await MembershipService(session).find(invite.inviter)
        if member is None:
            return InviteDecision(accept=False, reason=invite_declined(self.wording))
        return InviteDecision(accept=True)

    async def on_joined(
        self, room_id: str, inviter: str, room_members: int, notes: list[str]
    ) -> None:
        """The bot joined an encrypted room a member invited it to."""
        async with self.db.transaction() as session:
            if room_members == 2:
                await MembershipService(session).record_direct_room(inviter, room_id)
            texts = [*room_notes(notes), welcome(self.wording)]
            handed = await self._queue(session, [Outgoing(room_id, text_notice(t)) for t in texts])
        self._queued(session, handed)

    def unencrypted_room_notice(self) -> Notice:
        return text_notice(UNENCRYPTED_ROOM)

    async def on_undecryptable(self, room_id: str, sender: str, event_id: str) -> None:
        async with self.db.transaction() as session:
            if await MembershipService(session).find(sender) is None:
                return
            if not await HandledEventRepository(session).claim(event_id, self.clock.now()):
                return
            handed = await self._queue(session, [Outgoing(room_id, text_notice(UNDECRYPTABLE))])
        self._queued(session, handed)

    async def on_message(self, incoming: Incoming) -> None:
        async with self.db.transaction() as session:
            outgoing = await self._answer(session, incoming)
            handed = await self._queue(session, outgoing)
        self._queued(session, handed)
        if room_work(session):
            self.on_room_work()

    async def on_delivery_failure(self, room_id: str, error: str) -> None:
        """Tell the beheerders a message could not be delivered (no content, only the room)."""
        async with self.db.transaction() as session:
            outgoing = []
            if error.startswith("room_policy:"):
                # The room itself hears why (a plain notice with no personal data).
                code = error.removeprefix("room_policy:")
                outgoing.append(Outgoing(room_id, text_notice(room_policy_refusal(code))))
            report = text_notice(delivery_failure_report(room_id, error))
            for beheerder in await MembershipService(session).with_role(Role.BEHEERDER):
                if beheerder.dm_room_id and beheerder.dm_room_id != room_id:
                    outgoing.append(Outgoing(beheerder.dm_room_id, report))
            handed = await self._queue(session, outgoing, is_report=True)
        self._queued(session, handed)

    async def on_intruder(self, room_key: str, user_id: str) -> None:
        """Someone was removed from a casus room they were never invited to."""
        async with self.db.transaction() as session:
            outgoing = await report_intruder(
                session, room_key, user_id, self.clock.now(), self.triage, self.overleg.term
            )
            handed = await self._queue(session, outgoing)
        self._queued(session, handed)

    async def _queue(
        self, session: AsyncSession, outgoing: Sequence[Outgoing], is_report: bool = False
    ) -> list[QueuedMessage]:
        """Write notices to the outbox; the caller tells the sender after committing."""
        cleared = session.info.get(SENDER_CLEARED)
        return await queue(
            session, outgoing, self.clock.now(), is_report=is_report,
            not_paused=frozenset({cleared}) if cleared else frozenset(),
        )  # fmt: skip

    def _queued(self, session: AsyncSession, handed: Sequence[QueuedMessage]) -> None:
        """After the commit: hand the sender what it may send as it is."""
        more = queued_count(session) > len(handed)
        if handed or more:
            self.on_queued(handed, more)

    async def _answer(self, session: AsyncSession, incoming: Incoming) -> Sequence[Outgoing]:
        is_direct = incoming.room_members <= 2
        addressed = is_direct or incoming.body.lstrip().startswith("!")
        if not addressed:
            return []
        member = await MembershipService(session).find(incoming.sender)
        if member is None:
            return self._refuse_stranger(incoming)
        if not await HandledEventRepository(session).claim(incoming.event_id, self.clock.now()):
            log.info("event already handled; skipped")
            return []
        if not incoming.encrypted:
            return [Outgoing(incoming.room_id, text_notice(UNENCRYPTED_MESSAGE))]
        if self._flooding(member.matrix_id):
            log.warning("flood protection: a member's message was not handled")
            now = self.clock.now()
            told = self._slowed.get(member.matrix_id)
            if told is not None and now - told < FLOOD_WINDOW:
                return []
            self._slowed[member.matrix_id] = now
            return [Outgoing(incoming.room_id, text_notice(
                "Even geduld: je stuurt veel berichten kort na elkaar. Stuur je laatste "
                "bericht over een minuut opnieuw."
            ))]  # fmt: skip
        identity = await IdentityService(session).check(
            member.matrix_id, incoming.room_id, incoming.sender_identity, self.clock.now(),
            member.identity_keys,
        )  # fmt: skip
        # Checked just now: the sender's identity is not paused (see _queue).
        session.info[SENDER_CLEARED] = None if identity.blocked else member.matrix_id
        if identity.blocked:
            log.warning("message not handled: the sender's identity change is unconfirmed")
            return identity.outgoing
        if incoming.device_signed is False:
            # Possibly a stolen password: a new session the owner did not verify.
            log.warning("message not handled: sent from a device its owner did not sign")
            outgoing = [Outgoing(incoming.room_id, text_notice(UNSIGNED_DEVICE))]
            outgoing += await self._record_denial(session, member.matrix_id, "unsigned_device")
            return outgoing
        if len(incoming.body) > MAX_MESSAGE_LENGTH:
            return [
                Outgoing(
                    incoming.room_id,
                    text_notice(
                        f"Dit bericht is te lang (maximaal {MAX_MESSAGE_LENGTH} tekens). "
                        "Kort het in en stuur het opnieuw."
                    ),
                )
            ]
        caller = Caller(
            matrix_id=member.matrix_id,
            role=member.role,
            organisation_key=member.organisation_key,
            organisation_name=member.organisation_name,
        )
        conversations = ConversationService(session, self.clock, self.forms)
        conversation = await conversations.active(member.matrix_id, incoming.room_id)
        if conversation is not None and not incoming.body.lstrip().startswith("!"):
            # Inside a conversation everything is an answer (a leading ! runs a command).
            # A UserError leaves nothing written: the service rolls back where it must.
            try:
                return await conversations.handle(conversation, caller, incoming)
            except UserError as error:
                return [Outgoing(incoming.room_id, text_notice(error.message))]
        if incoming.edit_of is not None:
            return [Outgoing(incoming.room_id, text_notice(EDIT_IGNORED))]
        ctx = CommandContext(
            caller=caller,
            incoming=incoming,
            session=session,
            clock=self.clock,
            wording=self.wording,
            registry=self.registry,
            forms=self.forms,
            triage=self.triage,
            overleg=self.overleg,
        )
        try:
            await self._dispatch(ctx)
        except UserError as error:
            # What the command wrote is rolled back; the event stays marked handled.
            return [Outgoing(incoming.room_id, text_notice(error.message))]
        return ctx.outgoing

    async def _dispatch(self, ctx: CommandContext) -> None:
        parsed = self.registry.parse(ctx.incoming.body)
        if parsed is None:
            ctx.reply(notice(*_unknown(ctx)))
            return
        if not may(ctx.caller.role, parsed.command.action):
            log.info("denied action=%s role=%s", parsed.command.action, ctx.caller.role)
            ctx.outgoing += await self._record_denial(
                ctx.session, ctx.caller.matrix_id, parsed.command.action.value
            )
            ctx.reply(text_notice(NOT_ALLOWED))
            return
        log.info("command action=%s", parsed.command.action)
        async with ctx.session.begin_nested():
            await parsed.command.handler(ctx, parsed.args)

    def _flooding(self, matrix_id: str) -> bool:
        now = self.clock.now()
        recent = self._recent.setdefault(matrix_id, deque())
        while recent and now - recent[0] >= FLOOD_WINDOW:
            recent.popleft()
        recent.append(now)
        if len(self._recent) > MAX_REMEMBERED_REFUSALS:  # bounded: forget the quiet ones
            for quiet in [m for m, times in self._recent.items() if not times]:
                del self._recent[quiet]
        return len(recent) > FLOOD_MESSAGES

    async def _record_denial(
        self, session: AsyncSession, matrix_id: str, action: str
    ) -> list[Outgoing]:
        """Record a refusal; the fifth within an hour is a possible incident (a member
        probing what they may not do, or someone else on their account)."""
        now = self.clock.now()
        audit = AuditRepository(session)
        await audit.add(now, "denied", matrix_id, None, {"action": action})
        recent = [e for e in await audit.entries(actor=matrix_id)
                  if e.kind == "denied" and e.at >= now - DENIALS_WINDOW]  # fmt: skip
        if len(recent) != DENIALS_FOR_INCIDENT:
            return []
        text = text_notice(
            f"Mogelijk incident: {matrix_id} probeerde binnen een uur "
            f"{DENIALS_FOR_INCIDENT} keer iets wat niet mocht (een commando zonder recht, of "
            "vanaf een niet-geverifieerde sessie). Ga na of het account nog in de juiste "
            "handen is."
        )
        await audit.add(now, "incident", matrix_id, None, {"what": "repeated_denials"})
        return await incident_notices(session, text, exclude=matrix_id)

    def _refuse_stranger(self, incoming: Incoming) -> Sequence[Outgoing]:
        key = (incoming.room_id, incoming.sender)
        if key in self._refused:
            return []
        self._refused[key] = None
        if len(self._refused) > MAX_REMEMBERED_REFUSALS:
            self._refused.popitem(last=False)
        return [Outgoing(incoming.room_id, text_notice(stranger_refusal(self.wording)))]


def _unknown(ctx: CommandContext) -> list[Paragraph | BulletList]:
    return [Paragraph(UNKNOWN_COMMAND), *general.help_notice(ctx)]
