"""A local Synapse homeserver for the demo, the integration tests and the benchmark.

Writes its own minimal config (SQLite, 127.0.0.1 only, no federation key servers),
starts Synapse as a child process and registers users through the shared-secret admin
API. Everything lives in one directory, so a restart reuses the same server and users.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

SERVER_NAME = "localhost"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class RateLimits:
    """Synapse rate limits; the defaults are raised so tests and demos are not throttled."""

    message_per_second: float = 1000
    message_burst: int = 1000

    def yaml(self) -> str:
        generous = "{per_second: 1000, burst_count: 1000}"
        return "\n".join(
            [
                f"rc_message: {{per_second: {self.message_per_second}, "
                f"burst_count: {self.message_burst}}}",
                f"rc_registration: {generous}",
                f"rc_joins: {{local: {generous}, remote: {generous}}}",
                f"rc_invites: {{per_room: {generous}, per_user: {generous}}}",
                f"rc_login: {{address: {generous}, account: {generous}, "
                f"failed_attempts: {generous}}}",
                f"rc_key_requests: {generous}",
                f"rc_3pid_validation: {generous}",
                f"rc_admin_redaction: {generous}",
                f"rc_room_creation: {generous}",
            ]
        )


class LocalSynapse:
    """One Synapse in ``directory`` on 127.0.0.1."""

    def __init__(
        self,
        directory: Path,
        port: int | None = None,
        limits: RateLimits | None = None,
        extra_yaml: str = "",
        access_log: bool = False,
    ):
        self.directory = directory.resolve()
        self.limits = limits or RateLimits()
        self.extra_yaml = extra_yaml
        # Every request with its user, time and CPU in access.log (for the benchmark).
        self.access_log = access_log
        self._process: subprocess.Popen[bytes] | None = None
        self.directory.mkdir(parents=True, exist_ok=True)
        state = self._load_state()
        stored_port = state.get("port")
        self.port = port or (stored_port if isinstance(stored_port, int) else free_port())
        self.shared_secret = str(state.get("shared_secret") or secrets.token_hex(32))
        self._save_state()

    @property
    def pid(self) -> int | None:
        """The homeserver's process id while it runs (for a profiler)."""
        return self._process.pid if self._process is not None else None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def server_name(self) -> str:
        return SERVER_NAME

    def _state_file(self) -> Path:
        return self.directory / "devserver.json"

    def _load_state(self) -> dict[str, object]:
        try:
            loaded = json.loads(self._state_file().read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def _save_state(self) -> None:
        self._state_file().write_text(
            json.dumps({"port": self.port, "shared_secret": self.shared_secret}),
            encoding="utf-8",
        )
        os.chmod(self._state_file(), 0o600)

    def write_config(self) -> Path:
        d = self.directory
        config = d / "homeserver.yaml"
        access = (
            "  access:\n    class: logging.FileHandler\n    formatter: precise\n"
            f"    filename: {d / 'access.log'}\n"
            "loggers:\n  synapse.access:\n    level: INFO\n    handlers: [access]\n"
            "    propagate: false\n"
        )
        (d / "log.yaml").write_text(
            "version: 1\n"
            "formatters:\n  precise:\n"
            "    format: '%(asctime)s %(name)s %(levelname)s %(message)s'\n"
            "root:\n  level: WARNING\n  handlers: [file]\n"
            "disable_existing_loggers: false\n"
            "handlers:\n  file:\n    class: logging.FileHandler\n    formatter: precise\n"
            f"    filename: {d / 'homeserver.log'}\n" + (access if self.access_log else ""),
            encoding="utf-8",
        )
        macaroon = self._secret("macaroon")
        form = self._secret("form")
        config.write_text(
            f"""server_name: "{SERVER_NAME}"
pid_file: {d / "homeserver.pid"}
public_baseurl: {self.url}/
listeners:
  - port: {self.port}
    tls: false
    type: http
    x_forwarded: false
    bind_addresses: ['127.0.0.1']
    resources:
      - names: [client, openid]
        compress: false
database:
  name: sqlite3
  args:
    database: {d / "homeserver.db"}
log_config: {d / "log.yaml"}
media_store_path: {d / "media"}
signing_key_path: {d / "signing.key"}
registration_shared_secret: "{self.shared_secret}"
macaroon_secret_key: "{macaroon}"
form_secret: "{form}"
report_stats: false
trusted_key_servers: []
suppress_key_server_warning: true
enable_metrics: false
presence:
  enabled: false
{self.limits.yaml()}
{self.extra_yaml}
""",
            encoding="utf-8",
        )
        return config

    def _secret(self, name: str) -> str:
        file = self.directory / f"{name}.secret"
        if not file.exists():
            file.write_text(secrets.token_hex(32), encoding="utf-8")
            os.chmod(file, 0o600)
        return file.read_text(encoding="utf-8").strip()

    def start(self, timeout: float = 60.0) -> None:
        config = self.write_config()
        python = sys.executable
        if not (self.directory / "signing.key").exists():
            subprocess.run(
                [
                    python,
                    "-m",
                    "synapse.app.homeserver",
                    "--config-path",
                    str(config),
                    "--generate-keys",
                ],
                check=True,
                cwd=self.directory,
                capture_output=True,
            )
        output = open(self.directory / "stdout.log", "ab")  # noqa: SIM115 (lives with the process)
        self._process = subprocess.Popen(
            [python, "-m", "synapse.app.homeserver", "--config-path", str(config)],
            cwd=self.directory,
            stdout=output,
            stderr=subprocess.STDOUT,
            # Own session: a Ctrl-C in the terminal reaches the demo, which stops the bot
            # first and Synapse last, instead of both at once.
            start_new_session=True,
        )
        output.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                raise RuntimeError(f"Synapse exited with {code}; see {self.directory}/stdout.log")
            try:
                with urllib.request.urlopen(f"{self.url}/_matrix/client/versions", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"Synapse did not answer within {timeout:.0f}s")

    def stop(self, timeout: float = 20.0) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def kill(self) -> None:
        """Stop Synapse abruptly (for tests of the bot surviving a homeserver crash)."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def register(self, localpart: str, password: str, admin: bool = False) -> str:
        """Register ``@localpart:localhost`` (idempotent); returns the user id."""
        user_id = f"@{localpart}:{SERVER_NAME}"
        endpoint = f"{self.url}/_synapse/admin/v1/register"
        with urllib.request.urlopen(endpoint, timeout=10) as response:
            nonce = json.load(response)["nonce"]
        mac = hmac.new(self.shared_secret.encode(), digestmod=hashlib.sha1)
        mac.update(
            b"\x00".join(
                [
                    nonce.encode(),
                    localpart.encode(),
                    password.encode(),
                    b"admin" if admin else b"notadmin",
                ]
            )
        )
        body = json.dumps(
            {
                "nonce": nonce,
                "username": localpart,
                "password": password,
                "admin": admin,
                "mac": mac.hexdigest(),
            }
        ).encode()
        request = urllib.request.Request(
            endpoint, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30):
                return user_id
        except urllib.error.HTTPError as error:
            payload = json.loads(error.read() or b"{}")
            if payload.get("errcode") == "M_USER_IN_USE":
                return user_id
            raise RuntimeError(f"registering {localpart} failed: {payload}") from None
