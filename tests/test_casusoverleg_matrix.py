"""Casusoverleg and plan van aanpak on a real Synapse (issue: casusoverleg)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.cli import main
from bot.matrix import raw
from demo.devserver import LocalSynapse
from demo.scripted import ScriptedMember
from handlers.house import AMSTERDAM
from scheduler.workhours import WorkingTime
from storage.db import Database
from storage.unit import Unit
from tests.conftest import PASSWORD, BotHarness, MemberFactory, unique_localpart
from tests.helpers import (
    AANMELDING_ANSWERS,
    Chats,
    chain_holds,
    converse,
    open_dm,
    submit_aanmelding,
)

pytestmark = pytest.mark.integration

# What the aanmelding holds besides the default invitation personalia (AANMELDING_ANSWERS:
# Testje van Nepnaam, 3-4-1990, Voorbeeldstraat 1, 1234 AB, Demostad).
PROBLEM = "Overlast in de buurt, schulden"
SHARED = "POLITIE-INFO: bekend van overlast."
NOT_SHARED = "OM-INFO: lopende zaak."
PERSONAL = ("Testje", "Nepnaam", "1990", "Demostad", "Voorbeeldstraat", "1234", PROBLEM,
            SHARED, NOT_SHARED, "Samen één plan")  # fmt: skip


@dataclass
class House(Chats):
    aanmelder: ScriptedMember
    regisseur: ScriptedMember
    politie: ScriptedMember
    om: ScriptedMember
    ggz: ScriptedMember
    manager: ScriptedMember

    async def verrijking(self, contact: ScriptedMember, reference: str, answers: list[str]) -> None:
        await self.told(contact, f"Verzoek om informatie — {reference}")
        await self.ask(contact, f"beantwoord {reference}")
        await converse(contact, self.bot, self.room(contact), answers)
        await self.told(self.regisseur, f"Verrijking {reference} van")

    async def casus(self) -> str:
        """An aanmelding through triage to 'casusoverleg' with politie and om."""
        reference = await submit_aanmelding(
            self.aanmelder, self.bot, self.room(self.aanmelder), AANMELDING_ANSWERS
        )
        await self.told(self.regisseur, f"Nieuwe aanmelding {reference}")
        await self.to_casusoverleg(reference)
        return reference

    async def to_casusoverleg(self, reference: str) -> None:
        """Through the triage: verrijking of politie and om, decided 'casusoverleg'."""
        await self.ask(self.regisseur, f"verrijk {reference} politie om")
        await self.verrijking(self.politie, reference, ["ja", SHARED, "ja", "bevestig"])
        await self.verrijking(self.om, reference, ["ja", NOT_SHARED, "nee", "bevestig"])
        await self.ask(self.regisseur, f"besluit {reference} casusoverleg")
        await converse(self.regisseur, self.bot, self.room(self.regisseur),
                       ["Samen één plan.", "wonen, schulden", "politie, om"])  # fmt: skip
        await self.ask_for(self.regisseur, "bevestig", f"{reference}: casus voor casusoverleg")

    async def afschalen(self, reference: str, extra: str = "") -> str:
        """Record the afschaling with an outcome; returns what the bot says at the end."""
        asked = await self.ask(self.regisseur, f"afschalen {reference} {extra}".strip())
        assert "Waarom sluit de casus?" in asked, asked
        await converse(self.regisseur, self.bot, self.room(self.regisseur), ["1", "ja"])
        return await self.ask(self.regisseur, "bevestig")

    async def plan(self, reference: str, day: date) -> str:
        return await self.ask_for(
            self.regisseur,
            f"overleg plan {reference} {day:%d-%m-%Y} 10:00 Stadhuis, zaal 2",
            f"{reference} gepland op",
        )


def localpart(member: ScriptedMember) -> str:
    return member.user_id.removeprefix("@").split(":")[0]


def today() -> date:
    """Today where the bot works (the machine's own date differs for an hour each night)."""
    return datetime.now(AMSTERDAM).date()


def a_weekday(days_ahead: int) -> date:
    """A working day (no weekend, no Dutch holiday) at least ``days_ahead`` days from today."""
    working = WorkingTime(zone=AMSTERDAM)
    day = today() + timedelta(days=days_ahead)
    while not working.is_working_day(day):
        day += timedelta(days=1)
    return day


@pytest.fixture
async def house(bot: BotHarness, member_factory: MemberFactory) -> House:
    names = ("wijkteam", "regie", "politie", "om", "ggz", "manager")
    members = [await member_factory(name) for name in names]
    aanmelder, regisseur, politie, om, ggz, manager = members
    await bot.seed({
        aanmelder.user_id: ("wijkteam", "partner"),
        regisseur.user_id: ("zvh", "procesregisseur"),
        politie.user_id: ("politie", "partner"),
        om.user_id: ("om", "partner"),
        ggz.user_id: ("ggz", "partner"),
        manager.user_id: ("zvh", "manager"),
    })  # fmt: skip
    return House(bot, {}, aanmelder, regisseur, politie, om, ggz, manager)


async def start(house: House) -> None:
    await house.bot.start()
    for member in (house.aanmelder, house.regisseur, house.politie, house.om, house.ggz,
                   house.manager):  # fmt: skip
        house.rooms[member.user_id] = await open_dm(member, house.bot)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 20) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.2)
    return False


