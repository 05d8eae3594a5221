"""A house that renamed the national terms, on a real Synapse with E2EE members: members
type the house's commands (``weging``, ``mdo plan``), and everything they read in their
chats, in the casus room and in its (unencrypted) name says MDO, weging and
procescoördinator, never casusoverleg or triage."""

from __future__ import annotations

import pytest

from tests.helpers import AANMELDING_ANSWERS, converse
from tests.test_casusoverleg_matrix import SHARED, House, a_weekday, house, start, state_of
from tests.test_wording import NATIONAL_TERMS, national

pytestmark = pytest.mark.integration
__all__ = ["house"]  # the fixture the tests use

TWENTE = {
    "name": "Veiligheidshuis Twente",
    "reference_prefix": "VHT",
    "terminology": {
        "casusoverleg": "MDO",
        "procesregie": "procescoördinatie",
        "procesregisseur": "procescoördinator",
        "casusregisseur": {"woord": "uitvoerend coördinator",
                           "meervoud": "uitvoerend coördinatoren"},
        "triage": "weging",
        "huis": "het Veiligheidshuis",
    },
}  # fmt: skip


async def test_members_read_and_type_the_house_words(house: House) -> None:
    house.bot.extra_config = {"house": TWENTE}
    await start(house)
    chats = house
    helped = await chats.ask(house.regisseur, "hulp")
    assert "Je bent procescoördinator" in helped
    assert "mdo plan KENMERK DATUM TIJD" in helped
    assert "weging [KENMERK]" in helped

    await chats.ask(house.aanmelder, "aanmelden")
    await converse(house.aanmelder, house.bot, chats.room(house.aanmelder), AANMELDING_ANSWERS)
    filed = await chats.ask(house.aanmelder, "bevestig")
    assert "de procescoördinatie beoordeelt de aanmelding (weging)" in filed
    reference = next(w for w in filed.split() if w.startswith("VHT-")).rstrip(".")
    await chats.told(house.regisseur, f"Nieuwe aanmelding {reference}")
    state = await chats.ask(house.regisseur, f"weging {reference}")
    assert state.startswith(f"Weging {reference}")

    await chats.ask(house.regisseur, f"verrijk {reference} politie")
    await house.verrijking(house.politie, reference, ["ja", SHARED, "ja", "bevestig"])
    await chats.ask(house.regisseur, f"besluit {reference} mdo toch")
    await converse(house.regisseur, house.bot, chats.room(house.regisseur),
                   ["Samen één plan.", "wonen", "politie"])  # fmt: skip
    decided = await chats.ask_for(house.regisseur, "bevestig", f"{reference}: casus voor MDO")
    assert "casus voor MDO" in decided
    told = await chats.told(house.aanmelder, f"Uitkomst weging {reference}")
    assert "de casus komt in een MDO" in told

    day = a_weekday(10)
    planned = await chats.ask_for(house.regisseur, f"mdo plan {reference} {day:%d-%m-%Y} 10:00",
                                  f"MDO {reference} gepland op")  # fmt: skip
    assert "MDO" in planned
    room_id = await house.politie.accept_invite(house.bot.user_id)
    invitation = await house.politie.wait_for_text(
        house.bot.user_id, room_id, f"Uitnodiging MDO {reference}"
    )
    assert "wie uitvoerend coördinator wordt" in invitation.body
    # The room's name is state (not encrypted): the house's word, the reference, the date.
    [name] = [e["content"]["name"] for e in await state_of(house.politie, room_id)
              if e["type"] == "m.room.name"]  # fmt: skip
    assert name.startswith(f"MDO {reference}")
    assert not NATIONAL_TERMS.search(name)

    # Everything the members decrypted in every chat, from the bot (the house's own
    # organisation is called "zvh" in the shared fixture: data, not the bot's words).
    read = [
        m.body.replace("Organisatie zvh", "Organisatie")
        for member in (house.aanmelder, house.regisseur, house.politie)
        for m in member.inbox.messages
        if m.sender == house.bot.user_id
    ]
    assert len(read) >= 10
    assert not national(read)
