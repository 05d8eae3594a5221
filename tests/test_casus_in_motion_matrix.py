"""A casus in motion, on the real homeserver: a member who joins a participating organisation
is invited to its running casus room at once (not at the next plan), the room hears who
joined, and the newcomer sees none of the earlier messages; one who moves to another
organisation leaves the room quietly. The procesregie adds an organisation (it gets the
invitation again) and removes it (its members leave, no incident), each audited with the
reason's code."""

from __future__ import annotations

import asyncio
from datetime import datetime, time
from pathlib import Path

import pytest

from bot.cli import main
from demo.inbox import download_image
from handlers.house import AMSTERDAM
from scheduler.clock import OffsetClock
from tests.conftest import MemberFactory
from tests.helpers import converse
from tests.test_casusoverleg_matrix import SHARED, House, a_weekday, house, start
from tests.test_every_casus_ends_matrix import run, travel

pytestmark = pytest.mark.integration
__all__ = ["house"]  # the fixture


async def planned_casus(house: House) -> tuple[str, str]:
    """A casus with politie and om, its overleg planned, politie in the room."""
    await start(house)
    reference = await house.casus()
    await house.plan(reference, a_weekday(10))
    room_id = await house.politie.accept_invite(house.bot.user_id)
    await house.politie.wait_for_text(house.bot.user_id, room_id, "Uitnodiging")
    return reference, room_id


async def test_a_new_contact_joins_the_running_casus_room_at_once(
    house: House, member_factory: MemberFactory, tmp_path: Path
) -> None:
    _, room_id = await planned_casus(house)

    newcomer = await member_factory("politie-nieuw")
    await newcomer.set_display_name("Nina Nieuw")
    config = tmp_path / "cli.toml"
    config.write_text(f'[database]\nurl = "{house.bot.settings.database.url}"\n'
                      f'[audit]\nanchor_file = "{tmp_path / "anchors"}"\n')  # fmt: skip
    args = ["--config", str(config), "member", "add", newcomer.user_id, "--org", "politie",
            "--role", "partner"]  # fmt: skip
    assert await asyncio.to_thread(main, args) == 0

    joined_room = await newcomer.accept_invite(house.bot.user_id)
    assert joined_room == room_id
    told = await house.politie.wait_for_text(house.bot.user_id, room_id, "neemt voortaan deel")
    assert newcomer.user_id in told.content.get("m.mentions", {}).get("user_ids", [])
    await newcomer.wait_for_text(house.bot.user_id, room_id, "neemt voortaan deel")
    seen = [m.body for m in newcomer.messages_from(house.bot.user_id, room_id)]
    assert not [body for body in seen if "Uitnodiging" in body or "Nepnaam" in body], (
        "no earlier history for a newcomer"
    )

    # Moved to an organisation that does not take part: out of the room, quietly.
    moved = ["--config", str(config), "member", "add", newcomer.user_id, "--org", "ggz",
             "--role", "partner"]  # fmt: skip
    assert await asyncio.to_thread(main, moved) == 0

    def left() -> bool:
        return any(room == room_id and user == newcomer.user_id and membership == "leave"
                   for room, user, membership, _ in house.politie.inbox.memberships)  # fmt: skip

    await house.politie.wait_until(left)
    incidents = await house.bot.rows("SELECT count(*) FROM incidenten")
    assert incidents == [(0,)], "a member the bot invited and no longer wants is no intruder"


