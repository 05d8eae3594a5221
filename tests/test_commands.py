"""The chat command parser: forgiving about case and '!', strict about arguments."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.errors import UserError
from handlers.features import build_registry

registry = build_registry()


@pytest.mark.parametrize("text", ["hulp", "HULP", "!hulp", "  ! Hulp  ", "help"])
def test_help_is_found_however_it_is_typed(text: str) -> None:
    parsed = registry.parse(text)
    assert parsed is not None
    assert parsed.command.usage == "hulp"


def test_longest_phrase_wins_and_arguments_follow() -> None:
    parsed = registry.parse("!Lid toevoegen @a.b:zvh.nl politie partner")
    assert parsed is not None
    assert parsed.command.usage.startswith("lid toevoegen")
    assert parsed.args == ["@a.b:zvh.nl", "politie", "partner"]


def test_quoted_names_stay_together() -> None:
    parsed = registry.parse('organisatie toevoegen om "Openbaar Ministerie"')
    assert parsed is not None
    assert parsed.args == ["om", "Openbaar Ministerie"]


def test_unbalanced_quote_is_a_dutch_error() -> None:
    with pytest.raises(UserError, match="aanhalingsteken"):
        registry.parse('organisatie toevoegen om "Openbaar Ministerie')


@pytest.mark.parametrize("text", ["", "   ", "lidtoevoegen", "goedemorgen", "!"])
def test_non_commands_are_not_matched(text: str) -> None:
    assert registry.parse(text) is None


@given(st.text(max_size=300))
def test_parser_never_fails_other_than_with_a_user_error(text: str) -> None:
    # Any other exception fails this test; a UserError must carry a message for the user.
    try:
        registry.parse(text)
    except UserError as error:
        message = error.message
        assert message.startswith("Ik kan dit niet lezen")


@pytest.mark.parametrize(
    "text",
    [
        "overleg plan ZVH-2026-0001 3-3-2027 10:00 Gemeentehuis 's-Hertogenbosch",
        "actie toevoegen ZVH-2026-0001 Cliënt's moeder bellen; politie; 1-3-2027",
    ],
)
def test_free_text_commands_keep_apostrophes(text: str) -> None:
    parsed = registry.parse(text)
    assert parsed is not None
    assert "'" in " ".join(parsed.args)
