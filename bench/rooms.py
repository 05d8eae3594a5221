"""``python -m bench.rooms --rooms 10,300,2000``: what the number of rooms costs the bot.

A house's bot sits in a direct chat per member and a room per casus, kept until retention
removes it (docs/sizing.md: R ≈ 1,200-2,000). For each R, one local Synapse and one
casusbot process: a filler account makes encrypted rooms with the bot until it is in R
(the bot joins each, as it would a member's chat, and welcomes everyone in it): two-member
rooms, and (``--casus-share``, half by default) casus rooms of 5-8 members, the filler,
the bot and 3-6 of a pool of E2EE members with two devices each, so the bot shares its
room keys with every device there. Then one E2EE member measures:

- the first sync after a restart, asked with the bot's own token while the bot is stopped,
  from its saved position: incremental and filtered, as the bot asks it since it keeps
  the rooms' state (bot/matrix/snapshot.py), and with ``full_state``, as it asked before:
  Synapse's time and the response's size of both; and the size of the state it keeps;
- restart to first reply: from starting ``casusbot run`` to the answer to a ``hulp``
  the member sent at that moment;
- 30 sequential ``hulp`` round trips: p50 and p99, and the bot's CPU per message;
- the bot's resident memory after them, and its CPU over 20 idle seconds;
- Synapse's time for a sync with nothing new, without and with the bot's sync filter
  (bot/matrix/sync_filter.py): what each of the bot's syncs costs at this R;
- Synapse's CPU per round trip, and per account and kind of request (its access log,
  bench/access.py): what grows on the homeserver's side;
- the floor: with the bot stopped, the plain nio echo bot (bench/echo_bot.py) logged in
  as the bot's own account (a device of its own, logged out afterwards), so in the same R
  rooms, answering the same 30 round trips in a fresh direct chat: what any client of
  that account gets from this homeserver at this R. When casusbot restarts, it answers
  the echo chat's messages too, off the measurement.

R grows from one size to the next in the same run (the rooms of R = 300 are among those
of R = 2,000), so the figures sit side by side. Synapse runs on SQLite, as in the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sqlite3
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
from nio import AsyncClient, AsyncClientConfig, LoginResponse

from bench.access import AccessLog, summary
from bench.proc import cpu_ms
from bench.processes import (
    BENCH_PASSWORD,
    Child,
    casusbot_environment,
    seed_partners,
    start_casusbot,
    start_echo_bot,
    write_casusbot_config,
)
from bot.matrix.sync_filter import FILTER
from demo.devserver import LocalSynapse, RateLimits
from demo.scripted import ScriptedMember

ROUND_TRIPS = 30
POOL_MEMBERS = 24  # each with two E2EE devices: the people of the casus rooms
CASUS_OTHERS = (3, 4, 5, 6)  # besides the filler and the bot: rooms of 5-8 members
IDLE_SECONDS = 20.0
SETUP_TIMEOUT = 600.0
SYNAPSE_EXTRA = "bcrypt_rounds: 4\n"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def token_of(bot_dir: Path) -> str:
    """The bot's access token, from the session it saved (to sync as it does)."""
    return str(json.loads((bot_dir / "crypto" / "session.json").read_text())["access_token"])


