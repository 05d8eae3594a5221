"""Storage benchmarks: the retention purge and the plan-van-aanpak reminder tick.

Both run on SQLite files made through the real migrations, with personal data encrypted
by storage/crypto.py under a throw-away key, and with the real Database (WAL, secure
delete, a scrubbed log after deleting personal data). The data is generated directly in
the database: obviously fake personalia, realistic amounts of everything around a casus.

- Retention: ``casussen`` casussen afgeschaald 7-11 months ago, each with an overleg,
  three finished actions, a casus room, the bot's messages about it and audit entries,
  and some open drafts in other chats. Timed: the purge that cleans them all (6 months),
  the next run that finds nothing due, and the purge half a year later that deletes them.
- Reminders: ``actions`` open actions in active casussen, deadlines weeks to months
  ahead. Timed: one run of the job (``remind_actions`` in its transaction, as the bot's
  tick runs it) when nothing is due, when 10 actions are due (a tick during the day) and
  when 1% is due (the morning tick, when the reminders of the day all fall due; its
  cost grows with the notices it writes), each the median of five runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update

from bot.config import Settings
from bot.config_file import settings_from_mapping
from bot.wiring import build_house
from handlers.beheer.members import MembershipService
from handlers.conversation.form import ConversationState
from handlers.retention.service import add_months
from handlers.vocabulary import AuditKind
from scheduler.job import JobRun, run_job
from scheduler.jobs.plan_van_aanpak import action_reminders
from scheduler.jobs.retention import retention
from storage import crypto
from storage.audit_chain import GENESIS, entry_mac, stamp
from storage.audit_verify import check_chain
from storage.db import Database
from storage.models import (
    Aanmelding,
    AuditEntry,
    Conversation,
    ManagedRoom,
    OutboxMessage,
    Overleg,
    PvaActie,
    SentMessage,
)
from storage.unit import Unit

ORGANISATIONS = ("politie", "gemeente", "ggz", "reclassering", "woningcorporatie")
PARTNERS_PER_ORGANISATION = 4
MESSAGES_PER_CASUS = 20  # the echoed aanmelding, triage, invitation, reminders
AUDIT_PER_CASUS = 5
ACTIONS_PER_CASUS = 5
OPEN_DRAFTS = 20
# Five years of a busy house: 20,000 casussen with five entries each.
AUDIT_ENTRIES = 100_000
REPEATS = 5
BATCH = 2000


@dataclass(frozen=True)
class Timing:
    """One measured job: the wall time of each run, and what the runs did."""

    what: str
    runs_ms: tuple[float, ...]
    did: str
    # The target this timing is held to (ms), if any.
    limit_ms: float | None = None

    @property
    def median_ms(self) -> float:
        return statistics.median(self.runs_ms)


PURGE_LIMIT_MS = 60_000.0
TICK_LIMIT_MS = 100.0


def _settings(directory: Path, name: str) -> Settings:
    return settings_from_mapping(
        {
            "matrix": {
                "user_id": "@casusbot:localhost",
                "password": "unused",
                "pickle_key": "unused-by-the-storage-benchmark",
            },
            "database": {"url": f"sqlite+aiosqlite:///{directory / name}"},
        },
        environ={"CASUSBOT_DATA_KEY": crypto.generate_key()},
    )


def _remove_database(directory: Path, name: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        (directory / f"{name}{suffix}").unlink(missing_ok=True)


async def _fresh(directory: Path, name: str) -> tuple[Settings, Database]:
    await asyncio.to_thread(_remove_database, directory, name)
    settings = _settings(directory, name)
    crypto.install(settings.database.resolve_data_keys())
    db = Database(settings.database.url)
    await db.migrate()
    return settings, db


def _partner(org: str, i: int) -> str:
    return f"@{org}-partner{i}:localhost"


async def _seed_members(db: Database, now: datetime) -> None:
    """Organisations, partners, a procesregisseur and a manager, each with a direct chat."""
    async with db.transaction() as unit:
        service = MembershipService(unit)
        people = [("@regisseur:localhost", "gemeente", "procesregisseur"),
                  ("@manager:localhost", "gemeente", "manager")]  # fmt: skip
        for org in ORGANISATIONS:
            await service.add_organisation(org, f"{org.capitalize()} (fictief)", now)
            people += [(_partner(org, i), org, "partner") for i in range(PARTNERS_PER_ORGANISATION)]
        for matrix_id, org, role in people:
            await service.add_member(matrix_id, org, role, now)
            await service.record_direct_room(matrix_id, f"!dm-{matrix_id[1:].split(':')[0]}:lh")


def _aanmelding_row(i: int, now: datetime, afgeschaald: date | None) -> dict[str, Any]:
    org = ORGANISATIONS[i % len(ORGANISATIONS)]
    return {
        "reference": f"ZVH-{2020 + i // 9000}-{i % 9000 + 1:04d}",
        "submitted_at": now - timedelta(days=400), "status": "aangemeld",
        "aanmelder_matrix_id": _partner(org, 0), "aanmelder_organisation": org,
        "voornaam": f"Testpersoon{i}", "achternaam": "Voorbeeld", "aliassen": None,
        "geboortedatum": date(1980 + i % 30, 1 + i % 12, 1 + i % 28), "minderjarig": False,
        "adres": f"Nepstraat {i}", "postcode": "9999 ZZ", "woonplaats": "Demostad",
        "gemeente": "Demostad",
        "probleemstelling": "Fictieve casus: overlast, schulden en geen dagbesteding. " * 4,
        "doel": "Eén gezamenlijk plan van aanpak (fictief).",
        "criteria": json.dumps(["veiligheid", "multiproblem"]),
        "betrokken_partners": json.dumps([org]), "urgentie": "regulier", "spoed_reden": None,
        "contactpersoon": _partner(org, 0), "triage_status": "casusoverleg",
        "decided_at": now - timedelta(days=390), "overleg_doel": "Stabiliseren (fictief).",
        "overleg_themas": "wonen, schulden", "overleg_partners": json.dumps([org]),
        "procesregisseur": "@regisseur:localhost", "casusregisseur": _partner(org, 1),
        "client_informant": "de casusregisseur", "afschaling_criteria": "Stabiel wonen.",
        "afgeschaald_on": afgeschaald, "cleaned_at": None, "closed_on": afgeschaald,
        "closed_route": "afgeschaald" if afgeschaald else None,
        "closed_outcome": "doel-bereikt" if afgeschaald else None,
        "lookup_hash": crypto.installed().lookup_hash("Voorbeeld", f"{i}"),
    }  # fmt: skip


async def _insert(unit: Unit, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        await unit.session.execute(insert(model), rows[start : start + BATCH])


async def _audit_rows(unit: Unit, refs: list[str], at: datetime) -> list[dict[str, Any]]:
    """AUDIT_PER_CASUS entries per casus, chained and MAC'd as the bot would, after the
    entries the log already has."""
    keys = crypto.installed()
    key = keys.audit_key()
    assert key is not None
    audit: list[dict[str, Any]] = []
    head = await unit.audit.head()
    first, previous = (head.seq, head.mac) if head else (0, GENESIS)
    for r in refs:
        for kind in ("submitted", "disclosure", "decided", "disclosure", "afschaling")[
            :AUDIT_PER_CASUS
        ]:
            detail = json.dumps({"fields": ["voornaam", "achternaam"]}, sort_keys=True)
            seq = first + len(audit) + 1
            mac = entry_mac(key, seq, previous, stamp(at), kind, "@regisseur:localhost",
                            "gemeente", "procesregisseur", r, "triage", detail)  # fmt: skip
            audit.append({"at": at, "kind": kind, "actor": "@regisseur:localhost",
                          "organisation": "gemeente", "role": "procesregisseur",
                          "reference": r, "phase": "triage", "detail": detail, "seq": seq,
                          "prev_hash": previous, "entry_hash": mac,
                          "key_id": keys.primary_id})  # fmt: skip
            previous = mac
    return audit


async def bench_audit(directory: Path, entries: int) -> list[Timing]:
    """Writing an entry (the chain's head read, a MAC) and checking the whole log."""
    _, db = await _fresh(directory, "audit.db")
    now = datetime.now(UTC)
    try:
        async with db.transaction() as unit:
            refs = [f"ZVH-2026-{n:05d}" for n in range(entries // AUDIT_PER_CASUS)]
            await _insert(unit, AuditEntry, await _audit_rows(unit, refs, now))

        async def add_some() -> None:
            for _ in range(100):
                async with db.transaction() as unit:
                    await unit.audit.add(now, AuditKind.VIEWED, "@regisseur:localhost",
                                         refs[0], {"what": "pva"})  # fmt: skip

        add_s, _ = await _timed(add_some)

        async def check() -> int:
            async with db.reading() as unit:
                found = await check_chain(unit.audit.chain(), crypto.installed())
            assert found.intact, found.findings
            return found.count

        check_s, checked = await _timed(check)
    finally:
        await db.close()
    return [
        Timing("audit entry written (a unit of work with one entry)", (add_s * 10,),
               "100 entries on a log of " + str(entries)),
        Timing(f"audit log checked, {checked} entries", (check_s * 1000,), "intact"),
    ]  # fmt: skip


async def _generate_casussen(
    db: Database, count: int, now: datetime, afgeschaald: Callable[[int], date | None],
    actions: int, action_deadline: Callable[[int], date],
) -> None:  # fmt: skip
    """``count`` casussen with everything around them, written in bulk."""
    async with db.transaction() as unit:
        await _insert(unit, Aanmelding,
                      [_aanmelding_row(i, now, afgeschaald(i)) for i in range(count)])  # fmt: skip
    async with db.transaction() as unit:
        rows = (await unit.session.execute(
            select(Aanmelding.id, Aanmelding.reference).order_by(Aanmelding.id)
        )).all()  # fmt: skip
        ids, refs = [row[0] for row in rows], [row[1] for row in rows]
        past = now - timedelta(days=300)
        await _insert(unit, Overleg, [{
            "aanmelding_id": a, "scheduled_at": past, "locatie": "Stadhuis, zaal 2 (fictief)",
            "status": "gehouden", "planned_by": "@regisseur:localhost", "created_at": past,
        } for a in ids])  # fmt: skip
        action_rows = []
        for n, a in enumerate(ids):
            org = ORGANISATIONS[n % len(ORGANISATIONS)]
            for k in range(actions):
                index = n * actions + k
                action_rows.append({
                    "aanmelding_id": a, "number": k + 1,
                    "wat": f"Fictieve actie {k + 1}: huisbezoek en terugkoppeling.",
                    "organisation_key": org, "owner": _partner(org, k % 2),
                    "deadline": action_deadline(index),
                    "status": "open" if afgeschaald(n) is None else "gereed",
                    "created_at": past, "reminders_sent": "", "deadline_set_at": past,
                })  # fmt: skip
        await _insert(unit, PvaActie, action_rows)
        await _insert(unit, ManagedRoom, [{
            "key": f"casus:{r}", "name": f"Casusoverleg {r}", "topic": f"Casusoverleg {r}",
            "members": "", "room_id": f"!casus{n}:localhost", "invited": "", "state": "ready",
            "create_attempts": 1, "updated_at": past,
        } for n, r in enumerate(refs)])  # fmt: skip
        await _insert(unit, SentMessage, [{
            "reference": r, "room_id": f"!casus{n}:localhost" if m % 4 else "!dm-regisseur:lh",
            "event_id": f"$event-{n}-{m}", "sent_at": past, "state": "sent", "attempts": 0,
        } for n, r in enumerate(refs) for m in range(MESSAGES_PER_CASUS)])  # fmt: skip
        await _insert(unit, AuditEntry, await _audit_rows(unit, refs, past))
        await _insert(unit, Conversation, [{
            "matrix_id": _partner(ORGANISATIONS[d % 5], d // 5), "room_id": f"!draft{d}:lh",
            "form": "aanmelding", "created_at": now, "updated_at": now,
            "state": ConversationState(form="aanmelding", current="doel", answers={
                "voornaam": "Concept", "achternaam": "Voorbeeld", "woonplaats": "Demostad",
                "probleemstelling": "Fictief concept. " * 10}).model_dump_json(),
        } for d in range(OPEN_DRAFTS)])  # fmt: skip


async def _timed(work: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await work()
    return time.perf_counter() - started, result


async def bench_retention(directory: Path, casussen: int) -> list[Timing]:
    settings, db = await _fresh(directory, "retention.db")
    job = retention(build_house(settings))
    now = datetime.now(UTC)
    today = now.date()
    try:
        await _seed_members(db, now)
        # Afgeschaald 7 to 11 months ago: cleaning is due, deleting is not yet.
        started = time.perf_counter()
        await _generate_casussen(
            db, casussen, now, lambda i: add_months(today, -7 - i % 5) - timedelta(days=1),
            3, lambda i: today - timedelta(days=200),
        )  # fmt: skip
        print(f"  generated {casussen} afgeschaalde casussen in "
              f"{time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
        clean_s, cleaned = await _timed(lambda: run_job(db.transaction, job, now))
        idle_s, idle = await _timed(lambda: run_job(db.transaction, job, now))
        later = now + timedelta(days=190)
        delete_s, deleted = await _timed(lambda: run_job(db.transaction, job, later))
    finally:
        await db.close()
    return [
        Timing(f"retention purge, {casussen} casussen due for cleaning", (clean_s * 1000,),
               _counts(cleaned), PURGE_LIMIT_MS),
        Timing("retention purge, the next run (nothing due)", (idle_s * 1000,), _counts(idle)),
        Timing(f"retention purge, the same {casussen} due for deletion (6 months later)",
               (delete_s * 1000,), _counts(deleted), PURGE_LIMIT_MS),
    ]  # fmt: skip


def _counts(run: JobRun) -> str:
    counts = {what: n for what, n in run.removed.items() if n}
    return ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "nothing"


def _working_moment(settings: Settings) -> datetime:
    """10:00 on the next working day: reminders are computed for a moment inside hours."""
    working = build_house(settings).working_time
    day = datetime.now(settings.house.zone).date()
    while not working.is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, clock_time(10, 0), tzinfo=settings.house.zone).astimezone(UTC)


async def bench_reminders(directory: Path, actions: int) -> list[Timing]:
    settings, db = await _fresh(directory, "reminders.db")
    house = build_house(settings)
    working = house.working_time
    job = action_reminders(house)
    now = _working_moment(settings)
    today = now.astimezone(settings.house.zone).date()
    overdue = working.working_day_before(today, 2)
    try:
        await _seed_members(db, now)
        # Deadlines 3 weeks to a year ahead: nothing is due.
        await _generate_casussen(
            db, actions // ACTIONS_PER_CASUS, now, lambda i: None, ACTIONS_PER_CASUS,
            lambda i: today + timedelta(days=21 + i % 345),
        )  # fmt: skip

        async def tick(count: int) -> tuple[float, int]:
            """One run of the job with ``count`` actions due (a fifth of them overdue:
            escalations), after undoing what the previous run recorded."""
            due = list(range(actions // count, actions + 1, actions // count)) if count else []
            async with db.transaction() as unit:
                await unit.session.execute(delete(OutboxMessage))
                await unit.session.execute(update(PvaActie).where(PvaActie.id.in_(due)).values(
                    deadline=today, reminders_sent="", escalated_at=None))  # fmt: skip
                await unit.session.execute(update(PvaActie).where(PvaActie.id.in_(due[::5])).values(
                    deadline=overdue))  # fmt: skip
            started = time.perf_counter()
            queued = (await run_job(db.transaction, job, now)).queued
            elapsed = (time.perf_counter() - started) * 1000
            async with db.transaction() as unit:  # back to nothing due
                await unit.session.execute(update(PvaActie).where(PvaActie.id.in_(due)).values(
                    deadline=today + timedelta(days=60)))  # fmt: skip
            return elapsed, queued

        timings = []
        for count, limit in ((0, TICK_LIMIT_MS), (10, TICK_LIMIT_MS), (actions // 100, None)):
            runs = [await tick(count) for _ in range(REPEATS)]
            what = f"{count or 'nothing'} due"
            timings.append(Timing(
                f"reminder tick over {actions} open actions, {what}",
                tuple(ms for ms, _ in runs), f"{runs[-1][1]} notices queued", limit,
            ))  # fmt: skip
    finally:
        await db.close()
    return timings


async def run_storage(directory: Path, casussen: int, actions: int) -> list[Timing]:
    print(f"\nStorage: retention over {casussen} casussen …", flush=True)
    timings = await bench_retention(directory, casussen)
    print(f"Storage: the audit log, {AUDIT_ENTRIES} entries …", flush=True)
    timings += await bench_audit(directory, AUDIT_ENTRIES)
    print(f"Storage: reminder tick over {actions} actions …", flush=True)
    timings += await bench_reminders(directory, actions)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="casusbot storage benchmarks")
    parser.add_argument("--dir", type=Path, default=Path("var/bench/storage"))
    parser.add_argument("--casussen", type=int, default=10_000)
    parser.add_argument("--actions", type=int, default=50_000)
    args = parser.parse_args(argv)
    for timing in asyncio.run(run_storage(args.dir, args.casussen, args.actions)):
        print(f"{timing.what}: {timing.median_ms:.0f} ms ({timing.did})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
