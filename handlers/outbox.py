"""Putting notices in the outbox: the only way handlers, jobs and the CLI send anything."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from handlers.bezwaar import HELD_FOR_BEZWAAR, objected
from handlers.messages import Outgoing, reference_of
from storage.outbox import QueuedMessage
from storage.unit import Unit

log = logging.getLogger(__name__)

# Why a message is held in the outbox: a recipient's identity change is not confirmed yet,
# or its casus is under bezwaar (handlers/bezwaar.py).
IDENTITY_HELD = "identity_paused"


def case_of(item: Outgoing) -> str | None:
    """The casus whose data a message carries, so retention can take it back: what the
    message names, and everything in a casus room."""
    if item.reference is not None:
        return item.reference
    return reference_of(item.room_id)


@dataclass(frozen=True)
class Handled:
    """What a committed unit of work leaves for the bot: messages the sender may take over
    as they are, whether it queued others too (the sender then reads the outbox), whether
    the room manager has work, and whether the audit log grew."""

    handed: list[QueuedMessage]
    more: bool = False
    room_work: bool = False
    # Audit entries were written: the anchor outside the database follows them.
    audited: bool = False

    @classmethod
    def of(cls, unit: Unit, handed: list[QueuedMessage]) -> Handled:
        effects = unit.effects
        return cls(handed, effects.outbox_written > len(handed), effects.room_work, effects.audited)


NOTHING = Handled([])


async def queue(
    unit: Unit,
    outgoing: Sequence[Outgoing],
    now: datetime,
    is_report: bool = False,
    not_paused: frozenset[str] = frozenset(),
) -> list[QueuedMessage]:
    """Write notices in the unit's transaction; the running bot delivers them (a message
    with ``not_before`` not before then, e.g. the next working moment).

    A message with personal data for a member whose identity change is not confirmed yet
    is parked (held) right away (``not_paused``: members this unit of work checked).
    Returns the messages the sender may take over after the commit without reading them
    back (see ``OutboxSender.hand_over``).
    """
    audiences = {m for item in outgoing if item.sensitive for m in item.audience or ()}
    audiences -= not_paused
    paused = await unit.identities.paused(audiences) if audiences else set()
    cases = {case for item in outgoing if item.sensitive and (case := case_of(item))}
    under_bezwaar = await objected(unit, cases) if cases else set()
    queued = []
    for item in outgoing:
        held: str | None = None
        if item.sensitive and paused & (item.audience or frozenset()):
            held = IDENTITY_HELD
        elif item.sensitive and case_of(item) in under_bezwaar:
            held = HELD_FOR_BEZWAAR
        message = await unit.outbox.add(
            item.room_id,
            item.notice.plain,
            item.notice.html,
            now,
            sensitive=item.sensitive,
            audience=item.audience,
            is_report=is_report,
            not_before=item.not_before,
            reference=case_of(item),
            held=held,
            notify=item.notify,
            mentions=item.mentions,
            attachment=item.attachment.to_json() if item.attachment else None,
        )
        if held == IDENTITY_HELD:
            log.warning("message held: a recipient's identity change is unconfirmed")
        elif held:
            log.info("message held: its casus is under bezwaar")
        elif item.not_before is None:
            queued.append(message)
    return queued