class Account:
    """An account over plain HTTP (it never sends a message: the rooms are measured)."""

    def __init__(
        self, session: aiohttp.ClientSession, url: str, token: str, user_id: str = ""
    ) -> None:
        self.session, self.url, self.token, self.user_id = session, url, token, user_id

    async def call(
        self, method: str, path: str, body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> Any:  # fmt: skip
        headers = {"Authorization": f"Bearer {self.token}"}
        async with self.session.request(
            method, f"{self.url}/_matrix/client/v3{path}", json=body, params=params,
            headers=headers,
        ) as response:  # fmt: skip
            return await response.json(content_type=None)

    async def room_with(self, bot: str, others: Sequence[Account] = ()) -> str:
        """An encrypted room with the bot: a direct chat, or with ``others`` a casus room
        they join before the bot does (so its welcome is encrypted for all of them)."""
        made = await self.call("POST", "/createRoom", {
            "invite": [*(other.user_id for other in others), bot],
            "is_direct": not others,
            "preset": "private_chat" if others else "trusted_private_chat",
            "initial_state": [{"type": "m.room.encryption", "state_key": "",
                               "content": {"algorithm": "m.megolm.v1.aes-sha2"}}],
        })  # fmt: skip
        room_id = str(made["room_id"])
        for other in others:
            await other.call("POST", f"/rooms/{quote(room_id, safe='')}/join", {})
        return room_id


async def pool_member(
    session: aiohttp.ClientSession, synapse: LocalSynapse, directory: Path, number: int
) -> Account:
    """A member of the casus rooms with two devices whose keys are on the homeserver."""
    user_id = await asyncio.to_thread(synapse.register, f"lid{number:02d}", BENCH_PASSWORD)
    token = ""
    for device in ("telefoon", "laptop"):
        store = directory / f"lid{number:02d}-{device}"
        store.mkdir(parents=True, exist_ok=True)
        client = AsyncClient(synapse.url, user_id, store_path=str(store),
                             config=AsyncClientConfig(encryption_enabled=True))  # fmt: skip
        try:
            login = await client.login(BENCH_PASSWORD, device_name=device)
            if not isinstance(login, LoginResponse):
                raise RuntimeError(f"login failed for {user_id}: {login}")
            await client.keys_upload()
            token = token or login.access_token
        finally:
            await client.close()
    return Account(session, synapse.url, token, user_id)


async def log_in(session: aiohttp.ClientSession, url: str, user: str, password: str) -> str:
    async with session.post(f"{url}/_matrix/client/v3/login", json={
        "type": "m.login.password", "identifier": {"type": "m.id.user", "user": user},
        "password": password,
    }) as response:  # fmt: skip
        return str((await response.json())["access_token"])


async def bot_rooms(session: aiohttp.ClientSession, url: str, token: str) -> int:
    async with session.get(
        f"{url}/_matrix/client/v3/joined_rooms", headers={"Authorization": f"Bearer {token}"}
    ) as response:
        return len((await response.json())["joined_rooms"])


def saved_position(bot_dir: Path) -> str:
    """Where the bot's next sync starts: the position it saved (bot/positions.py)."""
    with sqlite3.connect(bot_dir / "casusbot.db") as connection:
        [(position,)] = connection.execute("SELECT next_batch FROM sync_position").fetchall()
    return str(position)


def kept_state_mb(bot_dir: Path) -> float:
    """What the bot keeps of the rooms' state (encrypted), in MB."""
    with sqlite3.connect(bot_dir / "casusbot.db") as connection:
        [(size,)] = connection.execute("SELECT SUM(LENGTH(events)) FROM room_state").fetchall()
    return float(size or 0) / 1e6


async def first_sync(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    since: str,
    full_state: bool,
    filtered: bool = True,
) -> tuple[float, int]:
    """(seconds, bytes) of a sync as the bot, from ``since``: incremental (the bot now),
    or with the full state of every room (the bot before); with the bot's sync filter
    (bot/matrix/sync_filter.py) or without it (the bot before)."""
    # What the bot asks, made a different request by a filter field that filters nothing:
    # Synapse answers the same request within two minutes from its cache
    # (sync_response_cache_duration).
    distinct = {"room": {"timeline": {"not_types": [f"bench.nothing.{time.time_ns()}"]}}}
    request = {**FILTER, "room": {**FILTER["room"], **distinct["room"]}} if filtered else distinct
    started = time.monotonic()
    async with session.get(
        f"{url}/_matrix/client/v3/sync",
        params={"since": since, "full_state": str(full_state).lower(), "timeout": "0",
                "filter": json.dumps(request)},
        headers={"Authorization": f"Bearer {token}"},
    ) as response:  # fmt: skip
        body = await response.read()
        if response.status != 200:
            raise RuntimeError(f"sync as the bot failed: {response.status} {body[:200]!r}")
    return time.monotonic() - started, len(body)


async def empty_syncs(
    session: aiohttp.ClientSession, url: str, token: str, since: str
) -> tuple[float, float]:
    """Synapse's time (ms, median of 7) for a sync with nothing new, without and with the
    bot's filter: what every sync of the bot costs it at this R."""
    times: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(7):
        for filtered in (False, True):
            seconds, _ = await first_sync(session, url, token, since, False, filtered)
            times[filtered].append(seconds * 1000)
    return statistics.median(times[False]), statistics.median(times[True])


async def round_trips(member: ScriptedMember, room: str, bot: str) -> list[float]:
    """``ROUND_TRIPS`` sequential ``hulp`` round trips in ms, sorted."""
    trips = []
    for _ in range(ROUND_TRIPS):
        sent = time.monotonic()
        await member.ask(room, bot, "hulp", timeout=60)
        trips.append((time.monotonic() - sent) * 1000)
    return sorted(trips)


async def echo_floor(
    member: ScriptedMember, url: str, directory: Path, bot: str, bot_password: str,
    access: AccessLog,
) -> dict[str, float]:  # fmt: skip
    """The echo bot as the bot's account (the bot stopped): its round trips and CPU."""
    echo = start_echo_bot("echo bot", directory, url, [bot], bot_password, log_out=True)
    try:
        await echo.wait_for_stdout("ready", SETUP_TIMEOUT)
        room = await member.create_room([bot])

        def joined() -> bool:
            return room in member.client.rooms and bot in member.client.rooms[room].users

        await member.wait_until(joined, timeout=120)
        await member.ask(room, bot, "hulp", timeout=120)  # the room key reaches the echo
        cpu_before = cpu_ms(echo.pid)
        access.mark()
        trips = await round_trips(member, room, bot)
        cpu = (cpu_ms(echo.pid) - cpu_before) / ROUND_TRIPS
        await asyncio.sleep(1.0)  # the last requests written to the access log
        homeserver = access.since_mark({bot: "echo", member.user_id: "meter"})
    finally:
        echo.stop()
    print("  Synapse per round trip, echo bot:\n" + summary(homeserver, ROUND_TRIPS), flush=True)
    return {
        "echo_p50_ms": statistics.median(trips), "echo_slowest_ms": trips[-1],
        "echo_cpu_ms_per_message": cpu,
        "echo_synapse_cpu_ms_per_trip": sum(t.cpu_ms for t in homeserver.values()) / ROUND_TRIPS,
    }  # fmt: skip


async def measure(options: argparse.Namespace) -> list[dict[str, float]]:
    directory: Path = options.dir
    synapse = LocalSynapse(
        directory / "synapse", limits=RateLimits(), extra_yaml=SYNAPSE_EXTRA, access_log=True
    )
    access = AccessLog(directory / "synapse" / "access.log")
    await asyncio.to_thread(synapse.start)
    results: list[dict[str, float]] = []
    bot_child: Child | None = None
    try:
        bot_password = BENCH_PASSWORD + "-casusbot"
        bot = await asyncio.to_thread(synapse.register, "casusbot", bot_password)
        filler_id = await asyncio.to_thread(synapse.register, "filler", BENCH_PASSWORD)
        member_id = await asyncio.to_thread(synapse.register, "meter", BENCH_PASSWORD)
        bot_dir = directory / "casusbot"
        config = write_casusbot_config(bot_dir, synapse.url, bot)
        environ = casusbot_environment(bot_password)
        await seed_partners(config, environ, [filler_id, member_id])
        member = ScriptedMember(synapse.url, member_id, BENCH_PASSWORD, directory / "meter")
        async with aiohttp.ClientSession() as session:
            filler_token = await log_in(session, synapse.url, filler_id, BENCH_PASSWORD)
            filler = Account(session, synapse.url, filler_token)
            pool = [
                await pool_member(session, synapse, directory / "pool", number)
                for number in range(1, POOL_MEMBERS + 1)
            ]
            limit = asyncio.Semaphore(8)
            casus_rooms = 0

            async def one(number: int) -> None:
                nonlocal casus_rooms
                # Every room whose running number crosses a multiple of 1/share is a casus room.
                casus = int((number + 1) * options.casus_share) > int(number * options.casus_share)
                # Who shares a room is no secret: a seeded draw, so runs build the same rooms.
                drawn = random.choice(CASUS_OTHERS)  # noqa: S311
                others = random.sample(pool, drawn) if casus else []
                async with limit:
                    await filler.room_with(bot, others)
                casus_rooms += casus

            bot_child = start_casusbot(bot_dir, config, environ)
            await bot_child.wait_for_log("casusbot is running", SETUP_TIMEOUT)
            bot_token = token_of(bot_dir)
            await member.start()
            room = await member.create_room([bot])
            await member.wait_for_text(bot, room, "Typ hulp", timeout=120)
            for size in options.rooms:
                made = await bot_rooms(session, synapse.url, bot_token)
                print(f"R={size}: making {max(0, size - made)} rooms …", flush=True)
                await asyncio.gather(*(one(made + n) for n in range(size - made)))
                deadline = time.monotonic() + SETUP_TIMEOUT
                while await bot_rooms(session, synapse.url, bot_token) < size:
                    bot_child.check_alive()
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"the bot did not join {size} rooms in time")
                    await asyncio.sleep(2)
                await asyncio.sleep(5)  # the welcome messages and key shares settle
                bot_child.stop()
                position = saved_position(bot_dir)
                sync_seconds, sync_bytes = await first_sync(
                    session, synapse.url, bot_token, position, full_state=False
                )
                full_seconds, full_bytes = await first_sync(
                    session, synapse.url, bot_token, position, full_state=True, filtered=False
                )
                unfiltered_ms, filtered_ms = await empty_syncs(
                    session, synapse.url, bot_token, position
                )
                started = time.monotonic()
                bot_child = start_casusbot(bot_dir, config, environ)
                first = await member.ask(room, bot, "hulp", timeout=300)
                restart = time.monotonic() - started
                restored = bot_child.saw_log("rooms restored from kept state")
                assert "Dit kun je met mij doen" in first.body
                cpu_before = cpu_ms(bot_child.pid)
                access.mark()
                trips = await round_trips(member, room, bot)
                cpu_per_message = (cpu_ms(bot_child.pid) - cpu_before) / ROUND_TRIPS
                await asyncio.sleep(1.0)  # the last requests written to the access log
                homeserver = access.since_mark({bot: "bot", member_id: "meter"})
                rss = rss_mb(bot_child.pid)
                idle_before = cpu_ms(bot_child.pid)
                await asyncio.sleep(IDLE_SECONDS)
                idle = (cpu_ms(bot_child.pid) - idle_before) / IDLE_SECONDS
                bot_child.stop()
                floor = await echo_floor(
                    member, synapse.url, directory / "echo", bot, bot_password, access
                )
                bot_child = start_casusbot(bot_dir, config, environ)
                row = {
                    "rooms": float(size), "casus_rooms": float(casus_rooms),
                    "first_sync_s": sync_seconds,
                    "first_sync_mb": sync_bytes / 1e6, "full_sync_s": full_seconds,
                    "full_sync_mb": full_bytes / 1e6, "kept_mb": kept_state_mb(bot_dir),
                    "restored": float(restored), "restart_to_reply_s": restart,
                    "p50_ms": statistics.median(trips), "slowest_ms": trips[-1],
                    "cpu_ms_per_message": cpu_per_message, "rss_mb": rss,
                    "idle_cpu_ms_per_s": idle, "empty_sync_ms": unfiltered_ms,
                    "empty_sync_filtered_ms": filtered_ms,
                    "synapse_cpu_ms_per_trip":
                        sum(t.cpu_ms for t in homeserver.values()) / ROUND_TRIPS,
                    **floor,
                }  # fmt: skip
                results.append(row)
                print(_line(row), flush=True)
                print("  Synapse per round trip:\n" + summary(homeserver, ROUND_TRIPS), flush=True)
        await member.close()
    finally:
        if bot_child is not None:
            bot_child.stop()
        await asyncio.to_thread(synapse.stop)
    return results


