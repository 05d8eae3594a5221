"""Rights of the betrokkene through the beheerder's command line: inzage, correction and
early deletion, each audited without the data itself."""

from __future__ import annotations

import asyncio
import json
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from storage.db import Database
from storage.models import Aanmelding, Persoon, Verrijkingsverzoek
from storage.unit import Unit
from tests.databases import Databases

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


@pytest.fixture
def config(tmp_path: Path, databases: Databases) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\nurl = "{databases.url("rights")}"\n'
        f'[audit]\nanchor_file = "{tmp_path / "audit-anchors"}"\n'
    )
    return path


def seed(url: str) -> None:
    async def go() -> None:
        db = Database(url)
        await db.migrate()
        async with db.transaction() as unit:
            people = (("ZVH-2026-0001", "Testje", "van Nepnaam"),
                      ("ZVH-2026-0002", "Testje", "Van  Nepnaam"),
                      ("ZVH-2026-0003", "Ander", "Iemand"))  # fmt: skip
            for reference, voornaam, achternaam in people:
                aanmelding = await unit.aanmeldingen.add(Aanmelding(
                    reference=reference, submitted_at=NOW, status="aangemeld",
                    aanmelder_matrix_id="@a:x.nl", aanmelder_organisation="politie",
                    voornaam=voornaam, achternaam=achternaam, geboortedatum=date(1990, 4, 3),
                    minderjarig=False, woonplaats="Demostad", gemeente="Demostad",
                    probleemstelling="GEHEIM-PROBLEEM", doel="d", criteria="[]",
                    betrokken_partners="[]", urgentie="regulier", contactpersoon="ik",
                ))  # fmt: skip
                unit.session.add(Verrijkingsverzoek(
                    aanmelding_id=aanmelding.id, organisation_key="politie", asked_at=NOW,
                    status="beantwoord", bekend=True, informatie="POLITIE-INFO",
                    delen_vooraf=False,
                ))  # fmt: skip
        await db.close()

    asyncio.run(go())


def audit_trail(url: str) -> list[tuple[str, str | None, str]]:
    async def go() -> list[tuple[str, str | None, str]]:
        db = Database(url)
        async with db.session() as session:
            entries = await Unit(session).audit.entries()
        await db.close()
        return [(e.kind, e.reference, e.detail) for e in entries]

    return asyncio.run(go())


