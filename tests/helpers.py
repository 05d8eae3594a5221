"""Steps that several Matrix tests take the way a member would."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from sqlalchemy import delete, select

from demo.scripted import Received, ScriptedMember
from handlers.features import build_features
from handlers.house import House
from handlers.messages import Incoming
from handlers.router import Router
from scheduler.clock import Clock
from storage import crypto
from storage.audit_verify import check_chain
from storage.db import Database
from storage.models import OutboxMessage
from storage.unit import Unit
from tests.conftest import BotHarness

# Obviously fake personalia, answering the aanmelding's questions in order.
AANMELDING_ANSWERS = [
    "Testje",
    "van Nepnaam",
    "overslaan",
    "3-4-1990",
    "Voorbeeldstraat 1",
    "1234 ab",
    "Demostad",
    "Demostad",
    "Overlast in de buurt, schulden en geen vaste dagbesteding.",
    "Eén gezamenlijk plan van aanpak.",
    "1, 4",
    "2",
    "regulier",
    "ik",
]


async def open_dm(member: ScriptedMember, bot: BotHarness) -> str:
    """Invite the bot to an encrypted direct chat and wait for its welcome."""
    room_id = await member.create_room([bot.user_id])
    await member.wait_for_text(bot.user_id, room_id, "Typ hulp")
    return room_id


async def converse(
    member: ScriptedMember, bot: BotHarness, room: str, texts: list[str]
) -> Received:
    """Answer the questions one by one; the bot's reply to the last answer."""
    reply: Received | None = None
    for text in texts:
        reply = await member.ask(room, bot.user_id, text)
    assert reply is not None
    return reply


async def submit_aanmelding(
    member: ScriptedMember, bot: BotHarness, room: str, answers: list[str] | None = None
) -> str:
    """A complete aanmelding through the chat; returns its reference."""
    await member.ask(room, bot.user_id, "aanmelden")
    await converse(member, bot, room, answers or AANMELDING_ANSWERS)
    done = await member.ask(room, bot.user_id, "bevestig")
    return next(w for w in done.body.split() if w.startswith("ZVH-")).rstrip(".")


async def wait_until_bot_left(member: ScriptedMember, bot: BotHarness, room_id: str) -> str | None:
    """Wait until the bot's membership in ``room_id`` is 'leave'; returns its reason."""

    def leaves() -> list[str | None]:
        return [
            reason
            for room, user, membership, reason in member.inbox.memberships
            if room == room_id and user == bot.user_id and membership == "leave"
        ]

    await member.wait_until(lambda: bool(leaves()))
    return leaves()[0]


@dataclass
class Chats:
    """Each member's direct chat with the bot, and what members do in it."""

    bot: BotHarness
    rooms: dict[str, str]

    def room(self, member: ScriptedMember) -> str:
        return self.rooms[member.user_id]

    async def ask(self, member: ScriptedMember, text: str) -> str:
        """Send ``text``; the bot's next message in that chat."""
        return (await member.ask(self.room(member), self.bot.user_id, text)).body

    async def ask_for(self, member: ScriptedMember, text: str, expect: str) -> str:
        """Send ``text``; the bot's reply containing ``expect`` (other notices may come first)."""
        await member.send(self.room(member), text)
        return await self.told(member, expect)

    async def told(self, member: ScriptedMember, text: str) -> str:
        """Wait for a message from the bot in the member's own chat containing ``text``."""
        return (await member.wait_for_text(self.bot.user_id, self.room(member), text)).body


def opened(value: object) -> object:
    """A value read from the database file, decrypted when it is an encrypted one."""
    if isinstance(value, str) and value.startswith(crypto.PREFIX + ":"):
        return crypto.installed().decrypt(value)
    return value


async def chain_holds(unit: Unit) -> bool:
    """Whether the audit log's chain holds (every MAC, link and number)."""
    check = await check_chain(unit.audit.chain(), crypto.installed())
    return check.intact


def router_for(db: Database, clock: Clock, house: House | None = None) -> Router:
    """The bot's router with every feature, for a house (the default one when not given)."""
    house = house or House()
    return Router(db, clock, house, build_features(house))


_event_ids = itertools.count()


async def say(router: Router, sender: str, body: str) -> dict[str, list[str]]:
    """Handle ``body`` from ``sender`` in their own chat (``!dm-SENDER``) at the router's
    clock; what was queued, per member (the room without ``!dm-``), and clear it."""
    await router.on_message(Incoming(
        room_id=f"!dm-{sender}", sender=sender, body=body, event_id=f"$e{next(_event_ids)}",
        timestamp=router.clock.now(), encrypted=True, room_members=2,
    ))  # fmt: skip
    async with router.db.transaction() as unit:
        rows = (
            await unit.session.execute(select(OutboxMessage).order_by(OutboxMessage.id))
        ).scalars()
        queued: dict[str, list[str]] = {}
        for row in rows:
            queued.setdefault(row.room_id.removeprefix("!dm-"), []).append(row.plain)
        await unit.session.execute(delete(OutboxMessage))
    return queued
