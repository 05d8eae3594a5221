"""The audit log: append-only with a hash chain, readable per casus or member, and what a
refusal leaves behind."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from bot.cli import main
from handlers.beheer.members import MembershipService
from handlers.house import House, Wording
from handlers.messages import Incoming
from handlers.router import Router
from handlers.vocabulary import AuditKind, Phase
from scheduler.clock import FrozenClock
from storage.db import Database
from storage.models import OutboxMessage
from storage.unit import Unit
from tests.databases import Databases, rows_now
from tests.helpers import router_for

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
_ids = itertools.count()


@pytest.fixture
def config(tmp_path: Path, databases: Databases) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{databases.url("audit")}"\n')
    return path


async def write_some(db: Database) -> None:
    async with db.transaction() as unit:
        members = MembershipService(unit)
        await members.add_organisation("politie", "Politie", NOW)
        await members.add_member("@agent:x.nl", "politie", "partner", NOW, actor="@beheer:x.nl")
        audit = unit.audit
        for minute, kind in enumerate(("submitted", "disclosure", "viewed")):
            at = NOW + timedelta(minutes=minute)
            await audit.add(at, AuditKind(kind), "@agent:x.nl", "ZVH-2026-0001",
                            {"fields": ["voornaam"]}, phase=Phase.AANMELDING)  # fmt: skip


def test_the_chain_holds_and_a_changed_or_removed_line_is_found(
    config: Path, databases: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.url("audit")

    async def seed() -> None:
        db = Database(url)
        await db.migrate()
        await write_some(db)
        async with db.session() as session:
            entries = await Unit(session).audit.entries(reference="ZVH-2026-0001")
            assert [e.kind for e in entries] == ["submitted", "disclosure", "viewed"]
            assert (entries[0].organisation, entries[0].role) == ("politie", "partner")
            assert await Unit(session).audit.first_broken() is None
        await db.close()

    asyncio.run(seed())
    assert main(["--config", str(config), "audit", "verify"]) == 0
    assert "intact (4 regels)" in capsys.readouterr().out

    assert main(["--config", str(config), "audit", "--casus", "zvh-2026-0001", "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "id,moment,wat,wie,organisatie,rol,kenmerk,fase,details"
    assert len(lines) == 4
    assert ",disclosure,@agent:x.nl,politie,partner,ZVH-2026-0001,aanmelding," in lines[2]
    assert main(["--config", str(config), "audit", "--member", "@beheer:x.nl"]) == 0
    assert "member_added" in capsys.readouterr().out

    rows_now(url, "UPDATE audit_log SET detail = '{}' WHERE kind = 'disclosure'")
    assert main(["--config", str(config), "audit", "verify"]) == 1
    assert "aangetast vanaf regel 3" in capsys.readouterr().err
    rows_now(url, "DELETE FROM audit_log WHERE kind = 'disclosure'")
    assert main(["--config", str(config), "audit", "verify"]) == 1
    assert "aangetast vanaf regel 4" in capsys.readouterr().err, "a removed line breaks the link"


@pytest.fixture
async def router(databases: Databases) -> AsyncIterator[Router]:
    db = Database(databases.url("router"))
    await db.migrate()
    async with db.transaction() as unit:
        members = MembershipService(unit)
        await members.add_organisation("zvh", "ZVH", NOW)
        await members.add_organisation("politie", "Politie", NOW)
        for user, org, role in (("@beheer:x.nl", "zvh", "beheerder"),
                                ("@manager:x.nl", "zvh", "manager"),
                                ("@agent:x.nl", "politie", "partner")):  # fmt: skip
            await members.add_member(user, org, role, NOW)
            await members.record_direct_room(user, f"!dm-{user}")
    yield router_for(db, FrozenClock(NOW), House(words=Wording(house_name="ZVH")))
    await db.close()


async def test_refusals_are_logged_and_the_fifth_in_an_hour_is_an_incident(
    router: Router,
) -> None:
    told: list[str] = []
    for _ in range(6):
        await router.on_message(Incoming(
            room_id="!dm-@agent:x.nl", sender="@agent:x.nl", body="leden",
            event_id=f"$e{next(_ids)}", timestamp=NOW, encrypted=True, room_members=2,
        ))  # fmt: skip
        async with router.db.transaction() as unit:
            rows = (await unit.session.execute(select(OutboxMessage))).scalars().all()
            told += [f"{row.room_id}|{row.plain}" for row in rows]
            await unit.session.execute(delete(OutboxMessage))
    refusals = [t for t in told if t.startswith("!dm-@agent:x.nl|")]
    assert len(refusals) == 6
    assert all(t.endswith("Dat kan ik voor jouw rol niet doen.") for t in refusals)
    incidents = [t for t in told if "Mogelijk incident" in t]
    assert sorted(t.split("|")[0] for t in incidents) == ["!dm-@beheer:x.nl", "!dm-@manager:x.nl"]
    async with router.db.session() as session:
        kinds: list[str] = [e.kind for e in await Unit(session).audit.entries(actor="@agent:x.nl")]
    assert kinds.count("denied") == 6
    assert kinds.count("incident") == 1
