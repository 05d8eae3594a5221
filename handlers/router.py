"""Entry point of the handlers: invites, joins and messages in, what to send out.

Owns the gatekeeping every message passes: members only, encrypted only, each event once,
the access module before action. It knows no phase: the commands and forms come from the
features it is given. It writes what to send to the outbox in the unit of work of the
event, and returns what the bot must do after the commit (:class:`Handled`).
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from handlers.access import may
from handlers.bezwaar import objected, paused_text
from handlers.bsn import deletion_request, on_redacted, watch_for_bsn
from handlers.commands import CommandContext, CommandRegistry, Parsed
from handlers.conversation.parsing import contains_bsn
from handlers.conversation.service import ConversationService
from handlers.directory import (
    Directory,
    clean_name,
    find_member,
    record_direct_room,
    record_display_name,
    to_dm,
)
from handlers.errors import UserError
from handlers.feature import Feature
from handlers.general import help_blocks
from handlers.house import House, Wording
from handlers.identity import IdentityService
from handlers.incidenten.detected import incident_notices
from handlers.incidenten.register import record
from handlers.messages import (
    Block,
    Code,
    Incoming,
    Invite,
    InviteDecision,
    Notice,
    Outgoing,
    Paragraph,
    clean_text,
    exactly,
    notice,
    text_notice,
)
from handlers.outbox import NOTHING, Handled, case_of, queue
from handlers.texts import (
    EDIT_IGNORED,
    INVISIBLE_REMOVED,
    NOT_ALLOWED,
    UNDECRYPTABLE,
    UNENCRYPTED_MESSAGE,
    UNENCRYPTED_ROOM,
    UNKNOWN_COMMAND,
    UNSIGNED_DEVICE,
    delivery_failure_report,
    invite_declined,
    room_notes,
    room_policy_refusal,
    stranger_refusal,
    welcome,
)
from handlers.vocabulary import AuditKind, IncidentSoort, Role
from scheduler.clock import Clock
from storage.db import Database
from storage.unit import Unit

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


class Router:
    """Decides what to answer; writes answers to the outbox in the same transaction."""

    def __init__(
        self, db: Database, clock: Clock, house: House, features: Sequence[Feature] = ()
    ) -> None:
        self.db = db
        self.clock = clock
        self.house = house
        self.registry = CommandRegistry(c for feature in features for c in feature.commands)
        self.forms = {spec.form.name: spec for feature in features for spec in feature.forms}
        # (room, sender) pairs a non-member was already refused in; kept in memory only,
        # because nothing of a non-member may be stored, and bounded (oldest forgotten).
        self._refused: OrderedDict[tuple[str, str], None] = OrderedDict()
        # Recent message times per member (memory only) and whom we told to slow down.
        self._recent: dict[str, deque[datetime]] = {}
        self._slowed: dict[str, datetime] = {}

    async def _work(
        self, answer: Callable[[Unit], Awaitable[Sequence[Outgoing]]],
        is_report: bool = False, not_paused: frozenset[str] = frozenset(),
    ) -> Handled:  # fmt: skip
        """One unit of work: ``answer`` decides, its messages are queued in the same
        transaction; after the commit, what the bot must do."""
        async with self.db.transaction() as unit:
            outgoing = await answer(unit)
            handed = await queue(unit, outgoing, self.clock.now(), is_report, not_paused)
        return Handled.of(unit, handed)

    async def on_invite(self, invite: Invite) -> InviteDecision:
        async with self.db.reading() as unit:
            member = await find_member(unit, invite.inviter)
        if member is None:
            return InviteDecision(accept=False, reason=invite_declined(self.house.words))
        return InviteDecision(accept=True)

    async def on_joined(
        self, room_id: str, inviter: str, room_members: int, notes: list[str]
    ) -> Handled:
        """The bot joined an encrypted room a member invited it to."""

        async def answer(unit: Unit) -> list[Outgoing]:
            if room_members == 2:
                await record_direct_room(unit, inviter, room_id)
            texts = [*room_notes(notes), welcome(self.house.words)]
            # Whoever invited the bot is looking: no notification.
            return [Outgoing(room_id, text_notice(t)).quiet() for t in texts]

        return await self._work(answer)

    def unencrypted_room_notice(self) -> Notice:
        return text_notice(UNENCRYPTED_ROOM)

    async def on_undecryptable(self, room_id: str, sender: str, event_id: str) -> Handled:
        async def answer(unit: Unit) -> list[Outgoing]:
            if await find_member(unit, sender) is None:
                return []
            if not await unit.handled_events.claim(event_id, self.clock.now()):
                return []
            return [Outgoing(room_id, text_notice(UNDECRYPTABLE)).quiet()]

        return await self._work(answer)

    async def on_message(self, incoming: Incoming) -> Handled:
        body, removed = clean_text(incoming.body)
        incoming = replace(incoming, body=body)
        async with self.db.transaction() as unit:
            outgoing, cleared = await self._answer(unit, incoming)
            if removed:
                outgoing = also_in_reply(incoming.room_id, outgoing, text_notice(INVISIBLE_REMOVED))
            if contains_bsn(incoming.body) and await find_member(unit, incoming.sender):
                outgoing = await self._bsn_must_go(unit, incoming, outgoing)
            outgoing = replies_are_quiet(incoming.room_id, incoming.sender, outgoing)
            # Checked just now: the sender's identity is not paused.
            handed = await queue(unit, outgoing, self.clock.now(), not_paused=cleared)
        return Handled.of(unit, handed)

    async def _bsn_must_go(
        self, unit: Unit, incoming: Incoming, outgoing: Sequence[Outgoing]
    ) -> list[Outgoing]:
        """A member's message with a BSN must go (it is never stored, never repeated): the
        member is asked to delete it, in the reply they get anyway if there is one."""
        answer = list(outgoing)
        if not await watch_for_bsn(unit, incoming, self.clock.now()):
            return answer
        if any(o.room_id == incoming.room_id for o in answer):
            return also_in_reply(incoming.room_id, answer, deletion_request(after_refusal=True))
        return [*answer, Outgoing(incoming.room_id, deletion_request(after_refusal=False))]

    async def on_redaction(self, room_id: str, redacted_event_id: str) -> Handled:
        """A message was deleted; if it had a BSN the bot asked to delete, that is done."""
        async with self.db.reading() as unit:
            # Nearly every redaction is the bot's own (retention): read, do not write.
            if not await unit.withdrawn.watching(redacted_event_id):
                return NOTHING

        async def answer(unit: Unit) -> list[Outgoing]:
            return [o.quiet() for o in await on_redacted(unit, redacted_event_id)]

        return await self._work(answer)

    async def on_delivery_failure(self, room_id: str, error: str) -> Handled:
        """Tell the beheerders a message could not be delivered (no content, only the room)."""

        async def answer(unit: Unit) -> list[Outgoing]:
            outgoing = []
            if error.startswith("room_policy:"):
                # The room itself hears why (a plain notice with no personal data).
                code = error.removeprefix("room_policy:")
                outgoing.append(Outgoing(room_id, text_notice(room_policy_refusal(code))))
            report = text_notice(delivery_failure_report(room_id, error))
            directory = Directory(unit, self.house)
            for beheerder in await directory.with_role(Role.BEHEERDER):
                if beheerder.dm_room_id and beheerder.dm_room_id != room_id:
                    outgoing.append(to_dm(beheerder, report))
            return outgoing

        return await self._work(answer, is_report=True)

    async def _answer(
        self, unit: Unit, incoming: Incoming
    ) -> tuple[Sequence[Outgoing], frozenset[str]]:
        """What to answer, and the sender when their identity was checked and is not paused."""
        is_direct = incoming.room_members <= 2
        addressed = is_direct or incoming.body.lstrip().startswith("!")
        if not addressed:
            return [], frozenset()
        member = await find_member(unit, incoming.sender)
        if member is None:
            return self._refuse_stranger(incoming), frozenset()
        now = self.clock.now()
        if not await unit.handled_events.claim(incoming.event_id, now):
            log.info("event already handled; skipped")
            return [], frozenset()
        seen_name = clean_name(incoming.sender_name)
        if seen_name is not None and seen_name != member.display_name:
            await record_display_name(unit, member.matrix_id, seen_name)
        if not incoming.encrypted:
            return [Outgoing(incoming.room_id, text_notice(UNENCRYPTED_MESSAGE))], frozenset()
        if self._flooding(member.matrix_id):
            log.warning("flood protection: a member's message was not handled")
            told = self._slowed.get(member.matrix_id)
            if told is not None and now - told < FLOOD_WINDOW:
                return [], frozenset()
            self._slowed[member.matrix_id] = now
            return [Outgoing(incoming.room_id, text_notice(
                "Even geduld: je stuurt veel berichten kort na elkaar. Stuur je laatste "
                "bericht over een minuut opnieuw."
            ))], frozenset()  # fmt: skip
        identity = await IdentityService(unit, self.house).check(
            member.matrix_id, incoming.room_id, incoming.sender_identity, now,
            member.identity_keys,
        )  # fmt: skip
        if identity.blocked:
            log.warning("message not handled: the sender's identity change is unconfirmed")
            return identity.outgoing, frozenset()
        cleared = frozenset({member.matrix_id})
        if incoming.device_signed is False:
            # Possibly a stolen password: a new session the owner did not verify.
            log.warning("message not handled: sent from a device its owner did not sign")
            outgoing = [Outgoing(incoming.room_id, text_notice(UNSIGNED_DEVICE))]
            outgoing += await self._record_denial(unit, member.matrix_id, "unsigned_device")
            return outgoing, cleared
        if len(incoming.body) > MAX_MESSAGE_LENGTH:
            return [Outgoing(incoming.room_id, text_notice(
                f"Dit bericht is te lang (maximaal {MAX_MESSAGE_LENGTH} tekens). "
                "Kort het in en stuur het opnieuw."
            ))], cleared  # fmt: skip
        caller = member.caller
        today = now.astimezone(self.house.zone).date()
        conversations = ConversationService(unit, now, today, self.forms, self.house.words)
        conversation = await conversations.active(member.matrix_id, incoming.room_id)
        if conversation is not None and not incoming.body.lstrip().startswith("!"):
            # Inside a conversation everything is an answer (a leading ! runs a command).
            # A UserError leaves nothing written: the service rolls back where it must.
            try:
                return await conversations.handle(conversation, caller, incoming), cleared
            except UserError as error:
                shown = error.shown(self.house.words)
                return [Outgoing(incoming.room_id, text_notice(shown))], cleared
        if incoming.edit_of is not None:
            return [Outgoing(incoming.room_id, text_notice(EDIT_IGNORED))], cleared
        ctx = CommandContext(
            caller=caller, room_id=incoming.room_id, room_members=incoming.room_members,
            unit=unit, now=now, today=today, conversations=conversations,
            commands=self.registry.commands, own_chat=member.dm_room_id,
        )  # fmt: skip
        try:
            await self._dispatch(ctx, incoming.body)
        except UserError as error:
            # What the command wrote is rolled back; the event stays marked handled.
            shown = error.shown(self.house.words)
            return [Outgoing(incoming.room_id, text_notice(shown))], cleared
        return ctx.outgoing, cleared

    async def _dispatch(self, ctx: CommandContext, body: str) -> None:
        parsed: Parsed | None = self.registry.parse(body)
        if parsed is None:
            meant = self.registry.suggest(body, lambda found: may(ctx.caller.role, found.action))
            if meant is not None:
                ctx.reply(notice(Paragraph(
                    UNKNOWN_COMMAND, " Bedoel je ", Code(meant), "? Typ ", Code("hulp"),
                    " voor alles wat je kunt.",
                )))  # fmt: skip
                return
            ctx.reply(notice(*_unknown(ctx, self.house.words)))
            return
        found = parsed.command
        if not may(ctx.caller.role, found.action):
            log.info("denied action=%s role=%s", found.action, ctx.caller.role)
            ctx.outgoing += await self._record_denial(
                ctx.unit, ctx.caller.matrix_id, found.action.value
            )
            ctx.reply(text_notice(NOT_ALLOWED))
            return
        log.info("command action=%s", found.action)
        values = found.bind(parsed.args)
        async with ctx.unit.savepoint():
            await found.handler(ctx, **values)
        await self._withhold_objected(ctx)

    async def _withhold_objected(self, ctx: CommandContext) -> None:
        """A reply with personal data of a casus under bezwaar is not sent; the member is
        told why (``handlers/bezwaar.py``)."""
        cases = {c for item in ctx.outgoing if item.sensitive and (c := case_of(item))}
        paused = await objected(ctx.unit, cases) if cases else set()
        if not paused:
            return
        ctx.outgoing = [
            item for item in ctx.outgoing if not (item.sensitive and case_of(item) in paused)
        ]
        for reference in sorted(paused):
            ctx.reply(text_notice(paused_text(reference, self.house.words)))

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

    async def _record_denial(self, unit: Unit, matrix_id: str, action: str) -> list[Outgoing]:
        """Record a refusal; the fifth within an hour is a possible incident (a member
        probing what they may not do, or someone else on their account)."""
        now = self.clock.now()
        await unit.audit.add(now, AuditKind.DENIED, matrix_id, None, {"action": action})
        recent = await unit.audit.count_since(matrix_id, AuditKind.DENIED, now - DENIALS_WINDOW)
        if recent != DENIALS_FOR_INCIDENT:
            return []
        who = exactly(await Directory(unit, self.house).person(matrix_id))
        text = notice(Paragraph(
            "Mogelijk incident: ", *who, " probeerde binnen een uur "
            f"{DENIALS_FOR_INCIDENT} keer iets wat niet mocht (een commando zonder recht, of "
            "vanaf een niet-geverifieerde sessie). Ga na of het account nog in de juiste "
            "handen is."
        ))  # fmt: skip
        incident = await record(unit, IncidentSoort.HERHAALDE_WEIGERINGEN, now, subject=matrix_id,
                                detail={"what": "repeated_denials"})  # fmt: skip
        return await incident_notices(unit, self.house, text, exclude=matrix_id, incident=incident)

    def _refuse_stranger(self, incoming: Incoming) -> Sequence[Outgoing]:
        key = (incoming.room_id, incoming.sender)
        if key in self._refused:
            return []
        self._refused[key] = None
        if len(self._refused) > MAX_REMEMBERED_REFUSALS:
            self._refused.popitem(last=False)
        return [Outgoing(incoming.room_id, text_notice(stranger_refusal(self.house.words))).quiet()]


def also_in_reply(room_id: str, outgoing: Sequence[Outgoing], more: Notice) -> list[Outgoing]:
    """``more`` added to the last reply into ``room_id``; nothing when there is no reply."""
    answer = list(outgoing)
    replies = [i for i, o in enumerate(answer) if o.room_id == room_id]
    if replies:
        answer[replies[-1]] = answer[replies[-1]].followed_by(more)
    return answer


def replies_are_quiet(room_id: str, sender: str, outgoing: Sequence[Outgoing]) -> list[Outgoing]:
    """A reply in the room the message came from goes to who just typed: an m.notice,
    no notification. What addresses someone else there, or goes elsewhere, notifies."""
    return [
        o.quiet() if o.room_id == room_id and not o.mentions - {sender} else o for o in outgoing
    ]


def _unknown(ctx: CommandContext, words: Wording) -> list[Block]:
    return [Paragraph(UNKNOWN_COMMAND), *help_blocks(ctx, words)]
