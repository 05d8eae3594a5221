"""What every repository shares: its unit of work's session and effects.

A unit of work's *effects* are what someone must act on after it commits: messages it put
in the outbox (the sender looks), room work it wrote (the room manager looks), personal
data it deleted (the database's log is scrubbed). Repositories record them here, as plain
attributes of one object the caller holds, instead of flags hidden in the session.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Executable
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass
class Effects:
    """What a unit of work did that matters after its commit."""

    # Messages written to the outbox (savepoints rolled back included: a harmless extra
    # look at the table).
    outbox_written: int = 0
    # A room wish, a removal or a redaction for the room manager.
    room_work: bool = False
    # Personal data was deleted: scrub the database's log after the commit.
    scrub: bool = False
    # Audit entries were written: their newest is anchored outside the database soon.
    audited: bool = False


class Repository:
    def __init__(self, session: AsyncSession, effects: Effects) -> None:
        self.session = session
        self.effects = effects


Rows = CursorResult[*tuple[Any, ...]]


async def execute(
    session: AsyncSession, statement: Executable, params: Mapping[str, Any] | None = None
) -> Rows:
    """Run a prebuilt table statement. The ORM flushes pending changes only before its own
    statements; this does the same, so what the unit of work changed is seen."""
    if session.new or session.dirty or session.deleted:
        await session.flush()
    result = await session.execute(statement, params)
    return cast(Rows, result)


def rowcount(result: object) -> int:
    """Rows an UPDATE or DELETE touched (0 when the driver does not say)."""
    return int(getattr(result, "rowcount", 0) or 0)
