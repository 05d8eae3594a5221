"""Notices escape every piece of user text: no markup, links or @room through a name."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from handlers.messages import Bold, BulletList, Code, Paragraph, Person, Table, render

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
