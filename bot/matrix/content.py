"""Reading a Matrix message's content: edits and replies, reduced to what the member wrote."""

from __future__ import annotations

from typing import Any


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
