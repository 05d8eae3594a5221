"""Whether a member's Element would notify them of a message: the member's own push rules,
as the homeserver holds them, evaluated on the decrypted event (as Element does; matrix-nio
does not evaluate push rules for the client, and the server cannot see inside an encrypted
event).

The evaluation follows the spec's push rules module (client-server API, "Push rules"):
override, content, room, sender, underride; the first enabled rule whose conditions all
hold decides. Conditions: event_match, event_property_is, event_property_contains,
contains_display_name, room_member_count and sender_notification_permission; an unknown
condition never holds (as the spec asks).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Any

import aiohttp

from demo.scripted import Received, ScriptedMember

KINDS = ("override", "content", "room", "sender", "underride")


@dataclass(frozen=True)
class Verdict:
    """What the client does with the event: notify (a buzz, a badge), highlight (a mention,
    with sound); and which rule decided."""

    notify: bool
    highlight: bool
    rule: str | None


async def push_rules(member: ScriptedMember) -> dict[str, Any]:
    """The member's push rules (the server's defaults plus their own changes)."""
    client = member.client
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{client.homeserver}/_matrix/client/v3/pushrules/",
            headers={"Authorization": f"Bearer {client.access_token}"},
        ) as response,
    ):
        response.raise_for_status()
        rules: dict[str, Any] = (await response.json())["global"]
        return rules


def verdict(rules: dict[str, Any], received: Received) -> Verdict:
    """What ``rules`` make of the message ``received`` (the decrypted event)."""
    event = {
        "type": "m.room.message",
        "sender": received.sender,
        "room_id": received.room_id,
        "content": received.content,
    }
    for kind in KINDS:
        for rule in rules.get(kind, []):
            if rule.get("enabled", True) and _rule_matches(kind, rule, event, received):
                return _actions(rule["actions"], rule.get("rule_id"))
    return Verdict(False, False, None)


def _rule_matches(kind: str, rule: dict[str, Any], event: dict[str, Any], r: Received) -> bool:
    if kind == "content":
        return _glob_words(rule.get("pattern", ""), str(event["content"].get("body", "")))
    if kind == "room":
        return bool(rule["rule_id"] == event["room_id"])
    if kind == "sender":
        return bool(rule["rule_id"] == event["sender"])
    return all(_condition(c, event, r) for c in rule.get("conditions", []))


def _condition(condition: dict[str, Any], event: dict[str, Any], r: Received) -> bool:
    kind = condition.get("kind")
    if kind == "event_match":
        value = _lookup(event, condition["key"])
        if not isinstance(value, str):
            return False
        if condition["key"] == "content.body":
            return _glob_words(condition["pattern"], value)
        return _glob(condition["pattern"], value)
    if kind == "event_property_is":
        value = _lookup(event, condition["key"], missing=_MISSING)
        return value is not _MISSING and _same(value, condition["value"])
    if kind == "event_property_contains":
        value = _lookup(event, condition["key"])
        return isinstance(value, list) and any(_same(v, condition["value"]) for v in value)
    if kind == "contains_display_name":
        body = event["content"].get("body")
        return bool(r.own_name) and isinstance(body, str) and _has_word(r.own_name or "", body)
    if kind == "room_member_count":
        return _count_matches(condition.get("is", ""), r.joined_members)
    if kind == "sender_notification_permission":
        return condition.get("key") == "room" and r.sender_level >= r.room_notify_level
    return False


_MISSING = object()


def _lookup(event: dict[str, Any], key: str, missing: Any = None) -> Any:
    """A dotted path; a dot escaped with a backslash is part of the name (m\\.mentions)."""
    parts = [p.replace("\\.", ".").replace("\\\\", "\\") for p in re.split(r"(?<!\\)\.", key)]
    value: Any = event
    for part in parts:
        if not isinstance(value, dict) or part not in value:
            return missing
        value = value[part]
    return value


def _same(a: Any, b: Any) -> bool:
    # true is not 1: the spec compares JSON values of the same type.
    return type(a) is type(b) and a == b


def _glob(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value.lower(), pattern.lower())


def _glob_words(pattern: str, value: str) -> bool:
    """The pattern matches a run of whole words somewhere in the value."""
    expression = fnmatch.translate(pattern.lower()).removeprefix("(?s:").removesuffix(")\\Z")
    return re.search(rf"(?:^|\W)(?:{expression})(?:\W|$)", value.lower()) is not None


def _has_word(word: str, body: str) -> bool:
    return re.search(rf"(?:^|\W){re.escape(word.lower())}(?:\W|$)", body.lower()) is not None


def _count_matches(test: str, count: int) -> bool:
    match = re.fullmatch(r"(==|<=|>=|<|>)?(\d+)", test)
    if match is None:
        return False
    operator, number = match.group(1) or "==", int(match.group(2))
    return {
        "==": count == number, "<": count < number, ">": count > number,
        "<=": count <= number, ">=": count >= number,
    }[operator]  # fmt: skip


def _actions(actions: list[Any], rule_id: str | None) -> Verdict:
    notify = "notify" in actions
    highlight = any(
        isinstance(a, dict) and a.get("set_tweak") == "highlight" and a.get("value", True)
        for a in actions
    )
    return Verdict(notify, notify and highlight, rule_id)