async def test_the_procesregie_adds_and_removes_an_organisation_with_a_reason(
    house: House,
) -> None:
    reference, room_id = await planned_casus(house)

    refused = await house.ask(house.regisseur, f"overleg deelnemer toevoegen {reference} ggz")
    assert "Gebruik: overleg deelnemer toevoegen" in refused
    added = await house.ask(
        house.regisseur, f"overleg deelnemer toevoegen {reference} ggz nieuw-betrokken"
    )
    assert "ik nodig hun contactpersonen nu uit" in added
    assert await house.ggz.accept_invite(house.bot.user_id) == room_id
    # The newcomer cannot read the first invitation: it comes again, with what the policy
    # allows, and the room hears who joined and why.
    again = await house.ggz.wait_for_text(house.bot.user_id, room_id, "Uitnodiging")
    assert "Nepnaam" in again.body
    told = await house.politie.wait_for_text(house.bot.user_id, room_id, "neemt voortaan deel")
    assert "nieuw betrokken bij de casus" in told.body

    removed = await house.ask(
        house.regisseur, f"overleg deelnemer verwijderen {reference} ggz niet-meer-betrokken"
    )
    assert "ik haal hun leden uit de kamer" in removed

    def left() -> bool:
        return any(room == room_id and user == house.ggz.user_id and membership == "leave"
                   for room, user, membership, _ in house.politie.inbox.memberships)  # fmt: skip

    await house.politie.wait_until(left)
    audited = await house.bot.rows(
        "SELECT detail FROM audit_log WHERE kind = 'participants_changed' ORDER BY seq"
    )
    [(first,), (second,)] = audited
    assert '"added"' in first
    assert '"nieuw-betrokken"' in first
    assert '"removed"' in second
    assert await house.bot.rows("SELECT count(*) FROM incidenten") == [(0,)]


async def test_who_informed_the_betrokkene_is_recorded_and_shown(house: House) -> None:
    await start(house)
    reference = await house.casus()
    refused = await house.ask(house.ggz, f"geïnformeerd {reference}")
    assert f"Ik ken geen aanmelding met kenmerk {reference}" in refused
    before = await house.ask(house.regisseur, "overzicht")
    assert "geïnformeerd" in before
    early = await house.ask(house.aanmelder, f"geinformeerd {reference} 1-1-2020")
    assert "Die datum ligt voor de aanmelding" in early
    done = await house.ask(house.aanmelder, f"geinformeerd {reference} vandaag")
    assert "Vastgelegd: de betrokkene" in done
    after = await house.ask(house.regisseur, "overzicht")
    assert "ja (" in after
    [(informed_by,)] = await house.bot.rows(
        "SELECT informed_by FROM aanmeldingen WHERE reference = :r", r=reference
    )
    assert informed_by == house.aanmelder.user_id


async def test_a_casus_handed_over_sends_only_the_chosen_fields_and_closes(house: House) -> None:
    await start(house)
    reference = await house.casus()
    wrong = await house.ask(house.regisseur, f"overdragen {reference} ggz naam, adres")
    assert "Onbekend veld: naam" in wrong
    done = await house.ask(house.regisseur, f"overdragen {reference} ggz voornaam, achternaam")
    assert f"{reference} is overgedragen aan" in done
    handed = await house.told(house.ggz, f"Overdracht {reference}")
    assert "Nepnaam" in handed
    assert "Demostad" not in handed, "only the chosen fields"
    [(detail,)] = await house.bot.rows(
        "SELECT detail FROM audit_log WHERE kind = 'disclosure' AND detail LIKE :p",
        p="%overdracht%",
    )
    assert house.ggz.user_id in detail
    assert '"fields": ["voornaam", "achternaam"]' in detail
    [row] = await house.bot.rows(
        "SELECT closed_outcome FROM aanmeldingen WHERE reference = :r", r=reference
    )
    assert row == ("overgedragen",)
    again = await house.ask(house.regisseur, f"overdragen {reference} ggz")
    assert "is afgeschaald op" in again


