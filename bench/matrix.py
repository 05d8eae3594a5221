"""The Matrix benchmark: N members talking at once to casusbot, the echo bot and the floor.

One local Synapse and two long-running responders (casusbot and the echo bot, each its own
process) serve the whole run. For every N a fresh group of members is registered (so flood
protection and open forms never carry over), plus N plain partner clients for the floor,
which run in a process of their own. Each member opens an encrypted direct chat with all
three responders, sends one warm-up message in each (key exchange is not what is
measured), and then the group sends the same script to the floor, the echo bot and
casusbot in turn, all members at once. The script is the complete aanmelding of the demo
(``aanmelden``, every answer, ``bevestig``), ``rounds`` times.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bench.members import BenchMember, Conversation, converse
from bench.proc import (
    cpu_ms,
    loadavg,
    machine_busy_ms,
    start_profiler,
    stop_profiler,
    thread_cpu_ms,
)
from bench.processes import (
    BENCH_PASSWORD,
    Child,
    casusbot_environment,
    seed_partners,
    start_casusbot,
    start_echo_bot,
    write_casusbot_config,
)
from demo.devserver import LocalSynapse, RateLimits

# The intake every member types: the same sixteen messages in every round, so the figures
# stay comparable (the demo's answers are looser since issue 19 and skip two questions).
ANSWERS = (
    "Demo", "Voorbeeldpersoon", "overslaan", "1 januari 1990", "Nepstraat 1", "9999 ZZ",
    "Demostad", "Demostad",
    "Fictieve casus: overlast in de wijk, schulden en geen dagbesteding.",
    "Eén gezamenlijk plan van aanpak met zorg en politie.", "1, 4", "geen", "regulier", "ik",
)  # fmt: skip
INTAKE = ("aanmelden", *ANSWERS, "bevestig")
TARGETS = ("floor", "echo", "casusbot")
SUBMITTED = "ingediend onder kenmerk"
FLOOD_NOTICE = "je stuurt veel berichten"
SETUP_TIMEOUT = 120.0
# Other processes may use this share of one core during a phase; a phase that saw more is
# measured again (MAX_ATTEMPTS in all), and each phase waits up to QUIET_WAIT for it.
QUIET_SHARE = 0.10
QUIET_WAIT = 180.0
MAX_ATTEMPTS = 2
# casusbot's flood protection (handlers/router.py): messages per member per minute.
FLOOD_MESSAGES = 60
FLOOD_WINDOW = 60.0
# Only account set-up is affected: every login and registration hashes the password.
SYNAPSE_EXTRA = "bcrypt_rounds: 4\n"


@dataclass(frozen=True)
class Options:
    sizes: tuple[int, ...]
    rounds: int
    reply_timeout: float
    settle: float
    directory: Path
    # Record a py-spy profile of casusbot during its phases into this directory.
    profile: Path | None = None
    # Which responders to measure, in this order (all three by default).
    targets: tuple[str, ...] = TARGETS


@dataclass(frozen=True)
class PhaseResult:
    target: str
    members: int
    sent: int
    latencies_ms: tuple[float, ...]
    lost: int
    doubled: int
    wall_seconds: float
    responder_cpu_ms: float
    synapse_cpu_ms: float
    driver_cpu_ms: float
    # Busy CPU of the whole machine minus that of the benchmark's processes.
    other_cpu_ms: float
    completed_intakes: int | None
    flood_notices: int
    loadavg: str
    attempts: int = 1

    @property
    def replies(self) -> int:
        return len(self.latencies_ms)

    @property
    def other_share(self) -> float:
        """The share of a core that processes outside the benchmark used meanwhile (the
        readings have a resolution of 10 ms per process, so a quiet phase reads about 0)."""
        if not self.wall_seconds:
            return 0.0
        return max(0.0, self.other_cpu_ms / 1000.0 / self.wall_seconds)

    @property
    def disturbed(self) -> bool:
        return self.other_share > QUIET_SHARE

    def per_message(self, cpu: float) -> float:
        return cpu / self.replies if self.replies else float("nan")


@dataclass
class _Run:
    options: Options
    synapse: LocalSynapse
    casusbot: Child
    echo: Child
    casusbot_user: str
    echo_user: str
    floor: Child | None = None

    def pids(self) -> dict[str, int]:
        assert self.synapse._process is not None  # LocalSynapse keeps its child private
        pids = {
            "synapse": self.synapse._process.pid,
            "casusbot": self.casusbot.pid,
            "echo": self.echo.pid,
        }
        if self.floor is not None:
            pids["floor"] = self.floor.pid
        return pids


def _localparts(size: int) -> tuple[list[str], list[str]]:
    return [f"n{size}-member{i}" for i in range(size)], [f"n{size}-partner{i}" for i in range(size)]


def _mxid(localpart: str) -> str:
    return f"@{localpart}:localhost"


async def run_matrix(options: Options) -> list[PhaseResult]:
    directory = options.directory
    synapse = LocalSynapse(directory / "synapse", limits=RateLimits(), extra_yaml=SYNAPSE_EXTRA)
    print(f"Starting Synapse in {synapse.directory} …", flush=True)
    await asyncio.to_thread(synapse.start)
    children: list[Child] = []
    try:
        bot_password = BENCH_PASSWORD + "-casusbot"
        casusbot_user = await asyncio.to_thread(synapse.register, "casusbot", bot_password, True)
        echo_user = await asyncio.to_thread(synapse.register, "echobot", BENCH_PASSWORD)
        members: list[str] = []
        for size in options.sizes:
            member_parts, partner_parts = _localparts(size)
            for localpart in (*member_parts, *partner_parts):
                await asyncio.to_thread(synapse.register, localpart, BENCH_PASSWORD)
            members += [_mxid(p) for p in member_parts]
        bot_dir = directory / "casusbot"
        config = write_casusbot_config(bot_dir, synapse.url, casusbot_user)
        environ = casusbot_environment(bot_password)
        await seed_partners(config, environ, members)
        count_sql = None if options.profile is None else options.profile / "casusbot-sql.txt"
        casusbot = start_casusbot(bot_dir, config, environ, count_sql)
        children.append(casusbot)
        echo = start_echo_bot("echo bot", directory / "echobot", synapse.url, [echo_user])
        children.append(echo)
        await casusbot.wait_for_log("casusbot is running", SETUP_TIMEOUT)
        await echo.wait_for_stdout("ready", SETUP_TIMEOUT)
        run = _Run(options, synapse, casusbot, echo, casusbot_user, echo_user)
        results: list[PhaseResult] = []
        for size in options.sizes:
            results += await _run_group(run, size)
        return results
    finally:
        for child in reversed(children):
            child.stop()
        await asyncio.to_thread(synapse.stop)


async def _run_group(run: _Run, size: int) -> list[PhaseResult]:
    options = run.options
    member_parts, partner_parts = _localparts(size)
    print(f"\nN={size}: setting up {size} members and {size} partner clients …", flush=True)
    floor = start_echo_bot(
        f"floor N={size}", options.directory / f"floor-{size}", run.synapse.url,
        [_mxid(p) for p in partner_parts],
    )  # fmt: skip
    run.floor = floor
    members = [
        BenchMember(run.synapse.url, _mxid(p), BENCH_PASSWORD, options.directory / "members" / p)
        for p in member_parts
    ]
    limit = asyncio.Semaphore(10)
    try:
        await floor.wait_for_stdout("ready", SETUP_TIMEOUT)

        async def start(member: BenchMember) -> None:
            async with limit:
                await member.start()

        await asyncio.gather(*(start(m) for m in members))
        peers = {
            "floor": [_mxid(p) for p in partner_parts],
            "echo": [run.echo_user] * size,
            "casusbot": [run.casusbot_user] * size,
        }

        async def open_rooms(i: int, member: BenchMember) -> dict[str, str]:
            async with limit:
                rooms = {t: await member.open_dm(peers[t][i], SETUP_TIMEOUT) for t in TARGETS}
            # The warm-up: key exchange and first-message costs are not what we measure.
            for target in TARGETS:
                room, peer = rooms[target], peers[target][i]
                welcomed = target != "casusbot" or await member.wait_count(
                    room, peer, 1, SETUP_TIMEOUT
                )  # casusbot welcomes first
                if not welcomed:
                    raise RuntimeError("casusbot did not welcome a member")
                warm = "hulp" if target == "casusbot" else "warm-up"
                conversation = await converse(member, room, peer, [warm], SETUP_TIMEOUT)
                if conversation.lost:
                    raise RuntimeError(f"warm-up with {target} got no reply")
            return rooms

        rooms = await asyncio.gather(*(open_rooms(i, m) for i, m in enumerate(members)))
        await asyncio.sleep(max(2.0, options.settle))
        script = list(INTAKE) * options.rounds
        results = []
        for target in options.targets:
            target_rooms = [r[target] for r in rooms]
            for attempt in range(1, MAX_ATTEMPTS + 1):
                started = time.monotonic()
                await _wait_until_quiet(run.pids())
                result = await _phase(run, target, members, target_rooms, peers[target], script)
                result = replace(result, attempts=attempt)
                p50 = _median(result.latencies_ms)
                print(f"  {target:<9} p50 {p50:7.0f} ms, {result.replies} replies in "
                      f"{result.wall_seconds:.1f} s, other processes "
                      f"{result.other_share:.0%} of a core", flush=True)  # fmt: skip
                await asyncio.sleep(options.settle)
                # A phase disturbed by other work on the machine is measured again (once),
                # unless replies went missing: then the conversations are not where the
                # script expects them, and the loss is reported as it is.
                if not result.disturbed or result.lost or attempt == MAX_ATTEMPTS:
                    break
                print("  disturbed by other processes: measuring again", flush=True)
                if target == "casusbot" and 2 * len(script) + 1 > FLOOD_MESSAGES:
                    # casusbot's flood protection counts a minute per member.
                    await asyncio.sleep(max(0.0, started + FLOOD_WINDOW - time.monotonic()))
            results.append(result)
        return results
    finally:
        await asyncio.gather(*(m.close() for m in members), return_exceptions=True)
        run.floor = None
        floor.stop()


async def _wait_until_quiet(pids: dict[str, int]) -> None:
    """Wait (at most QUIET_WAIT) until processes outside the benchmark use less than
    QUIET_SHARE of a core, so a phase does not start in the middle of someone's test run."""
    deadline = time.monotonic() + QUIET_WAIT
    told = False
    while True:
        busy, ours = machine_busy_ms(), sum(_cpu(pids).values())
        await asyncio.sleep(1.0)
        share = ((machine_busy_ms() - busy) - (sum(_cpu(pids).values()) - ours)) / 1000.0
        if share <= QUIET_SHARE or time.monotonic() > deadline:
            return
        if not told:
            print(f"  waiting for a quieter machine (other processes use {share:.0%} of a "
                  "core) …", flush=True)  # fmt: skip
            told = True


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else float("nan")


