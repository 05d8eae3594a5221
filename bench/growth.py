"""``python -m bench.growth [N]``: how the bot's database grows per casus (docs/sizing.md).

N casussen go the whole route through the real router on a migrated SQLite file: an
aanmelding of 14 answers, verrijking by three partners, the besluit casusoverleg with its
questions, a planned overleg, a verslag with three actions, two actions done, the
betrokkene informed, afschaling. It prints the database's growth per casus, the messages
the bot queued per casus, and the rows per table. Personal data is encrypted with a fixed
test key, as in the real database.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select

from handlers.beheer.members import MembershipService
from handlers.house import House
from handlers.messages import Incoming
from scheduler.clock import FrozenClock
from storage import crypto
from storage.db import Database
from storage.models import OutboxMessage
from tests.conftest import TEST_DATA_KEY
from tests.helpers import AANMELDING_ANSWERS, router_for

START = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
REGIE, WIJK = "@regie:x.nl", "@wijk:x.nl"
PARTNERS = {"@agent:x.nl": "politie", "@officier:x.nl": "om", "@gemeente:x.nl": "demostad"}


async def grow(path: Path, n: int) -> tuple[int, float]:
    """(bytes the first casus started from, messages per casus)."""
    crypto.install(crypto.DataKeys(crypto.parse_key(TEST_DATA_KEY), ()))
    db = Database(f"sqlite+aiosqlite:///{path}")
    await db.migrate()
    clock, events = FrozenClock(START), itertools.count()
    async with db.transaction() as unit:
        members = MembershipService(unit)
        for key in ("zvh", "wijkteam", *PARTNERS.values()):
            await members.add_organisation(key, f"Organisatie {key}", START)
        for user, org, role in ((REGIE, "zvh", "procesregisseur"), (WIJK, "wijkteam", "partner"),
                                *((u, o, "partner") for u, o in PARTNERS.items())):  # fmt: skip
            await members.add_member(user, org, role, START)
            await members.record_direct_room(user, f"!dm-{user}")
    router = router_for(db, clock, House())
    queued = 0

    async def say(who: str, *texts: str) -> None:
        nonlocal queued
        for text in texts:
            clock.advance(timedelta(seconds=3))
            await router.on_message(Incoming(
                room_id=f"!dm-{who}", sender=who, body=text, event_id=f"$g{next(events)}",
                timestamp=clock.now(), encrypted=True, room_members=2,
            ))  # fmt: skip
        async with db.transaction() as unit:  # delivered: out of the outbox
            count = select(func.count()).select_from(OutboxMessage)
            queued += (await unit.session.execute(count)).scalar_one()
            await unit.session.execute(delete(OutboxMessage))

    before = size_of(path)
    for number in range(1, n + 1):
        reference = f"ZVH-{START.year}-{number:04d}"
        await say(WIJK, "aanmelden", *AANMELDING_ANSWERS, "bevestig")
        await say(REGIE, f"verrijk {reference} politie om demostad")
        for partner in PARTNERS:
            await say(partner, f"beantwoord {reference}", "ja",
                      "Bekend: twee meldingen dit jaar.", "ja", "bevestig")  # fmt: skip
        when = f"{clock.now() + timedelta(days=7):%d-%m-%Y}"
        await say(REGIE, f"besluit {reference} casusoverleg", "Stabiliseren, overlast stoppen.",
                  "wonen, schulden, zorg", "politie, om, wijkteam", "bevestig",
                  f"overleg plan {reference} {when} 10:00 Stadhuis",
                  f"overleg verslag {reference} toch", "@agent:x.nl",
                  f"Huisbezoek; wijkteam; {when}\nSchuldhulp; wijkteam; {when}\n"
                  f"Advies; politie; {when}", "De wijkagent.", "Drie maanden geen overlast.",
                  "overslaan", "bevestig", f"geïnformeerd {reference}")  # fmt: skip
        await say(WIJK, f"actie {reference} 1 gereed", f"actie {reference} 2 gereed")
        await say(REGIE, f"afschalen {reference} toch", "1", "ja", "bevestig")
    await db.close()
    return before, queued / n


def size_of(path: Path) -> int:
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.growth")
    parser.add_argument("n", type=int, nargs="?", default=100, help="casussen (100)")
    n = parser.parse_args().n
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "casusbot.db"
        before, messages = asyncio.run(grow(path, n))
        grown = size_of(path) - before
        with sqlite3.connect(path) as connection:
            tables = [name for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )]  # fmt: skip
            # Table names from the schema itself, quoted: nothing from outside.
            rows = {t: connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]  # noqa: S608
                    for t in tables}  # fmt: skip
    print(f"{n} casussen: the database grew {grown / 1e6:.2f} MB, {grown / n / 1e3:.1f} KB "
          f"per casus; {messages:.0f} messages per casus")  # fmt: skip
    for table, count in sorted(rows.items(), key=lambda item: -item[1]):
        if count:
            print(f"  {table:<28} {count:>7} rows  {count / n:>6.1f} per casus")


if __name__ == "__main__":
    main()
