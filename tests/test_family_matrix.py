"""A casus about a family, on the real homeserver: the aanmelder adds a son to the casus in
chat; the procesregie hears the whole person, the partner still asked for verrijking only
the lookup fields; the invitation carries both persons' allowed personalia (the son has no
address of his own, the betrokkene's address is not allowed); inzage for the son shows his
data and not his mother's; each person is informed on their own; retention deletes both."""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path

import pytest

from bot.cli import main
from scheduler.clock import OffsetClock
from tests.helpers import AANMELDING_ANSWERS, converse, opened, submit_aanmelding
from tests.test_casusoverleg_matrix import NOT_SHARED, SHARED, House, a_weekday, house, start
from tests.test_every_casus_ends_matrix import run, travel, working_moment

pytestmark = pytest.mark.integration
__all__ = ["house"]  # the fixture

SON = ["zoon", "Kleintje", "van Nepnaam", "3-4-2014", "ja"]


async def test_a_family_casus_shares_each_persons_allowed_data_and_deletes_both(
    house: House, tmp_path: Path
) -> None:
    clock = OffsetClock()
    house.bot.clock = clock
    await start(house)
    reference = await submit_aanmelding(
        house.aanmelder, house.bot, house.room(house.aanmelder), AANMELDING_ANSWERS
    )
    await house.told(house.aanmelder, f"persoon toevoegen {reference}")
    await house.told(house.regisseur, f"Nieuwe aanmelding {reference}")
    await house.ask(house.regisseur, f"verrijk {reference} politie")
    await house.told(house.politie, f"Verzoek om informatie — {reference}")

    # Someone else's casus: no hint that it exists.
    refused = await house.ask(house.ggz, f"persoon toevoegen {reference}")
    assert f"Ik ken geen aanmelding met kenmerk {reference}" in refused
    asked = await house.ask(house.aanmelder, f"persoon toevoegen {reference}")
    assert "Wie is deze persoon voor de betrokkene?" in asked
    summary = await converse(house.aanmelder, house.bot, house.room(house.aanmelder), SON)
    assert "dezelfde als de betrokkene" in summary.body
    assert "(minderjarig)" in summary.body
    done = await house.ask(house.aanmelder, "bevestig")
    assert f"Toegevoegd aan {reference}: persoon 2 (zoon)" in done

    regie = await house.told(house.regisseur, f"Persoon toegevoegd aan {reference}")
    assert "Kleintje van Nepnaam (zoon), 3 april 2014 (minderjarig), Demostad" in regie
    # The partner still asked gets the son's lookup fields, nothing more.
    extra = await house.told(
        house.politie, f"Aanvulling op het verzoek om informatie — {reference}"
    )
    assert "Kleintje van Nepnaam" in extra
    assert "Testje" not in extra, "only the person added"

    await house.verrijking(house.politie, reference, ["ja", SHARED, "ja", "bevestig"])
    await house.ask(house.regisseur, f"verrijk {reference} om")
    asked_om = await house.told(house.om, f"Verzoek om informatie — {reference}")
    assert "Zijn deze personen bij jullie bekend?" in asked_om
    assert "Persoon 2 (zoon)" in asked_om
    await house.verrijking(house.om, reference, ["ja", NOT_SHARED, "nee", "bevestig"])
    await house.ask(house.regisseur, f"besluit {reference} casusoverleg")
    await converse(house.regisseur, house.bot, house.room(house.regisseur),
                   ["Samen één plan.", "wonen, schulden", "politie, om"])  # fmt: skip
    await house.ask_for(house.regisseur, "bevestig", f"{reference}: casus voor casusoverleg")

    await house.plan(reference, a_weekday(10))
    room_id = await house.politie.accept_invite(house.bot.user_id)
    invitation = await house.politie.wait_for_text(house.bot.user_id, room_id, "Uitnodiging")
    for shown in ("Betrokkene", "Testje", "3 april 1990", "Persoon 2 (zoon)", "Kleintje",
                  "3 april 2014"):  # fmt: skip
        assert shown in invitation.body, shown
    assert "Voorbeeldstraat" not in invitation.body, "the address is not in the policy"
    [(detail,)] = await house.bot.rows(
        "SELECT detail FROM audit_log WHERE kind = 'disclosure' AND detail LIKE :p",
        p='%"uitnodiging"%',
    )
    assert '"persoon2:voornaam"' in detail

    # Inzage for the son: his data, his mother's casus, not her personalia.
    config = tmp_path / "cli.toml"
    config.write_text(f'[database]\nurl = "{house.bot.settings.database.url}"\n'
                      f'[audit]\nanchor_file = "{tmp_path / "anchors"}"\n')  # fmt: skip
    args = ["--config", str(config), "inzage", "--achternaam", "van Nepnaam",
            "--geboortedatum", "3-4-2014", "--uit", str(tmp_path)]  # fmt: skip
    assert await asyncio.to_thread(main, args) == 0
    text = await asyncio.to_thread(lambda: next(tmp_path.glob("inzage-*.md")).read_text())
    assert reference in text
    assert "voornaam: Kleintje" in text
    assert "Testje" not in text
    assert "1 andere persoon" in text

    # Informing, per person.
    overview = await house.ask(house.regisseur, "overzicht")
    assert "nee; 1 andere nog niet" in overview
    son = await house.ask(house.aanmelder, f"geïnformeerd {reference} persoon 2 vandaag")
    assert f"persoon 2 (zoon) van {reference} geïnformeerd op" in son
    rest = await house.ask(house.aanmelder, f"geïnformeerd {reference}")
    assert f"Vastgelegd: de betrokkene van {reference}" in rest
    again = await house.ask(house.aanmelder, f"geïnformeerd {reference}")
    assert f"Iedereen van {reference} is al geïnformeerd" in again

    betrokkene = await house.ask(house.regisseur, f"persoon verwijderen {reference} 1 onjuist")
    assert "Persoon 1 is de betrokkene zelf" in betrokkene
    why = await house.ask(house.regisseur, f"persoon verwijderen {reference} 2 zomaar")
    assert "Geef een reden: onjuist, dubbel, niet-betrokken" in why
    not_theirs = await house.ask(house.aanmelder, f"persoon verwijderen {reference} 2 onjuist")
    assert "Dat kan ik voor jouw rol niet doen" in not_theirs

    await house.afschalen(reference, "toch")
    travel(clock, working_moment(house, clock, 200))
    await run(house, "retention")
    await house.politie.wait_until(
        functools.partial(set.__contains__, house.politie.inbox.redacted, invitation.event_id)
    )
    # The aanmelder's confirmation names the relatie in their own words: taken back too.
    added = await house.aanmelder.wait_for_text(
        house.bot.user_id, house.room(house.aanmelder), f"Toegevoegd aan {reference}"
    )
    await house.aanmelder.wait_until(
        functools.partial(set.__contains__, house.aanmelder.inbox.redacted, added.event_id)
    )
    assert await house.bot.rows("SELECT count(*) FROM personen") == [(0,)]
    [(voornaam,)] = await house.bot.rows(
        "SELECT voornaam FROM aanmeldingen WHERE reference = :r", r=reference
    )
    assert opened(voornaam) == ""
    # The figures count both persons, without either.
    persons = await house.bot.rows(
        "SELECT soort, outcome FROM feiten WHERE soort IN ('aangemeld', 'persoon') ORDER BY id"
    )
    assert persons == [("aangemeld", "meerderjarig"), ("persoon", "minderjarig")]
