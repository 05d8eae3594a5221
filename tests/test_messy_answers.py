"""Answers as people type them: what is in them is taken, what was taken is shown, and only
what is really ambiguous is asked about (issue 19). No Matrix, no database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.aanmelding.forms import AANMELDING_FORM
from handlers.commands import CommandRegistry
from handlers.conversation.choices import (
    Option,
    closest,
    match_option,
    parse_choice,
    parse_choices,
    parse_yes_no,
    yes_no_of,
)
from handlers.conversation.parsing import (
    parse_appointment,
    parse_birth_date,
    parse_day,
    parse_dutch_date,
)
from handlers.conversation.places import find_postcode, place_name, split_address
from handlers.errors import UserError
from tests.test_engine import HAPPY, answer_all, say, text_of

TODAY = date(2026, 12, 4)
URGENTIE = [Option("regulier", "regulier"), Option("spoed", "spoed")]
ORGANISATIONS = [
    Option("om", "Openbaar Ministerie"),
    Option("politie", "Politie"),
    Option("ggz", "GGZ Centraal"),
    Option("reclassering", "Reclassering Nederland"),
]


@pytest.mark.parametrize(
    ("typed", "taken"),
    [
        ("03-04-90", date(1990, 4, 3)),
        ("3-4-90", date(1990, 4, 3)),
        ("3/4/1990", date(1990, 4, 3)),
        ("geboren op 3 april 1990", date(1990, 4, 3)),
        ("Geb. 3 apr. 1990", date(1990, 4, 3)),
        ("3 aprl 1990", date(1990, 4, 3)),
        ("volgens mij 1990-04-03 maar weet het niet zeker", date(1990, 4, 3)),
        ("12-05-08", date(2008, 5, 12)),  # a child: this century, since that lies in the past
        ("4-12-26", date(2026, 12, 4)),  # today
        ("5-12-26", date(1926, 12, 5)),  # tomorrow in 2026 is not a birth date: 1926
        ("29-2-00", date(2000, 2, 29)),
    ],
)
def test_birth_dates_as_typed(typed: str, taken: date) -> None:
    assert parse_birth_date(typed, TODAY) == taken


@pytest.mark.parametrize(
    ("typed", "told"),
    [
        ("3-4-1990 of 4-3-1990", "meer dan één datum"),
        ("weet ik niet", "niet als datum lezen"),
        ("31-4-90", "bestaat niet"),
        ("3 brommer 1990", "ken ik niet als maand"),
        ("3-13-1990", "bestaat niet"),
    ],
)
def test_dates_that_need_a_question(typed: str, told: str) -> None:
    with pytest.raises(UserError, match=told):
        parse_birth_date(typed, TODAY)


def test_a_two_digit_year_of_an_appointment_lies_ahead() -> None:
    assert parse_day("3-3-27", TODAY) == date(2027, 3, 3)
    assert parse_dutch_date("1-1-30", TODAY, past=False) == date(2030, 1, 1)


@pytest.mark.parametrize(
    ("typed", "street", "postcode", "place"),
    [
        ("Teststraat 1, 3511 AA Utrecht", "Teststraat 1", "3511 AA", "Utrecht"),
        ("teststraat 1 3511aa utrecht", "teststraat 1", "3511 AA", "Utrecht"),
        ("Kerkstraat 12a, 4611 AB bergen op zoom", "Kerkstraat 12a", "4611 AB", "Bergen op Zoom"),
        ("Markt 3, 's-hertogenbosch", "Markt 3", None, "'s-Hertogenbosch"),
        ("Dorpsstraat 1", "Dorpsstraat 1", None, None),
        ("Hoofdweg 10 bis", "Hoofdweg 10 bis", None, None),
    ],
)
def test_addresses_as_typed(
    typed: str, street: str, postcode: str | None, place: str | None
) -> None:
    address = split_address(typed)
    assert (address.street, address.postcode, address.place) == (street, postcode, place)


@pytest.mark.parametrize(
    ("typed", "postcode"),
    [
        ("3511 AA", "3511 AA"),
        ("3511aa", "3511 AA"),
        ("postcode is 3511 aa denk ik", "3511 AA"),
        ("Teststraat 1, 3511 AA Utrecht", "3511 AA"),
        ("Teststraat 12", None),
        ("0123 AB", None),  # no postcode starts with 0
        ("3511 SS", None),  # SA, SD and SS are never given out
    ],
)
def test_postcodes_in_longer_answers(typed: str, postcode: str | None) -> None:
    assert find_postcode(typed) == postcode


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("utrecht", "Utrecht"),
        ("bergen op zoom", "Bergen op Zoom"),
        ("den haag", "Den Haag"),
        ("'s-hertogenbosch", "'s-Hertogenbosch"),
        ("capelle aan den ijssel", "Capelle aan den IJssel"),
        ("gemeente utrecht", "Utrecht"),
        ("UTRECHT", "Utrecht"),
        ("Súdwest-Fryslân", "Súdwest-Fryslân"),  # written with capitals: as typed
        ("De Ronde Venen", "De Ronde Venen"),
    ],
)
def test_places_are_written_as_they_are_called(typed: str, name: str) -> None:
    assert place_name(typed) == name


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("ja", True), ("Ja hoor", True), ("jawel", True), ("klopt", True), ("ja, graag!", True),
        ("Jazeker.", True), ("ok", True), ("nee", False), ("nee hoor", False), ("neen", False),
        ("Nee, niet bij ons", False), ("niet bekend", False),
        ("ja nee", None), ("klopt niet", None), ("misschien", None), ("dat weet ik niet", None),
        ("", None),
    ],
)  # fmt: skip
def test_yes_and_no_as_typed(typed: str, answer: bool | None) -> None:
    assert yes_no_of(typed) is answer
    if answer is None:
        with pytest.raises(UserError, match="ja of nee"):
            parse_yes_no(typed)


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("2", "spoed"), ("2.", "spoed"), ("optie 2", "spoed"), ("Optie 2", "spoed"),
        ("nummer 1", "regulier"), ("#1", "regulier"), ("2)", "spoed"),
        ("reguleir", "regulier"), ("Regulier.", "regulier"), ("spoet", "spoed"),
        ("spo", "spoed"),
    ],
)  # fmt: skip
def test_a_choice_as_typed(typed: str, key: str) -> None:
    assert parse_choice(typed, URGENTIE) == key


@pytest.mark.parametrize(
    ("typed", "keys"),
    [
        ("politei", ["politie"]),
        ("politie en reclasering", ["politie", "reclassering"]),
        ("optie 1, optie 3", ["om", "ggz"]),
        ("nee", []),
        ("geen", []),
    ],
)
def test_several_choices_as_typed(typed: str, keys: list[str]) -> None:
    assert parse_choices(typed, ORGANISATIONS) == keys


def test_a_typo_close_to_two_options_is_asked_about() -> None:
    options = [Option("a", "pand"), Option("b", "rand")]
    assert match_option("band", options) is None
    assert closest("band", ["pand", "rand"]) is None
    assert closest("aanmlden", ["aanmelden", "afmelden"]) == "aanmelden"
    assert closest("ja", ["jan"]) is None  # short words are not typos of anything


def test_a_command_with_a_typo_gets_a_suggestion() -> None:
    from handlers.access import Action
    from handlers.commands import Arg, command, commands_of

    class Some:
        @command("aanmelden", action=Action.HELP, summary="x")
        async def one(self, ctx: object) -> None: ...

        @command(
            "overleg verslag", action=Action.HELP, summary="x", args=(Arg("kenmerk", "KENMERK"),)
        )
        async def two(self, ctx: object, kenmerk: str) -> None: ...

    registry = CommandRegistry(commands_of(Some()))
    assert registry.suggest("aanmleden") == "aanmelden"
    assert registry.suggest("!Aanmelden") is None  # not a typo: it parses
    assert registry.suggest("overleg versalg ZVH-2026-0001") == "overleg verslag"
    assert registry.suggest("aanmelden, bsn 111222333") == "aanmelden", "the rest not echoed"
    assert registry.suggest("koffie") is None


# --- in the aanmelding -----------------------------------------------------------------


def test_a_whole_address_fills_postcode_and_woonplaats_and_says_so() -> None:
    state = answer_all(upto="adres")
    outcome = say(state, "Teststraat 1, 3511 AA utrecht")
    assert outcome.state is not None
    assert outcome.state.answers["adres"] == "Teststraat 1"
    assert outcome.state.answers["postcode"] == "3511 AA"
    assert outcome.state.answers["woonplaats"] == "Utrecht"
    assert outcome.state.current == "gemeente"  # not asked again
    text = text_of(outcome)
    assert "postcode 3511 AA" in text
    assert "woonplaats Utrecht" in text
    assert "wijzig woonplaats" in text
    back = say(outcome.state, "terug")
    assert back.state is not None
    assert back.state.current == "adres", "terug goes back to the address"
    # At the summary, wijzig reaches what was filled in along the way.
    state = outcome.state
    for key, answer in HAPPY[HAPPY.index(("gemeente", "Utrecht")) :]:
        assert state.current == key
        state = say(state, answer).state  # type: ignore[assignment]
    assert state.phase == "summary"
    asked = say(state, "wijzig postcode")
    assert asked.state is not None
    assert asked.state.current == "postcode"
    changed = say(asked.state, "3512 bb")
    assert changed.state is not None
    assert changed.state.answers["postcode"] == "3512 BB"
    assert changed.state.phase == "summary"


def test_a_whole_address_at_the_postcode_question() -> None:
    state = answer_all(upto="postcode")
    outcome = say(state, "Dorpsstraat 1, 1234 AB  De Bilt")
    assert outcome.state is not None
    assert outcome.state.answers["postcode"] == "1234 AB"
    assert outcome.state.answers["woonplaats"] == "De Bilt"
    assert outcome.state.answers["adres"] == "Dorpsstraat 1"  # answered before: kept
    assert outcome.state.current == "gemeente"


def test_a_loose_date_is_taken_and_shown() -> None:
    outcome = say(answer_all(upto="geboortedatum"), "03-04-90")
    assert outcome.state is not None
    assert outcome.state.answers["geboortedatum"] == "1990-04-03"
    assert "Genoteerd: geboortedatum 3 april 1990" in text_of(outcome)


def test_a_choice_with_a_typo_is_taken_and_shown() -> None:
    outcome = say(answer_all(upto="urgentie"), "reguleir")
    assert outcome.state is not None
    assert outcome.state.answers["urgentie"] == "regulier"
    assert "Genoteerd: urgentie regulier" in text_of(outcome)


@pytest.mark.parametrize("word", ["bevestig", "nee", "ja", "klaar"])
def test_a_command_word_at_a_free_text_question_is_asked_about(word: str) -> None:
    state = answer_all(upto="probleemstelling")
    asked = say(state, word)
    assert asked.state is not None
    assert "probleemstelling" not in asked.state.answers
    assert "als antwoord op" in text_of(asked)
    kept = say(asked.state, "ja")
    assert kept.state is not None
    assert kept.state.answers["probleemstelling"] == word
    assert kept.state.current == "doel"


def test_after_the_question_the_real_answer_is_taken() -> None:
    asked = say(answer_all(upto="probleemstelling"), "bevestig")
    assert asked.state is not None
    answered = say(asked.state, "Overlast en schulden.")
    assert answered.state is not None
    assert answered.state.answers["probleemstelling"] == "Overlast en schulden."
    declined = say(say(answer_all(upto="probleemstelling"), "nee").state, "nee")  # type: ignore[arg-type]
    assert declined.state is not None
    assert declined.state.current == "probleemstelling"
    assert "Beschrijf de problematiek" in text_of(declined)


def test_ja_hoor_confirms_the_summary() -> None:
    state = answer_all()
    assert state.phase == "summary"
    assert say(state, "ja hoor").submitted is not None


# --- no answer crashes a parser ----------------------------------------------------------

ANY_TEXT = st.text(max_size=80) | st.from_regex(r"[0-9a-zA-Z ,./\-']{0,40}", fullmatch=True)


def _fails_kindly(parse: Callable[[str], object], text: str) -> None:
    """``parse`` reads ``text`` or explains in a sentence why not; anything else fails."""
    message = ""
    try:
        parse(text)
        return
    except UserError as error:
        message = error.message
    assert message.strip(), "an empty explanation"


@given(ANY_TEXT)
def test_no_answer_crashes_a_date_parser(text: str) -> None:
    _fails_kindly(lambda t: parse_birth_date(t, TODAY), text)
    _fails_kindly(lambda t: parse_day(t, TODAY), text)
    _fails_kindly(lambda t: parse_appointment(t, TODAY), text)
    _fails_kindly(parse_dutch_date, text)


@given(ANY_TEXT)
def test_no_answer_crashes_an_address_parser(text: str) -> None:
    _fails_kindly(split_address, text)
    _fails_kindly(find_postcode, text)
    _fails_kindly(place_name, text)


@given(ANY_TEXT)
def test_no_answer_crashes_a_choice_parser(text: str) -> None:
    _fails_kindly(lambda t: parse_choice(t, ORGANISATIONS), text)
    _fails_kindly(lambda t: parse_choices(t, ORGANISATIONS), text)
    _fails_kindly(parse_yes_no, text)


@given(ANY_TEXT)
def test_no_answer_crashes_a_question_of_the_aanmelding(text: str) -> None:
    for step in AANMELDING_FORM.steps:
        state = answer_all(upto=step.key)
        say(state, text)  # answers, asks again, or asks whether it is meant: never raises
