"""The outbox sender's rules, with a scripted fake in place of Matrix."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.outbox import Delivery, Message, OutboxSender, SendOutcome
from handlers.messages import Outgoing, text_notice
from handlers.outbox import queue
from scheduler.clock import FrozenClock
from storage.db import Database
from storage.outbox import OutboxRepository
from storage.unit import Unit
from tests.databases import stored_bytes

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


class Reports(list[tuple[str, str]]):
    """Collects the failure reports the sender makes: (room, error code)."""

    async def __call__(self, room: str, error: str) -> None:
        self.append((room, error))


class Handling:
    """Stands in for the transport: whether it has other events in hand."""

    def __init__(self, busy: Callable[[], bool]) -> None:
        self.busy = busy

    def handling_others(self) -> bool:
        return self.busy()

    def on_all_handled(self, listener: Callable[[], None]) -> None:
        pass  # the tests call send_gathered themselves


async def no_failure_expected(room: str, error: str) -> None:
    raise AssertionError("no failure expected")


class FakeMatrix:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.script: dict[str, list[SendOutcome]] = {}

    async def send_notice(
        self,
        room_id: str,
        message: Message,
        tx_id: str,
        sensitive: bool,
        audience: frozenset[str] | None = None,
    ) -> SendOutcome:
        planned = self.script.get(message.notice.plain)
        outcome = planned.pop(0) if planned else SendOutcome(Delivery.SENT)
        if outcome.delivery is Delivery.SENT:
            self.sent.append((room_id, message.notice.plain, tx_id))
        return outcome


async def add(db: Database, room: str, text: str, **kwargs: object) -> None:
    async with db.session() as session, session.begin():
        await Unit(session).outbox.add(room, text, text, NOW, **kwargs)  # type: ignore[arg-type]


async def run_until(
    sender: OutboxSender, condition: Callable[[], bool], clock: FrozenClock
) -> None:
    """Run the sender, moving the clock a second at a time, until ``condition`` holds."""
    task = asyncio.create_task(sender.run())
    try:
        for _ in range(200):
            if condition():
                return
            clock.advance(timedelta(seconds=1))
            sender.wake()
            await asyncio.sleep(0.01)
        pytest.fail("condition not reached")
    finally:
        # As the application stops it: deliveries under way finish their bookkeeping.
        sender.stop()
        await sender.drain(5)
        await task


async def test_each_room_keeps_its_order_and_retries_in_place(db: Database) -> None:
    matrix = FakeMatrix()
    matrix.script["a1"] = [SendOutcome(Delivery.RETRY, "http_502")]
    clock = FrozenClock(NOW)
    reports = Reports()
    sender = OutboxSender(db, matrix, clock, reports)
    for text in ("a1", "a2", "a3"):
        await add(db, "!a", text)
    await add(db, "!b", "b1")
    await run_until(sender, lambda: len(matrix.sent) == 4, clock)
    assert [text for room, text, _ in matrix.sent if room == "!a"] == ["a1", "a2", "a3"]
    assert sender.retries == 1
    assert reports == []
    async with db.session() as session:
        assert await Unit(session).outbox.count() == 0


async def test_a_retry_reuses_the_transaction_id(db: Database) -> None:
    matrix = FakeMatrix()
    matrix.script["x"] = [SendOutcome(Delivery.RETRY, "M_UNKNOWN_ERR")]
    tx_ids: list[str] = []
    original = matrix.send_notice

    async def spy(
        room_id: str,
        message: Message,
        tx_id: str,
        sensitive: bool,
        audience: frozenset[str] | None = None,
    ) -> SendOutcome:
        tx_ids.append(tx_id)
        return await original(room_id, message, tx_id, sensitive, audience)

    matrix.send_notice = spy  # type: ignore[method-assign]
    clock = FrozenClock(NOW)

    sender = OutboxSender(db, matrix, clock, no_failure_expected)
    await add(db, "!a", "x")
    await run_until(sender, lambda: len(matrix.sent) == 1, clock)
    assert len(tx_ids) == 2
    assert tx_ids[0] == tx_ids[1]


async def test_permanent_failure_is_kept_without_text_and_reported(db: Database) -> None:
    matrix = FakeMatrix()
    matrix.script["geheim"] = [SendOutcome(Delivery.FAILED, "M_FORBIDDEN")]
    clock = FrozenClock(NOW)
    reports = Reports()
    sender = OutboxSender(db, matrix, clock, reports)
    await add(db, "!a", "geheim")
    await add(db, "!a", "daarna")
    await run_until(sender, lambda: len(matrix.sent) == 1, clock)
    assert reports == [("!a", "M_FORBIDDEN")]
    assert [text for _, text, _ in matrix.sent] == ["daarna"]
    async with db.session() as session:
        assert await Unit(session).outbox.count("failed") == 1
    # The text is gone from the file itself, including free pages and the write-ahead log
    # (on PostgreSQL: from every row).
    assert b"geheim" not in await stored_bytes(db.url)


async def test_held_message_does_not_block_its_room(db: Database) -> None:
    matrix = FakeMatrix()
    clock = FrozenClock(NOW)

    async with db.session() as session, session.begin():
        identities = Unit(session).identities
        await identities.remember("@p:x.nl", "KEY1", NOW)
        known = await identities.get("@p:x.nl")
        assert known is not None
        await identities.mark_changed(known, "KEY2", NOW)
    sender = OutboxSender(db, matrix, clock, no_failure_expected)
    await add(db, "!dm", "casusgegevens", sensitive=True, audience={"@p:x.nl"})
    await add(db, "!dm", "je bent gepauzeerd")
    await run_until(sender, lambda: len(matrix.sent) == 1, clock)
    assert [text for _, text, _ in matrix.sent] == ["je bent gepauzeerd"]
    async with db.session() as session:
        assert await Unit(session).outbox.count("held") == 1


async def test_a_deferred_message_does_not_hold_up_its_room(db: Database) -> None:
    matrix = FakeMatrix()
    clock = FrozenClock(NOW)

    sender = OutboxSender(db, matrix, clock, no_failure_expected)
    async with db.session() as session, session.begin():
        await Unit(session).outbox.add(
            "!regie", "agenda", "agenda", NOW, not_before=NOW + timedelta(hours=20)
        )
    await add(db, "!regie", "welkom")
    await run_until(sender, lambda: len(matrix.sent) == 1, clock)
    assert [text for _, text, _ in matrix.sent] == ["welkom"]
    clock.advance(timedelta(hours=20))
    later = OutboxSender(db, matrix, clock, no_failure_expected)  # e.g. the bot the next morning
    await run_until(later, lambda: len(matrix.sent) == 2, clock)
    assert [text for _, text, _ in matrix.sent] == ["welkom", "agenda"]


async def eventually(condition: Callable[[], bool], seconds: float = 5) -> None:
    for _ in range(int(seconds * 100)):
        if condition():
            return
        await asyncio.sleep(0.01)
    pytest.fail("condition not reached")


async def hand(db: Database, sender: OutboxSender, *items: tuple[str, str]) -> None:
    """As the router does: queue replies in a unit of work, hand them over after it."""
    async with db.transaction() as unit:
        handed = await queue(unit, [Outgoing(room, text_notice(text)) for room, text in items], NOW)
    sender.hand_over(handed)


async def test_handed_over_replies_go_out_in_order_once_and_are_recorded(db: Database) -> None:
    matrix = FakeMatrix()
    clock = FrozenClock(NOW)
    sender = OutboxSender(db, matrix, clock, no_failure_expected)
    task = asyncio.create_task(sender.run())
    try:
        await hand(db, sender, ("!a", "vraag 1"), ("!b", "welkom"))
        await hand(db, sender, ("!a", "vraag 2"))
        await eventually(lambda: len(matrix.sent) == 3)
    finally:
        sender.stop()
        await sender.drain(5)
        await task
    assert [text for room, text, _ in matrix.sent if room == "!a"] == ["vraag 1", "vraag 2"]
    assert len(matrix.sent) == 3
    async with db.session() as session:  # recorded as delivered: nothing left to send
        assert await Unit(session).outbox.count() == 0


async def test_replies_handed_over_while_others_are_handled_leave_together(
    db: Database,
) -> None:
    # The bot is still handling other members' messages: the first replies wait for theirs.
    matrix = FakeMatrix()
    busy = [True]
    sender = OutboxSender(
        db, matrix, FrozenClock(NOW), no_failure_expected,
        activity=Handling(lambda: busy[0]), gather_seconds=30,
    )  # fmt: skip
    task = asyncio.create_task(sender.run())
    try:
        await hand(db, sender, ("!a", "vraag 1"))
        await hand(db, sender, ("!b", "welkom"))
        await asyncio.sleep(0.3)
        assert matrix.sent == []  # held, not lost: the last handler is still at work
        busy[0] = False
        await hand(db, sender, ("!c", "vraag 1"))  # the last one sends them all
        await eventually(lambda: len(matrix.sent) == 3, seconds=1)
    finally:
        sender.stop()
        await sender.drain(5)
        await task
    assert sorted(room for room, _, _ in matrix.sent) == ["!a", "!b", "!c"]


async def test_a_gathered_reply_goes_when_the_bot_is_done_or_the_wait_is_over(
    db: Database,
) -> None:
    matrix = FakeMatrix()
    sender = OutboxSender(
        db, matrix, FrozenClock(NOW), no_failure_expected,
        activity=Handling(lambda: True), gather_seconds=30,
    )  # fmt: skip
    task = asyncio.create_task(sender.run())
    try:
        await hand(db, sender, ("!a", "vraag 1"))
        await asyncio.sleep(0.2)
        assert matrix.sent == []
        sender.send_gathered()  # the transport: every event in hand was handled
        await eventually(lambda: len(matrix.sent) == 1, seconds=1)
        # An event that is never done (a room key that does not come) holds no reply long.
        sender.gather_seconds = 0.2
        await hand(db, sender, ("!a", "vraag 2"))
        await eventually(lambda: len(matrix.sent) == 2, seconds=2)
    finally:
        sender.stop()
        await sender.drain(5)
        await task
    assert [text for _, text, _ in matrix.sent] == ["vraag 1", "vraag 2"]


async def test_an_older_message_in_the_outbox_goes_before_one_handed_over(db: Database) -> None:
    # E.g. the command line queued one for the same room a moment earlier.
    matrix = FakeMatrix()
    clock = FrozenClock(NOW)
    sender = OutboxSender(db, matrix, clock, no_failure_expected)
    await add(db, "!a", "van de beheerder")
    await hand(db, sender, ("!a", "antwoord"))
    await run_until(sender, lambda: len(matrix.sent) == 2, clock)
    assert [text for _, text, _ in matrix.sent] == ["van de beheerder", "antwoord"]


async def test_a_retry_holds_up_what_is_handed_over_after_it(db: Database) -> None:
    matrix = FakeMatrix()
    matrix.script["vraag 1"] = [SendOutcome(Delivery.RETRY, "http_502")] * 2
    clock = FrozenClock(NOW)
    sender = OutboxSender(db, matrix, clock, no_failure_expected)
    task = asyncio.create_task(sender.run())
    try:
        await hand(db, sender, ("!a", "vraag 1"))
        await eventually(lambda: sender.retries == 1)
        await hand(db, sender, ("!a", "vraag 2"))
        await asyncio.sleep(0.2)
        assert matrix.sent == []  # not past the message that waits for its retry
    finally:
        sender.stop()
        await sender.drain(5)
        await task
    restarted = OutboxSender(db, matrix, clock, no_failure_expected)
    await run_until(restarted, lambda: len(matrix.sent) == 2, clock)
    assert [text for _, text, _ in matrix.sent] == ["vraag 1", "vraag 2"]


async def test_a_reply_for_a_paused_member_is_held_when_queued(db: Database) -> None:
    matrix = FakeMatrix()
    clock = FrozenClock(NOW)
    async with db.transaction() as unit:
        identities = unit.identities
        await identities.remember("@p:x.nl", "KEY1", NOW)
        known = await identities.get("@p:x.nl")
        assert known is not None
        await identities.mark_changed(known, "KEY2", NOW)
        handed = await queue(unit, [
            Outgoing("!dm", text_notice("casusgegevens"), sensitive=True,
                     audience=frozenset({"@p:x.nl"}), reference="ZVH-2026-0001"),
            Outgoing("!dm", text_notice("je bent gepauzeerd")),
        ], NOW)  # fmt: skip
    assert [m.plain for m in handed] == ["je bent gepauzeerd"]
    sender = OutboxSender(db, matrix, clock, no_failure_expected)
    sender.hand_over(handed)
    await run_until(sender, lambda: len(matrix.sent) == 1, clock)
    assert [text for _, text, _ in matrix.sent] == ["je bent gepauzeerd"]
    async with db.session() as session:
        assert await Unit(session).outbox.count("held") == 1


async def test_a_reply_handed_over_while_the_outbox_is_read_goes_out_at_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    matrix = FakeMatrix()
    clock = FrozenClock(NOW)
    sender = OutboxSender(db, matrix, clock, no_failure_expected)
    original = OutboxRepository.rooms_with_pending
    racing = [("!a", "antwoord")]

    async def meanwhile(self: OutboxRepository, now: datetime) -> set[str]:
        rooms = await original(self, now)
        if racing:  # the router commits a reply between the pass's queries
            await hand(db, sender, racing.pop())
        return rooms

    monkeypatch.setattr(OutboxRepository, "rooms_with_pending", meanwhile)
    task = asyncio.create_task(sender.run())
    try:
        await eventually(lambda: len(matrix.sent) == 1, seconds=2)  # not at the next pass (5 s)
    finally:
        sender.stop()
        await sender.drain(5)
        await task
    assert [text for _, text, _ in matrix.sent] == ["antwoord"]


async def test_a_reply_queued_while_a_delivery_is_recorded_goes_out_once(db: Database) -> None:
    # Seen under load on a real Synapse: the sender read the outbox while the record of a
    # delivery rode along with another unit of work that had not committed, sent that
    # message again, and its second record then deleted the next reply (same id) unsent.
    db.deferred.delay = 60  # the delivery's record waits for the next unit of work
    matrix = FakeMatrix()
    clock = FrozenClock(NOW)
    sender = OutboxSender(db, matrix, clock, no_failure_expected)
    task = asyncio.create_task(sender.run())
    try:
        await hand(db, sender, ("!a", "vraag 1"))
        await eventually(lambda: len(matrix.sent) == 1)
        await asyncio.sleep(0.05)
        async with db.transaction() as unit:  # the next message: takes the record along
            sender.wake()  # meanwhile the sender reads the outbox (a job queued something)
            await asyncio.sleep(0.2)
            handed = await queue(unit, [Outgoing("!a", text_notice("vraag 2"))], NOW)
        sender.hand_over(handed)
        await eventually(lambda: len(matrix.sent) >= 2)
        await asyncio.sleep(0.2)  # time for a duplicate to show
    finally:
        sender.stop()
        await sender.drain(5)
        await task
    assert [text for _, text, _ in matrix.sent] == ["vraag 1", "vraag 2"]
    async with db.session() as session:
        assert await Unit(session).outbox.count() == 0


async def test_a_sent_message_never_lends_its_id_to_the_next(db: Database) -> None:
    # The sender refers to a message by id after it was sent and deleted (a late record);
    # that must never reach a newer message.
    await add(db, "!a", "eerste")
    async with db.session() as session:
        [first] = await Unit(session).outbox.due_heads(NOW, exclude_rooms=())
    async with db.transaction() as unit:
        await unit.outbox.mark_sent_all([first.id])
    await add(db, "!a", "tweede")
    async with db.transaction() as unit:
        outbox = unit.outbox
        [second] = await outbox.due_heads(NOW, exclude_rooms=())
        assert second.id > first.id
        await outbox.mark_sent_all([first.id])  # the first one's record, once more
    async with db.session() as session:
        assert [m.plain for m in await Unit(session).outbox.due_heads(NOW, ())] == ["tweede"]
