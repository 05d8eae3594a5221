"""Synapse's own account of the requests in a stretch of a benchmark: per account and kind
of request, how many and how much of Synapse's CPU and database time they took (its access
log, ``LocalSynapse(access_log=True)``). Used by ``bench.rooms`` to tell what grows with R
on the homeserver's side of a round trip."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

LINE = re.compile(
    r"\{(?P<user>[^}]*)\} Processed request: (?P<wall>[\d.]+)sec/[-\d.]+sec "
    r"ru=\((?P<user_cpu>[\d.]+)sec, (?P<system_cpu>[\d.]+)sec\) "
    r"db=\((?P<db>[\d.]+)sec/[\d.]+sec/\d+\) \S+ \S+ \"(?P<method>\S+) (?P<path>\S+)"
)
KINDS = ("sync", "keys/query", "keys/claim", "sendToDevice", "/send/", "/messages",
         "joined_members", "/members", "/state", "/filter", "/join")  # fmt: skip


@dataclass
class Tally:
    requests: int = 0
    cpu_ms: float = 0.0
    db_ms: float = 0.0


def kind_of(method: str, path: str) -> str:
    path = path.split("?", 1)[0]
    for kind in KINDS:
        if kind in path:
            return kind.strip("/")
    return f"{method} {path.rsplit('/', 1)[-1]}"


class AccessLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def mark(self) -> None:
        """Count from here."""
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def since_mark(self, names: dict[str, str]) -> dict[tuple[str, str], Tally]:
        """(account's name, kind) → tally, for the requests logged since the mark; accounts
        outside ``names`` (user id → name) count as "others"."""
        tallies: dict[tuple[str, str], Tally] = defaultdict(Tally)
        with self.path.open("rb") as log:
            log.seek(self.offset)
            for raw in log:
                found = LINE.search(raw.decode("utf-8", "replace"))
                if found is None:
                    continue
                who = names.get(found["user"], "others")
                tally = tallies[(who, kind_of(found["method"], found["path"]))]
                tally.requests += 1
                tally.cpu_ms += (float(found["user_cpu"]) + float(found["system_cpu"])) * 1000
                tally.db_ms += float(found["db"]) * 1000
        return dict(tallies)


def summary(tallies: dict[tuple[str, str], Tally], trips: int) -> str:
    """One line per account and kind: requests and Synapse CPU per round trip."""
    lines = []
    for (who, kind), tally in sorted(tallies.items(), key=lambda item: -item[1].cpu_ms):
        lines.append(
            f"    {who:>7} {kind:<18} {tally.requests / trips:5.2f} per trip, "
            f"Synapse CPU {tally.cpu_ms / trips:6.2f} ms, database {tally.db_ms / trips:6.2f} ms"
        )
    return "\n".join(lines)
