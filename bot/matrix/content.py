"""Reading a Matrix message: what the member wrote (edits and replies reduced to it), and who
sent it (their identity and whether their device is theirs), as an :class:`Incoming`."""

from __future__ import annotations

import html
import logging
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from nio import AsyncClient, ProfileGetDisplayNameResponse, RoomMessageText

from bot.matrix.device_trust import DeviceTrust
from bot.matrix.rooms import member_count
from handlers.messages import Incoming

log = logging.getLogger(__name__)

# In the content of every message the bot sends: no casusbot answers another bot's message
# (the bot skips its own events by sender; this covers a second bot in a room).
BOT_MARK = "nl.casusbot.bot"


def from_a_bot(content: dict[str, Any]) -> bool:
    return content.get(BOT_MARK) is True


# A pill as Element writes it: <a href="https://matrix.to/#/@user:server">Name</a>.
PILL = re.compile(r'<a href="https://matrix\.to/#/(@[^"/?]+)"[^>]*>(.*?)</a>', re.DOTALL)


def with_pills_as_ids(content: dict[str, Any], body: str) -> str:
    """The body with each person the member picked as a pill (Element shows the display
    name in the plain body) as their Matrix id, so 'wijkteam Jan Jansen' names exactly that
    account. Text that is not a pill stays as typed."""
    formatted = content.get("formatted_body")
    if content.get("format") != "org.matrix.custom.html" or not isinstance(formatted, str):
        return body
    for match in PILL.finditer(formatted):
        user_id = unquote(match.group(1))
        shown = html.unescape(re.sub(r"<[^>]+>", "", match.group(2)))
        if shown and shown in body:
            body = body.replace(shown, user_id, 1)
    return body


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
            return with_pills_as_ids(new, new["body"]), relates["event_id"]
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
    content = event.source.get("content", {})
    body, edit_of = message_text(content, with_pills_as_ids(content, event.body))
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
        sender_name=display_name_in(client, room_id, event.sender),
    )


async def display_name_of(client: AsyncClient, user_id: str, ask: bool = True) -> str | None:
    """A user's display name: as a room the bot shares with them shows it, else (when
    ``ask``) their profile; None: they have none, or the homeserver did not say."""
    for room in client.rooms.values():
        user = room.users.get(user_id)
        if user is not None and user.display_name:
            return str(user.display_name)
    if not ask:
        return None
    response = await client.get_displayname(user_id)
    if isinstance(response, ProfileGetDisplayNameResponse) and response.displayname:
        return str(response.displayname)
    return None


def display_name_in(client: AsyncClient, room_id: str, user_id: str) -> str | None:
    """The display name a user has in a room, as the room's member state shows it."""
    room = client.rooms.get(room_id)
    user = None if room is None else room.users.get(user_id)
    return None if user is None else user.display_name