async def test_an_incidental_participant_sees_less_and_leaves_after_the_overleg(
    house: House,
) -> None:
    clock = OffsetClock()
    house.bot.clock = clock
    day = a_weekday(10)
    await start(house)
    reference = await house.casus()
    await house.plan(reference, day)
    room_id = await house.politie.accept_invite(house.bot.user_id)
    await house.politie.wait_for_text(house.bot.user_id, room_id, "Uitnodiging")

    typo = await house.ask(
        house.regisseur, f"overleg deelnemer toevoegen {reference} ggz nieuw-betrokken eenmalig"
    )
    assert "Bedoel je incidenteel?" in typo
    added = await house.ask(
        house.regisseur,
        f"overleg deelnemer toevoegen {reference} ggz nieuw-betrokken incidentel",  # a typo
    )
    assert "neemt incidenteel deel aan het volgende overleg" in added
    assert await house.ggz.accept_invite(house.bot.user_id) == room_id
    invitation = await house.ggz.wait_for_text(house.bot.user_id, room_id, "Uitnodiging")
    assert "Nepnaam" in invitation.body
    assert "Organisatie ggz (incidenteel)" in invitation.body
    for hidden in ("3 april 1990", "Demostad", SHARED):
        assert hidden not in invitation.body, hidden
    told = await house.politie.wait_for_text(house.bot.user_id, room_id, "neemt incidenteel deel")
    assert "na het overleg verlaten zij de kamer" in told.body
    # What went to the incidental participant, from the audit log: fewer fields, no
    # partner's information.
    disclosures = await house.bot.rows(
        "SELECT detail FROM audit_log WHERE kind = 'disclosure' AND detail LIKE :p",
        p=f"%{house.ggz.user_id}%",
    )
    [(detail,)] = disclosures
    assert '"fields": ["doel", "themas", "voornaam", "achternaam"]' in detail
    # While they are in the room, everything posted there keeps to the smaller set.
    await house.ask(house.aanmelder, f"persoon toevoegen {reference}")
    await converse(house.aanmelder, house.bot, house.room(house.aanmelder),
                   ["zoon", "Kleintje", "van Nepnaam", "3-4-2014", "ja", "bevestig"])  # fmt: skip
    son = await house.ggz.wait_for_text(house.bot.user_id, room_id, "ook over persoon 2 (zoon)")
    assert "Kleintje" in son.body
    assert "2014" not in son.body

    # Past the overleg (the bot does not know when it ends: some hours after its moment).
    travel(clock, datetime.combine(day, time(15, 0), tzinfo=AMSTERDAM))
    await run(house, "casusoverleg")
    ended = await house.politie.wait_for_text(house.bot.user_id, room_id, "nam incidenteel deel")
    assert "hun leden verlaten de kamer" in ended.body

    def left() -> bool:
        return any(room == room_id and user == house.ggz.user_id and membership == "leave"
                   for room, user, membership, _ in house.politie.inbox.memberships)  # fmt: skip

    await house.politie.wait_until(left)
    assert await house.bot.rows("SELECT count(*) FROM incidenten") == [(0,)]
    # Politie stays, and the room is back to the full policy for what follows.
    assert await house.bot.rows(
        "SELECT incidental FROM overleggen WHERE aanmelding_id = "
        "(SELECT id FROM aanmeldingen WHERE reference = :r)", r=reference,
    ) == [(None,)]  # fmt: skip


async def test_a_casus_handed_over_to_another_house_becomes_a_document_in_the_own_chat(
    house: House,
) -> None:
    house.bot.extra_config = {
        "house": {"other_houses": {"ijsselland": "Zorg- en Veiligheidshuis IJsselland"}}
    }
    await start(house)
    reference = await house.casus()
    unknown = await house.ask(house.regisseur, f"overdragen {reference} twente")
    assert "Ik ken geen organisatie met code twente (andere huizen: ijsselland)" in unknown
    done = await house.ask_for(
        house.regisseur, f"overdragen {reference} ijsselland voornaam, achternaam, doel",
        "is overgedragen aan",
    )  # fmt: skip
    assert "Zorg- en Veiligheidshuis IJsselland (het document staat in onze eigen chat" in done
    sent = await house.regisseur.wait_for_text(
        house.bot.user_id, house.room(house.regisseur), f"Overdrachtsdocument {reference}"
    )
    assert sent.msgtype == "m.file"
    assert "url" not in sent.content, "never an unencrypted file"
    document = (await download_image(house.regisseur.client, sent.content)).decode()
    assert f"Overdracht {reference}" in document
    assert "van Nepnaam" in document
    assert "Eén gezamenlijk plan van aanpak." in document, "the aanmelding's doel, chosen"
    assert "Overlast" not in document, "the probleemstelling was not chosen"
    assert "3 april 1990" not in document, "only the chosen fields"
    [(detail,)] = await house.bot.rows(
        "SELECT detail FROM audit_log WHERE kind = 'disclosure' AND detail LIKE :p",
        p='%"overdracht"%',
    )
    assert '"extern:ijsselland"' in detail
    assert house.regisseur.user_id in detail
    [(outcome,)] = await house.bot.rows(
        "SELECT closed_outcome FROM aanmeldingen WHERE reference = :r", r=reference
    )
    assert outcome == "overgedragen"
