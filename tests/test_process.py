"""The real processes: `casusbot run` stops cleanly on SIGTERM; `python -m demo` plays through."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from demo.devserver import LocalSynapse, free_port
from tests.conftest import PASSWORD, unique_localpart
from tests.databases import Databases

pytestmark = pytest.mark.integration


def test_sigterm_stops_the_bot_cleanly_without_logging_out(
    synapse: LocalSynapse, tmp_path: Path, databases: Databases
) -> None:
    user_id = synapse.register(unique_localpart("proc"), PASSWORD)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[matrix]\nhomeserver_url = "{synapse.url}"\nuser_id = "{user_id}"\n'
        f'store_path = "{tmp_path / "crypto"}"\nsync_timeout_seconds = 30\n'
        f'[database]\nurl = "{databases.url("bot")}"\n'
        "[health]\nport = 0\n"  # the other backend's run may hold the default port
        f'[audit]\nanchor_file = "{tmp_path / "audit-anchors"}"\n'
    )
    env = {
        **os.environ,
        "CASUSBOT_MATRIX_PASSWORD": PASSWORD,
        "CASUSBOT_PICKLE_KEY": "process-test-pickle-key",
    }

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],  # the README's form
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait_running(process: subprocess.Popen[str]) -> list[str]:
        assert process.stderr is not None
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            lines.append(line)
            if "casusbot is running" in line:
                return lines
            if not line and process.poll() is not None:
                break
        pytest.fail("bot did not start: " + "".join(lines))

    process = start()
    wait_running(process)
    # A second process on the same device is refused at once, with a clear line.
    second = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1
    assert "another casusbot is already running" in second.stderr
    process.send_signal(signal.SIGTERM)
    # The sync long-poll is 30 s: a clean stop must not wait for it.
    _, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr
    assert "stopped" in stderr
    assert "Traceback" not in stderr

    # The device survived: a restart logs in with the stored session, not a new login.
    session = (tmp_path / "crypto" / "session.json").read_text()
    assert oct((tmp_path / "crypto").stat().st_mode & 0o777) == "0o700"
    process = start()
    lines = wait_running(process)
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=15)
    assert process.returncode == 0
    assert (tmp_path / "crypto" / "session.json").read_text() == session
    assert not any("logging in again" in line for line in lines)


@pytest.mark.sqlite_only(reason="the demo keeps its own SQLite database, whatever the tests use")
def test_demo_plays_a_conversation_and_verifies_it(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "demo",
            "--once",
            "--state-dir",
            str(tmp_path / "demo"),
            "--port",
            str(free_port()),
            "--health-port",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[ ]" not in result.stdout
    assert result.stdout.count("[x]") == 20
    assert "Traceback" not in result.stderr
