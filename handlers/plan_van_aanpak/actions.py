"""An action of the plan van aanpak as people type it: ``wat; wie; wanneer``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from handlers.conversation.choices import Option
from handlers.conversation.form import FormContext
from handlers.conversation.parsing import format_date, parse_day, parse_text
from handlers.directory import Names
from handlers.errors import UserError
from handlers.messages import Segment

MAX_ACTIONS = 30
ACTION_FORMAT = "wat; wie (organisatie, eventueel met persoon); wanneer"
ACTION_EXAMPLE = "Huisbezoek afleggen; wijkteam @j.jansen:voorbeeld.nl; 15-3-2027"
NUMBERING = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•])\s*")
MATRIX_ID = re.compile(r"@[^\s:]+:\S+")


@dataclass(frozen=True)
class ActionLine:
    wat: str
    organisation_key: str
    owner: str | None
    deadline: date

    def as_json(self) -> dict[str, Any]:
        return {"wat": self.wat, "org": self.organisation_key, "owner": self.owner,
                "deadline": self.deadline.isoformat()}  # fmt: skip

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> ActionLine:
        return cls(
            value["wat"], value["org"], value["owner"], date.fromisoformat(value["deadline"])
        )


def parse_action_line(
    line: str, organisations: Sequence[Option], people: Sequence[Option], today: date
) -> ActionLine:
    """'wat; wie; wanneer'. ``people`` are Option(matrix id, organisation key)."""
    parts = [part.strip() for part in re.split(r"\s*[;|]\s*", NUMBERING.sub("", line, count=1))]
    if len(parts) != 3 or not all(parts):
        raise UserError(f"schrijf {ACTION_FORMAT}, gescheiden door puntkomma's")
    wat, wie, wanneer = parts
    wat = parse_text(wat, 500, "actie")
    person = MATRIX_ID.search(wie)
    org_text = MATRIX_ID.sub(" ", wie).replace("/", " ").strip()
    wanted = org_text.lower()
    organisation = next(
        (o for o in organisations if wanted in (o.key.lower(), o.label.lower())), None
    )
    if organisation is None:
        known = ", ".join(o.key for o in organisations)
        raise UserError(f"'{org_text[:40]}' is geen deelnemende organisatie (kies uit: {known})")
    owner = None
    if person:
        owner = person.group(0)
        if not any(p.key == owner and p.label == organisation.key for p in people):
            raise UserError(f"{owner} is geen lid van {organisation.label}")
    deadline = parse_day(wanneer, today)
    if deadline < today:
        raise UserError(f"de deadline {format_date(deadline)} ligt in het verleden")
    return ActionLine(wat, organisation.key, owner, deadline)


def parse_actions(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One action per line; an error names the line."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise UserError("Een plan van aanpak heeft minstens één actie nodig.")
    if len(lines) > MAX_ACTIONS:
        raise UserError(f"Hoogstens {MAX_ACTIONS} acties per keer.")
    actions = []
    for number, line in enumerate(lines, start=1):
        try:
            actions.append(parse_action_line(
                line, ctx.option_lists.get("deelnemers", ()), ctx.option_lists.get("leden", ()),
                ctx.today,
            ).as_json())  # fmt: skip
        except UserError as error:
            prefix = f"Regel {number}: " if len(lines) > 1 else ""
            raise UserError(f"{prefix}{error.message}. Bijvoorbeeld: {ACTION_EXAMPLE}") from None
    return actions


def owner_label(organisation_key: str, owner: str | None, names: Names) -> tuple[Segment, ...]:
    """'Politie' or 'Politie (Jan Jansen)', the person a pill."""
    who = names.organisation(organisation_key)
    return (who, " (", names.person(owner), ")") if owner else (who,)


def show_actions(value: Any, ctx: FormContext) -> str:
    organisations = {o.key: o.label for o in ctx.option_lists.get("deelnemers", ())}
    people = {o.key: o.label for o in ctx.option_lists.get("namen", ())}
    lines = []
    for number, item in enumerate(value, start=1):
        line = ActionLine.from_json(item)
        who = organisations.get(line.organisation_key, line.organisation_key)
        if line.owner:
            who += f" ({people.get(line.owner, line.owner)})"
        lines.append(f"{number}. {line.wat} — {who} — {format_date(line.deadline)}")
    return "\n".join(lines)
