"""``python -m bench.handler``: casusbot's own CPU per message, without Matrix.

The quick loop for working on the bot's per-message cost (bench/RESULTS.md): the real
router, forms, outbox sender (its hand-over and deferred bookkeeping) and sync-position
saves on a migrated SQLite file, with a sender that answers every delivery at once
instead of a homeserver. N members go through complete aanmeldingen at the same time;
it prints the process's CPU per handled message (main thread and SQLite threads alike),
the statements per message, and checks that every aanmelding was filed and every reply
delivered. ``--profile FILE`` writes a cProfile of the run (``python -m pstats FILE``).

What it leaves out is what the full benchmark (``python -m bench.run``) adds: nio's
sync, decryption and encryption, and the HTTP round trips, ~4 ms per message on the
reference machine.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from bench.matrix import INTAKE
from bot.config_file import settings_from_mapping
from bot.handling import BotHandler
from bot.metrics import Metrics
from bot.outbox import Delivery, Message, OutboxSender, SendOutcome
from bot.positions import DatabasePositions
from bot.wiring import build_house, features_of
from handlers.beheer.members import MembershipService
from handlers.messages import Incoming
from handlers.outbox import Handled
from handlers.router import Router
from scheduler.clock import SystemClock
from storage import crypto
from storage.db import Database
from storage.models import Aanmelding, OutboxMessage

THROWAWAY_KEY = "Y2FzdXNib3QtYmVuY2gtaGFuZGxlci1rZXktMzJieXQ="  # 32 bytes, this script only
BOT = "@casusbot:bench.invalid"
WARM_UP = "@inloop:bench.invalid"
# The router's flood protection lets a member send 60 messages a minute.
MAX_ROUNDS = 60 // len(INTAKE)


class InstantSender:
    """Stands in for the homeserver: every delivery succeeds after a short pause."""

    def __init__(self) -> None:
        self.delivered = 0
        self.expected = 0
        self.all_delivered = asyncio.Event()
        self._ids = itertools.count()

    async def send_notice(
        self,
        room_id: str,
        message: Message,
        tx_id: str,
        sensitive: bool,
        audience: frozenset[str] | None = None,
    ) -> SendOutcome:
        await asyncio.sleep(0.005)
        self.delivered += 1
        if self.delivered >= self.expected:
            self.all_delivered.set()
        return SendOutcome(Delivery.SENT, event_id=f"$sent{next(self._ids)}")


async def _run(
    members: int, rounds: int, directory: Path, profile: Path | None, show_statements: int
) -> None:
    settings = settings_from_mapping(
        {
            "matrix": {
                "homeserver_url": "http://127.0.0.1:9",
                "user_id": BOT,
                "password": "unused",
                "store_path": str(directory / "crypto"),
                "pickle_key": "bench-handler-pickle-key",
            },
            "database": {"url": f"sqlite+aiosqlite:///{directory / 'casusbot.db'}"},
            "house": {"name": "ZVH Benchregio"},
            "health": {"port": 0},
        },
        environ={"CASUSBOT_DATA_KEY": THROWAWAY_KEY},
    )
    crypto.install(settings.database.resolve_data_keys())
    db = Database(settings.database.url)
    await db.migrate()
    clock = SystemClock(settings.house.zone)
    ids = [f"@lid{n}:bench.invalid" for n in range(members)]
    async with db.transaction() as unit:
        service = MembershipService(unit)
        await service.add_organisation("politie", "Politie Benchregio", clock.now())
        for matrix_id in [WARM_UP, *ids]:
            await service.add_member(matrix_id, "politie", "partner", clock.now())

    house = build_house(settings)
    router = Router(db, clock, house, features_of(house))
    sender = InstantSender()

    def done(handled: Handled) -> None:  # as the application passes it on
        if handled.handed or handled.more:
            outbox.hand_over(handled.handed, handled.more)

    async def delivery_failed(room_id: str, error: str) -> None:
        done(await router.on_delivery_failure(room_id, error))

    outbox = OutboxSender(db, sender, clock, delivery_failed)
    handler = BotHandler(router, Metrics(), done, lambda: None)
    positions = DatabasePositions(db, BOT, clock)
    sending = asyncio.create_task(outbox.run())
    events = itertools.count()

    async def member(matrix_id: str, aanmeldingen: int) -> None:
        room = f"!dm-{matrix_id.strip('@').split(':')[0]}:bench.invalid"
        for _ in range(aanmeldingen):
            for text in INTAKE:
                await handler.on_message(Incoming(
                    room_id=room, sender=matrix_id, body=text, event_id=f"$e{next(events)}",
                    timestamp=clock.now(), encrypted=True, room_members=2,
                ))  # fmt: skip
                await positions.save(f"s{next(events)}")  # a sync per message, as in Matrix
                await asyncio.sleep(0.01)  # the member reads and types

    statements: Counter[str] = Counter()

    def count(_c: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements[" ".join(statement.split())] += 1

    await member(WARM_UP, 1)  # warm up SQLAlchemy's statement cache and the pool
    sender.expected = (members * rounds + 1) * len(INTAKE)  # one reply per message
    event.listen(Engine, "before_cursor_execute", count)
    profiler = cProfile.Profile() if profile else None
    handled = members * rounds * len(INTAKE)
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    await asyncio.gather(*(member(m, rounds) for m in ids))
    try:
        await asyncio.wait_for(sender.all_delivered.wait(), timeout=60)
    except TimeoutError:
        raise SystemExit(
            f"only {sender.delivered} of {sender.expected} replies delivered"
        ) from None
    await db.deferred.flush(everything=True)
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    event.remove(Engine, "before_cursor_execute", count)

    outbox.stop()
    await sending
    async with db.session() as session:
        filed = (await session.execute(select(func.count(Aanmelding.reference)))).scalar_one()
        waiting = (await session.execute(select(func.count(OutboxMessage.id)))).scalar_one()
    await db.close()
    if profiler and profile:
        profiler.dump_stats(profile)

    print(f"{members} members x {rounds} aanmelding(en): {handled} messages in {wall:.1f} s")
    print(f"CPU per handled message: {1000 * cpu / handled:.2f} ms (main and SQLite threads)")
    kinds: Counter[str] = Counter()
    for text, n in statements.items():
        kinds[text.split(None, 1)[0].upper()] += n
    per_message = ", ".join(f"{kind} {n / handled:.2f}" for kind, n in kinds.most_common())
    print(f"statements per message: {sum(statements.values()) / handled:.1f} ({per_message})")
    for text, n in statements.most_common(show_statements):
        print(f"{n / handled:6.2f}  {text[:110]}")
    print(f"filed {filed} of {members * rounds + 1}; outbox rows left {waiting}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.handler", description=__doc__)
    parser.add_argument("--members", type=int, default=30, help="members at once (default 30)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=MAX_ROUNDS,
        choices=range(1, MAX_ROUNDS + 1),
        help=f"aanmeldingen per member (at most {MAX_ROUNDS}: the flood protection)",
    )
    parser.add_argument("--profile", type=Path, help="write a cProfile of the run here")
    parser.add_argument(
        "--statements", type=int, default=0, help="list this many statements, most run first"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="casusbot-bench-handler-") as directory:
        os.chmod(directory, 0o700)
        asyncio.run(_run(args.members, args.rounds, Path(directory), args.profile, args.statements))


if __name__ == "__main__":
    main()
