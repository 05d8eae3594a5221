"""The audit log: append-only, a keyed chain anchored outside the database, readable per
casus or member, and what a refusal leaves behind. Each attack of issue 20 on the log is
a test of its own."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from bot.anchoring import Anchorer
from bot.cli import main
from handlers.beheer.members import MembershipService
from handlers.house import House, Wording
from handlers.messages import Incoming
from handlers.router import Router
from handlers.vocabulary import AuditKind, Phase
from scheduler.clock import FrozenClock
from scheduler.job import run_job
from scheduler.jobs.audit import audit_anchor
from storage import crypto
from storage.audit_chain import entry_hash, stamp
from storage.db import Database
from storage.keys import rotate
from storage.models import AuditEntry, OutboxMessage
from storage.unit import Unit
from tests.databases import Databases, rows_now
from tests.helpers import chain_holds, router_for

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
_ids = itertools.count()


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


async def anchor_now(db: Database, path: Path) -> None:
    """What the running bot does after a burst of entries (bot/anchoring.py)."""

    async def never(*_: object) -> None:
        raise AssertionError("nothing to report")

    await Anchorer(db, path, FrozenClock(NOW), never, never).anchor()


class Log:
    """A fresh audit log of five entries, anchored, and the command line pointed at it."""

    def __init__(self, tmp_path: Path, databases: Databases) -> None:
        self.url = databases.url(f"audit{next(_ids)}")
        self.anchors = tmp_path / f"anchors-{next(_ids)}"
        self.config = tmp_path / f"config-{next(_ids)}.toml"
        self.config.write_text(
            f'[database]\nurl = "{self.url}"\n[audit]\nanchor_file = "{self.anchors}"\n'
        )

        async def seed() -> None:
            db = Database(self.url)
            await db.migrate()
            await write_some(db)
            async with db.transaction() as unit:
                await unit.audit.add(NOW, AuditKind.VIEWED, "@agent:x.nl", None, {})
            await anchor_now(db, self.anchors)
            await db.close()

        asyncio.run(seed())

    def verify(self, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
        code = main(["--config", str(self.config), "audit", "verify", *extra])
        out = capsys.readouterr()
        return code, out.out + out.err

    def sql(self, statement: str) -> None:
        rows_now(self.url, statement)


def test_the_log_is_readable_per_casus_and_member_and_its_chain_holds(
    tmp_path: Path, databases: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    log = Log(tmp_path, databases)
    code, said = log.verify(capsys)
    assert code == 0, said
    assert "intact (5 regels, tot en met regel 5)" in said
    assert "Het nieuwste anker" in said
    config = str(log.config)
    assert main(["--config", config, "audit", "--casus", "zvh-2026-0001", "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "id,moment,wat,wie,organisatie,rol,kenmerk,fase,details"
    assert len(lines) == 4
    assert ",disclosure,@agent:x.nl,politie,partner,ZVH-2026-0001,aanmelding," in lines[2]
    assert main(["--config", config, "audit", "--member", "@beheer:x.nl"]) == 0
    assert "member_added" in capsys.readouterr().out


# --- the attacks of issue 20, each on a log of its own ----------------------------------


def test_deleting_the_newest_entries_is_found_through_the_anchor(
    tmp_path: Path, databases: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    # Reported: deleting the last rows and running verify said "intact".
    log = Log(tmp_path, databases)
    log.sql("DELETE FROM audit_log WHERE seq >= 4")
    code, said = log.verify(capsys)
    assert code != 0
    assert "de laatste 2 regels ontbreken sinds anker van 2026-11-23 09:00 UTC" in said


def test_a_changed_entry_is_named(
    tmp_path: Path, databases: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    log = Log(tmp_path, databases)
    log.sql("UPDATE audit_log SET detail = '{}' WHERE kind = 'disclosure'")
    code, said = log.verify(capsys)
    assert code != 0
    assert "regel 3 is gewijzigd" in said


def test_a_chain_rebuilt_with_the_old_hash_is_found(
    tmp_path: Path, databases: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    # Reported: change a row, recompute every later hash with entry_hash: verify passed.
    log = Log(tmp_path, databases)
    log.sql("UPDATE audit_log SET detail = '{\"fields\": []}' WHERE seq = 2")

    async def rebuild() -> None:
        db = Database(log.url)
        async with db.transaction() as unit:
            entries = await unit.audit.entries()
            previous = entries[0].entry_hash
            for entry in entries[1:]:
                entry.prev_hash = previous
                entry.entry_hash = previous = entry_hash(
                    previous, stamp(entry.at), entry.kind, entry.actor, entry.organisation,
                    entry.role, entry.reference, entry.phase, entry.detail,
                )  # fmt: skip
        await db.close()

    asyncio.run(rebuild())
    code, said = log.verify(capsys)
    assert code != 0
    assert "regel 2 tot en met 5 zijn opnieuw berekend zonder de sleutel" in said
    assert "de keten is sindsdien herschreven" in said, "the anchor's entry changed too"


def test_a_removed_entry_is_found(
    tmp_path: Path, databases: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    log = Log(tmp_path, databases)
    log.sql("DELETE FROM audit_log WHERE seq = 3")
    code, said = log.verify(capsys)
    assert code != 0
    assert "tussen regel 2 en regel 4 ontbreekt 1 regel" in said
    first = Log(tmp_path, databases)
    first.sql("DELETE FROM audit_log WHERE seq <= 2")
    code, said = first.verify(capsys)
    assert code != 0
    assert "de eerste 2 regels ontbreken" in said


def test_a_forged_anchor_line_is_found(
    tmp_path: Path, databases: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    log = Log(tmp_path, databases)
    line = log.anchors.read_text().splitlines()[-1].split()
    line[2] = "3"  # pretend the log was shorter, to cover a deletion
    with log.anchors.open("a") as anchors:
        anchors.write(" ".join(line) + "\n")
    code, said = log.verify(capsys)
    assert code != 0
    assert "regel 2 van het ankerbestand is vervalst of beschadigd" in said


def test_the_managers_anchor_finds_what_the_file_no_longer_shows(
    tmp_path: Path, databases: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    log = Log(tmp_path, databases)
    [(mac,)] = rows_now(log.url, "SELECT entry_hash FROM audit_log WHERE seq = 5")
    kept = f"5:{mac[:16]}"
    assert log.verify(capsys, "--anker", kept)[0] == 0
    # Whoever deletes entries and empties the anchor file is still caught.
    log.sql("DELETE FROM audit_log WHERE seq = 5")
    log.anchors.write_text("")
    code, said = log.verify(capsys, "--anker", kept)
    assert code != 0
    assert "de laatste regel ontbreekt sinds het anker 5:" in said
    code, said = log.verify(capsys, "--anker", "vijf")
    assert code != 0
    assert "is geen anker" in said


def test_retention_of_the_log_itself_is_no_tampering(
    tmp_path: Path, databases: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    log = Log(tmp_path, databases)

    async def prune() -> None:
        db = Database(log.url)
        async with db.transaction() as unit:
            removed = await unit.audit.delete_before(NOW + timedelta(minutes=2), NOW)
        assert removed == 3, "the newest entry always stays"
        await anchor_now(db, log.anchors)
        await db.close()

    asyncio.run(prune())
    code, said = log.verify(capsys)
    assert code == 0, said


async def test_a_key_rotation_keeps_the_chain_under_the_new_key(
    tmp_path: Path, databases: Databases
) -> None:
    db = Database(databases.url("rotation"))
    await db.migrate()
    await write_some(db)
    old = crypto.installed()
    new = crypto.DataKeys(crypto.parse_key(crypto.generate_key()), previous=(old.primary,))
    crypto.install(new)
    try:
        counts = await rotate(db)
        assert counts["audit_log"] == 4
        async with db.reading() as unit:
            assert await chain_holds(unit)
            assert {e.key_id for e in await unit.audit.entries()} == {new.primary_id}
        crypto.install(crypto.DataKeys(new.primary))  # the old key gone: still whole
        async with db.reading() as unit:
            assert await chain_holds(unit)
    finally:
        crypto.install(old)
        await db.close()


async def test_the_running_bot_reports_a_shortened_log(
    tmp_path: Path, databases: Databases
) -> None:
    db = Database(databases.url("shortened"))
    await db.migrate()
    await write_some(db)
    reported: list[tuple[int, int]] = []

    async def shortened(anchored: int, head: int) -> None:
        reported.append((anchored, head))
        async with db.transaction() as unit:  # the report itself is an entry, as in the bot
            await unit.audit.add(NOW, AuditKind.INCIDENT, "casusbot", None, {})

    async def broken(findings: list[str]) -> None:
        raise AssertionError(findings)

    anchorer = Anchorer(db, tmp_path / "anchors", FrozenClock(NOW), shortened, broken)
    await anchorer.anchor()
    async with db.transaction() as unit:
        await unit.session.execute(delete(AuditEntry).where(AuditEntry.seq >= 3))
    await anchorer.anchor()
    await anchorer.anchor()
    assert reported == [(4, 2)], "reported once, not again for its own report"
    await db.close()


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


async def test_the_managers_get_the_anchor_once_a_day_quietly(router: Router) -> None:
    house = router.house
    job = audit_anchor(house)
    await run_job(router.db.transaction, job, NOW)  # 10:00 in Amsterdam: working hours
    async with router.db.transaction() as unit:
        rows = (await unit.session.execute(select(OutboxMessage))).scalars().all()
        head = await unit.audit.head()
        await unit.session.execute(delete(OutboxMessage))
    assert head is not None
    assert [r.room_id for r in rows] == ["!dm-@manager:x.nl"]
    assert f"{head.seq}:{head.mac[:16]}" in rows[0].plain
    assert "casusbot audit verify --anker" in rows[0].plain
    assert not rows[0].notify, "nothing to do but keep it: no buzz"
    await run_job(router.db.transaction, job, NOW + timedelta(hours=3))
    async with router.db.reading() as unit:
        again = (await unit.session.execute(select(OutboxMessage))).scalars().all()
    assert again == [], "once a day"
