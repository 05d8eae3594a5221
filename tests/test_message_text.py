"""What the member actually wrote, out of Matrix edits and replies."""

from __future__ import annotations

from bot.matrix.content import message_text


def test_plain_message() -> None:
    assert message_text({"body": "hulp"}, "hulp") == ("hulp", None)


def test_edit_takes_the_new_content() -> None:
    content = {
        "body": "* 3 april 1990",
        "m.new_content": {"msgtype": "m.text", "body": "3 april 1990"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": "$orig"},
    }
    assert message_text(content, content["body"]) == ("3 april 1990", "$orig")  # type: ignore[arg-type]


def test_reply_loses_its_quote() -> None:
    body = "> <@bot:zvh.nl> Wat is de voornaam?\n> tweede regel\n\nJan"
    content = {"body": body, "m.relates_to": {"m.in_reply_to": {"event_id": "$q"}}}
    assert message_text(content, body) == ("Jan", None)


def test_reply_without_fallback_is_kept_whole() -> None:
    content = {"body": "Jan", "m.relates_to": {"m.in_reply_to": {"event_id": "$q"}}}
    assert message_text(content, "Jan") == ("Jan", None)
