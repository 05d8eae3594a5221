"""Keeps the rooms the bot manages as the handlers described them.

Handlers write a wish to the database (``managed_rooms``: name, topic, who belongs in it);
this manager makes the homeserver match: it creates the room, invites who is missing,
removes whoever is in it without belonging there, and keeps name and topic. It runs after
every membership change the sync sees and on a short tick, so an intruder is out within
seconds. A person removed who was never invited by the bot is reported as a possible
incident; one who was invited but no longer belongs (a revoked member) is removed quietly.

It also guards one room it does not own: the procesregie room, made and run by people.
Whoever is in it (or invited) without the right to read it is removed when the bot has
the power to; when it has not, the guard is told once, so people can act.

Messages for a managed room wait in the outbox until the room is *ready*: created and
everyone invited, visible to nio, so the room key of the first message reaches them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.logs import pseudonym
from bot.matrix.managed import Drift, Result
from scheduler.clock import Clock
from storage.db import Database
from storage.models import ManagedRoom
from storage.rooms import split_ids
from storage.types import WITHDRAWN, RoomState

log = logging.getLogger(__name__)

TICK_SECONDS = 10.0
# Shown to the person removed; the homeserver stores it in a state event: no case data.
REMOVAL_REASON = "Je bent niet uitgenodigd voor deze kamer."
# How long the manager remembers what it did until sync shows it.
REMOVED_MEMORY_SECONDS = 120.0
# Stored unencrypted with the redaction and the removals: no case data.
REDACTION_REASON = "Verwijderd volgens de bewaartermijn."
# A member's message with a number like a BSN, which they were asked to delete and did not.
WITHDRAWN_REASON = "Verwijderd: een BSN hoort hier niet."
CLOSING_REASON = "Deze casus is afgesloten; de kamer wordt opgeheven."
MAX_REDACTION_ATTEMPTS = 20
REDACTION_BATCH = 50

IntruderReporter = Callable[[str, str], Awaitable[None]]
# A managed room's security state was changed (by someone else): the room's key, what
# changed, and whether the bot could put it back.
SecurityReporter = Callable[[str, Drift, bool], Awaitable[None]]
GUARD_REASON = "Je hoort niet (meer) bij deze kamer."


class RoomGuard(Protocol):
    """A room made by people that only some may be in (the procesregie room)."""

    room_id: str

    async def allowed(self) -> frozenset[str]: ...

    async def removed(self, user_id: str) -> None: ...

    async def cannot_remove(self, user_id: str) -> None: ...


class RoomOps(Protocol):
    async def create(self, key: str, name: str, topic: str) -> tuple[str | None, Result]: ...
    async def find_marked(self, key: str) -> str | None: ...
    def known(self, room_id: str) -> bool: ...
    def present(self, room_id: str) -> frozenset[str]: ...
    async def invite(self, room_id: str, user_id: str) -> Result: ...
    async def remove(self, room_id: str, user_id: str, reason: str) -> Result: ...
    async def set_state(self, room_id: str, event_type: str, content: dict[str, str]) -> Result: ...
    async def drift(self, room_id: str) -> Drift: ...
    async def restore(self, room_id: str, drift: Drift) -> Result: ...
    async def redact(self, room_id: str, event_id: str, reason: str) -> Result: ...
    async def leave(self, room_id: str) -> Result: ...
    async def purge(self, room_id: str) -> Result: ...
    async def forget(self, room_id: str) -> int: ...


@dataclass(frozen=True)
class Wish:
    """A managed room as read from the database, detached from the session."""

    id: int
    key: str
    name: str
    topic: str
    members: frozenset[str]
    room_id: str | None
    invited: frozenset[str]
    applied_name: str | None
    applied_topic: str | None
    state: RoomState
    create_attempts: int
    updated_at: datetime

    @classmethod
    def of(cls, row: ManagedRoom) -> Wish:
        return cls(
            row.id, row.key, row.name, row.topic, split_ids(row.members), row.room_id,
            split_ids(row.invited), row.applied_name, row.applied_topic, row.state,
            row.create_attempts, row.updated_at,
        )  # fmt: skip


class RoomManager:
    def __init__(
        self,
        db: Database,
        ops: RoomOps,
        clock: Clock,
        report_intruder: IntruderReporter,
        report_security: SecurityReporter,
        on_ready: Callable[[], None],
        guard: RoomGuard | None = None,
    ) -> None:
        self.db = db
        self.ops = ops
        self.clock = clock
        self.report_intruder = report_intruder
        self.report_security = report_security
        # Drifts already restored (or reported as impossible) and not yet gone from sync.
        self._drifts: dict[tuple[str, Drift], float] = {}
        self.on_ready = on_ready
        self.guard = guard
        self._guard_told: set[str] = set()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._removed: dict[tuple[str, str], float] = {}
        # Invited by this process and not yet seen in nio's room state.
        self._awaiting: dict[tuple[str, str], float] = {}
        self.removed = 0
        self.redacted = 0
        self.closed = 0
        self.restored = 0

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                await self.reconcile_all()
            except Exception:
                log.exception("room manager pass failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=TICK_SECONDS)

    async def reconcile_all(self) -> None:
        await self.redact_pending()
        async with self.db.reading() as unit:
            repository = unit.rooms
            rows = {row.id: row for row in await repository.pending()}
            rows.update({row.id: row for row in await repository.with_rooms()})
            wishes = [Wish.of(row) for row in rows.values()]
        for wish in wishes:
            if self._stopping.is_set():
                return
            try:
                await self._reconcile(wish)
            except Exception:
                log.exception("managing a room failed; retrying")
        if self.guard is not None:
            try:
                await self._keep_guarded(self.guard)
            except Exception:
                log.exception("guarding a room failed; retrying")

    async def _keep_guarded(self, guard: RoomGuard) -> None:
        room_id = guard.room_id
        if not self.ops.known(room_id):
            return  # not (yet) joined
        present = self.ops.present(room_id)
        strangers = present - await guard.allowed()
        self._guard_told &= strangers  # once out, a next time is told again
        now = asyncio.get_running_loop().time()
        for user_id in sorted(strangers):
            if (room_id, user_id) in self._removed and now - self._removed[(room_id, user_id)] < (
                REMOVED_MEMORY_SECONDS
            ):
                continue
            result = await self.ops.remove(room_id, user_id, GUARD_REASON)
            if result.ok:
                self._removed[(room_id, user_id)] = now
                self.removed += 1
                log.warning("removed %s from the guarded room", pseudonym(user_id))
                await guard.removed(user_id)
            elif user_id not in self._guard_told:
                self._guard_told.add(user_id)
                log.error("cannot remove someone from the guarded room (%s)", result.error)
                await guard.cannot_remove(user_id)

    async def redact_pending(self) -> None:
        """Take back the messages retention asked for (before their room is closed)."""
        while not self._stopping.is_set():
            async with self.db.reading() as unit:
                rows = await unit.sent.to_redact(REDACTION_BATCH)
                batch = [(m.id, m.room_id, m.event_id, m.attempts, m.reference) for m in rows]
            if not batch:
                return
            for row_id, room_id, event_id, attempts, reference in batch:
                reason = WITHDRAWN_REASON if reference == WITHDRAWN else REDACTION_REASON
                result = await self.ops.redact(room_id, event_id, reason)
                async with self.db.transaction() as unit:
                    row = await unit.sent.get(row_id)
                    if row is None:
                        continue
                    if result.ok or result.permanent or attempts + 1 >= MAX_REDACTION_ATTEMPTS:
                        if not result.ok:
                            # E.g. the bot is no longer in that room: nothing it can do.
                            log.warning("a redaction is impossible (%s)", result.error)
                        await unit.sent.done(row)
                        self.redacted += result.ok
                    else:
                        row.attempts += 1
            if len(batch) < REDACTION_BATCH:
                return

    async def _close(self, wish: Wish) -> None:
        """Retention: everyone out, the bot leaves, the homeserver deletes the room if the
        bot may ask it to; then the wish is gone. Each step may be repeated after a crash."""
        room_id = wish.room_id
        if room_id is not None:
            async with self.db.reading() as unit:
                if await unit.sent.waiting_in(room_id):
                    return  # redact first: after leaving, the bot cannot
            for user_id in sorted(self.ops.present(room_id)):
                await self.ops.remove(room_id, user_id, CLOSING_REASON)
            await self.ops.leave(room_id)
            purged = await self.ops.purge(room_id)
            if not purged.ok:
                log.info("closed room left empty; not purged on the homeserver (%s)", purged.error)
            # Deleted means gone: the bot's own keys to the room too.
            keys = await self.ops.forget(room_id)
            log.info("forgot a closed room and %d of its message keys", keys)
        async with self.db.transaction() as unit:
            await unit.rooms.drop(wish.id)
        self.closed += 1
        log.info("closed a managed room")

    async def _reconcile(self, wish: Wish) -> None:
        if wish.state is RoomState.CLOSING:
            await self._close(wish)
            return
        room_id = wish.room_id or await self._create(wish)
        if room_id is None or not self.ops.known(room_id):
            return
        present = self.ops.present(room_id)
        complete = await self._keep_secure(wish, room_id)
        complete &= await self._remove_strangers(wish, room_id, present)
        invited = await self._invite_missing(wish, room_id, present)
        complete &= await self._keep_state(wish, room_id)
        # Ready once everyone invited shows in nio's room state (only then does the room key
        # of the next message reach them) and nobody else does (nor would it reach them).
        # Someone invited who left is not invited again.
        clean = not (present - wish.members)
        ready = (
            complete and clean and not invited and self._all_seen(room_id, present, wish.members)
        )
        if ready and wish.state is not RoomState.READY:
            await self._set_state(wish, RoomState.READY)
            self.on_ready()

    async def _set_state(self, wish: Wish, state: RoomState) -> None:
        async with self.db.transaction() as unit:
            await unit.rooms.set_state_unless_changed(wish.id, state, wish.updated_at)

    def _all_seen(self, room_id: str, present: frozenset[str], wanted: frozenset[str]) -> bool:
        now = asyncio.get_running_loop().time()
        for key, since in list(self._awaiting.items()):
            seen_or_moot = key[1] in present or (key[0] == room_id and key[1] not in wanted)
            if seen_or_moot or now - since > REMOVED_MEMORY_SECONDS:
                del self._awaiting[key]
        return not any(room == room_id for room, _ in self._awaiting)

    async def _create(self, wish: Wish) -> str | None:
        room_id = await self.ops.find_marked(wish.key) if wish.create_attempts else None
        if room_id is None:
            async with self.db.transaction() as unit:
                # Committed before the request: see find_marked.
                await unit.rooms.count_create_attempt(wish.id)
            room_id, result = await self.ops.create(wish.key, wish.name, wish.topic)
            if room_id is None:
                log.warning("creating a managed room failed (%s)", result.error)
                await self._record_error(wish, result.error)
                return None
            log.info("created managed room %s", pseudonym(room_id))
        async with self.db.transaction() as unit:
            await unit.rooms.record_created(wish.id, room_id, wish.name, wish.topic)
        return room_id

    async def _remove_strangers(self, wish: Wish, room_id: str, present: frozenset[str]) -> bool:
        now = asyncio.get_running_loop().time()
        self._removed = {k: t for k, t in self._removed.items() if now - t < REMOVED_MEMORY_SECONDS}
        complete = True
        strangers = present - wish.members
        if strangers and wish.state is RoomState.READY:
            # Hold the room's messages (they wait in the outbox) until they are out.
            await self._set_state(wish, RoomState.PENDING)
        for user_id in sorted(strangers):
            if (room_id, user_id) in self._removed:
                continue  # removed moments ago; sync has not shown it yet
            result = await self.ops.remove(room_id, user_id, REMOVAL_REASON)
            if not result.ok:
                log.error("removing someone from a managed room failed (%s)", result.error)
                complete = False
                continue
            self._removed[(room_id, user_id)] = now
            self.removed += 1
            if user_id in wish.invited:
                log.info("removed a member who no longer belongs in a managed room")
                async with self.db.transaction() as unit:
                    row = await unit.rooms.by_id(wish.id)
                    if row is not None:
                        await unit.rooms.set_invited(wish.id, split_ids(row.invited) - {user_id})
            else:
                log.warning("removed %s: in a managed room uninvited", pseudonym(user_id))
                await self.report_intruder(wish.key, user_id)
        return complete

    async def _keep_secure(self, wish: Wish, room_id: str) -> bool:
        """Put back the room's security state (power levels, join rules, history, guests,
        encryption) when someone changed it, and report it; False while it differs."""
        drift = await self.ops.drift(room_id)
        now = asyncio.get_running_loop().time()
        self._drifts = {k: t for k, t in self._drifts.items() if now - t < REMOVED_MEMORY_SECONDS}
        if not drift:
            return True
        if wish.state is RoomState.READY:
            await self._set_state(wish, RoomState.PENDING)  # hold its messages meanwhile
        if (room_id, drift) in self._drifts:
            return False  # restored moments ago; sync has not shown it yet
        result = await self.ops.restore(room_id, drift)
        self._drifts[(room_id, drift)] = now
        if result.ok:
            self.restored += 1
            log.warning("restored a managed room's security state (%s)", ", ".join(drift.changed)
                        or "power")  # fmt: skip
        else:
            log.error("cannot restore a managed room's security state (%s)", result.error)
        await self.report_security(wish.key, drift, result.ok)
        return False

    async def _invite_missing(self, wish: Wish, room_id: str, present: frozenset[str]) -> bool:
        """Invite who belongs but was never invited; True when anyone was."""
        done: set[str] = set()
        for user_id in sorted(wish.members - present - wish.invited):
            result = await self.ops.invite(room_id, user_id)
            if result.ok:
                self._awaiting[(room_id, user_id)] = asyncio.get_running_loop().time()
            if result.ok or result.permanent:
                if not result.ok:
                    # E.g. the account no longer exists: do not try for ever; the log says so.
                    log.error("inviting %s failed for good (%s)", pseudonym(user_id), result.error)
                done.add(user_id)
            else:
                log.warning("inviting into a managed room failed (%s); retrying", result.error)
        if done:
            async with self.db.transaction() as unit:
                row = await unit.rooms.by_id(wish.id)
                if row is not None:
                    await unit.rooms.set_invited(wish.id, split_ids(row.invited) | done)
        return bool(done)

    async def _keep_state(self, wish: Wish, room_id: str) -> bool:
        changes: list[tuple[str, dict[str, str], str | None, str | None]] = []
        if wish.name != wish.applied_name:
            changes.append(("m.room.name", {"name": wish.name}, wish.name, None))
        if wish.topic != wish.applied_topic:
            changes.append(("m.room.topic", {"topic": wish.topic}, None, wish.topic))
        complete = True
        for event_type, content, name, topic in changes:
            result = await self.ops.set_state(room_id, event_type, content)
            if not result.ok:
                complete = False
                await self._record_error(wish, result.error)
                continue
            async with self.db.transaction() as unit:
                await unit.rooms.record_applied(wish.id, name, topic)
        return complete

    async def _record_error(self, wish: Wish, error: str) -> None:
        async with self.db.transaction() as unit:
            await unit.rooms.record_error(wish.id, error)
