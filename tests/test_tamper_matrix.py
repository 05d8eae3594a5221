"""The adversarial pass of issue 20, kept as tests on a real Synapse: malformed events leave
no content in the log (at DEBUG too), kill -9 in the middle of aanmeldingen loses and
doubles nothing, five members flooding at once all get their answers. (The audit log's
attacks are in tests/test_audit.py, power in a casus room in test_casusoverleg_matrix.py.)"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import random
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest

from bot.logs import setup_logging
from demo.devserver import LocalSynapse
from demo.scripted import ScriptedMember
from tests.conftest import PASSWORD, BotHarness, MemberFactory
from tests.helpers import AANMELDING_ANSWERS, open_dm

pytestmark = pytest.mark.integration

MALFORMED = [
    # No body, only HTML: matrix-nio's schema warning quoted the whole decrypted content.
    {"msgtype": "m.text", "format": "org.matrix.custom.html",
     "formatted_body": "<b>GEHEIM-GEEN-BODY</b>"},
    {"msgtype": "m.text", "body": 31415926, "formatted_body": "GEHEIM-GETAL"},
    {"msgtype": "m.text", "body": ["GEHEIM-LIJST"]},
    {"msgtype": "m.text", "body": "x", "format": "org.matrix.custom.html",
     "formatted_body": "GEHEIM-GROOT " * 4000},
    {"msgtype": "nl.onbekend.soort", "body": "GEHEIM-ONBEKEND"},
    {"msgtype": "m.text", "body": {"GEHEIM-DICT": 1}},
]  # fmt: skip


async def test_malformed_events_leave_no_content_in_the_log(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    partner = await member_factory("politie")
    await bot.seed({partner.user_id: ("politie", "partner")})
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    setup_logging("DEBUG", "text")
    written = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(written)  # exactly what the bot's log file would get
    for name in ("nio", "nio.events", "nio.crypto"):  # the most verbose a log can be
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        await bot.start()
        room = await open_dm(partner, bot)
        for content in MALFORMED:
            await partner.client.room_send(
                room, "m.room.message", content, ignore_unverified_devices=True
            )
        alive = await partner.ask(room, bot.user_id, "wie ben ik")
        assert "politie" in alive.body
        # A right-to-left override and a zero-width space: left out, and the member told.
        reversed_ = await partner.ask(room, bot.user_id, "wie\u200b ben ik\u202e")
        assert "politie" in reversed_.body
        assert "onzichtbare tekens" in reversed_.body
        assert "\u202e" not in reversed_.body
        await asyncio.sleep(1)
    finally:
        await bot.stop()
        root.handlers[:], level = saved
        root.setLevel(level)
    log_text = written.getvalue()
    assert "Error validating event" in log_text, "the schema warnings were logged"
    assert "GEHEIM" not in log_text
    assert "31415926" not in log_text
    assert partner.user_id not in log_text


def _config(synapse: LocalSynapse, user_id: str, tmp_path: Path, url: str) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[matrix]\nhomeserver_url = "{synapse.url}"\nuser_id = "{user_id}"\n'
        f'store_path = "{tmp_path / "crypto"}"\nsync_timeout_seconds = 5\n'
        f'[database]\nurl = "{url}"\n[health]\nport = 0\n'
        f'[audit]\nanchor_file = "{tmp_path / "audit-anchors"}"\n'
    )
    return config


def replied(member: ScriptedMember, bot_id: str, count: int) -> bool:
    return len(member.messages_from(bot_id)) >= count


class BotProcess:
    """``casusbot run`` as a process of its own, to kill as an operator's mistake would."""

    def __init__(self, config: Path) -> None:
        self.config = config
        self.process: subprocess.Popen[str] | None = None
        self.env = {
            **os.environ,
            "CASUSBOT_MATRIX_PASSWORD": PASSWORD,
            "CASUSBOT_PICKLE_KEY": "kill-test-pickle-key",
        }

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(self.config), "run"],
            env=self.env, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.process.stderr is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if "casusbot is running" in line:
                return
            if not line and self.process.poll() is not None:
                break
        pytest.fail("the bot did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.communicate(timeout=30)
            self.process = None


async def test_kill_9_in_the_middle_of_aanmeldingen_loses_and_doubles_nothing(
    synapse: LocalSynapse, tmp_path: Path, bot: BotHarness, member_factory: MemberFactory,
) -> None:  # fmt: skip
    partners = [await member_factory("politie") for _ in range(2)]
    await bot.seed({p.user_id: ("politie", "partner") for p in partners})
    process = BotProcess(_config(synapse, bot.user_id, tmp_path, bot.database_url))
    process.start()
    try:
        rooms = {p.user_id: await p.create_room([bot.user_id]) for p in partners}
        for p in partners:
            await p.wait_for_text(bot.user_id, rooms[p.user_id], "Typ hulp")
        answers = [*AANMELDING_ANSWERS[:11], "geen", *AANMELDING_ANSWERS[12:]]
        intake = ["aanmelden", *answers, "bevestig"]
        chance = random.Random(20)  # where to kill: the same points in every run
        kill_after = sorted(chance.sample(range(1, len(intake) - 1), 3))
        for step, text in enumerate(intake):
            for p in partners:
                await p.send(rooms[p.user_id], text)
            if step in kill_after:
                # Somewhere between receiving, handling, committing and sending.
                await asyncio.sleep(chance.uniform(0.0, 0.6))
                process.kill()
                process.start()
            for p in partners:
                await p.wait_until(partial(replied, p, bot.user_id, step + 2), timeout=90)
        await asyncio.sleep(3)  # anything doubled arrives meanwhile
    finally:
        process.stop()
    for p in partners:
        replies = p.messages_from(bot.user_id)
        assert len(replies) == len(intake) + 1, "one welcome and one reply per message"
        assert "ingediend onder kenmerk" in replies[-1].body
    assert await bot.rows("SELECT count(*) FROM aanmeldingen") == [(2,)]


async def test_five_members_flooding_at_once_all_get_their_answers(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    members: list[ScriptedMember] = [await member_factory("politie") for _ in range(5)]
    await bot.seed({m.user_id: ("politie", "partner") for m in members})
    await bot.start()
    rooms = {m.user_id: await open_dm(m, bot) for m in members}
    each = 20

    async def flood(member: ScriptedMember) -> None:
        for _ in range(each):
            await member.send(rooms[member.user_id], "wie ben ik")

    await asyncio.gather(*(flood(m) for m in members))
    for m in members:
        await m.wait_until(partial(replied, m, bot.user_id, each + 1), timeout=90)
    await asyncio.sleep(3)
    for m in members:
        replies = m.messages_from(bot.user_id)[1:]
        assert len(replies) == each, "no answer lost, none doubled"
        assert all("politie" in r.body for r in replies)
