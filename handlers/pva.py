"""The plan van aanpak (DOMAIN.md phases 3-5): actions, who sees them, afschaling.

Need-to-know: the casusregisseur and the procesregie see the whole plan; every other
participant sees only the actions of their own organisation (or their own, when an action
names a person). Each owner is told their own actions only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from handlers.commands import Caller
from handlers.conversation.engine import FormContext
from handlers.conversation.parsing import Option, format_date, parse_day, parse_text
from handlers.errors import UserError
from handlers.messages import Block, Bold, Code, Notice, Outgoing, Paragraph, Table, notice
from handlers.triage import REGIE_ROLES, TriageService
from storage.casus import ActieRepository, AuditRepository
from storage.models import Aanmelding, PvaActie

MAX_ACTIONS = 30
ACTION_FORMAT = "wat; wie (organisatie, eventueel met persoon); wanneer"
ACTION_EXAMPLE = "Huisbezoek afleggen; wijkteam @j.jansen:zvh.example; 15-3-2027"
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


def owner_label(organisation_key: str, owner: str | None, names: Mapping[str, str]) -> str:
    who = names.get(organisation_key, organisation_key)
    return f"{who} ({owner})" if owner else who


def actions_table(actions: Sequence[PvaActie], names: Mapping[str, str]) -> Table:
    rows = []
    for actie in actions:
        state = "gereed" if actie.status == "gereed" else "open"
        if actie.requested_deadline:
            state += f", uitstel gevraagd tot {format_date(actie.requested_deadline)}"
        rows.append((
            str(actie.number), actie.wat, owner_label(actie.organisation_key, actie.owner, names),
            format_date(actie.deadline), state,
        ))  # fmt: skip
    return Table(("nr", "wat", "wie", "wanneer", "stand"), tuple(rows))


def show_actions(value: Any, ctx: FormContext) -> str:
    names = {o.key: o.label for o in ctx.option_lists.get("deelnemers", ())}
    lines = []
    for number, item in enumerate(value, start=1):
        line = ActionLine.from_json(item)
        who = owner_label(line.organisation_key, line.owner, names)
        lines.append(f"{number}. {line.wat} — {who} — {format_date(line.deadline)}")
    return "\n".join(lines)


class PlanVanAanpak:
    """The actions of one casus and who may see or change them."""

    def __init__(self, repository: ActieRepository, aanmelding: Aanmelding) -> None:
        self.repository = repository
        self.aanmelding = aanmelding

    def guards(self, caller: Caller) -> bool:
        """The casusregisseur and the procesregie see and change the whole plan."""
        return caller.role in REGIE_ROLES or caller.matrix_id == self.aanmelding.casusregisseur

    @staticmethod
    def owns(caller: Caller, actie: PvaActie) -> bool:
        if actie.owner:
            return actie.owner == caller.matrix_id
        return actie.organisation_key == caller.organisation_key

    async def visible_to(self, caller: Caller) -> list[PvaActie]:
        actions = await self.repository.for_casus(self.aanmelding.id)
        if self.guards(caller):
            return list(actions)
        return [a for a in actions if self.owns(caller, a)]

    async def get(self, number: int) -> PvaActie:
        for actie in await self.repository.for_casus(self.aanmelding.id):
            if actie.number == number:
                return actie
        raise UserError(f"{self.aanmelding.reference} heeft geen actie {number}.")

    async def add(self, line: ActionLine, now: datetime) -> PvaActie:
        return await self.repository.add(PvaActie(
            aanmelding_id=self.aanmelding.id,
            number=await self.repository.next_number(self.aanmelding.id),
            wat=line.wat, organisation_key=line.organisation_key, owner=line.owner,
            deadline=line.deadline, status="open", created_at=now, deadline_set_at=now,
        ))  # fmt: skip


async def disclose_actions(
    audit: AuditRepository,
    now: datetime,
    actor: str,
    reference: str,
    recipient: str,
    numbers: Sequence[int],
) -> None:
    await audit.add(now, "disclosure", actor, reference, {
        "purpose": "plan-van-aanpak", "fields": [f"actie:{n}" for n in numbers],
        "recipients": [recipient],
    })  # fmt: skip


def actions_notice(title: str, actions: Sequence[PvaActie], names: Mapping[str, str],
                   *after: Block) -> Notice:  # fmt: skip
    return notice(Paragraph(Bold(title)), actions_table(actions, names), *after)


def done_hint(reference: str) -> Paragraph:
    return Paragraph(
        "Klaar? Typ ",
        Code(f"actie {reference} <nr> gereed"),
        ". Meer tijd nodig? Typ ",
        Code(f"actie {reference} <nr> uitstel <datum>"),
        ".",
    )


def to_member(room_id: str, matrix_id: str, text: Notice) -> Outgoing:
    return Outgoing(room_id, text, True, frozenset({matrix_id}))


async def notify_actions(
    triage: TriageService,
    aanmelding: Aanmelding,
    actions: Sequence[PvaActie],
    actor: str,
    now: datetime,
    casusregisseur_title: str | None,
) -> tuple[list[Outgoing], list[str]]:
    """Tell the casusregisseur (when ``casusregisseur_title`` is given: all ``actions``) and
    every owner their own actions only. Returns the messages and who could not be reached."""
    names = await triage.org_names()
    reference = aanmelding.reference
    audit = AuditRepository(triage.session)
    outgoing: list[Outgoing] = []
    unreachable: list[str] = []
    regisseur = aanmelding.casusregisseur
    if casusregisseur_title and regisseur:
        member = await triage.members.find(regisseur)
        if member is not None and member.dm_room_id:
            outgoing.append(to_member(member.dm_room_id, regisseur, actions_notice(
                casusregisseur_title, actions, names,
                Paragraph("Je bewaakt deze acties en hun deadlines. Het hele plan: ",
                          Code(f"pva {reference}"), "."),
            )))  # fmt: skip
            await disclose_actions(audit, now, actor, reference, regisseur,
                                   [a.number for a in actions])  # fmt: skip
        else:
            unreachable.append(regisseur)
    per_owner: dict[str, list[PvaActie]] = {}
    for actie in actions:
        owners = (
            [actie.owner]
            if actie.owner
            else [c.matrix_id for c in await triage.contacts(actie.organisation_key)]
        )
        for owner in owners:
            if owner != regisseur or not casusregisseur_title:
                per_owner.setdefault(owner, []).append(actie)
    for owner, own in per_owner.items():
        member = await triage.members.find(owner)
        if member is None or not member.dm_room_id:
            unreachable.append(owner)
            continue
        outgoing.append(to_member(member.dm_room_id, owner, actions_notice(
            f"Actie{'s' if len(own) > 1 else ''} voor jou uit het plan van aanpak {reference}",
            own, names, done_hint(reference),
        )))  # fmt: skip
        await disclose_actions(audit, now, actor, reference, owner, [a.number for a in own])
    return outgoing, unreachable
