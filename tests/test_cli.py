"""The beheerder's command line: casusbot org / member."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.cli import main
from storage import crypto
from tests.databases import Databases, rows_now


@pytest.fixture
def config(tmp_path: Path, databases: Databases) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\nurl = "{databases.url("cli")}"\n'
        f'[audit]\nanchor_file = "{tmp_path / "audit-anchors"}"\n'
    )
    return path


def run(config: Path, *args: str) -> int:
    return main(["--config", str(config), *args])


def test_organisations_and_members_from_the_command_line(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config, "org", "add", "politie", "--name", "Politie Midden-Nederland") == 0
    assert (
        run(
            config, "member", "add", "@j.jansen:politie.nl", "--org", "politie", "--role", "partner"
        )
        == 0
    )
    assert run(config, "org", "list") == 0
    assert run(config, "member", "list") == 0
    out = capsys.readouterr().out
    assert "Organisatie politie (Politie Midden-Nederland) is toegevoegd." in out
    assert "@j.jansen:politie.nl is toegevoegd als partner bij politie." in out
    assert "politie  Politie Midden-Nederland  1" in out
    assert "@j.jansen:politie.nl  politie      partner  nee" in out

    assert run(config, "member", "remove", "@j.jansen:politie.nl") == 0
    assert run(config, "member", "list") == 0
    assert "Geen leden gevonden." in capsys.readouterr().out


def test_mistakes_exit_non_zero_with_a_dutch_message(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(config, "member", "add", "@x:y.nl", "--org", "onbekend", "--role", "partner") == 1
    assert "De organisatie onbekend bestaat niet" in capsys.readouterr().err
    assert run(config, "member", "add", "x", "--org", "onbekend", "--role", "partner") == 1
    assert "geen Matrix-gebruikers-ID" in capsys.readouterr().err


def test_management_needs_no_matrix_secrets_but_a_valid_database_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[database]\nurl = "mysql://nope"\n')
    assert run(path, "org", "list") == 2
    assert "database.url: moet een async URL zijn" in capsys.readouterr().err


def test_database_url_from_the_environment(
    tmp_path: Path,
    databases: Databases,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = databases.url("env")
    monkeypatch.setenv("CASUSBOT_DATABASE_URL", url)
    assert main(["--config", str(tmp_path / "absent.toml"), "org", "list"]) == 0
    assert "Er zijn nog geen organisaties." in capsys.readouterr().out
    assert rows_now(url, "SELECT count(*) FROM organisations") == [(0,)], "that database"


def test_purge_dry_run_lists_every_aanmelding_with_its_dates_and_changes_nothing(
    config: Path, databases: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.url("cli")
    assert run(config, "purge", "--dry-run") == 0
    assert "Er zijn geen aanmeldingen of casussen." in capsys.readouterr().out
    config.write_text(config.read_text() + "[retention]\nafschaling_clean_months = 2\n")
    enc = crypto.installed().encrypt
    values = ("Testje", "Nep", "1990-04-03", "Demostad", "Demostad", "p", "d", "ik")
    # Closed (afgeschaald), running without overleg, and never decided on.
    for reference, status, decided, closed in (
        ("ZVH-2026-0001", "casusoverleg", datetime(2026, 1, 10, 9, tzinfo=UTC), date(2026, 1, 15)),
        ("ZVH-2026-0002", "casus-zonder-overleg", datetime(2026, 2, 2, 9, tzinfo=UTC), None),
        ("ZVH-2026-0003", "open", None, None),
    ):
        rows_now(
            url,
            "INSERT INTO aanmeldingen (reference, submitted_at, status, aanmelder_matrix_id, "
            "aanmelder_organisation, voornaam, achternaam, geboortedatum, minderjarig, "
            "woonplaats, gemeente, probleemstelling, doel, criteria, betrokken_partners, "
            "urgentie, contactpersoon, triage_status, decided_at, afgeschaald_on, closed_on, "
            "closed_route) VALUES (:reference, :submitted, 'aangemeld', '@a:x.nl', 'politie', "
            ":v0, :v1, :v2, false, :v3, :v4, :v5, :v6, '[]', '[]', 'regulier', :v7, :status, "
            ":decided, :closed, :closed, :route)",
            reference=reference, status=status, decided=decided, closed=closed,
            submitted=datetime(2026, 1, 1, 9, tzinfo=UTC),
            route="afgeschaald" if closed else None,
            **{f"v{n}": enc(value) for n, value in enumerate(values)},
        )  # fmt: skip
    assert run(config, "purge", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "ZVH-2026-0001  afgeschaald                15 maart 2026  15 januari 2027" in out
    assert "ZVH-2026-0002  casus zonder casusoverleg  —" in out
    assert "vragen 3 augustus 2026" in out, "six months after the decision, a working day"
    assert "ZVH-2026-0003  in triage                  1 april 2026" in out, "90 days, then gone"
    assert run(config, "purge", "--dry-run", "--csv") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "kenmerk,stand,opschonen,verwijderen,nog nodig?,nu te doen"
    assert lines[1].startswith("ZVH-2026-0001,afgeschaald,2026-03-15,2027-01-15,—,")
    assert all(re.search(r"\d{4}-\d{2}-\d{2}", line) for line in lines[1:]), "every row a date"
    [(stored,)] = rows_now(
        url, "SELECT voornaam FROM aanmeldingen WHERE reference = 'ZVH-2026-0001'"
    )
    assert crypto.installed().decrypt(stored) == "Testje"
    with pytest.raises(SystemExit):
        run(config, "purge")  # without --dry-run: the running bot purges, not the CLI


def test_config_may_follow_the_subcommand_and_org_add_renames(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["org", "add", "politie", "--name", "Politie MN", "--config", str(config)]) == 0
    assert run(config, "org", "add", "politie", "--name", "Politie Midden-Nederland") == 0
    assert "heette Politie MN en heet nu Politie Midden-Nederland" in capsys.readouterr().out
    assert main(["org", "list", "--config", str(config)]) == 0
    assert "politie  Politie Midden-Nederland  0" in capsys.readouterr().out
    assert run(config, "org", "rename", "politie", "--name", "Politie Nederland") == 0
    assert "heet nu Politie Nederland" in capsys.readouterr().out
    assert run(config, "org", "rename", "onbekend", "--name", "Iets") == 1
    assert "De organisatie onbekend bestaat niet" in capsys.readouterr().err
