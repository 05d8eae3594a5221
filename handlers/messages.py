"""Values that cross the border between the Matrix transport and the handlers.

Nothing here knows nio. ``Incoming`` is what the transport hands over; ``Notice`` is what
handlers ask to be sent. Notices are built from blocks so that every piece of user text is
escaped on the way into HTML and cannot inject markup, links or room-wide mentions.
"""

from __future__ import annotations

import base64
import html
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import quote

WORD_JOINER = "\u2060"


@dataclass(frozen=True)
class Incoming:
    """A text message a user sent to the bot, already decrypted."""

    room_id: str
    sender: str
    body: str
    event_id: str
    timestamp: datetime
    # False when the event arrived unencrypted (plaintext room, or a client that sent
    # before it knew the room was encrypted): its content must not be processed.
    encrypted: bool
    # Members of the room, joined or invited, the bot included: 2 means a direct chat.
    room_members: int
    # The event this one edits (m.replace), if it is an edit.
    edit_of: str | None = None
    # The sender's cross-signing master key as the homeserver shows it now (None: none).
    sender_identity: str | None = None
    # Whether the sending device is cross-signed by its owner; None when the owner has no
    # cross-signing (then no device can be told apart from another).
    device_signed: bool | None = None
    # The sender's display name in this room (None: they have none).
    sender_name: str | None = None


@dataclass(frozen=True)
class Invite:
    room_id: str
    inviter: str


@dataclass(frozen=True)
class InviteDecision:
    accept: bool
    # Shown as the reason of the declined invite: no personal data.
    reason: str | None = None


@dataclass(frozen=True)
class Notice:
    """A message's text: a plain body and an HTML ``formatted_body``."""

    plain: str
    html: str

    def followed_by(self, *blocks: Block) -> Notice:
        """This text with more blocks after it."""
        more = render(blocks)
        return Notice(self.plain + "\n\n" + more.plain, self.html + more.html)


KEEP = ""


def register_reference(kind: str, number: int) -> str:
    """What a message showing a register entry's texts (who asked, a description) names
    instead of a casus: taken back when the register's retention clears them."""
    return f"register:{kind}:{number}"


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a message (a chart): sent encrypted, as an m.image."""

    name: str
    mimetype: str
    data: bytes
    width: int | None = None
    height: int | None = None

    def to_json(self) -> str:
        return json.dumps({
            "name": self.name, "mimetype": self.mimetype, "width": self.width,
            "height": self.height, "data": base64.b64encode(self.data).decode("ascii"),
        })  # fmt: skip

    @classmethod
    def from_json(cls, text: str) -> Attachment:
        raw = json.loads(text)
        return cls(raw["name"], raw["mimetype"], base64.b64decode(raw["data"]),
                   raw.get("width"), raw.get("height"))  # fmt: skip


@dataclass(frozen=True)
class Outgoing:
    room_id: str
    notice: Notice
    # Carries personal data: only sent where the room policy holds (encrypted, no readable
    # history for newcomers, no guests) and, if given, only the audience is in the room.
    sensitive: bool = False
    audience: frozenset[str] | None = None
    # The casus whose data the message carries, so retention can take it back: a case
    # reference, or "gesprek:<id>" for a conversation's answers echoed before the casus has
    # its reference. Every sensitive message names one. KEEP: a message about a casus that
    # retention must not take back (e.g. the advice after 'geen casus', sent when the casus
    # itself is already gone).
    reference: str | None = None
    # Not before this moment (e.g. the next working moment); None: at once.
    not_before: datetime | None = None
    # Asks someone to act or tells them something new: an m.text, which Element notifies
    # of; otherwise an m.notice, which it never does (.m.rule.suppress_notices). A direct
    # reply to who just typed is a notice (the router marks it so).
    notify: bool = True
    # The people the message addresses (intentional mentions, m.mentions); never @room.
    mentions: frozenset[str] = frozenset()
    # A file sent instead of the text (the text is its caption, the file's name its body).
    attachment: Attachment | None = None

    def __post_init__(self) -> None:
        if self.sensitive and self.audience is None:
            raise ValueError("a sensitive message needs the audience allowed to read it")
        if self.sensitive and self.reference is None:
            raise ValueError("a sensitive message names the casus it is about")

    def kept(self) -> Outgoing:
        """The same message, never taken back by retention (about a casus already gone)."""
        return replace(self, reference=KEEP)

    def followed_by(self, more: Notice) -> Outgoing:
        """The same message with ``more`` after it: one message instead of two."""
        joined = Notice(f"{self.notice.plain}\n\n{more.plain}", self.notice.html + more.html)
        return replace(self, notice=joined)

    def quiet(self) -> Outgoing:
        """The same message as an m.notice that mentions no one: no notification (a reply
        to who just typed)."""
        return replace(self, notify=False, mentions=frozenset())

    def later(self, moment: datetime) -> Outgoing:
        """The same message, not sent before ``moment`` (e.g. the next working moment)."""
        return replace(self, not_before=moment)


CASUS_ROOM = "casus:"


def casus_room(reference: str) -> str:
    """The outbox and room-manager address of a casus's room."""
    return f"{CASUS_ROOM}{reference}"


def reference_of(room_key: str) -> str | None:
    """The casus a managed room's address names, if it is a casus room."""
    return room_key.removeprefix(CASUS_ROOM) if room_key.startswith(CASUS_ROOM) else None


# --- building notices -------------------------------------------------------------


@dataclass(frozen=True)
class Bold:
    text: str


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Person:
    """A member, shown by display name: a pill in Element (a matrix.to link in the HTML),
    the name in the plain body. Whether they are notified is the message's ``mentions``."""

    matrix_id: str
    name: str


