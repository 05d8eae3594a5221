"""The audit log's chain: each entry's MAC covers its sequence number, its content and the
previous entry's MAC, under a key that is not in the database (derived from the data key).

Whoever can write the database but lacks the key cannot change, remove or insert an
entry, nor rebuild the chain afterwards, without ``casusbot audit verify`` noticing.
What the database alone cannot show (its newest entries deleted) the anchors show: the
newest entry's number and MAC, written where the database's writer cannot change them
afterwards (``storage/anchors.py``).

``entry_hash`` is the plain SHA-256 chain of before (migrations 0010 and 0015 only).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

GENESIS = "0" * 64


def stamp(at: datetime) -> str:
    """The moment as hashed: UTC with microseconds, whatever the database hands back."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _content(
    at: str, kind: str, actor: str, organisation: str | None, role: str | None,
    reference: str | None, phase: str | None, detail: str,
) -> str:  # fmt: skip
    return json.dumps(
        [at, kind, actor, organisation, role, reference, phase, detail], ensure_ascii=False
    )


def entry_hash(
    previous: str,
    at: str,
    kind: str,
    actor: str,
    organisation: str | None,
    role: str | None,
    reference: str | None,
    phase: str | None,
    detail: str,
) -> str:
    """The chain before it was keyed: anyone could recompute it (kept for the migrations)."""
    content = _content(at, kind, actor, organisation, role, reference, phase, detail)
    return hashlib.sha256((previous + content).encode("utf-8")).hexdigest()


def entry_mac(
    key: bytes,
    seq: int,
    previous: str,
    at: str,
    kind: str,
    actor: str,
    organisation: str | None,
    role: str | None,
    reference: str | None,
    phase: str | None,
    detail: str,
) -> str:
    """HMAC-SHA256 over the entry's number, the previous MAC and the entry's content."""
    content = _content(at, kind, actor, organisation, role, reference, phase, detail)
    message = f"{seq}\x1f{previous}\x1f{content}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