def _cpu(pids: dict[str, int]) -> dict[str, float]:
    return {name: cpu_ms(pid) for name, pid in {**pids, "driver": os.getpid()}.items()}


async def _phase(
    run: _Run,
    target: str,
    members: Sequence[BenchMember],
    rooms: Sequence[str],
    peers: Sequence[str],
    script: Sequence[str],
) -> PhaseResult:
    bases = [m.count(room, peer) for m, room, peer in zip(members, rooms, peers, strict=True)]
    pids = run.pids()
    profiler, threads_before = None, {}
    profile = run.options.profile
    if profile is not None and target == "casusbot":
        threads_before = thread_cpu_ms(pids["casusbot"])
        profiler = start_profiler(pids["casusbot"], profile / f"casusbot-n{len(members)}")
        os.kill(pids["casusbot"], signal.SIGUSR1)  # count its SQL from here (bench.sqlcount)
    busy_before, cpu_before = machine_busy_ms(), _cpu(pids)
    started = time.monotonic()
    conversations: list[Conversation] = await asyncio.gather(*(
        converse(m, room, peer, script, run.options.reply_timeout)
        for m, room, peer in zip(members, rooms, peers, strict=True)
    ))  # fmt: skip
    last = max((c.last_arrival for c in conversations), default=0.0) or time.monotonic()
    # A moment for the responders to finish the bookkeeping of the last replies.
    await asyncio.sleep(0.5)
    busy_after, cpu_after = machine_busy_ms(), _cpu(pids)
    if profiler is not None and profile is not None:
        stop_profiler(profiler)
        os.kill(pids["casusbot"], signal.SIGUSR2)
        await asyncio.sleep(0.2)
        sql = profile / "casusbot-sql.txt"
        if sql.exists():
            sql.rename(profile / f"casusbot-n{len(members)}-sql.txt")
        _write_thread_cpu(profile / f"casusbot-n{len(members)}-threads.txt", pids["casusbot"],
                          threads_before, thread_cpu_ms(pids["casusbot"]))  # fmt: skip
    # Replies that come after the script ended are doubles (or very late); wait for them.
    await asyncio.sleep(run.options.settle)
    doubled = 0
    for member, room, peer, base, conversation in zip(
        members, rooms, peers, bases, conversations, strict=True
    ):
        answered = len(script) - conversation.send_failures
        doubled += max(0, member.count(room, peer) - base - answered)
    spent = {name: cpu_after[name] - cpu_before[name] for name in cpu_before}
    replies = [r for c in conversations for r in c.replies]
    return PhaseResult(
        target=target,
        members=len(members),
        sent=len(script) * len(members),
        latencies_ms=tuple(lat for c in conversations for lat in c.latencies_ms),
        lost=sum(c.lost for c in conversations),
        doubled=doubled,
        wall_seconds=last - started,
        responder_cpu_ms=spent["floor" if target == "floor" else target],
        synapse_cpu_ms=spent["synapse"],
        driver_cpu_ms=spent["driver"],
        other_cpu_ms=(busy_after - busy_before) - sum(spent.values()),
        completed_intakes=(sum(SUBMITTED in r for r in replies) if target == "casusbot" else None),
        flood_notices=sum(FLOOD_NOTICE in r for r in replies),
        loadavg=loadavg(),
    )


def _write_thread_cpu(
    path: Path, pid: int, before: dict[int, float], after: dict[int, float]
) -> None:
    """Where the process's CPU went: the event loop (main thread) or worker threads."""
    lines = []
    for tid, spent in sorted(after.items()):
        used = spent - before.get(tid, 0.0)
        if used > 0:
            lines.append(f"{'main (event loop)' if tid == pid else f'thread {tid}'}: {used:.0f} ms")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
