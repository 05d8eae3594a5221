"""``python -m bench.sync_profile [--profile FILE]``: what Synapse spends on one of the
bot's syncs, in the homeserver ``bench.rooms`` left behind (``var/bench-rooms``).

It starts that Synapse again, and with the bot's own token, position and sync filter
(bot/matrix/sync_filter.py) asks one sync after each message the measuring member sends
(one new event, as in a round trip), for 35 seconds; it prints the syncs' median time.
With ``--profile FILE`` it records Synapse meanwhile with py-spy (``.venv/bin/pip install
py-spy``) as collapsed stacks, and prints the Synapse functions that took the largest
share of the syncs. The bot itself is not started (its keys went with ``bench.rooms``'s
throw-away environment); nothing here needs it.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import time
from collections import Counter
from pathlib import Path

import aiohttp

from bench.proc import py_spy
from bench.processes import BENCH_PASSWORD
from bench.rooms import SYNAPSE_EXTRA, Account, log_in, saved_position, token_of
from bot.matrix.sync_filter import FILTER
from demo.devserver import LocalSynapse, RateLimits

SECONDS = 35


async def measure(directory: Path, profile: Path | None) -> list[float]:
    synapse = LocalSynapse(directory / "synapse", limits=RateLimits(), extra_yaml=SYNAPSE_EXTRA)
    await asyncio.to_thread(synapse.start)
    recorder: asyncio.subprocess.Process | None = None
    try:
        async with aiohttp.ClientSession() as session:
            url = synapse.url
            bot = Account(session, url, token_of(directory / "casusbot"))
            bot.user_id = (await bot.call("GET", "/account/whoami"))["user_id"]
            made = await bot.call("POST", f"/user/{bot.user_id}/filter", FILTER)
            sync = {"filter": str(made["filter_id"]), "timeout": "0"}
            meter = Account(session, url, await log_in(session, url, "meter", BENCH_PASSWORD))
            [room, *_] = (await meter.call("GET", "/joined_rooms"))["joined_rooms"]
            params = {**sync, "since": saved_position(directory / "casusbot")}
            since = (await bot.call("GET", "/sync", None, params))["next_batch"]
            if profile is not None and synapse.pid is not None:
                recorder = await asyncio.create_subprocess_exec(
                    py_spy(), "record", "-p", str(synapse.pid), "-d", str(SECONDS), "-r", "250",
                    "-f", "raw", "-o", str(profile),
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )  # fmt: skip
                await asyncio.sleep(1)
            times = []
            until = time.monotonic() + SECONDS - 2
            while time.monotonic() < until:
                path = f"/rooms/{room}/send/m.room.message/bench{time.time_ns()}"
                await meter.call("PUT", path, {"msgtype": "m.text", "body": "."})
                started = time.monotonic()
                params = {**sync, "since": since}
                answer = await bot.call("GET", "/sync", None, params)
                times.append((time.monotonic() - started) * 1000)
                since = answer["next_batch"]
            if recorder is not None:
                await recorder.wait()
            return times
    finally:
        await asyncio.to_thread(synapse.stop)


def hottest(profile: Path, top: int = 25) -> list[tuple[float, str]]:
    """(share of the sync samples, Synapse function) for the functions the syncs spent
    most in, inclusive."""
    total, inclusive = 0, Counter[str]()
    for line in profile.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not any("handlers/sync.py" in frame for frame in frames):
            continue
        total += int(count)
        for frame in set(frames):
            if "synapse/" in frame and "/app/" not in frame:
                inclusive[frame] += int(count)
    return [(n / total, frame) for frame, n in inclusive.most_common(top)] if total else []


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sync_profile", description=__doc__)
    parser.add_argument("--dir", type=Path, default=Path("var/bench-rooms"))
    parser.add_argument("--profile", type=Path, help="py-spy's collapsed stacks go here")
    options = parser.parse_args()
    times = asyncio.run(measure(options.dir, options.profile))
    print(f"{len(times)} syncs of the bot, one new event each: median "
          f"{statistics.median(times):.1f} ms")  # fmt: skip
    if options.profile is not None and options.profile.exists():
        for share, frame in hottest(options.profile):
            print(f"{share:6.1%}  {frame}")


if __name__ == "__main__":
    main()
