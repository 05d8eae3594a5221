"""The gatekeeping every message passes, without Matrix (the Matrix tests cover the wire)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from handlers.beheer.members import MembershipService
from handlers.house import House, Wording
from handlers.messages import Incoming, Invite
from handlers.router import FLOOD_MESSAGES, Router
from scheduler.clock import FrozenClock
from storage.db import Database
from storage.models import OutboxMessage
from storage.unit import Unit
from tests.databases import Databases
from tests.helpers import router_for

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
BEHEERDER = "@beheer:zvh.nl"
PARTNER = "@partner:politie.nl"
STRANGER = "@vreemde:elders.nl"
_ids = itertools.count()


@pytest.fixture
async def router(databases: Databases) -> AsyncIterator[Router]:
    db = Database(databases.url("router"))
    await db.migrate()
    async with db.session() as session, session.begin():
        service = MembershipService(Unit(session))
        await service.add_organisation("zvh", "ZVH Testregio", NOW)
        await service.add_organisation("politie", "Politie", NOW)
        await service.add_member(BEHEERDER, "zvh", "beheerder", NOW)
        await service.add_member(PARTNER, "politie", "partner", NOW)
    yield router_for(db, FrozenClock(NOW), House(words=Wording(house_name="ZVH Testregio")))
    await db.close()


def message(
    sender: str,
    body: str,
    *,
    room: str = "!dm:zvh.nl",
    encrypted: bool = True,
    members: int = 2,
    event_id: str | None = None,
    edit_of: str | None = None,
) -> Incoming:
    return Incoming(
        room_id=room,
        sender=sender,
        body=body,
        event_id=event_id or f"$event{next(_ids)}",
        timestamp=NOW,
        encrypted=encrypted,
        room_members=members,
        edit_of=edit_of,
    )


async def answer(router: Router, incoming: Incoming) -> list[str]:
    """Handle ``incoming`` and take what the router queued in the outbox."""
    await router.on_message(incoming)
    async with router.db.session() as session, session.begin():
        rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        texts = [row.plain for row in rows]
        await session.execute(delete(OutboxMessage))
    return texts


async def test_invites_only_from_members(router: Router) -> None:
    assert (await router.on_invite(Invite("!r:zvh.nl", PARTNER))).accept
    declined = await router.on_invite(Invite("!r:zvh.nl", STRANGER))
    assert not declined.accept
    assert declined.reason is not None
    assert "ZVH Testregio" in declined.reason


async def test_the_same_event_is_answered_once(router: Router) -> None:
    incoming = message(PARTNER, "wie ben ik", event_id="$same")
    assert len(await answer(router, incoming)) == 1
    assert await answer(router, incoming) == []


async def test_stranger_is_refused_once_per_room(router: Router) -> None:
    first = await answer(router, message(STRANGER, "hulp"))
    assert "niet op de ledenlijst" in first[0]
    assert await answer(router, message(STRANGER, "hulp")) == []
    assert len(await answer(router, message(STRANGER, "hulp", room="!other:zvh.nl"))) == 1


async def test_unencrypted_content_is_not_processed(router: Router) -> None:
    replies = await answer(
        router, message(BEHEERDER, "lid verwijderen @partner:politie.nl", encrypted=False)
    )
    assert "onversleuteld" in replies[0]
    # The command inside was not carried out: the partner still has access.
    assert "Politie" in (await answer(router, message(PARTNER, "wie ben ik")))[0]


async def test_partner_may_not_manage_members(router: Router) -> None:
    replies = await answer(router, message(PARTNER, "lid toevoegen @x:y.nl politie partner"))
    assert replies == ["Dat kan ik voor jouw rol niet doen."]


async def test_beheerder_manages_members_in_chat(router: Router) -> None:
    new = "@nieuw:ggz.nl"
    assert (
        "is toegevoegd"
        in (await answer(router, message(BEHEERDER, 'organisatie toevoegen ggz "GGZ Regio"')))[0]
    )
    assert (
        "is toegevoegd als partner bij ggz"
        in (await answer(router, message(BEHEERDER, f"!lid toevoegen {new} ggz partner")))[0]
    )
    assert "GGZ Regio" in (await answer(router, message(new, "wie ben ik", room="!n:zvh.nl")))[0]
    listing = (await answer(router, message(BEHEERDER, "leden ggz")))[0]
    assert new in listing
    assert (
        "heeft geen toegang meer"
        in (await answer(router, message(BEHEERDER, f"lid verwijderen {new}")))[0]
    )
    assert (
        "niet op de ledenlijst"
        in (await answer(router, message(new, "wie ben ik", room="!n2:zvh.nl")))[0]
    )


async def test_wrong_arguments_get_the_usage(router: Router) -> None:
    assert (await answer(router, message(BEHEERDER, "lid toevoegen @x:y.nl")))[0] == (
        "Gebruik: lid toevoegen @gebruiker:server ORGANISATIECODE ROL"
    )
    assert (
        "Je kunt jezelf niet verwijderen"
        in (await answer(router, message(BEHEERDER, f"lid verwijderen {BEHEERDER}")))[0]
    )


async def test_unknown_command_gets_the_help(router: Router) -> None:
    reply = (await answer(router, message(PARTNER, "goedemorgen")))[0]
    assert reply.startswith("Dat commando ken ik niet.")
    assert "hulp — dit overzicht" in reply


async def test_group_rooms_only_answer_commands_with_an_exclamation_mark(router: Router) -> None:
    assert await answer(router, message(PARTNER, "hulp", members=5)) == []
    assert len(await answer(router, message(PARTNER, "!hulp", members=5))) == 1


async def test_too_long_and_edited_messages_are_explained(router: Router) -> None:
    assert "te lang" in (await answer(router, message(PARTNER, "x" * 8001)))[0]
    edited = await answer(router, message(PARTNER, "* hulp", edit_of="$old"))
    assert "Bewerkte berichten" in edited[0]


async def test_remembered_refusals_are_bounded(router: Router) -> None:
    from handlers import router as router_module

    for n in range(router_module.MAX_REMEMBERED_REFUSALS + 5):
        router._refuse_stranger(message(STRANGER, "hulp", room=f"!r{n}:x.nl"))
    assert len(router._refused) == router_module.MAX_REMEMBERED_REFUSALS


async def test_a_flood_is_slowed_down_once_and_the_member_can_go_on_later(router: Router) -> None:
    replies = [
        await answer(router, message(PARTNER, "wie ben ik")) for _ in range(FLOOD_MESSAGES + 5)
    ]
    answered = [r for r in replies if r and "Politie" in r[0]]
    slowed = [r for r in replies if r and r[0].startswith("Even geduld")]
    assert len(answered) == FLOOD_MESSAGES
    assert len(slowed) == 1, "told once, not at every message"
    assert sum(1 for r in replies if not r) == 4
    assert isinstance(router.clock, FrozenClock)
    router.clock.advance(timedelta(seconds=61))
    assert "Politie" in (await answer(router, message(PARTNER, "wie ben ik")))[0]


async def test_open_forms_are_bounded(router: Router) -> None:
    for room in range(3):
        started = await answer(router, message(PARTNER, "aanmelden", room=f"!r{room}:x.nl"))
        assert "Vraag 1" in started[0]
    refused = await answer(router, message(PARTNER, "aanmelden", room="!r3:x.nl"))
    assert refused == [
        "Je hebt al 3 formulieren open in andere chats. Maak er eerst een af, of typ daar stop."
    ]


async def test_invisible_characters_are_left_out_and_the_member_told(router: Router) -> None:
    replies = await answer(router, message(PARTNER, "wie\u200b ben ik\u202e"))
    assert len(replies) == 1, "one message: the answer, with the note"
    assert "politie" in replies[0].lower(), "the command was understood"
    assert "onzichtbare tekens" in replies[0]
    clean = await answer(router, message(PARTNER, "wie ben ik"))
    assert "onzichtbare" not in clean[0]
