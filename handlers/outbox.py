"""Putting notices in the outbox: the only way handlers (and the CLI) send anything."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.messages import Outgoing
from storage.repositories import OutboxRepository

CASE_REFERENCE = re.compile(r"\b[A-Z]{2,6}-\d{4}-\d{4,6}\b")


def case_of(item: Outgoing) -> str | None:
    """The casus whose data a message carries, so retention can take it back: everything in a
    casus room, and personal data that names its casus (every message about one does)."""
    if item.reference is not None:
        return item.reference
    if item.room_id.startswith("casus:"):
        return item.room_id.removeprefix("casus:")
    if item.sensitive and (found := CASE_REFERENCE.search(item.notice.plain)):
        return found.group(0)
    return None


async def queue(
    session: AsyncSession,
    outgoing: Sequence[Outgoing],
    now: datetime,
    is_report: bool = False,
    not_before: datetime | None = None,
) -> None:
    """Write notices in the caller's transaction; the running bot delivers them
    (not before ``not_before``, e.g. the next working moment)."""
    outbox = OutboxRepository(session)
    for item in outgoing:
        await outbox.add(
            item.room_id,
            item.notice.plain,
            item.notice.html,
            now,
            sensitive=item.sensitive,
            audience=item.audience,
            is_report=is_report,
            not_before=not_before,
            reference=case_of(item),
        )
