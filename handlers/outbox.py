"""Putting notices in the outbox: the only way handlers (and the CLI) send anything."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.messages import Outgoing
from storage.repositories import IdentityRepository, OutboxRepository, QueuedMessage

log = logging.getLogger(__name__)

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
    not_paused: frozenset[str] = frozenset(),
) -> list[QueuedMessage]:
    """Write notices in the caller's transaction; the running bot delivers them
    (not before ``not_before``, e.g. the next working moment).

    A message with personal data for a member whose identity change is not confirmed yet
    is parked (held) right away (``not_paused``: members this unit of work checked).
    Returns the messages the sender may take over after the commit without reading them
    back (see ``OutboxSender.hand_over``).
    """
    outbox = OutboxRepository(session)
    audiences = {m for item in outgoing if item.sensitive for m in item.audience or ()}
    audiences -= not_paused
    paused = await IdentityRepository(session).paused(audiences) if audiences else set()
    queued = []
    for item in outgoing:
        held = item.sensitive and bool(paused & (item.audience or frozenset()))
        message = await outbox.add(
            item.room_id,
            item.notice.plain,
            item.notice.html,
            now,
            sensitive=item.sensitive,
            audience=item.audience,
            is_report=is_report,
            not_before=not_before,
            reference=case_of(item),
            held="identity_paused" if held else None,
        )
        if held:
            log.warning("message held: a recipient's identity change is unconfirmed")
        elif not_before is None:
            queued.append(message)
    return queued
