"""E2EE transport hardening on a real Synapse: cross-signing, exactly-once, self-healing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from nio import ShareGroupSessionResponse

from bot.matrix import raw
from bot.matrix.cross_signing import KEY_FILE, only_key, verify
from bot.matrix.login import FatalTransportError
from demo.devserver import LocalSynapse, RateLimits
from demo.scripted import ScriptedMember
from handlers.texts import UNDECRYPTABLE
from storage.outbox import OutboxRepository
from storage.unit import Unit
from tests.conftest import PASSWORD, BotHarness, MemberFactory, unique_localpart
from tests.databases import Databases
from tests.helpers import open_dm

pytestmark = pytest.mark.integration


async def keys_seen_by(observer: ScriptedMember, user_id: str) -> dict[str, Any]:
    return await raw.request(observer.client, "POST", "/keys/query", {"device_keys": {user_id: []}})


def assert_cross_signed(keys: dict[str, Any], user_id: str, device_id: str) -> str:
    """Check as another user would: device ← self-signing key ← master key. Returns master."""
    master = only_key(keys["master_keys"][user_id])
    assert master is not None
    self_signing = keys["self_signing_keys"][user_id]
    assert verify(self_signing, user_id, master), "self-signing key not signed by the master key"
    ssk = only_key(self_signing)
    assert ssk is not None
    device = keys["device_keys"][user_id][device_id]
    assert verify(device, user_id, ssk), "device not signed by the self-signing key"
    return master


async def test_bot_device_is_cross_signed_and_repaired_after_key_loss(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    observer = await member_factory("observer")
    app = await bot.start()
    device = app.transport.device_id
    first_master = assert_cross_signed(
        await keys_seen_by(observer, bot.user_id), bot.user_id, device
    )
    await bot.stop()

    # A restart with the keys in place changes nothing on the server.
    app = await bot.start()
    assert (
        assert_cross_signed(await keys_seen_by(observer, bot.user_id), bot.user_id, device)
        == first_master
    )
    await bot.stop()

    # The private keys are lost. The bot does not quietly make new ones (members would see
    # its identity change): it asks for the recovery key (tests/test_recovery_matrix.py).
    # Told to make a new identity, it does (replacing the keys needs the password through
    # user-interactive auth), and signs its device again.
    (bot.directory / "crypto" / KEY_FILE).unlink()
    with pytest.raises(FatalTransportError, match="CASUSBOT_RECOVERY_KEY"):
        await bot.start()
    assert (
        assert_cross_signed(await keys_seen_by(observer, bot.user_id), bot.user_id, device)
        == first_master
    )
    bot.extra_config = {"matrix": {"new_identity": True}}
    await bot.start()
    new_master = assert_cross_signed(await keys_seen_by(observer, bot.user_id), bot.user_id, device)
    assert new_master != first_master


async def test_cross_signing_keys_are_stored_encrypted(bot: BotHarness) -> None:
    await bot.start()
    stored = (bot.directory / "crypto" / KEY_FILE).read_text()
    assert "ciphertext" in stored
    assert oct((bot.directory / "crypto" / KEY_FILE).stat().st_mode & 0o777) == "0o600"


async def test_reply_sent_but_not_marked_is_not_posted_twice_after_a_crash(
    bot: BotHarness, member_factory: MemberFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    partner = await member_factory("veiligthuis")
    await bot.seed({partner.user_id: ("vt", "partner")})
    await bot.start()
    room_id = await open_dm(partner, bot)

    # Crash right after the homeserver accepted the reply, before the outbox row was removed.
    crashed = asyncio.Event()
    original = OutboxRepository.mark_sent_all

    async def crash(self: OutboxRepository, message_ids: Sequence[int]) -> None:
        crashed.set()
        raise RuntimeError("simulated crash after sending")

    monkeypatch.setattr(OutboxRepository, "mark_sent_all", crash)
    before = len(partner.messages_from(bot.user_id, room_id))
    await partner.send(room_id, "wie ben ik")
    await asyncio.wait_for(crashed.wait(), 30)
    await bot.stop()
    monkeypatch.setattr(OutboxRepository, "mark_sent_all", original)

    # On restart the message is still in the outbox and is sent again with the same
    # transaction id: the homeserver recognises it, the member sees it once.
    app = await bot.start()
    await partner.wait_for_text(bot.user_id, room_id, "Je bent")
    await asyncio.sleep(2)
    replies = partner.messages_from(bot.user_id, room_id)[before:]
    assert [r.body for r in replies].count(replies[0].body) == 1
    assert len(replies) == 1
    async with app.db.session() as session:
        assert await Unit(session).outbox.count() == 0


async def test_reply_committed_but_not_sent_arrives_after_restart(
    bot: BotHarness, member_factory: MemberFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    partner = await member_factory("rvdk")
    await bot.seed({partner.user_id: ("rvdk", "partner")})
    app = await bot.start()
    room_id = await open_dm(partner, bot)
    # The bot goes down between handling the message and sending the reply.
    queued = asyncio.Event()
    monkeypatch.setattr(app.outbox, "wake", queued.set)
    monkeypatch.setattr(app.outbox, "hand_over", lambda _handed, _more=False: queued.set())
    before = len(partner.messages_from(bot.user_id, room_id))
    app.outbox.stop()
    await partner.send(room_id, "wie ben ik")
    await asyncio.wait_for(queued.wait(), 30)
    await bot.stop()
    assert len(partner.messages_from(bot.user_id, room_id)) == before

    await bot.start()
    reply = await partner.next_message(bot.user_id, room_id, before)
    assert "rvdk" in reply.body
    await asyncio.sleep(1)
    assert len(partner.messages_from(bot.user_id, room_id)) == before + 1


class HeldRoomKeys:
    """Holds back the member client's room-key messages (to-device), to deliver them late."""

    def __init__(self, member: ScriptedMember) -> None:
        self.client = member.client
        self.original = member.client._send
        self.held: list[tuple[str, str, Any, Any]] = []

    async def _holding_send(
        self,
        response_class: Any,
        method: str,
        path: str,
        data: Any = None,
        response_data: Any = None,
        **kwargs: Any,
    ) -> Any:
        if response_class is ShareGroupSessionResponse:
            self.held.append((method, path, data, response_data))
            return ShareGroupSessionResponse(*response_data)
        return await self.original(response_class, method, path, data, response_data, **kwargs)

    async def send_without_key(self, room_id: str, text: str) -> None:
        self.client.olm.create_outbound_group_session(room_id)  # a fresh, unshared session
        self.client._send = self._holding_send
        try:
            await ScriptedMember.send(_member_of(self.client), room_id, text)
        finally:
            self.client._send = self.original
        assert self.held, "the key share was not held back"

    async def release(self) -> None:
        for method, path, data, response_data in self.held:
            await self.original(ShareGroupSessionResponse, method, path, data, response_data)