async def state_of(member: ScriptedMember, room_id: str) -> list[dict[str, Any]]:
    events = await member.client.room_get_state(room_id)
    return list(events.events)


async def test_the_casus_room_and_invitation_carry_only_what_the_policy_allows(
    house: House,
) -> None:
    await start(house)
    reference = await house.casus()
    day = a_weekday(10)
    reply = await house.plan(reference, day)
    assert f"Casusoverleg {reference} gepland op" in reply
    assert "Organisatie politie, Organisatie om" in reply

    rooms = {m.user_id: await m.accept_invite(house.bot.user_id)
             for m in (house.politie, house.om, house.regisseur)}  # fmt: skip
    room_id = rooms[house.politie.user_id]
    assert set(rooms.values()) == {room_id}, "one room per casus"
    invitation = await house.politie.wait_for_text(
        house.bot.user_id, room_id, f"Uitnodiging casusoverleg {reference}"
    )
    assert invitation.encrypted
    for allowed in ("Testje", "van Nepnaam", "3 april 1990", "Demostad", "Samen één plan.",
                    "wonen, schulden", "Stadhuis, zaal 2", "Organisatie politie, Organisatie om",
                    "casusregisseur"):  # fmt: skip
        assert allowed in invitation.body, allowed
    for excluded in ("Voorbeeldstraat", "1234", PROBLEM, SHARED, NOT_SHARED, "Organisatie ggz"):
        assert excluded not in invitation.body, excluded
    shared = await house.om.wait_for_text(house.bot.user_id, room_id, "Informatie van")
    assert "Organisatie politie" in shared.body
    assert SHARED in shared.body
    assert shared.encrypted
    for member in (house.politie, house.om, house.regisseur):
        assert NOT_SHARED not in "\n".join(
            m.body for m in member.messages_from(house.bot.user_id, room_id)
        )

    # Room state is not encrypted: it carries the reference and the date, nothing personal.
    state = await state_of(house.politie, room_id)
    # What the room's state says; event ids, timestamps and member ids (server-made, with
    # digits such as 1990 in them by chance) are left out.
    said = json.dumps([(e["type"], e["content"]) for e in state if e["type"] != "m.room.member"],
                      ensure_ascii=False)  # fmt: skip
    for personal in (*PERSONAL, "3 april 1990", "1990-04-03", "3-4-1990", "1234 AB"):
        assert personal not in said, personal
    by_type = {(e["type"], e["state_key"]): e["content"] for e in state}
    assert by_type[("m.room.join_rules", "")] == {"join_rule": "invite"}
    assert by_type[("m.room.history_visibility", "")]["history_visibility"] in ("invited", "joined")
    assert by_type[("m.room.guest_access", "")] == {"guest_access": "forbidden"}
    assert by_type[("m.room.encryption", "")]["algorithm"] == "m.megolm.v1.aes-sha2"
    assert reference in by_type[("m.room.name", "")]["name"]
    assert str(day.day) in by_type[("m.room.name", "")]["name"]
    members = {
        key
        for (kind, key), content in by_type.items()
        if kind == "m.room.member" and content["membership"] in ("join", "invite")
    }
    assert members == {house.bot.user_id, house.politie.user_id, house.om.user_id,
                       house.regisseur.user_id}, "exactly the lawful participants"  # fmt: skip
    assert house.ggz.invites_from(house.bot.user_id) == []
    public = await raw.request(house.politie.client, "GET", "/publicRooms")
    assert room_id not in json.dumps(public)

    trail = await house.bot.rows(
        "SELECT kind, detail FROM audit_log WHERE reference = :r ORDER BY id", r=reference
    )
    kinds = [kind for kind, _ in trail]
    for expected in ("submitted", "answered", "decided", "disclosure"):
        assert expected in kinds, expected
    audit = [json.loads(detail) for kind, detail in trail if kind == "disclosure"]
    assert [a["purpose"] for a in audit] == [
        "aanmelding", "verrijking-verzoek", "verrijking-verzoek", "verrijking-antwoord",
        "verrijking-antwoord", "uitnodiging", "verrijking",
    ]  # fmt: skip
    recipients = sorted([house.politie.user_id, house.om.user_id, house.regisseur.user_id])
    room_disclosures = [a for a in audit if a["purpose"] in ("uitnodiging", "verrijking")]
    assert {(tuple(a["fields"]), a["purpose"]) for a in room_disclosures} == {
        (("doel", "themas", "voornaam", "achternaam", "geboortedatum", "woonplaats"),
         "uitnodiging"),
        (("verrijking:politie",), "verrijking"),
    }  # fmt: skip
    assert all(a["recipients"] == recipients for a in room_disclosures)
    assert audit[1]["fields"] == ["voornaam", "achternaam", "geboortedatum", "woonplaats"]
    dumped_audit = json.dumps(trail, ensure_ascii=False)
    assert not any(p in dumped_audit for p in PERSONAL), "the audit log holds no personal data"
    check = Database(house.bot.database_url)
    async with check.session() as session:
        assert await chain_holds(Unit(session)), "the chain holds"
    await check.close()

    # Verzet: the room's name follows, the participants are told in the room.
    later = a_weekday(17)
    moved = await house.ask(house.regisseur, f"overleg verzet {reference} {later:%d-%m-%Y} 14:30")
    assert "verzet naar" in moved
    await house.om.wait_for_text(house.bot.user_id, room_id, "is verzet")

    async def renamed() -> bool:
        names = [e for e in await state_of(house.om, room_id) if e["type"] == "m.room.name"]
        return "14:30" in json.dumps(names)

    assert await eventually(renamed), "the room name follows the new moment"

    # A copy of the database (SQLite: the files with the write-ahead log) without the key:
    # no personalia.
    copied = await house.bot.stored_bytes()
    for personal in (*(p for p in PERSONAL if len(p) > 5), "1234 AB", "1234AB"):
        assert personal.encode() not in copied, personal


