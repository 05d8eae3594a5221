"""The processes under test: casusbot (``casusbot run``) and the echo bot, each on its own.

Each runs as a child process of the benchmark so its CPU time can be read from
/proc/<pid>/stat. casusbot gets a generated config and database in which the benchmark's
members are registered partners, exactly as ``casusbot member add`` would make them.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bot.config_file import load_settings
from handlers.beheer.members import MembershipService
from scheduler.clock import SystemClock
from storage import crypto
from storage.crypto import generate_key
from storage.db import Database

BENCH_PASSWORD = "bench-password-not-secret"  # noqa: S105 (throw-away local accounts)
ORGANISATION = "bench"
ORGANISATION_NAME = "Benchmarkorganisatie (fictief)"
STOP_TIMEOUT = 30.0


class Child:
    """A child process with its output in a log file; stopped with SIGTERM."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_file: Path,
        env: dict[str, str],
        stdout_pipe: bool = False,
    ) -> None:
        self.name = name
        self.log_file = log_file
        # Where this run's lines start (the log is appended to across restarts).
        self.log_start = log_file.stat().st_size if log_file.exists() else 0
        with open(log_file, "ab") as output:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and modules)
                list(argv),
                stdout=subprocess.PIPE if stdout_pipe else output,
                stderr=output,
                env={**os.environ, **env},
                start_new_session=True,  # a Ctrl-C reaches the benchmark, which stops us
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(
                f"{self.name} exited with {self.process.returncode}; see {self.log_file}"
            )

    async def wait_for_stdout(self, line: str, timeout: float) -> None:
        """Wait until the child prints ``line`` on stdout."""
        assert self.process.stdout is not None
        stdout = self.process.stdout
        got = await asyncio.wait_for(asyncio.to_thread(stdout.readline), timeout)
        if got.decode().strip() != line:
            self.check_alive()
            raise RuntimeError(f"{self.name} said {got!r} instead of {line!r}")

    def saw_log(self, text: str) -> bool:
        """Whether this run of the child logged ``text`` so far."""
        with open(self.log_file, "rb") as log:
            log.seek(self.log_start)
            return text in log.read().decode("utf-8", errors="replace")

    async def wait_for_log(self, text: str, timeout: float) -> None:
        """Wait until ``text`` appears in the child's log file."""
        deadline = time.monotonic() + timeout
        while text not in self.log_file.read_text(encoding="utf-8", errors="replace"):
            self.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not log {text!r} within {timeout:.0f}s")
            await asyncio.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_echo_bot(
    name: str,
    directory: Path,
    homeserver: str,
    accounts: Sequence[str],
    password: str = BENCH_PASSWORD,
    log_out: bool = False,
) -> Child:
    directory.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "bench.echo_bot", "--homeserver", homeserver]
    argv += ["--store", str(directory / "stores")]
    for account in accounts:
        argv += ["--account", account]
    if log_out:
        argv.append("--log-out")
    return Child(name, argv, directory / "echo.log", {"BENCH_PASSWORD": password}, stdout_pipe=True)


def write_casusbot_config(directory: Path, homeserver: str, bot_user: str) -> Path:
    """A config as an operator would write it; secrets go through the environment."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "config.toml"
    config.write_text(
        f"""[matrix]
homeserver_url = "{homeserver}"
user_id = "{bot_user}"
device_name = "casusbot benchmark"
store_path = "{directory / "crypto"}"

[database]
url = "sqlite+aiosqlite:///{directory / "casusbot.db"}"

[house]
name = "Zorg- en Veiligheidshuis Benchmarkregio"

[health]
port = 0

[audit]
anchor_file = "{directory / "audit-anchors"}"
""",
        encoding="utf-8",
    )
    return config


def casusbot_environment(bot_password: str) -> dict[str, str]:
    return {
        "CASUSBOT_MATRIX_PASSWORD": bot_password,
        "CASUSBOT_PICKLE_KEY": generate_key(),
        "CASUSBOT_DATA_KEY": generate_key(),
    }


async def seed_partners(config: Path, environ: dict[str, str], members: Sequence[str]) -> None:
    """Register ``members`` as partners of one organisation in casusbot's database."""
    settings = load_settings(config, environ)
    crypto.install(settings.database.resolve_data_keys())
    db = Database(settings.database.url)
    now = SystemClock(settings.house.zone).now()
    try:
        await db.migrate()
        async with db.transaction() as unit:
            service = MembershipService(unit)
            await service.add_organisation(ORGANISATION, ORGANISATION_NAME, now)
            for matrix_id in members:
                await service.add_member(matrix_id, ORGANISATION, "partner", now)
    finally:
        await db.close()


def start_casusbot(
    directory: Path, config: Path, environ: dict[str, str], count_sql: Path | None = None
) -> Child:
    """``casusbot run``; with ``count_sql``, wrapped to count its SQL (see bench.sqlcount)."""
    module = "bot" if count_sql is None else "bench.sqlcount"
    argv = [sys.executable, "-m", module, "--config", str(config), "run"]
    if count_sql is not None:
        environ = {**environ, "BENCH_SQLCOUNT_FILE": str(count_sql)}
    return Child("casusbot", argv, directory / "casusbot.log", environ)
