"""Personal data at rest: encrypted per value, unreadable without the key, and a key can be
replaced while the bot keeps reading."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from storage import crypto
from storage.db import Database
from storage.keys import encrypted_columns, rotate
from storage.models import Aanmelding
from tests.databases import rows

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
OLD = crypto.installed()
NEW = crypto.DataKeys(crypto.parse_key(base64.urlsafe_b64encode(b"n" * 32).decode()))


@pytest.fixture(autouse=True)
def restore_the_test_key() -> Iterator[None]:
    yield
    crypto.install(OLD)


async def add(db: Database) -> None:
    async with db.transaction() as unit:
        await unit.aanmeldingen.add(Aanmelding(
            reference="ZVH-2026-0001", submitted_at=NOW, status="aangemeld",
            aanmelder_matrix_id="@a:x.nl", aanmelder_organisation="politie",
            voornaam="Testje", achternaam="van Nepnaam", geboortedatum=date(1990, 4, 3),
            minderjarig=False, woonplaats="Demostad", gemeente="Demostad",
            probleemstelling="GEHEIM", doel="d", criteria="[]", betrokken_partners="[]",
            urgentie="regulier", contactpersoon="ik",
        ))  # fmt: skip


async def stored_keys(db: Database) -> set[str]:
    [values] = await rows(
        db.url, "SELECT voornaam, geboortedatum, probleemstelling FROM aanmeldingen"
    )
    return {crypto.DataKeys.key_of(v) for v in values}


def test_values_are_sealed_and_tampering_is_detected() -> None:
    sealed = OLD.encrypt("Testje")
    assert "Testje" not in sealed
    assert OLD.encrypt("Testje") != sealed, "a fresh nonce every time"
    assert OLD.decrypt(sealed) == "Testje"
    forged = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(crypto.DataKeyError, match="beschadigd of vervalst"):
        OLD.decrypt(forged)
    with pytest.raises(crypto.DataKeyError, match="onbekende sleutel"):
        NEW.decrypt(sealed)
    with pytest.raises(crypto.DataKeyError, match="onversleutelde tekst"):
        OLD.decrypt("Testje")
    assert OLD.lookup_hash("Van  Nepnaam", "1990-04-03") == OLD.lookup_hash(
        "van nepnaam", "1990-04-03"
    )
    assert OLD.lookup_hash("van Nepnaam", "1990-04-03") != NEW.lookup_hash(
        "van Nepnaam", "1990-04-03"
    )


def test_every_personal_column_is_encrypted() -> None:
    columns = encrypted_columns()
    for table, expected in {
        "aanmeldingen": {"voornaam", "achternaam", "geboortedatum", "adres", "probleemstelling"},
        "verrijkingsverzoeken": {"informatie"},
        "conversations": {"state"},
        "outbox": {"plain", "html"},
        "pva_acties": {"wat"},
    }.items():
        assert expected <= set(columns[table]), table


async def test_rotation_rewrites_everything_while_both_keys_read(db: Database) -> None:
    await add(db)
    assert await stored_keys(db) == {OLD.primary_id}
    crypto.install(NEW)
    async with db.session() as session:
        with pytest.raises(crypto.DataKeyError):
            (await session.execute(select(Aanmelding))).scalar_one()
    crypto.install(crypto.DataKeys(NEW.primary, (OLD.primary,)))  # the bot during rotation
    counts = await rotate(db)
    assert counts["aanmeldingen"] >= 3
    assert await stored_keys(db) == {NEW.primary_id}
    assert await rotate(db) == {}, "nothing left the second time"
    crypto.install(NEW)  # the old key is gone
    async with db.session() as session:
        aanmelding = (await session.execute(select(Aanmelding))).scalar_one()
    assert (aanmelding.voornaam, aanmelding.geboortedatum) == ("Testje", date(1990, 4, 3))
    assert aanmelding.lookup_hash == NEW.lookup_hash("van Nepnaam", "1990-04-03")


def test_generate_prints_a_usable_key(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["--config", str(tmp_path / "none.toml"), "keys", "generate"]) == 0
    key = capsys.readouterr().out.strip()
    assert len(crypto.parse_key(key)) == 32