def test_inzage_finds_the_person_by_name_and_birth_date_and_is_logged(
    config: Path, databases: Databases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.url("rights")
    seed(url)
    out = tmp_path / "inzage"
    assert main(["--config", str(config), "inzage", "--achternaam", "VAN NEPNAAM",
                 "--geboortedatum", "3-4-1990", "--uit", str(out)]) == 0  # fmt: skip
    assert "ZVH-2026-0001, ZVH-2026-0002" in capsys.readouterr().out
    document = next(out.glob("*.md"))
    text = document.read_text()
    assert stat.S_IMODE(document.stat().st_mode) == 0o600
    for expected in ("## ZVH-2026-0001", "## ZVH-2026-0002", "voornaam: Testje",
                     "GEHEIM-PROBLEEM", "politie: bekend — POLITIE-INFO"):  # fmt: skip
        assert expected in text, expected
    assert "Ander" not in text, "only this person"
    data = json.loads(next(out.glob("*.json")).read_text())
    assert [c["kenmerk"] for c in data["casussen"]] == ["ZVH-2026-0001", "ZVH-2026-0002"]
    kind, _, detail = audit_trail(url)[-1]
    assert kind == "inzage"
    assert json.loads(detail)["references"] == ["ZVH-2026-0001", "ZVH-2026-0002"]
    assert "Nepnaam" not in detail


def test_correction_and_early_deletion_with_a_reason(
    config: Path, databases: Databases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.url("rights")
    seed(url)
    base = ["--config", str(config)]
    assert main([*base, "correctie", "ZVH-2026-0003", "achternaam", "Anders",
                 "--reden", "onjuist"]) == 0  # fmt: skip
    assert main([*base, "inzage", "--achternaam", "anders", "--geboortedatum", "3-4-1990",
                 "--uit", str(tmp_path / "na")]) == 0  # fmt: skip
    assert "ZVH-2026-0003" in capsys.readouterr().out, "found under the corrected name"
    with pytest.raises(SystemExit):
        main([*base, "correctie", "ZVH-2026-0003", "woonplaats", "X", "--reden", "zomaar"])
    assert main([*base, "correctie", "ZVH-2026-0003", "geboortedatum", "31-2-1990",
                 "--reden", "onjuist"]) == 1, "a Dutch error for an impossible date"  # fmt: skip
    assert "Die datum bestaat niet" in capsys.readouterr().err

    assert main([*base, "verwijderen", "ZVH-2026-0001", "--reden", "verzoek-betrokkene"]) == 0

    async def left() -> list[str]:
        db = Database(url)
        async with db.session() as session:
            query = select(Aanmelding.reference).order_by(Aanmelding.reference)
            rows = (await session.execute(query)).scalars().all()
        await db.close()
        return list(rows)

    assert asyncio.run(left()) == ["ZVH-2026-0002", "ZVH-2026-0003"]
    trail = audit_trail(url)
    corrected = [json.loads(d) for k, _, d in trail if k == "corrected"]
    assert corrected == [{"fields": ["achternaam"], "reason": "onjuist"}], "not the value"
    assert [(k, r) for k, r, _ in trail if k == "deleted_early"] == [
        ("deleted_early", "ZVH-2026-0001")
    ]
    assert main([*base, "verwijderen", "ZVH-2026-0001", "--reden", "dubbel"]) == 1


def test_another_person_of_a_casus_is_found_corrected_and_deleted_with_it(
    config: Path, databases: Databases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.url("rights")
    seed(url)

    async def add_son() -> None:
        db = Database(url)
        async with db.transaction() as unit:
            aanmelding = await unit.aanmeldingen.by_reference("ZVH-2026-0003")
            assert aanmelding is not None
            unit.aanmeldingen.add_person(aanmelding, Persoon(
                number=0, relatie="zoon", voornaam="Kleintje", achternaam="Iemand",
                geboortedatum=date(2014, 4, 3), minderjarig=True, woonplaats="Demostad",
                added_by="@a:x.nl", added_at=NOW,
            ))  # fmt: skip
        await db.close()

    asyncio.run(add_son())
    base = ["--config", str(config)]
    assert main([*base, "correctie", "ZVH-2026-0003", "persoon:2:achternaam", "Anders",
                 "--reden", "onjuist"]) == 0  # fmt: skip
    assert main([*base, "correctie", "ZVH-2026-0003", "persoon:2:adres", "Straat 1",
                 "--reden", "onjuist"]) == 1, "the others have no address here"  # fmt: skip
    assert "persoon:NR:VELD" in capsys.readouterr().err
    out = tmp_path / "zoon"
    assert main([*base, "inzage", "--achternaam", "anders", "--geboortedatum", "3-4-2014",
                 "--uit", str(out)]) == 0  # fmt: skip
    assert "ZVH-2026-0003" in capsys.readouterr().out, "found under the corrected name"
    [document] = out.glob("*.md")
    text = document.read_text()
    assert "relatie: zoon" in text
    assert "Ander" not in text.replace("Anders", ""), "not the mother's name"
    assert "GEHEIM-PROBLEEM" in text, "the casus's own texts are about him too"

    assert main([*base, "verwijderen", "ZVH-2026-0003", "--reden", "verzoek-betrokkene"]) == 0

    async def persons_left() -> int:
        db = Database(url)
        async with db.session() as session:
            count = len((await session.execute(select(Persoon))).scalars().all())
        await db.close()
        return count

    assert asyncio.run(persons_left()) == 0
