"""The audit log's hash chain: each entry's hash covers its content and the previous hash,
so a changed, removed or inserted entry breaks the chain from there on."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

GENESIS = "0" * 64


def stamp(at: datetime) -> str:
    """The moment as hashed: UTC with microseconds, whatever the database hands back."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
    content = json.dumps(
        [at, kind, actor, organisation, role, reference, phase, detail], ensure_ascii=False
    )
    return hashlib.sha256((previous + content).encode("utf-8")).hexdigest()
