"""The bot's login (user, device, access token), kept next to the crypto store.

Reusing the device across restarts keeps its encryption keys: the bot never logs out.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

SESSION_FILE = "session.json"


@dataclass(frozen=True)
class StoredSession:
    user_id: str
    device_id: str
    access_token: str


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` readable by the bot's user only (0700), and tighten it if it exists."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)


def load_session(store_path: Path) -> StoredSession | None:
    file = store_path / SESSION_FILE
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        return StoredSession(
            user_id=str(data["user_id"]),
            device_id=str(data["device_id"]),
            access_token=str(data["access_token"]),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError) as exc:
        raise RuntimeError(
            f"{file} is damaged ({type(exc).__name__}); restore it from backup"
        ) from None


def save_session(store_path: Path, session: StoredSession) -> None:
    """Write atomically with mode 0600 so a crash never leaves half a file."""
    file = store_path / SESSION_FILE
    temporary = file.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(asdict(session), handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, file)


class StoreLock:
    """An exclusive lock on the crypto store: two processes on one device corrupt it."""

    def __init__(self, store_path: Path) -> None:
        self.path = store_path / "casusbot.lock"
        self._handle: IO[str] | None = None

    def acquire(self) -> bool:
        handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 (held while running)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
