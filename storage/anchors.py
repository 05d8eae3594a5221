"""Anchors of the audit log outside the database: the number and MAC of its newest entry,
written soon after every burst of entries to an append-only file next to the bot's crypto
store (and once a day into the managers' chats, ``scheduler/jobs/audit.py``).

Whoever can write the database can delete its newest entries; the chain alone cannot show
that (what is left is a whole chain). An anchor can: it says the log once went up to entry
N with MAC M. Each line carries its own MAC under the audit key, so a line cannot be forged
or altered without the key; the file is opened for appending only (make it append-only
on the file system too: ``chattr +a``, SECURITY.md). What an anchor cannot prevent: the
file's newest lines being cut off by someone with access to this machine; the managers'
copy of the daily anchor covers that.

A line: ``v1 <UTC moment> <entry number> <entry MAC> <key id> <line MAC>``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from storage.audit_chain import same
from storage.crypto import DataKeys

VERSION = "v1"


@dataclass(frozen=True)
class Anchor:
    """The log went up to entry ``seq`` with MAC ``mac`` at ``at``."""

    at: datetime
    seq: int
    mac: str
    key_id: str
    line: int  # its line in the file (1-based), for what is reported


@dataclass(frozen=True)
class AnchorRead:
    anchors: list[Anchor]
    # Lines whose MAC does not hold (forged or damaged), and lines under a key this process
    # does not have (written before a key rotation whose old key is gone): by line number.
    forged: list[int]
    unknown_key: list[int]


def _line_mac(key: bytes, body: str) -> str:
    return hmac.new(key, b"casusbot-anchor\x1f" + body.encode(), hashlib.sha256).hexdigest()


def anchor_line(keys: DataKeys, at: datetime, seq: int, mac: str, key_id: str) -> str:
    key = keys.audit_key(key_id)
    if key is None:
        raise ValueError("no audit key for the entry's data key")
    body = f"{VERSION} {at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ} {seq} {mac} {key_id}"
    return f"{body} {_line_mac(key, body)}"


class AnchorFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, keys: DataKeys, at: datetime, seq: int, mac: str, key_id: str) -> None:
        """Add one anchor at the end (created 0600, opened for appending only, synced)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = anchor_line(keys, at, seq, mac, key_id) + "\n"
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, line.encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def last_seq(self) -> int:
        """The entry number of the newest anchor (0: none yet)."""
        if not self.path.exists():
            return 0
        seqs = [int(parts[2]) for parts in self._lines() if len(parts) == 6 and parts[2].isdigit()]
        return max(seqs, default=0)

    def _lines(self) -> list[list[str]]:
        return [line.split() for line in self.path.read_text(encoding="utf-8").splitlines()]

    def read(self, keys: DataKeys) -> AnchorRead:
        """Every anchor whose MAC holds; which lines do not, or cannot be checked."""
        found = AnchorRead([], [], [])
        if not self.path.exists():
            return found
        for number, parts in enumerate(self._lines(), start=1):
            if not parts:
                continue
            if len(parts) != 6 or parts[0] != VERSION or not parts[2].isdigit():
                found.forged.append(number)
                continue
            _, moment, seq, mac, key_id, line_mac = parts
            key = keys.audit_key(key_id)
            if key is None:
                found.unknown_key.append(number)
                continue
            body = " ".join(parts[:5])
            try:
                at = datetime.strptime(moment, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            except ValueError:
                found.forged.append(number)
                continue
            if not same(_line_mac(key, body), line_mac):
                found.forged.append(number)
                continue
            found.anchors.append(Anchor(at, int(seq), mac, key_id, number))
        return found
