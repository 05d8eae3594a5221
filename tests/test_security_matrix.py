"""Security on a real Synapse (issue: security): unverified sessions, the guarded procesregie
room, hostile text, flood protection and the betrokkene's inzage after a real conversation."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.matrix import raw
from bot.matrix.cross_signing import KEY_FILE
from demo.devserver import LocalSynapse
from demo.scripted import ScriptedMember
from storage.unit import Unit
from tests.conftest import PASSWORD, BotHarness, MemberFactory
from tests.helpers import AANMELDING_ANSWERS, open_dm, submit_aanmelding

pytestmark = pytest.mark.integration


async def audit_kinds(bot: BotHarness, actor: str) -> list[tuple[str, str]]:
    app = bot.running
    assert app is not None
    async with app.db.session() as session:
        return [(e.kind, e.detail) for e in await Unit(session).audit.entries(actor=actor)]


async def test_a_session_its_owner_did_not_verify_gets_no_case_data_and_runs_no_command(
    bot: BotHarness, member_factory: MemberFactory, synapse: LocalSynapse, tmp_path: Path
) -> None:
    partner = await member_factory("politie")
    await partner.set_up_cross_signing()
    await bot.seed({partner.user_id: ("politie", "partner")})
    await bot.start()
    room = await open_dm(partner, bot)

    # Someone with the password logs in a new session and does not verify it.
    other = ScriptedMember(synapse.url, partner.user_id, PASSWORD, tmp_path / "other-session")
    await other.start()
    try:
        await other.wait_until(lambda: room in other.client.rooms)
        await other.send(room, "wie ben ik")
        refusal = await partner.wait_for_text(bot.user_id, room, "niet hebt geverifieerd")
        assert "Organisatie politie" not in refusal.body
        await asyncio.sleep(1)
        # The unverified session cannot read the bot's answer: it got no room key.
        assert not other.messages_from(bot.user_id, room)
        assert other.inbox.undecryptable >= 1
        assert ("denied", json.dumps({"action": "unsigned_device"})) in [
            (kind, detail) for kind, detail in await audit_kinds(bot, partner.user_id)
        ]

        # The verified session works as ever.
        answer = await partner.ask(room, bot.user_id, "wie ben ik")
        assert "Organisatie politie" in answer.body

        # The owner verifies the new session (it gets the cross-signing keys and is signed):
        # from then on it is a session like any other.
        shutil.copy(partner.store_dir / KEY_FILE, other.store_dir / KEY_FILE)
        await other.set_up_cross_signing()
        seen = len(partner.messages_from(bot.user_id, room))

        async def verified_answer() -> bool:
            await other.send(room, "wie ben ik")
            await partner.wait_until(lambda: len(partner.messages_from(bot.user_id, room)) > seen)
            await asyncio.sleep(1)
            return any("Organisatie politie" in m.body for m in other.messages_from(bot.user_id))

        # The bot hears of the signature through its next sync; allow it one round.
        assert await verified_answer() or await verified_answer()
    finally:
        await other.close()


async def set_power(member: ScriptedMember, room_id: str, user_id: str, level: int) -> None:
    path = raw.room_path(room_id, "state", "m.room.power_levels", "")
    levels = await raw.request(member.client, "GET", path)
    levels.setdefault("users", {})[user_id] = level
    await raw.request(member.client, "PUT", path, levels)


def left(member: ScriptedMember, room_id: str, user_id: str) -> bool:
    return any(
        room == room_id and user == user_id and membership == "leave"
        for room, user, membership, _ in member.inbox.memberships
    )


async def test_the_procesregie_room_keeps_only_the_procesregie(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    regisseur = await member_factory("regie")
    collega = await member_factory("regie2")
    beheerder = await member_factory("beheer")
    manager = await member_factory("manager")
    stranger = await member_factory("onbekend")
    partner = await member_factory("wijkteam")
    await bot.seed({
        regisseur.user_id: ("zvh", "procesregisseur"),
        collega.user_id: ("zvh", "procesregisseur"),
        beheerder.user_id: ("zvh", "beheerder"),
        manager.user_id: ("zvh", "manager"),
        partner.user_id: ("wijkteam", "partner"),
    })  # fmt: skip
    # The procesregie room is made by people; they give the bot the right to remove.
    regie_room = await regisseur.create_room([bot.user_id, collega.user_id], direct=False)
    await set_power(regisseur, regie_room, bot.user_id, 50)
    for event_type, content in (
        ("m.room.history_visibility", {"history_visibility": "invited"}),
        ("m.room.guest_access", {"guest_access": "forbidden"}),
    ):
        await regisseur.client.room_put_state(regie_room, event_type, content)  # fmt: skip
    await collega.accept_invite(regisseur.user_id)
    bot.extra_config = {"house": {"procesregie_room": regie_room}}
    await bot.start()
    beheer_room = await open_dm(beheerder, bot)
    manager_room = await open_dm(manager, bot)
    await regisseur.wait_for_text(bot.user_id, regie_room, "Typ hulp")

    # A colleague who leaves the organisation: out of the room at once, quietly.
    removed = await beheerder.ask(beheer_room, bot.user_id, f"lid verwijderen {collega.user_id}")
    assert "heeft geen toegang meer" in removed.body
    await regisseur.wait_until(lambda: left(regisseur, regie_room, collega.user_id))
    assert not manager.messages_from(bot.user_id, manager_room)[1:]  # only the welcome

    # Someone without a procesregie role, invited by a person: removed and reported.
    await regisseur.client.room_invite(regie_room, stranger.user_id)
    await regisseur.wait_until(lambda: left(regisseur, regie_room, stranger.user_id))
    for who, room in ((manager, manager_room), (beheerder, beheer_room)):
        incident = await who.wait_for_text(bot.user_id, room, "Mogelijk beveiligingsincident")
        assert stranger.user_id in incident.body
        assert "in de kamer van de procesregie" in incident.body

    # The case data still reaches the procesregie room, with only the procesregie in it.
    reference = await submit_aanmelding(partner, bot, await open_dm(partner, bot))
    prompt = await regisseur.wait_for_text(bot.user_id, regie_room, reference)
    assert "Nepnaam" in prompt.body

    # Without the right to remove, the bot asks people to act, once.
    await set_power(regisseur, regie_room, bot.user_id, 0)
    await regisseur.client.room_invite(regie_room, partner.user_id)
    asked = await beheerder.wait_for_text(bot.user_id, beheer_room, "Actie nodig")
    assert partner.user_id in asked.body
    assert "moderator" in asked.body
    kinds = [kind for kind, _ in await audit_kinds(bot, partner.user_id)]
    assert "incident" in kinds
    await asyncio.sleep(2)
    assert sum("Actie nodig" in m.body for m in beheerder.messages_from(bot.user_id)) == 1


NASTY_NAME = '<a href="https://evil.example">Klik</a> @room <img src=x onerror=alert(1)>'


async def test_hostile_text_arrives_as_text_and_a_flood_is_slowed_once(
    bot: BotHarness, member_factory: MemberFactory, tmp_path: Path
) -> None:
    partner = await member_factory("wijkteam")
    regisseur = await member_factory("regie")
    await bot.seed({
        partner.user_id: ("wijkteam", "partner"),
        regisseur.user_id: ("zvh", "procesregisseur"),
    })  # fmt: skip
    await bot.start()
    regie_room = await open_dm(regisseur, bot)
    room = await open_dm(partner, bot)

    answers = [NASTY_NAME if i == 0 else a for i, a in enumerate(AANMELDING_ANSWERS)]
    reference = await submit_aanmelding(partner, bot, room, answers)
    prompt = await regisseur.wait_for_text(bot.user_id, regie_room, reference)
    html = prompt.formatted_body or ""
    assert "evil.example" in prompt.body  # shown, as text
    assert "<a " not in html
    assert "<img" not in html
    assert "&lt;a href" in html
    assert "@room" not in prompt.body  # no room-wide notification through a name

    # The betrokkene's inzage finds what arrived through Matrix, and says so in the log.
    config = tmp_path / "beheer.toml"
    config.write_text(
        f'[database]\nurl = "{bot.database_url}"\n'
        f'[audit]\nanchor_file = "{bot.directory / "audit-anchors"}"\n'
    )
    out = tmp_path / "inzage"
    out.mkdir()
    code = await asyncio.to_thread(
        main, ["--config", str(config), "inzage", "--achternaam", "van Nepnaam",
               "--geboortedatum", "3-4-1990", "--uit", str(out)],
    )  # fmt: skip
    assert code == 0
    document = next(out.glob("*.md")).read_text(encoding="utf-8")
    assert reference in document
    assert "Demostad" in document

    # 70 messages at once: at most 60 a minute are handled, one "even geduld".
    before = len(regisseur.messages_from(bot.user_id, regie_room))
    for _ in range(70):
        await regisseur.send(regie_room, "wie ben ik")
    await regisseur.wait_for_text(bot.user_id, regie_room, "Even geduld")
    await asyncio.sleep(3)
    replies = regisseur.messages_from(bot.user_id, regie_room)[before:]
    assert sum("Even geduld" in m.body for m in replies) == 1
    assert len(replies) == 61
