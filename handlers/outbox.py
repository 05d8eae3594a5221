"""Putting notices in the outbox: the only way handlers (and the CLI) send anything."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.messages import Outgoing
from storage.repositories import OutboxRepository


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
        )
