"""Reading a Matrix message: what the member wrote (edits and replies reduced to it), and who
sent it (their identity and whether their device is theirs), as an :class:`Incoming`."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from nio import AsyncClient, RoomMessageText

from bot.matrix.device_trust import DeviceTrust
from bot.matrix.rooms import member_count
from handlers.messages import Incoming

log = logging.getLogger(__name__)


def message_text(content: dict[str, Any], body: str) -> tuple[str, str | None]:
    """What the member actually wrote, and the event it edits (if it is an edit).

    An edit carries its new text in ``m.new_content`` (its ``body`` is "* text"); a reply
    starts with a quote of the message it answers ("> <@user> ...", then a blank line).
    """
    relates = content.get("m.relates_to")
    if not isinstance(relates, dict):
        return body, None
    if relates.get("rel_type") == "m.replace" and isinstance(relates.get("event_id"), str):
        new = content.get("m.new_content")
        if isinstance(new, dict) and isinstance(new.get("body"), str):
            return new["body"], relates["event_id"]
        return body.removeprefix("* "), relates["event_id"]
    if "m.in_reply_to" in relates:
        lines = body.split("\n")
        while lines and lines[0].startswith(">"):
            lines.pop(0)
        if lines and not lines[0].strip():
            lines.pop(0)
        return "\n".join(lines), None
    return body, None


async def master_key_of(trust: DeviceTrust, user_id: str) -> str | None:
    """A user's cross-signing master key as the homeserver shows it (cached until the
    sync reports a change in that user's devices)."""
    try:
        return await trust.master_key(user_id)
    except Exception as exc:
        log.warning("identity lookup failed (%s)", type(exc).__name__)
        return None


async def device_signed(trust: DeviceTrust, event: RoomMessageText) -> bool | None:
    """Whether the sending device is cross-signed by its owner (None: not judged)."""
    if not event.decrypted:
        return None
    try:
        return await trust.sender_is_signed(event.sender, event.sender_key)
    except Exception as exc:
        log.warning("device lookup failed (%s)", type(exc).__name__)
        return None


async def incoming_of(
    client: AsyncClient, trust: DeviceTrust, room_id: str, event: RoomMessageText
) -> Incoming:
    body, edit_of = message_text(event.source.get("content", {}), event.body)
    return Incoming(
        room_id=room_id,
        sender=event.sender,
        body=body,
        event_id=event.event_id,
        timestamp=datetime.fromtimestamp(event.server_timestamp / 1000, UTC),
        encrypted=bool(event.decrypted),
        room_members=member_count(client, room_id),
        edit_of=edit_of,
        sender_identity=await master_key_of(trust, event.sender),
        device_signed=await device_signed(trust, event),
    )