async def test_a_policy_change_in_the_configuration_changes_the_invitation(house: House) -> None:
    house.bot.extra_config = {"casusoverleg": {"personalia": ["achternaam", "adres"],
                                               "share_verrijking": False}}  # fmt: skip
    await start(house)
    reference = await house.casus()
    await house.plan(reference, a_weekday(10))
    room_id = await house.om.accept_invite(house.bot.user_id)
    invitation = await house.om.wait_for_text(house.bot.user_id, room_id, "Uitnodiging")
    assert "van Nepnaam" in invitation.body
    assert "Voorbeeldstraat 1" in invitation.body
    for excluded in ("Testje", "1990", "Demostad", "1234", SHARED, NOT_SHARED):
        assert excluded not in invitation.body, excluded
    await house.regisseur.accept_invite(house.bot.user_id)
    await house.regisseur.wait_for_text(house.bot.user_id, room_id, "Uitnodiging")
    received = "\n".join(m.body for m in house.om.messages_from(house.bot.user_id, room_id))
    assert "Informatie van" not in received
    assert SHARED not in received


async def admin_token(synapse: LocalSynapse) -> str:
    localpart = unique_localpart("admin")
    user_id = synapse.register(localpart, PASSWORD, admin=True)
    async with aiohttp.ClientSession() as http:
        response = await http.post(f"{synapse.url}/_matrix/client/v3/login", json={
            "type": "m.login.password", "identifier": {"type": "m.id.user", "user": user_id},
            "password": PASSWORD,
        })  # fmt: skip
        return str((await response.json())["access_token"])


