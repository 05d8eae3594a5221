"""Reading a plan van aanpak typed in the chat: one action per line, errors name the line."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.conversation.choices import Option
from handlers.conversation.form import FormContext
from handlers.conversation.parsing import parse_appointment
from handlers.errors import UserError
from handlers.plan_van_aanpak.actions import ActionLine, parse_actions

TODAY = date(2026, 11, 23)
CTX = FormContext(
    today=TODAY,
    option_lists={
        "deelnemers": [Option("politie", "Politie Midden"), Option("om", "Openbaar Ministerie")],
        "leden": [Option("@p:x.nl", "politie"), Option("@o:x.nl", "om")],
    },
)


def test_actions_one_per_line_with_numbering_names_and_people() -> None:
    actions = parse_actions(
        "1. Huisbezoek; Politie Midden; 15-12-2026\n"
        "2) Zitting plannen | om @o:x.nl | 3 januari 2027\n"
        "\n- Terugkoppelen; politie/@p:x.nl; morgen",
        CTX,
        {},
    )
    assert [ActionLine.from_json(a) for a in actions] == [
        ActionLine("Huisbezoek", "politie", None, date(2026, 12, 15)),
        ActionLine("Zitting plannen", "om", "@o:x.nl", date(2027, 1, 3)),
        ActionLine("Terugkoppelen", "politie", "@p:x.nl", date(2026, 11, 24)),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Huisbezoek; politie", "Schrijf wat; wie"),
        ("a; politie; 1-12-2026\nb; ggz; 1-12-2026", "Regel 2: 'ggz' is geen deelnemende"),
        ("a; om @p:x.nl; 1-12-2026", "@p:x.nl is geen lid van Openbaar Ministerie"),
        ("a; om; 1-11-2026", "ligt in het verleden"),
        ("a; om; 31-2-2027", "Die datum bestaat niet"),
        ("Bel 111222333 na; om; 1-12-2026", "BSN"),
        ("", "minstens één actie"),
    ],
)
def test_mistakes_get_a_dutch_explanation(text: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_actions(text, CTX, {})
    assert message.lower() in caught.value.message.lower()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 maart 2027 10:00 Stadhuis, zaal 2", ("2027-03-03", "10:00", "Stadhuis, zaal 2")),
        ("3-3-2027 14.30", ("2027-03-03", "14:30", "")),
        (
            "dinsdag 9u30 https://video.example/x",
            ("2026-11-24", "09:30", "https://video.example/x"),
        ),
        ("1 december 10 uur", ("2026-12-01", "10:00", "")),
        ("morgen 8:15", ("2026-11-24", "08:15", "")),
        ("2 januari 13:00", ("2027-01-02", "13:00", "")),
    ],
)
def test_appointments_in_dutch(text: str, expected: tuple[str, str, str]) -> None:
    day, at, rest = parse_appointment(text, TODAY)
    assert (day.isoformat(), at.strftime("%H:%M"), rest) == expected


@pytest.mark.parametrize("text", ["morgen", "3 maart 2027", "morgen 25:00", "31-2 10:00"])
def test_appointments_need_a_real_date_and_time(text: str) -> None:
    with pytest.raises(UserError):
        parse_appointment(text, TODAY)
