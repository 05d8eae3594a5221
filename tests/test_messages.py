"""Notices escape every piece of user text: no markup, links or @room through a name."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from handlers.messages import Bold, BulletList, Code, Paragraph, Table, render

OUR_TAGS = re.compile(r"</?(p|b|code|ul|li|table|thead|tbody|tr|th|td|br)>")


@given(st.text(max_size=200), st.text(max_size=50), st.text(max_size=50))
def test_user_text_cannot_inject_markup(text: str, bold: str, cell: str) -> None:
    notice = render(
        [
            Paragraph(text, Bold(bold), Code(text)),
            BulletList(((text,), (Bold(bold),))),
            Table(("kop",), ((cell,),)),
        ]
    )
    without_ours = OUR_TAGS.sub("", notice.html)
    assert "<" not in without_ours
    assert ">" not in without_ours


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