async def make_room_admin(synapse: LocalSynapse, room_id: str, user_id: str) -> None:
    """What a homeserver admin can do in any room: give someone the top power level (and
    invite them, if they are not in it). Synapse sends it as the bot, the room's creator."""
    token = await admin_token(synapse)
    async with aiohttp.ClientSession() as http:
        response = await http.post(
            f"{synapse.url}/_synapse/admin/v1/rooms/{room_id}/make_room_admin",
            json={"user_id": user_id},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status == 200, await response.text()


async def power_of(member: ScriptedMember, room_id: str) -> dict[str, int]:
    levels = await raw.request(
        member.client, "GET", raw.room_path(room_id, "state", "m.room.power_levels", "")
    )
    return dict(levels.get("users", {}))


async def test_an_intruder_is_removed_and_reported_as_an_incident(
    house: House, synapse: LocalSynapse
) -> None:
    await start(house)
    reference = await house.casus()
    await house.plan(reference, a_weekday(10))
    room_id = await house.regisseur.accept_invite(house.bot.user_id)
    await house.regisseur.wait_for_text(house.bot.user_id, room_id, "Uitnodiging")
    # Only the bot may invite. A homeserver admin hands a colleague of an organisation that
    # is not part of this casus the top power level, which invites them too.
    await make_room_admin(synapse, room_id, house.ggz.user_id)

    def removed() -> bool:
        return any(room == room_id and user == house.ggz.user_id and membership == "leave"
                   for room, user, membership, _ in house.regisseur.inbox.memberships)  # fmt: skip

    await house.regisseur.wait_until(removed)
    # Two incidents follow: the power given (the room's settings) and the uninvited member.
    incident = await house.told(house.regisseur, "zonder uitnodiging")
    assert house.ggz.user_id in incident
    assert reference in incident
    await house.told(house.manager, "Mogelijk beveiligingsincident")
    kinds = await house.bot.rows(
        "SELECT actor FROM audit_log WHERE kind = 'incident' AND reference = :r", r=reference
    )
    assert (house.ggz.user_id,) in kinds
    join = await house.ggz.client.join(room_id)
    assert type(join).__name__ == "JoinError", "the removed invitation cannot be used"
    assert await eventually(lambda: _lacks(house.regisseur, room_id, house.ggz.user_id))


async def _lacks(member: ScriptedMember, room_id: str, user_id: str) -> bool:
    return user_id not in await power_of(member, room_id)


async def test_power_given_in_a_casus_room_is_taken_back_and_reported(
    house: House, synapse: LocalSynapse
) -> None:
    # Reported: make_room_admin's grant stayed in m.room.power_levels after the intruder
    # test's removal.
    await start(house)
    reference = await house.casus()
    await house.plan(reference, a_weekday(10))
    room_id = await house.regisseur.accept_invite(house.bot.user_id)
    await house.regisseur.wait_for_text(house.bot.user_id, room_id, "Uitnodiging")
    await make_room_admin(synapse, room_id, house.regisseur.user_id)
    assert await eventually(lambda: _lacks(house.regisseur, room_id, house.regisseur.user_id))
    told = await house.told(house.manager, "kreeg beheerrechten")
    assert house.regisseur.user_id in told
    assert "Ik heb het teruggezet" in told
    [(detail,)] = await house.bot.rows(
        "SELECT detail FROM audit_log WHERE kind = 'incident' AND reference = :r", r=reference
    )
    assert '"room_security_changed"' in detail
    # The regisseur belongs there: still in the room, and the room still works.
    assert house.regisseur.user_id in house.regisseur.client.rooms[room_id].users
    moved = a_weekday(12)
    await house.ask_for(
        house.regisseur, f"overleg verzet {reference} {moved:%d-%m-%Y} 11:00", "verzet"
    )
    await house.regisseur.wait_for_text(house.bot.user_id, room_id, "is verzet")


async def test_verslag_stores_the_plan_and_each_owner_gets_only_their_actions(
    house: House,
) -> None:
    await start(house)
    reference = await house.casus()
    await house.plan(reference, a_weekday(3))
    first, second = a_weekday(20), a_weekday(30)
    form = await house.ask(house.regisseur, f"overleg verslag {reference} toch")
    assert "Wie is de casusregisseur?" in form
    # By display name (Synapse's default: the localpart) and organisation, no Matrix ids.
    candidates = form.split("Geef het nummer of de naam.")[1]
    assert f"{localpart(house.politie)} (Organisatie politie)" in candidates
    assert "@" not in candidates
    assert localpart(house.ggz) not in candidates, "only who takes part in the overleg"
    await house.ask(house.regisseur, house.politie.user_id)
    wrong = await house.ask(
        house.regisseur,
        f"Huisbezoek; politie; {first:%d-%m-%Y}\nDagbesteding; ggz; {second:%d-%m-%Y}",
    )
    assert "Regel 2: 'ggz' is geen deelnemende organisatie" in wrong
    await converse(house.regisseur, house.bot, house.room(house.regisseur), [
        f"1. HUISBEZOEK afleggen; politie; {first:%d-%m-%Y}\n"
        f"2. SCHULDHULP regelen; om {house.om.user_id}; {second:%d-%m-%Y}",
        "De casusregisseur.", "Stabiel wonen, schulden onder controle.", "overslaan",
    ])  # fmt: skip
    done = await house.ask(house.regisseur, "bevestig")
    assert f"Verslag {reference} vastgelegd: 2 acties" in done

    regisseur_dm = await house.told(house.politie, f"Je bent casusregisseur voor {reference}")
    assert "HUISBEZOEK" in regisseur_dm
    assert "SCHULDHULP" in regisseur_dm
    own = await house.told(house.om, f"Actie voor jou uit het plan van aanpak {reference}")
    assert "SCHULDHULP" in own
    assert "HUISBEZOEK" not in own
    for other in (house.ggz, house.aanmelder):
        assert "HUISBEZOEK" not in "\n".join(m.body for m in other.messages_from(house.bot.user_id))

    shown = await house.ask(house.om, f"pva {reference}")
    assert "SCHULDHULP" in shown
    assert "HUISBEZOEK" not in shown
    assert "geen plan van aanpak" in await house.ask(house.ggz, f"pva {reference}")
    assert "Genoteerd" in await house.ask(house.om, "actie 2 gereed")
    await house.told(house.politie, f"Actie 2 van {reference} is gereed gemeld")
    full = await house.ask(house.politie, f"pva {reference}")
    assert "HUISBEZOEK" in full
    assert "gereed" in full

    recorded = await house.afschalen(reference)
    assert "afgeschaald op" in recorded
    [row] = await house.bot.rows(
        "SELECT casusregisseur, afgeschaald_on FROM aanmeldingen WHERE reference = :r",
        r=reference,
    )
    actions = await house.bot.rows(
        "SELECT number, organisation_key, owner, status FROM pva_acties ORDER BY number"
    )
    # SQLite hands back the date as text, PostgreSQL as a date.
    assert (row[0], str(row[1])) == (house.politie.user_id, today().isoformat())
    assert actions == [(1, "politie", None, "open"), (2, "om", house.om.user_id, "gereed")]
    again = await house.ask(house.regisseur, f"overleg plan {reference} {first:%d-%m-%Y} 10:00")
    assert "is afgeschaald op" in again


async def test_a_member_removed_on_the_command_line_loses_the_casus_room_at_once(
    house: House, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await start(house)
    reference = await house.casus()
    await house.plan(reference, a_weekday(10))
    room_id = await house.politie.accept_invite(house.bot.user_id)
    await house.om.accept_invite(house.bot.user_id)
    await house.politie.wait_for_text(house.bot.user_id, room_id, "Uitnodiging")

    config = tmp_path / "beheer.toml"
    config.write_text(
        f'[database]\nurl = "{house.bot.database_url}"\n'
        f'[audit]\nanchor_file = "{house.bot.directory / "audit-anchors"}"\n'
    )
    code = await asyncio.to_thread(
        main, ["--config", str(config), "member", "remove", house.politie.user_id]
    )
    assert code == 0
    told = capsys.readouterr().out
    assert "heeft geen toegang meer" in told
    assert "1 casuskamer" in told

    def politie_left() -> bool:
        return any(
            room == room_id and user == house.politie.user_id and membership == "leave"
            for room, user, membership, _ in house.om.inbox.memberships
        )

    # The running bot takes them out within its room manager's tick, quietly.
    await house.om.wait_until(politie_left, timeout=30)
    await asyncio.sleep(1)
    assert not [m for m in house.manager.messages_from(house.bot.user_id) if "incident" in m.body]
    refused = await house.ask(house.politie, f"pva {reference}")
    assert reference not in refused
