"""The drill for a lost disk, on a real Synapse: the bot's crypto store is wiped, the bot
starts with the recovery key it printed once, and comes back as the same identity (the
master key members' clients know is unchanged, its new device cross-signed by it), and a
member's first message after the restore is answered. Without the key it refuses to start
rather than show members a new identity."""

from __future__ import annotations

import os
import re
import shutil
from typing import Any

import pytest

from bot.matrix.cross_signing import only_key, verify
from bot.matrix.login import FatalTransportError
from bot.matrix.raw import RawApiError, request
from bot.matrix.secret_storage import encode_recovery_key
from demo.scripted import ScriptedMember
from tests.conftest import BotHarness, MemberFactory
from tests.helpers import open_dm

pytestmark = pytest.mark.integration

KEY_LINE = re.compile(r"^((?:[1-9A-HJ-NP-Za-km-z]{4} ){11}[1-9A-HJ-NP-Za-km-z]{4})$", re.M)


async def own_keys(member: ScriptedMember, user_id: str) -> dict[str, Any]:
    """What a member's client learns of the bot's keys from the homeserver."""
    return await request(member.client, "POST", "/keys/query", {"device_keys": {user_id: []}})


async def test_a_rebuilt_bot_comes_back_as_the_same_identity(
    bot: BotHarness, member_factory: MemberFactory, capfd: pytest.CaptureFixture[str]
) -> None:
    member = await member_factory("wijk")
    await bot.seed({member.user_id: ("wijkteam", "partner")})
    await bot.start()
    shown = KEY_LINE.findall(capfd.readouterr().err)
    assert len(shown) == 1, "the recovery key is printed once, at the first start"
    recovery_key = shown[0]
    room = await open_dm(member, bot)
    before = await own_keys(member, bot.user_id)
    master = only_key(before["master_keys"][bot.user_id])
    old_devices = set(before["device_keys"][bot.user_id])

    # The bot's secret storage is its account's own: another account cannot read it.
    assert await bot_account_data(member, bot) == 403

    await bot.stop()
    await bot.start()
    assert not KEY_LINE.findall(capfd.readouterr().err), "not shown again"
    await bot.stop()

    # The disk is lost. Without the key the bot stops, naming what to do; with a wrong
    # one (another house's, or mistyped) too. Members never see a new identity.
    shutil.rmtree(bot.directory / "crypto")
    with pytest.raises(FatalTransportError, match="start with CASUSBOT_RECOVERY_KEY"):
        await bot.start()
    for wrong, why in ((encode_recovery_key(os.urandom(32)), "not the recovery key of"),
                       (recovery_key[:-1], "not a recovery key")):  # fmt: skip
        bot.extra_env = {"CASUSBOT_RECOVERY_KEY": wrong}
        with pytest.raises(FatalTransportError, match=why):
            await bot.start()
    unchanged = await own_keys(member, bot.user_id)
    assert only_key(unchanged["master_keys"][bot.user_id]) == master

    bot.extra_env = {"CASUSBOT_RECOVERY_KEY": recovery_key}
    await bot.start()
    assert not KEY_LINE.findall(capfd.readouterr().err), "the same key still holds"
    after = await own_keys(member, bot.user_id)
    assert only_key(after["master_keys"][bot.user_id]) == master, "the same identity"
    self_signing = only_key(after["self_signing_keys"][bot.user_id])
    assert self_signing is not None
    [new_device] = set(after["device_keys"][bot.user_id]) - old_devices
    assert verify(after["device_keys"][bot.user_id][new_device], bot.user_id, self_signing)

    reply = await member.ask(room, bot.user_id, "hulp")
    assert "Dit kun je met mij doen" in reply.body
    assert reply.encrypted


async def bot_account_data(member: ScriptedMember, bot: BotHarness) -> object:
    """What a member gets asking for the bot's secret storage."""
    try:
        return await request(
            member.client, "GET", f"/user/{bot.user_id}/account_data/m.cross_signing.master"
        )
    except RawApiError as error:
        return error.status
