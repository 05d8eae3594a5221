"""Values come back from the database as they went in, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from storage.db import Database
from storage.models import Aanmelding, Member, Organisation
from storage.unit import Unit

AMS = ZoneInfo("Europe/Amsterdam")
SUMMER = datetime(2026, 7, 1, 9, 30, tzinfo=AMS)


async def test_a_long_sync_token_is_kept_whole(db: Database) -> None:
    token = "s1_" + "m1~2.3~4.5_" * 100  # homeservers set no length on it
    async with db.transaction() as unit:
        await unit.sync_positions.save("@bot:x.nl", token, SUMMER)
    async with db.session() as session:
        assert await Unit(session).sync_positions.load("@bot:x.nl") == token


async def test_moments_dates_flags_and_texts_round_trip(db: Database) -> None:
    longest = f"@{'j' * 200}:{'x' * 50}.nl"  # 255 characters: the spec's limit
    async with db.transaction() as unit:
        organisation = Organisation(key="om", name="Openbaar Ministerie", created_at=SUMMER)
        unit.session.add(organisation)
        await unit.session.flush()
        unit.session.add(
            Member(matrix_id=longest, organisation_id=organisation.id, role="partner",
                   created_at=SUMMER)
        )  # fmt: skip
        await unit.aanmeldingen.add(Aanmelding(
            reference="ZVH-2026-0001", submitted_at=SUMMER, status="aangemeld",
            aanmelder_matrix_id=longest, aanmelder_organisation="om",
            voornaam="Zoë", achternaam="’t Hooft-Ĳsselmeer", geboortedatum=date(1990, 4, 3),
            minderjarig=True, woonplaats="Súdwest-Fryslân", gemeente="Súdwest-Fryslân",
            probleemstelling="Regel 1\nRegel 2 — «citaat» 😀", doel="d", criteria="[]",
            betrokken_partners="[]", urgentie="regulier", contactpersoon="ik",
            afgeschaald_on=date(2026, 12, 31),
        ))  # fmt: skip
    async with db.session() as session:
        member = (await session.execute(select(Member))).scalar_one()
        aanmelding = (await session.execute(select(Aanmelding))).scalar_one()
    assert member.matrix_id == longest
    assert member.created_at == SUMMER
    assert member.created_at.tzinfo == UTC, "moments come back in UTC"
    assert (aanmelding.voornaam, aanmelding.achternaam) == ("Zoë", "’t Hooft-Ĳsselmeer")
    assert aanmelding.probleemstelling == "Regel 1\nRegel 2 — «citaat» 😀"
    assert aanmelding.minderjarig is True
    assert aanmelding.geboortedatum == date(1990, 4, 3)
    assert aanmelding.afgeschaald_on == date(2026, 12, 31)
    async with db.session() as session:
        later = select(Aanmelding.reference).where(Aanmelding.submitted_at > SUMMER)
        assert (await session.execute(later)).all() == [], "compared as moments, not text"
        same = select(Aanmelding.reference).where(Aanmelding.submitted_at == SUMMER.astimezone(UTC))
        assert (await session.execute(same)).scalars().all() == ["ZVH-2026-0001"]
