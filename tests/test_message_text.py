"""What the member actually wrote, out of Matrix edits and replies."""

from __future__ import annotations

from bot.matrix.content import BOT_MARK, from_a_bot, message_text, with_pills_as_ids
from bot.matrix.sending import message_content
from bot.outbox import Message
from handlers.messages import Notice


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


def test_a_person_picked_as_a_pill_is_read_as_their_id() -> None:
    # What Element sends when one types "@Jan" and picks Jan Jansen from the list.
    content = {
        "msgtype": "m.text",
        "body": "Huisbezoek; wijkteam Jan Jansen; 15-3-2027",
        "format": "org.matrix.custom.html",
        "formatted_body": 'Huisbezoek; wijkteam <a href="https://matrix.to/#/@j.jansen:zvh.nl">'
        "Jan Jansen</a>; 15-3-2027",
    }
    body = with_pills_as_ids(content, content["body"])
    assert body == "Huisbezoek; wijkteam @j.jansen:zvh.nl; 15-3-2027"
    # Without a pill the text stays as typed (a name alone is no account).
    plain = {"msgtype": "m.text", "body": "wijkteam Jan Jansen"}
    assert with_pills_as_ids(plain, plain["body"]) == "wijkteam Jan Jansen"


def test_what_must_reach_someone_is_an_m_text_with_exactly_its_mentions() -> None:
    text = Notice("Herinnering", "<p>Herinnering</p>")
    loud = message_content(Message(text, notify=True, mentions=frozenset({"@b:x", "@a:x"})))
    assert loud["msgtype"] == "m.text"
    assert loud["m.mentions"] == {"user_ids": ["@a:x", "@b:x"]}
    assert loud[BOT_MARK] is True
    quiet = message_content(Message(text))
    assert quiet["msgtype"] == "m.notice"
    assert quiet["m.mentions"] == {}, "no one, and never the room"
    assert from_a_bot(quiet)