_members: dict[int, ScriptedMember] = {}


def _member_of(client: Any) -> ScriptedMember:
    return _members[id(client)]


async def test_late_room_key_is_waited_for(bot: BotHarness, member_factory: MemberFactory) -> None:
    partner = await member_factory("om")
    _members[id(partner.client)] = partner
    await bot.seed({partner.user_id: ("om", "partner")})
    app = await bot.start()
    room_id = await open_dm(partner, bot)

    keys = HeldRoomKeys(partner)
    await keys.send_without_key(room_id, "wie ben ik")
    await asyncio.sleep(2)
    assert app.transport.undecryptable_events == 1
    await keys.release()  # the key arrives a few seconds after the message

    reply = await partner.wait_for_text(bot.user_id, room_id, "Je bent")
    assert "om" in reply.body
    assert not [m for m in partner.messages_from(bot.user_id, room_id) if "ontsleutelen" in m.body]


async def test_message_whose_key_never_arrives_gets_a_resend_request(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    partner = await member_factory("dji")
    _members[id(partner.client)] = partner
    bot.extra_config = {"matrix": {"key_grace_seconds": 3}}
    await bot.seed({partner.user_id: ("dji", "partner")})
    await bot.start()
    room_id = await open_dm(partner, bot)

    await HeldRoomKeys(partner).send_without_key(room_id, "hulp")

    notice = await partner.wait_for_text(bot.user_id, room_id, "niet ontsleutelen", timeout=20)
    assert notice.encrypted
    # The member resends from a session whose key does reach the bot, and is understood.
    partner.client.olm.create_outbound_group_session(room_id)
    reply = await partner.ask(room_id, bot.user_id, "wie ben ik")
    assert "dji" in reply.body


@pytest.fixture
async def own_synapse(tmp_path: Path) -> AsyncIterator[LocalSynapse]:
    """A Synapse of this test alone, to kill or throttle without disturbing the others."""
    server = LocalSynapse(
        tmp_path / "own-synapse",
        limits=RateLimits(message_per_second=1, message_burst=2),
    )
    await asyncio.to_thread(server.start)
    yield server
    await asyncio.to_thread(server.stop)


async def make_pair(
    server: LocalSynapse, tmp_path: Path, databases: Databases
) -> tuple[BotHarness, ScriptedMember]:
    bot = BotHarness(
        synapse=server,
        directory=tmp_path / "bot",
        user_id=server.register(unique_localpart("bot"), PASSWORD),
        database_url=databases.url("casusbot"),
    )
    member_id = server.register(unique_localpart("partner"), PASSWORD)
    member = ScriptedMember(server.url, member_id, PASSWORD, tmp_path / "member")
    await member.start()
    await bot.seed({member_id: ("politie", "partner")})
    await bot.start()
    return bot, member


async def test_rate_limited_replies_all_arrive_once(
    own_synapse: LocalSynapse, tmp_path: Path, databases: Databases
) -> None:
    bot, member = await make_pair(own_synapse, tmp_path, databases)
    try:
        room_id = await open_dm(member, bot)
        before = len(member.messages_from(bot.user_id, room_id))
        for n in range(6):
            await member.send(room_id, "wie ben ik" if n % 2 else "hulp")
        await member.wait_until(
            lambda: len(member.messages_from(bot.user_id, room_id)) >= before + 6, timeout=90
        )
        await asyncio.sleep(2)
        replies = member.messages_from(bot.user_id, room_id)[before:]
        assert len(replies) == 6
        assert ["Dit kun je" in r.body for r in replies] == [True, False] * 3
    finally:
        await member.close()
        await bot.stop()


async def test_conversation_survives_a_homeserver_crash(
    own_synapse: LocalSynapse, tmp_path: Path, databases: Databases
) -> None:
    bot, member = await make_pair(own_synapse, tmp_path, databases)
    try:
        room_id = await open_dm(member, bot)
        await member.ask(room_id, bot.user_id, "hulp")
        before = len(member.messages_from(bot.user_id, room_id))

        # The member asks, and the homeserver dies before (or while) the bot answers.
        await member.send(room_id, "wie ben ik")
        await asyncio.to_thread(own_synapse.kill)
        await asyncio.sleep(3)
        await asyncio.to_thread(own_synapse.start)

        await member.wait_until(
            lambda: len(member.messages_from(bot.user_id, room_id)) >= before + 1, timeout=90
        )
        reply = await member.ask(room_id, bot.user_id, "hulp", timeout=60)
        assert "Dit kun je" in reply.body
        replies = member.messages_from(bot.user_id, room_id)[before:]
        assert ["Je bent" in r.body and "Dit kun je" not in r.body for r in replies] == [
            True,
            False,
        ], "each question answered exactly once across the crash"
    finally:
        await member.close()
        await bot.stop()


async def test_partner_that_excludes_insecure_devices_can_still_talk_to_the_bot(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    strict = await member_factory("strikt")
    unsigned = await member_factory("ongetekend")  # a plain nio client: no cross-signing
    await bot.seed({strict.user_id: ("politie", "partner")})
    await bot.start()
    group = await strict.create_room(
        [bot.user_id, unsigned.user_id], direct=False, invitees_are_admins=True
    )
    await strict.wait_for_text(bot.user_id, group, "Typ hulp")
    await unsigned.client.join(group)
    await strict.wait_until(lambda: unsigned.user_id in strict.client.rooms[group].users)
    if strict.client.should_query_keys:
        await strict.client.keys_query()

    excluded = await strict.exclude_insecure_devices(group)
    assert excluded == {unsigned.client.device_id}, "the control: unsigned devices are excluded"
    reply = await strict.ask(group, bot.user_id, "!wie ben ik")
    assert "politie" in reply.body, "the bot's cross-signed device still gets the room key"
    await asyncio.sleep(1)
    assert unsigned.inbox.undecryptable >= 1, "the excluded device really got no key"


async def test_expired_access_token_is_renewed_on_the_same_device(
    tmp_path: Path, databases: Databases
) -> None:
    server = LocalSynapse(tmp_path / "short-sessions", extra_yaml="session_lifetime: 8s")
    await asyncio.to_thread(server.start)
    try:
        bot, member = await make_pair(server, tmp_path, databases)
        try:
            app = bot.running
            assert app is not None
            device = app.transport.device_id
            room_id = await open_dm(member, bot)
            await asyncio.sleep(10)  # the bot's first token has expired, and been renewed
            reply = await member.ask(room_id, bot.user_id, "wie ben ik", timeout=60)
            assert "politie" in reply.body
            assert app.transport.device_id == device
        finally:
            await member.close()
            await bot.stop()
    finally:
        await asyncio.to_thread(server.stop)


async def test_every_message_written_while_the_bot_was_down_is_answered(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    # More than one sync returns for a room (Synapse: 10 events): the rest is read back.
    partner = await member_factory("rvdk")
    await bot.seed({partner.user_id: ("rvdk", "partner")})
    await bot.start()
    room_id = await open_dm(partner, bot)
    await bot.stop()
    before = len(partner.messages_from(bot.user_id, room_id))
    questions = ["hulp" if n % 2 else "wie ben ik" for n in range(14)]
    for question in questions:
        await partner.send(room_id, question)

    app = await bot.start()
    await partner.wait_until(
        lambda: len(partner.messages_from(bot.user_id, room_id)) >= before + len(questions),
        timeout=90,
    )
    await asyncio.sleep(2)
    replies = partner.messages_from(bot.user_id, room_id)[before:]
    assert ["Dit kun je" in r.body for r in replies] == [q == "hulp" for q in questions]
    assert app.transport.sync_gaps_read >= 1  # as /metrics shows it


async def test_history_before_the_bot_joined_is_neither_read_back_nor_answered(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    # The join's sync is cut short by the room's history, but our join is in sight: what
    # was left out came before it, and no request reads it back.
    partner = await member_factory("ehist")
    await bot.seed({partner.user_id: ("ehist", "partner")})
    app = await bot.start()
    room_id = await partner.create_room([])
    for n in range(12):
        await partner.send(room_id, "hulp" if n % 2 else f"notitie {n}")
    invited = await partner.client.room_invite(room_id, bot.user_id)
    assert type(invited).__name__ == "RoomInviteResponse", invited
    await partner.wait_for_text(bot.user_id, room_id, "Typ hulp")
    await asyncio.sleep(2)
    said = [message.body for message in partner.messages_from(bot.user_id, room_id)]
    assert not [body for body in said if "Dit kun je" in body or UNDECRYPTABLE in body]
    assert app.transport.sync_gaps_read == 0
