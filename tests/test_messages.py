"""Notices escape every piece of user text: no markup, links or @room through a name."""

from __future__ import annotations

import html
import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from handlers.messages import (
    INVISIBLE,
    Bold,
    BulletList,
    Code,
    Paragraph,
    Person,
    Table,
    clean_text,
    render,
)

OUR_TAGS = re.compile(r"</?(p|b|code|ul|li|table|thead|tbody|tr|th|td|br)>")


PILL = re.compile(r'<a href="https://matrix\.to/#/[^"<>]*">|</a>')


@given(st.text(max_size=200), st.text(max_size=50), st.text(max_size=50), st.text(max_size=40))
def test_user_text_cannot_inject_markup(text: str, bold: str, cell: str, name: str) -> None:
    notice = render(
        [
            Paragraph(text, Bold(bold), Code(text), Person(f"@{name}:x.nl", name)),
            BulletList(((text,), (Bold(bold),))),
            Table(("kop",), ((cell,), (Person("@a:x.nl", name),))),
        ]
    )
    without_ours = PILL.sub("", OUR_TAGS.sub("", notice.html))
    assert "<" not in without_ours
    assert ">" not in without_ours


def test_a_person_is_a_pill_by_display_name() -> None:
    notice = render([Paragraph("Casusregisseur: ", Person("@j.jansen:zvh.nl", "Jan Jansen"))])
    assert notice.plain == "Casusregisseur: Jan Jansen"
    assert notice.html == (
        '<p>Casusregisseur: <a href="https://matrix.to/#/@j.jansen:zvh.nl">Jan Jansen</a></p>'
    )
    # An id with characters that do not belong in a link cannot break out of it.
    odd = render([Paragraph(Person('@x"><b>:zvh.nl', "X"))])
    assert '"><b>' not in odd.html


def test_a_table_of_fields_has_no_empty_header() -> None:
    notice = render([Table(("", ""), (("wanneer", "dinsdag"),))])
    assert notice.plain == "wanneer | dinsdag"
    assert "<thead>" not in notice.html
    assert "<th>" not in notice.html


@given(st.text(max_size=100))
def test_room_mentions_are_defused(text: str) -> None:
    notice = render([Paragraph(text + "@room" + text)])
    assert "@room" not in notice.plain
    assert "@room" not in html.unescape(notice.html)


def test_plain_and_html_say_the_same() -> None:
    notice = render([Paragraph("Je bent ", Bold("partner"), "."), BulletList((("a",), ("b",)))])
    assert notice.plain == "Je bent partner.\n\n• a\n• b"
    assert notice.html == "<p>Je bent <b>partner</b>.</p><ul><li>a</li><li>b</li></ul>"


def test_html_special_characters_are_escaped() -> None:
    notice = render([Paragraph('<a href="https://evil.example">klik</a> & co')])
    assert notice.html == (
        "<p>&lt;a href=&quot;https://evil.example&quot;&gt;klik&lt;/a&gt; &amp; co</p>"
    )


REORDERING = st.sampled_from(
    ["\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f", "\u061c",
     "\u200b", "\u200c", "\u200d", "\ufeff", "\x00", "\x1b", "\r", "\x7f", "\x85"]
)  # fmt: skip
WITH_INVISIBLES = st.lists(st.text(max_size=10) | REORDERING, max_size=12).map("".join)


def _invisible(text: str) -> list[str]:
    return [c for c in text if INVISIBLE.match(c)]


@given(WITH_INVISIBLES, WITH_INVISIBLES)
def test_nothing_rendered_can_reorder_or_hide_text(text: str, name: str) -> None:
    notice = render([
        Paragraph(text, Bold(text), Code(name), Person("@a:x.nl", name)),
        BulletList(((text,),)),
        Table((name, "kop"), ((text, Person("@b:x.nl", name)),)),
    ])  # fmt: skip
    assert _invisible(notice.plain) == []
    assert _invisible(html.unescape(notice.html)) == []


@given(WITH_INVISIBLES)
def test_input_is_cleaned_and_says_so(text: str) -> None:
    cleaned, removed = clean_text(text)
    assert _invisible(cleaned) == []
    assert removed == bool(_invisible(unicodedata.normalize("NFC", text).replace("\r\n", "\n")))
    assert clean_text(cleaned) == (cleaned, False), "cleaning twice changes nothing"


def test_a_reversed_name_is_shown_as_typed() -> None:
    # Reported: U+202E made a name display reversed to the procesregie and partners.
    cleaned, removed = clean_text("Jan\u202e snesnaJ\u200b\x00")
    assert (cleaned, removed) == ("Jan snesnaJ", True)
    assert clean_text("Café") == (unicodedata.normalize("NFC", "Café"), False)
    assert clean_text("regel 1\r\nregel 2\tklaar") == ("regel 1\nregel 2 klaar", False)
    assert clean_text("a\u2060b") == ("a\u2060b", False), "the word joiner stays"