def _line(row: dict[str, float]) -> str:
    return (
        f"| {row['rooms']:.0f} ({row['casus_rooms']:.0f}) "
        f"| {row['first_sync_s']:.2f} s / {row['first_sync_mb']:.2f} MB "
        f"| {row['full_sync_s']:.2f} s / {row['full_sync_mb']:.2f} MB "
        f"| {row['kept_mb']:.2f} MB{'' if row['restored'] else ' (not used)'} "
        f"| {row['restart_to_reply_s']:.1f} s | {row['p50_ms']:.0f} ms ({row['slowest_ms']:.0f}) "
        f"| {row['cpu_ms_per_message']:.1f} ms | {row['rss_mb']:.0f} MB "
        f"| {row['idle_cpu_ms_per_s']:.1f} ms/s "
        f"| {row['empty_sync_ms']:.0f} / {row['empty_sync_filtered_ms']:.0f} ms "
        f"| {row['synapse_cpu_ms_per_trip']:.0f} ms "
        f"| {row['echo_p50_ms']:.0f} ms ({row['echo_slowest_ms']:.0f}) "
        f"| {row['echo_cpu_ms_per_message']:.1f} ms "
        f"| {row['echo_synapse_cpu_ms_per_trip']:.0f} ms |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rooms", description=__doc__)
    parser.add_argument("--rooms", default="10,300,2000",
                        type=lambda text: sorted(int(n) for n in text.split(",")))  # fmt: skip
    parser.add_argument(
        "--casus-share",
        type=float,
        default=0.5,
        help="the share of the rooms that are casus rooms of 5-8 members",
    )
    parser.add_argument("--seed", type=int, default=26, help="which pool members share a room")
    parser.add_argument("--dir", type=Path, default=Path("var/bench-rooms"))
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    options = parser.parse_args()
    if options.dir.exists():  # a fresh homeserver and bot every run
        shutil.rmtree(options.dir)
    random.seed(options.seed)
    results = asyncio.run(measure(options))
    columns = [
        "R (casus rooms)", "first sync after restart (Synapse time / size)",
        "with full state (before)", "state kept", "restart to first reply",
        "reply p50 (slowest of 30)", "bot CPU/msg", "RSS", "idle CPU",
        "a sync with nothing new (without / with the bot's filter)",
        "Synapse CPU per round trip", "echo bot p50 (slowest of 30)", "echo bot CPU/msg",
        "Synapse CPU per echo round trip",
    ]  # fmt: skip
    print("\n| " + " | ".join(columns) + " |")
    print("|---" * len(columns) + "|")
    for row in results:
        print(_line(row))
    if options.json is not None:
        options.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
