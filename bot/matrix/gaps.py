"""The events a sync left out: a room's timeline came back *limited*.

A sync returns at most a few events per room (Synapse: 10 without a filter); with more
since the last sync, it sets ``limited`` and leaves out the older ones. That happens after
the bot was down (its sync resumes from the saved position) and in a busy room between
two syncs. Left out, a member's message would never be answered: the room's history is
read back from the gap's end (``prev_batch``) to where the previous sync stopped.
"""

from __future__ import annotations

import logging
from typing import Any

from nio import AsyncClient, MessageDirection, RoomMessagesResponse

log = logging.getLogger(__name__)

PAGE_SIZE = 100
# A room that missed more than this while the bot was away is read back this far only;
# what lies before is logged (as a count) and left.
MAX_EVENTS = 1000


async def missed_events(
    client: AsyncClient, room_id: str, prev_batch: str | None, since: str
) -> list[Any]:
    """The room's events after ``since`` and before ``prev_batch``, oldest first."""
    if not prev_batch:
        return []
    newest_first: list[Any] = []
    token = prev_batch
    while len(newest_first) < MAX_EVENTS:
        try:
            response = await client.room_messages(
                room_id,
                start=token,
                end=since,
                direction=MessageDirection.back,
                limit=PAGE_SIZE,
            )
        except Exception as exc:  # network trouble nio did not retry: the sync goes on
            response = exc
        if not isinstance(response, RoomMessagesResponse):
            # The events stay missed; the log says so (no content, no ids of people).
            code = getattr(response, "status_code", None) or type(response).__name__
            log.warning("could not read back a gap in a room's timeline (%s)", code)
            break
        newest_first.extend(response.chunk)
        if not response.chunk or not response.end or response.end == token:
            break
        token = response.end
    else:
        log.warning("a room missed more than %d events; the older ones are skipped", MAX_EVENTS)
    seen: set[str] = set()
    events = []
    for event in reversed(newest_first):
        event_id = getattr(event, "event_id", None)
        if event_id in seen:
            continue
        if event_id:
            seen.add(event_id)
        events.append(event)
    return events
