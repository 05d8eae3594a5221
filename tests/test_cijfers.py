"""The figures from a scenario with known transitions, over a real database: counted from
the anonymous facts (a deleted casus still counts), small cells suppressed, lead times as
median and 90th percentile, charts as PNG; and the overviews and the weekly list."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from handlers import feiten
from handlers.access import Caller
from handlers.beheer.members import MembershipService
from handlers.cijfers.charts import charts
from handlers.cijfers.service import Period, figures, parse_period
from handlers.cijfers.texts import rows
from handlers.errors import UserError
from handlers.house import House
from handlers.overzicht.service import my_actions, open_casussen
from handlers.retention.service import erase
from handlers.vocabulary import (
    ActieStatus,
    Evaluatie,
    OverlegStatus,
    Role,
    Route,
    TriageStatus,
    Uitkomst,
)
from handlers.wording import NATIONAL
from scheduler.job import run_job
from scheduler.jobs.overzicht import weekly
from storage.db import Database
from storage.models import Aanmelding, Overleg, PvaActie
from storage.unit import Unit
from tests.databases import Databases

HOUSE = House()
ZONE = HOUSE.zone
START = datetime(2026, 3, 2, 9, tzinfo=UTC)
REGISSEUR, OM = "@regie:x.nl", "@om:x.nl"


def test_a_period_is_read_as_people_write_it() -> None:
    today = date(2026, 12, 4)
    assert parse_period("2026", today) == Period(2026)
    assert parse_period("2026 k3", today) == Period(2026, 3)
    assert parse_period("Q2 2026", today) == Period(2026, 2)
    assert parse_period("kwartaal 4 2025", today) == Period(2025, 4)
    assert parse_period("", today) == Period(2026)
    assert (Period(2026, 3).start, Period(2026, 3).end) == (date(2026, 7, 1), date(2026, 10, 1))
    with pytest.raises(UserError, match="nog niet begonnen"):
        parse_period("2027", today)
    with pytest.raises(UserError, match="begrijp ik niet"):
        parse_period("2026 februari", today)


async def add(unit: Unit, n: int, org: str, submitted: datetime) -> Aanmelding:
    aanmelding = await unit.aanmeldingen.add(Aanmelding(
        reference=f"ZVH-2026-{n:04d}", submitted_at=submitted, status="aangemeld",
        aanmelder_matrix_id="@a:x.nl", aanmelder_organisation=org, voornaam="Testje",
        achternaam=f"Nepnaam{n}", geboortedatum=date(1990, 4, 3), minderjarig=False,
        woonplaats="Demostad", gemeente="Demostad", probleemstelling="p", doel="d",
        criteria="[]", betrokken_partners="[]", urgentie="regulier", contactpersoon="ik",
    ))  # fmt: skip
    feiten.aangemeld(unit, aanmelding, submitted.date())
    return aanmelding


@pytest.fixture
async def db(databases: Databases) -> AsyncIterator[Database]:
    """Six aanmeldingen of the politie and two of the wijkteam in March; five decided
    casusoverleg after 1, 2, 3, 4 and 10 days, one geen casus; one casus held its first
    overleg, did one action late and one in time, closed; then retention deleted it."""
    database = Database(databases.url("cijfers"))
    await database.migrate()
    async with database.transaction() as unit:
        members = MembershipService(unit)
        for org in ("zvh", "politie", "om", "wijkteam"):
            await members.add_organisation(org, org.capitalize(), START)
        await members.add_member(REGISSEUR, "zvh", "procesregisseur", START)
        await members.add_member(OM, "om", "partner", START)
        await members.record_direct_room(REGISSEUR, "!dm-regie")
        casussen = [await add(unit, n, "politie", START) for n in range(1, 7)]
        casussen += [await add(unit, n, "wijkteam", START) for n in (7, 8)]
        for aanmelding, days in zip(casussen, (1, 2, 3, 4, 10), strict=False):
            decided = START + timedelta(days=days)
            aanmelding.triage_status, aanmelding.decided_at = TriageStatus.CASUSOVERLEG, decided
            feiten.besloten(unit, aanmelding, TriageStatus.CASUSOVERLEG, decided.date(), ZONE)
        casussen[5].triage_status = TriageStatus.GEEN_CASUS
        feiten.besloten(unit, casussen[5], TriageStatus.GEEN_CASUS, date(2026, 4, 1), ZONE)
        first = casussen[0]
        overleg = Overleg(aanmelding_id=first.id, scheduled_at=START + timedelta(days=15),
                          status=OverlegStatus.GEHOUDEN, planned_by=REGISSEUR,
                          created_at=START)  # fmt: skip
        unit.session.add(overleg)
        await unit.flush()
        await feiten.overleg_gehouden(unit, first, overleg, date(2026, 3, 17), ZONE)
        for number, deadline, done in ((1, date(2026, 4, 1), date(2026, 4, 3)),
                                       (2, date(2026, 4, 10), date(2026, 4, 9))):  # fmt: skip
            actie = PvaActie(aanmelding_id=first.id, number=number, wat="w",
                             organisation_key="om", owner=OM, deadline=deadline,
                             status=ActieStatus.GEREED, created_at=START,
                             deadline_set_at=START)  # fmt: skip
            feiten.actie_gereed(unit, actie, done)
        feiten.afgesloten(unit, first, Route.AFGESCHAALD, Uitkomst.DOEL_BEREIKT, Evaluatie.JA,
                          date(2026, 9, 1), ZONE)  # fmt: skip
        await erase(unit, [first], START)
        # A running casus with an open action of the om (for the overviews).
        second = casussen[1]
        second.casusregisseur = REGISSEUR
        unit.session.add(PvaActie(aanmelding_id=second.id, number=1, wat="HUISBEZOEK",
                                  organisation_key="om", owner=None,
                                  deadline=date(2026, 12, 9), status=ActieStatus.OPEN,
                                  created_at=START, deadline_set_at=START))  # fmt: skip
    yield database
    await database.close()


async def test_the_figures_count_a_deleted_casus_and_suppress_small_cells(db: Database) -> None:
    async with db.reading() as unit:
        assert await unit.aanmeldingen.by_reference("ZVH-2026-0001") is None, "deleted"
        year = await figures(unit, Period(2026))
        third_quarter = await figures(unit, Period(2026, 3))
    table = {
        (kind, what): value
        for kind, what, value in rows(
            year, {"politie": "Politie", "wijkteam": "Wijkteam"}, NATIONAL
        )
    }
    assert table[("aanmeldingen", "totaal")] == "8"
    assert table[("aanmeldingen", "Politie")] == "6"
    assert table[("aanmeldingen", "Wijkteam")] == "<5"
    assert table[("triage", "casus voor casusoverleg")] == "5"
    assert table[("triage", "geen casus voor het ZVH")] == "<5"
    assert table[("afgesloten", "doel bereikt")] == "<5", "the deleted casus still counts"
    assert table[("acties", "gereed")] == "<5"
    assert ("acties", "op tijd (%)") not in table, "no percentage over fewer than five"
    assert table[("doorlooptijd", "aanmelding tot besluit")] == (
        "mediaan 3,5 dagen, 90% binnen 30 dagen (6)"
    )
    assert table[("doorlooptijd", "tijd in uitvoering")].startswith("te weinig casussen")
    assert year.per_month[date(2026, 3, 1)]["casusoverleg"] == 5
    quarter = {(k, w): v for k, w, v in rows(third_quarter, {}, NATIONAL)}
    assert quarter[("aanmeldingen", "totaal")] == "0"
    assert quarter[("afgesloten", "totaal")] == "<5"


async def test_the_charts_are_png_images(db: Database) -> None:
    async with db.reading() as unit:
        made = charts(await figures(unit, Period(2026)), NATIONAL)
    assert [c.name for c in made] == ["cijfers-2026-triage.png", "cijfers-2026-doorlooptijden.png"]
    assert all(c.png.startswith(b"\x89PNG") and c.width > 300 for c in made)


async def test_the_overviews_show_references_and_counts_per_role(db: Database) -> None:
    now = datetime(2026, 12, 10, 9, tzinfo=UTC)
    async with db.reading() as unit:
        lines = await open_casussen(unit, HOUSE, now)
        om = await my_actions(unit, Caller(OM, Role.PARTNER, "om", "Om"), now.date())
        wijkteam = await my_actions(unit, Caller("@w:x.nl", Role.PARTNER, "wijkteam", "W"),
                                    now.date())  # fmt: skip
    phases = {line.reference: NATIONAL.fill(line.phase) for line in lines}
    assert phases["ZVH-2026-0002"] == "in uitvoering"
    assert phases["ZVH-2026-0003"] == "wacht op casusoverleg"
    assert phases["ZVH-2026-0007"] == "in triage"
    assert "ZVH-2026-0001" not in phases, "deleted"
    assert "ZVH-2026-0006" not in phases, "geen casus"
    [second] = [line for line in lines if line.reference == "ZVH-2026-0002"]
    assert (second.open_actions, second.overdue_actions) == (1, 1)
    assert [(a.reference, a.number, a.overdue) for a in om] == [("ZVH-2026-0002", 1, True)]
    assert wijkteam == []


async def test_the_casusregisseur_gets_the_week_s_actions_once(db: Database) -> None:
    monday = datetime(2026, 12, 7, 9, tzinfo=UTC)  # 10:00 in Amsterdam
    first = await run_job(db.transaction, weekly(HOUSE), monday)
    [told] = first.outgoing
    assert told.room_id == "!dm-regie"
    assert "ZVH-2026-0002" in told.notice.plain
    assert "HUISBEZOEK" not in told.notice.plain, "no casus contents in an overview"
    assert (
        await run_job(db.transaction, weekly(HOUSE), monday + timedelta(hours=3))
    ).outgoing == []


async def test_the_command_line_prints_the_figures_and_writes_the_charts(
    db: Database, databases: Databases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{databases.url("cijfers")}"\n'
                      f'[audit]\nanchor_file = "{tmp_path / "anchors"}"\n')  # fmt: skip
    charts_dir = tmp_path / "grafieken"
    args = ["--config", str(config), "cijfers", "--jaar", "2026", "--csv", "--grafiek",
            str(charts_dir)]  # fmt: skip
    assert await asyncio.to_thread(main, args) == 0
    out = capsys.readouterr().out
    assert "aanmeldingen,Politie,6" in out
    assert "aanmeldingen,Wijkteam,<5" in out
    assert sorted(p.name for p in charts_dir.iterdir()) == [
        "cijfers-2026-doorlooptijden.png", "cijfers-2026-triage.png",
    ]  # fmt: skip
    with pytest.raises(SystemExit):  # argparse refuses a fifth quarter
        await asyncio.to_thread(main, [*args[:3], "--jaar", "2026", "--kwartaal", "5"])
