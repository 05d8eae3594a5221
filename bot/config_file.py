"""Reading the configuration file: TOML, secrets from the environment, one Dutch line for
the first wrong setting (``bot/config.py`` says what each setting is)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.config import ENV_ONLY, ENV_OVERRIDES, ConfigError, MatrixSettings, Settings


def _format_error(error: ValidationError) -> str:
    """One Dutch line naming the first wrong setting, never echoing secret values."""
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"]) or "config"
    kind = first["type"]
    if kind == "missing":
        reason = "ontbreekt"
    elif kind == "extra_forbidden":
        reason = "is geen bekende instelling"
    elif kind == "string_pattern_mismatch":
        reason = "heeft niet de juiste vorm (zie config.example.toml)"
    elif kind == "literal_error":
        reason = f"moet een van deze zijn: {first.get('ctx', {}).get('expected', '')}"
    else:
        reason = first["msg"].removeprefix("Value error, ")
    more = len(error.errors()) - 1
    suffix = f" (en nog {more} andere fout{'en' if more > 1 else ''})" if more else ""
    return f"{location}: {reason}{suffix}"


class ToolSettings(Settings):
    """What the command line reads: everything but ``[matrix]`` (the beheerder's tools need
    no Matrix password or pickle key)."""

    matrix: MatrixSettings | None = None  # type: ignore[assignment]


def settings_from_mapping(
    data: Mapping[str, Any], environ: Mapping[str, str] | None = None, *, tool: bool = False
) -> Settings:
    """Validate a parsed config mapping, overlaying secrets from ``environ``; ``tool``: for
    the command line, without the ``[matrix]`` section."""
    merged: dict[str, Any] = {
        key: dict(value) if isinstance(value, Mapping) else value
        for key, value in data.items()
        if not (tool and key == "matrix")
    }
    env = os.environ if environ is None else environ
    for section, key in ENV_ONLY:
        given = data.get(section)
        if isinstance(given, Mapping) and key in given:
            raise ConfigError(
                f"{section}.{key} hoort niet in het configuratiebestand: gebruik de "
                "omgevingsvariabele of data_key_file"
            )
    for variable, (section, key) in ENV_OVERRIDES.items():
        value = env.get(variable)
        if value and not (tool and section == "matrix"):
            section_data = merged.setdefault(section, {})
            if not isinstance(section_data, dict):
                raise ConfigError(f"{section}: moet een sectie [{section}] zijn")
            section_data[key] = value
    try:
        return (ToolSettings if tool else Settings).model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(_format_error(exc)) from None


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"config: kan {path} niet lezen ({exc.strerror})") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config: {path} is geen geldige TOML ({exc})") from None


def load_settings(path: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the TOML file at ``path``."""
    return settings_from_mapping(_read(path), environ)


def load_tool_settings(path: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """The settings the command line needs (no ``[matrix]``). Without the file, the
    defaults, when CASUSBOT_DATABASE_URL says where the database is."""
    env = os.environ if environ is None else environ
    data = _read(path) if path.exists() or not env.get("CASUSBOT_DATABASE_URL") else {}
    return settings_from_mapping(data, env, tool=True)