Segment = str | Bold | Code | Person


def exactly(person: Person) -> tuple[Segment, ...]:
    """A person by name with their account id after it: where it matters exactly which
    account (an incident, a changed identity)."""
    if person.name == person.matrix_id:
        return (person,)
    return (person, " (", Code(person.matrix_id), ")")


@dataclass(frozen=True)
class Paragraph:
    segments: tuple[Segment, ...]

    def __init__(self, *segments: Segment) -> None:
        object.__setattr__(self, "segments", segments)


@dataclass(frozen=True)
class BulletList:
    items: tuple[tuple[Segment, ...], ...]


# A table cell: text, a person, or a few segments ("Politie (Jan Jansen)").
Cell = str | Person | tuple[Segment, ...]


@dataclass(frozen=True)
class Table:
    """Rows of cells; a header of empty cells is no header (a two-column 'veld: waarde'
    table shows none)."""

    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...] = field(default_factory=tuple)

    @property
    def has_header(self) -> bool:
        return any(cell.strip() for cell in self.header)


Block = Paragraph | BulletList | Table


# Characters that reorder or hide text: bidi controls (U+202E shows a name reversed),
# zero-width characters (but the word joiner, which the bot itself uses), invisible
# operators and annotations, and every control character but newline and tab.
INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f"
    "\u202a-\u202e\u2061-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)


def clean_text(text: str) -> tuple[str, bool]:
    """What someone typed as the bot keeps it: NFC, line breaks as newlines, tabs as
    spaces, nothing invisible; and whether anything invisible was removed."""
    normal = unicodedata.normalize("NFC", text)
    normal = normal.replace("\r\n", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    normal = normal.replace("\t", " ")
    cleaned = INVISIBLE.sub("", normal)
    return cleaned, cleaned != normal


def defuse(text: str) -> str:
    """User-supplied text made safe to show: nothing invisible that could reorder it (also
    what was stored before input was cleaned), and room-wide mentions neutralised
    (``@room`` pings everyone)."""
    return INVISIBLE.sub("", text).replace("@room", f"@{WORD_JOINER}room")


def _plain_segment(segment: Segment) -> str:
    if isinstance(segment, Bold | Code):
        return defuse(segment.text)
    if isinstance(segment, Person):
        return defuse(segment.name)
    return defuse(segment)


def pill_link(matrix_id: str) -> str:
    return "https://matrix.to/#/" + quote(matrix_id, safe="@:")


def _html_segment(segment: Segment) -> str:
    if isinstance(segment, Bold):
        return f"<b>{html.escape(defuse(segment.text))}</b>"
    if isinstance(segment, Code):
        return f"<code>{html.escape(defuse(segment.text))}</code>"
    if isinstance(segment, Person):
        link = html.escape(pill_link(segment.matrix_id), quote=True)
        return f'<a href="{link}">{html.escape(defuse(segment.name))}</a>'
    return html.escape(defuse(segment)).replace("\n", "<br>")


def render(blocks: Sequence[Block]) -> Notice:
    """Render blocks into a notice; all text is escaped, nothing passes through raw."""
    plain_parts: list[str] = []
    html_parts: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            plain_parts.append("".join(_plain_segment(s) for s in block.segments))
            html_parts.append("<p>" + "".join(_html_segment(s) for s in block.segments) + "</p>")
        elif isinstance(block, BulletList):
            plain_parts.append(
                "\n".join("• " + "".join(_plain_segment(s) for s in item) for item in block.items)
            )
            html_parts.append(
                "<ul>"
                + "".join(
                    "<li>" + "".join(_html_segment(s) for s in item) + "</li>"
                    for item in block.items
                )
                + "</ul>"
            )
        else:
            plain_parts.append(_plain_table(block))
            html_parts.append(_html_table(block))
    return Notice(plain="\n\n".join(plain_parts), html="".join(html_parts))


def _plain_table(table: Table) -> str:
    lines = [" | ".join(defuse(cell) for cell in table.header)] if table.has_header else []
    lines += [" | ".join(_plain_cell(cell) for cell in row) for row in table.rows]
    return "\n".join(lines)


def _html_table(table: Table) -> str:
    head = ""
    if table.has_header:
        cells = "".join(f"<th>{html.escape(defuse(cell))}</th>" for cell in table.header)
        head = f"<thead><tr>{cells}</tr></thead>"
    body = "".join(
        "<tr>" + "".join(f"<td>{_html_cell(cell)}</td>" for cell in row) + "</tr>"
        for row in table.rows
    )
    return f"<table>{head}<tbody>{body}</tbody></table>"


def _plain_cell(cell: Cell) -> str:
    segments = cell if isinstance(cell, tuple) else (cell,)
    return "".join(_plain_segment(segment) for segment in segments)


def _html_cell(cell: Cell) -> str:
    segments = cell if isinstance(cell, tuple) else (cell,)
    return "".join(_html_segment(segment) for segment in segments)


def joined(segments: Sequence[Segment], separator: str = ", ") -> tuple[Segment, ...]:
    """Segments with a separator between them (people as pills, in one sentence)."""
    out: list[Segment] = []
    for index, segment in enumerate(segments):
        out += [separator, segment] if index else [segment]
    return tuple(out)


def plural(count: int, one: str, more: str) -> str:
    """'1 dossier', '3 dossiers'."""
    return f"{count} {one if count == 1 else more}"


def notice(*blocks: Block) -> Notice:
    return render(blocks)


def text_notice(text: str) -> Notice:
    """A one-paragraph notice."""
    return render([Paragraph(text)])
