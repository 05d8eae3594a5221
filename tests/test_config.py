"""Settings are validated at start-up; a bad one stops the bot with one line naming it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.config import ENV_ONLY, ConfigError, Settings
from bot.config_file import load_settings, settings_from_mapping
from bot.wiring import build_house, features_of
from handlers.conversation.service import FormSpec

MINIMAL: dict[str, Any] = {
    "matrix": {
        "user_id": "@casusbot:zvh.example",
        "password": "geheim-wachtwoord",
        "pickle_key": "a-long-enough-pickle-key",
    }
}


def with_(section: str, **values: Any) -> dict[str, Any]:
    config = {key: dict(value) for key, value in MINIMAL.items()}
    config.setdefault(section, {}).update(values)
    return config


def error_of(config: dict[str, Any], environ: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        settings_from_mapping(config, environ or {})
    return str(caught.value)


def test_minimal_config_gets_the_documented_defaults() -> None:
    settings = settings_from_mapping(MINIMAL, {})
    assert settings.database.url.startswith("sqlite+aiosqlite:///")
    assert settings.house.timezone == "Europe/Amsterdam"
    assert settings.retention.draft_days == 7
    assert settings.retention.afschaling_clean_months == 6
    assert settings.retention.afschaling_delete_months == 12
    assert settings.working_hours.weekday_numbers == frozenset(range(5))


def test_secrets_come_from_the_environment() -> None:
    config = {"matrix": {"user_id": "@casusbot:zvh.example"}}
    settings = settings_from_mapping(
        config,
        {"CASUSBOT_MATRIX_PASSWORD": "uit-env", "CASUSBOT_PICKLE_KEY": "pickle-key-uit-env-123"},
    )
    assert settings.matrix.password is not None
    assert settings.matrix.password.get_secret_value() == "uit-env"
    assert settings.matrix.resolve_pickle_key() == "pickle-key-uit-env-123"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"matrix": {"password": "x", "pickle_key": "p" * 20}}, "matrix.user_id: ontbreekt"),
        (with_("matrix", user_id="casusbot"), "matrix.user_id: is geen Matrix-gebruikers-ID"),
        (with_("matrix", homeserver_url="matrix.example"), "matrix.homeserver_url: moet beginnen"),
        (with_("house", timezone="Europe/Amsterdm"), "house.timezone: onbekende tijdzone"),
        (with_("house", reference_prefix="zvh-"), "house.reference_prefix"),
        (with_("working_hours", start="18:00", end="08:00"), "working_hours: start moet vóór"),
        (with_("working_hours", days=["maandag"]), "working_hours.days.0"),
        (with_("retention", draft_days=0), "retention.draft_days"),
        (
            with_("retention", afschaling_clean_months=12, afschaling_delete_months=6),
            "retention: afschaling_delete_months moet minstens",
        ),
        (with_("database", url="sqlite:///x.db"), "database.url: moet een async URL zijn"),
        (with_("matrix", colour="blue"), "matrix.colour: is geen bekende instelling"),
        (with_("logging", level="LOUD"), "logging.level"),
    ],
)
def test_a_bad_setting_is_named_in_one_line(config: dict[str, Any], expected: str) -> None:
    message = error_of(config)
    assert message.startswith(expected)
    assert "\n" not in message


def test_missing_credentials_and_pickle_key_are_explained() -> None:
    assert "password of access_token ontbreekt" in error_of(
        {"matrix": {"user_id": "@a:b.nl", "pickle_key": "p" * 20}}
    )
    assert "pickle_key ontbreekt" in error_of({"matrix": {"user_id": "@a:b.nl", "password": "x"}})


def test_errors_never_echo_secret_values() -> None:
    config = with_("matrix", password="super-secret-value", homeserver_url="nope")
    assert "super-secret-value" not in error_of(config)


def test_short_pickle_key_is_refused_when_used() -> None:
    settings = settings_from_mapping(with_("matrix", pickle_key="kort"), {})
    with pytest.raises(ConfigError, match="te kort"):
        settings.matrix.resolve_pickle_key()


def test_pickle_key_file_is_read(tmp_path: Path) -> None:
    key_file = tmp_path / "pickle.key"
    key_file.write_text("key-from-a-file-0123456789\n")
    config = {"matrix": {"user_id": "@a:b.nl", "password": "x", "pickle_key_file": str(key_file)}}
    assert settings_from_mapping(config, {}).matrix.resolve_pickle_key() == (
        "key-from-a-file-0123456789"
    )
    missing = {"matrix": {**config["matrix"], "pickle_key_file": str(tmp_path / "nope")}}
    with pytest.raises(ConfigError, match=r"kan .* niet lezen"):
        settings_from_mapping(missing, {}).matrix.resolve_pickle_key()


def test_invalid_toml_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[matrix\nuser_id = 1")
    with pytest.raises(ConfigError, match="geen geldige TOML"):
        load_settings(path, {})


def test_bot_with_bad_config_exits_at_once_with_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[matrix]\nuser_id = "@casusbot:zvh.example"\npassword = "x"\n'
        'pickle_key = "0123456789abcdef"\n[house]\ntimezone = "Mars/Olympus"\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(path), "run"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "casusbot: configuratiefout: house.timezone: onbekende tijdzone "
        "(bijvoorbeeld Europe/Amsterdam)"
    ]


def test_the_documented_example_config_is_valid() -> None:
    example = Path(__file__).parent.parent / "config.example.toml"
    settings = load_settings(
        example, {"CASUSBOT_MATRIX_PASSWORD": "x", "CASUSBOT_PICKLE_KEY": "k" * 16}
    )
    assert settings.matrix.user_id == "@casusbot:zvh.example"
    documented = example.read_text()

    # Every setting the code knows is documented in the example.
    def check(prefix: str, section: dict[str, Any]) -> None:
        assert f"[{prefix}" in documented, prefix
        for key, value in section.items():
            if isinstance(value, dict):
                check(f"{prefix}.{key}", value)
            elif (prefix, key) in ENV_ONLY:
                assert f"CASUSBOT_{key.upper()} " in documented or (
                    f"CASUSBOT_{key.upper()}," in documented
                ), key  # documented as its environment variable
            else:
                assert f"{key} =" in documented, (prefix, key)

    for name, section in settings.model_dump().items():
        check(name, section)


def test_procesregie_room_must_be_a_room_id() -> None:
    assert error_of(with_("house", procesregie_room="#procesregie:zvh.nl")).startswith(
        "house.procesregie_room: is geen kamer-ID"
    )
    settings = settings_from_mapping(with_("house", procesregie_room="!abc:zvh.nl"), {})
    assert settings.house.procesregie_room == "!abc:zvh.nl"
    v12 = "!-rvbX3a0LQFZ62CXqFVFAyfKwpEtW6ET5gh_zpc5EAI"  # room version 12: no server part
    assert settings_from_mapping(with_("house", procesregie_room=v12), {}).house.procesregie_room
    assert error_of(with_("house", procesregie_room="!abc def")).startswith("house.procesregie")


def build_forms(settings: Settings) -> dict[str, FormSpec]:
    """The forms of every feature, as the router gets them."""
    features = features_of(build_house(settings))
    return {spec.form.name: spec for feature in features for spec in feature.forms}


def test_house_wording_for_unknown_questions_is_refused() -> None:
    settings = settings_from_mapping(
        with_("forms", aanmelding={"prompts": {"doel": "Wat wil je bereiken?"}}), {}
    )
    assert build_forms(settings)["aanmelding"].form.step("doel").prompt == "Wat wil je bereiken?"
    wrong = settings_from_mapping(
        with_("forms", aanmelding={"prompts": {"schoenmaat": "Welke maat?"}}), {}
    )
    with pytest.raises(ConfigError, match="schoenmaat is geen vraag"):
        build_forms(wrong)


def test_the_data_key_never_comes_from_the_config_file_and_is_required() -> None:
    base = {"matrix": {"user_id": "@bot:x.nl", "password": "p", "pickle_key": "k" * 16}}
    with pytest.raises(ConfigError, match="hoort niet in het configuratiebestand"):
        settings_from_mapping({**base, "database": {"data_key": "x"}}, environ={})
    settings = settings_from_mapping(base, environ={})
    with pytest.raises(ConfigError, match="CASUSBOT_DATA_KEY"):
        settings.database.resolve_data_keys()
    with pytest.raises(ConfigError, match="32 bytes"):
        settings_from_mapping(
            base, environ={"CASUSBOT_DATA_KEY": "dGUta29ydA"}
        ).database.resolve_data_keys()
    good = settings_from_mapping(base, environ={"CASUSBOT_DATA_KEY": "A" * 43})
    assert good.database.resolve_data_keys().primary == b"\x00" * 32
