"""The room manager makes the homeserver match the wish, against a fake homeserver."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.matrix.managed import Drift, Result
from bot.room_manager import RoomManager
from scheduler.clock import FrozenClock
from storage.db import Database
from storage.unit import Unit

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
KEY = "casus:ZVH-2026-0001"


@dataclass
class FakeHomeserver:
    """Rooms and who is in them; invites show up only after a 'sync'."""

    rooms: dict[str, set[str]] = field(default_factory=dict)
    pending_invites: dict[str, set[str]] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    state: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    marked: dict[str, str] = field(default_factory=dict)
    lose_create_response: bool = False
    redacted: list[str] = field(default_factory=list)
    bot_left: dict[str, bool] = field(default_factory=dict)
    drifts: dict[str, Drift] = field(default_factory=dict)
    forgotten: list[str] = field(default_factory=list)
    restores: list[tuple[str, Drift]] = field(default_factory=list)

    async def create(self, key: str, name: str, topic: str) -> tuple[str | None, Result]:
        room_id = f"!room{len(self.created)}"
        self.created.append(room_id)
        self.rooms[room_id] = set()
        self.marked[key] = room_id
        if self.lose_create_response:  # created, but the bot crashed before hearing so
            self.lose_create_response = False
            raise ConnectionError("lost")
        return room_id, Result(True)

    async def find_marked(self, key: str) -> str | None:
        return self.marked.get(key)

    def known(self, room_id: str) -> bool:
        return room_id in self.rooms

    def present(self, room_id: str) -> frozenset[str]:
        return frozenset(self.rooms.get(room_id, set()))

    async def invite(self, room_id: str, user_id: str) -> Result:
        self.pending_invites.setdefault(room_id, set()).add(user_id)
        return Result(True)

    async def remove(self, room_id: str, user_id: str, reason: str) -> Result:
        self.rooms[room_id].discard(user_id)
        self.removed.append((room_id, user_id))
        return Result(True)

    async def set_state(self, room_id: str, event_type: str, content: dict[str, str]) -> Result:
        self.state[(room_id, event_type)] = content
        return Result(True)

    async def drift(self, room_id: str) -> Drift:
        return self.drifts.get(room_id, Drift())

    async def restore(self, room_id: str, drift: Drift) -> Result:
        self.restores.append((room_id, drift))
        return Result(True)

    async def redact(self, room_id: str, event_id: str, reason: str) -> Result:
        if room_id not in self.rooms or self.bot_left.get(room_id):
            return Result(False, "M_FORBIDDEN")
        self.redacted.append(event_id)
        return Result(True)

    async def leave(self, room_id: str) -> Result:
        self.bot_left[room_id] = True
        return Result(True)

    async def purge(self, room_id: str) -> Result:
        return Result(False, "M_FORBIDDEN")  # the bot is no homeserver admin here

    async def forget(self, room_id: str) -> int:
        self.forgotten.append(room_id)
        return 0

    def sync(self) -> None:
        for room_id, users in self.pending_invites.items():
            self.rooms[room_id] |= users
        self.pending_invites.clear()


@dataclass
class Harness:
    db: Database
    server: FakeHomeserver
    manager: RoomManager
    reported: list[tuple[str, str]]

    async def want(self, members: set[str], name: str = "Casusoverleg ZVH-2026-0001") -> None:
        async with self.db.transaction() as unit:
            await unit.rooms.want(KEY, name, "topic", members, NOW)

    async def state(self) -> str:
        async with self.db.session() as session:
            room = await Unit(session).rooms.get(KEY)
            assert room is not None
            return room.state


def harness(db: Database) -> Harness:
    server = FakeHomeserver()
    reported: list[tuple[str, str]] = []

    async def report(key: str, user: str) -> None:
        reported.append((key, user))

    async def security(key: str, drift: Drift, restored: bool) -> None:
        reported.append((key, f"security:{','.join(drift.raised + drift.changed)}:{restored}"))

    manager = RoomManager(db, server, FrozenClock(NOW), report, security, lambda: None)
    return Harness(db, server, manager, reported)


async def queued_targets(db: Database) -> list[str]:
    async with db.session() as session:
        return [m.target for m in await Unit(session).outbox.due_heads(NOW, [])]


async def test_messages_wait_until_everyone_is_invited_and_visible(db: Database) -> None:
    h = harness(db)
    await h.want({"@a:x", "@b:x"})
    async with db.transaction() as unit:
        await unit.outbox.add(KEY, "uitnodiging", "uitnodiging", NOW)
    assert await queued_targets(db) == [], "no room yet"
    await h.manager.reconcile_all()
    assert h.server.created == ["!room0"]
    assert h.server.pending_invites == {"!room0": {"@a:x", "@b:x"}}
    await h.manager.reconcile_all()
    assert await h.state() == "pending", "invited, but not yet seen in the room state"
    assert await queued_targets(db) == []
    h.server.sync()
    await h.manager.reconcile_all()
    assert await h.state() == "ready"
    assert await queued_targets(db) == ["!room0"]
    assert h.server.created == ["!room0"], "created once"
    assert h.server.pending_invites == {}, "nobody invited twice"


async def test_a_stranger_is_removed_and_reported_a_revoked_member_only_removed(
    db: Database,
) -> None:
    h = harness(db)
    await h.want({"@a:x", "@b:x"})
    await h.manager.reconcile_all()
    h.server.sync()
    await h.manager.reconcile_all()
    assert await h.state() == "ready"
    h.server.rooms["!room0"].add("@stranger:x")
    async with db.transaction() as unit:
        await unit.outbox.add(KEY, "verslag", "verslag", NOW)
    await h.manager.reconcile_all()
    assert await queued_targets(db) == [], "held while a stranger is in the room"
    await h.want({"@a:x"})  # @b:x lost access (e.g. removed as a member)
    await h.manager.reconcile_all()
    assert sorted(h.server.removed) == [("!room0", "@b:x"), ("!room0", "@stranger:x")]
    assert h.reported == [(KEY, "@stranger:x")]
    await h.manager.reconcile_all()
    assert h.reported == [(KEY, "@stranger:x")], "reported once"
    assert await h.state() == "ready"
    assert await queued_targets(db) == ["!room0"]


async def test_a_room_created_just_before_a_crash_is_found_not_doubled(db: Database) -> None:
    h = harness(db)
    await h.want({"@a:x"})
    h.server.lose_create_response = True
    await h.manager.reconcile_all()  # the error is logged; the attempt was recorded first
    await h.manager.reconcile_all()
    assert h.server.created == ["!room0"]
    assert h.server.pending_invites == {"!room0": {"@a:x"}}


async def test_a_new_name_is_applied(db: Database) -> None:
    h = harness(db)
    await h.want({"@a:x"})
    await h.manager.reconcile_all()
    h.server.sync()
    await h.want({"@a:x"}, name="Casusoverleg ZVH-2026-0001 — geannuleerd")
    assert await h.state() == "pending"
    await h.manager.reconcile_all()
    assert h.server.state[("!room0", "m.room.name")] == {
        "name": "Casusoverleg ZVH-2026-0001 — geannuleerd"
    }
    assert await h.state() == "ready"


async def test_a_closing_room_is_redacted_first_then_emptied_and_left(db: Database) -> None:
    h = harness(db)
    await h.want({"@a:x", "@b:x"})
    await h.manager.reconcile_all()
    h.server.sync()
    await h.manager.reconcile_all()
    async with db.transaction() as unit:
        sent = unit.sent
        await sent.add("ZVH-2026-0001", "!room0", "$uitnodiging", NOW)
        await sent.add("ZVH-2026-0001", "!elsewhere", "$verzoek", NOW)  # the bot left it
        await sent.request_redaction("ZVH-2026-0001")
        assert await unit.rooms.close(KEY, NOW)
    await h.manager.reconcile_all()
    assert h.server.redacted == ["$uitnodiging"], "redacted while the bot was still in"
    assert sorted(u for r, u in h.server.removed if r == "!room0") == ["@a:x", "@b:x"]
    assert h.server.bot_left == {"!room0": True}
    assert h.server.forgotten == ["!room0"], "its keys forgotten after leaving"
    async with db.session() as session:
        assert await Unit(session).rooms.get(KEY) is None
        assert await Unit(session).sent.to_redact() == []
    await h.manager.reconcile_all()
    assert h.server.redacted == ["$uitnodiging"], "once"


async def test_a_changed_security_state_is_put_back_reported_once_and_holds_messages(
    db: Database,
) -> None:
    h = harness(db)
    await h.want({"@a:x"})
    await h.manager.reconcile_all()
    h.server.sync()
    await h.manager.reconcile_all()
    assert await h.state() == "ready"
    # A homeserver admin gave @a:x power and opened the room's history.
    drift = Drift(raised=("@a:x",), changed=("m.room.history_visibility",))
    h.server.drifts["!room0"] = drift
    async with db.transaction() as unit:
        await unit.outbox.add(KEY, "verslag", "verslag", NOW)
    await h.manager.reconcile_all()
    assert h.server.restores == [("!room0", drift)]
    assert h.reported == [(KEY, "security:@a:x,m.room.history_visibility:True")]
    assert await queued_targets(db) == [], "held until the room is as it was"
    await h.manager.reconcile_all()  # sync has not shown the restore yet
    assert len(h.server.restores) == 1, "not put back twice"
    assert len(h.reported) == 1, "reported once"
    del h.server.drifts["!room0"]  # sync shows it restored
    await h.manager.reconcile_all()
    assert await h.state() == "ready"
    assert await queued_targets(db) == ["!room0"]
