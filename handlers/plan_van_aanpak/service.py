"""The plan van aanpak (DOMAIN.md phases 3-5): actions, who sees them, who is told.

Need-to-know: the casusregisseur and the procesregie see the whole plan; every other
participant sees only the actions of their own organisation (or their own, when an action
names a person); the access module decides. Each owner is told their own actions only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from handlers.access import (
    Caller,
    guards_plan,
    involved_in_plan,
    owns_action,
    told_why_casus_is_unknown,
)
from handlers.bezwaar import refuse_if_objected
from handlers.casusoverleg.service import CasusoverlegService, partners_of
from handlers.directory import Directory
from handlers.errors import UserError
from handlers.house import House
from handlers.identifiers import parse_reference
from handlers.messages import Code, Notice, Outgoing, Paragraph
from handlers.plan_van_aanpak.actions import ActionLine
from handlers.plan_van_aanpak.texts import actions_notice, done_hint
from handlers.vocabulary import ActieStatus, AuditKind
from storage.models import Aanmelding, PvaActie
from storage.unit import Unit


def not_involved(reference: str) -> UserError:
    return UserError(f"Ik ken geen plan van aanpak van {reference} waar jij bij betrokken bent.")


class PlanVanAanpak:
    """The actions of one casus and who may see or change them."""

    def __init__(self, unit: Unit, aanmelding: Aanmelding) -> None:
        self.unit = unit
        self.aanmelding = aanmelding

    def guards(self, caller: Caller) -> bool:
        return guards_plan(caller, self.aanmelding.casusregisseur)

    async def actions(self) -> Sequence[PvaActie]:
        return await self.unit.acties.for_casus(self.aanmelding.id)

    async def open_actions(self) -> list[PvaActie]:
        return [a for a in await self.actions() if a.status is not ActieStatus.GEREED]

    async def visible_to(self, caller: Caller) -> list[PvaActie]:
        actions = await self.actions()
        if self.guards(caller):
            return list(actions)
        return [a for a in actions if owns_action(caller, a)]

    async def get(self, number: int) -> PvaActie:
        for actie in await self.actions():
            if actie.number == number:
                return actie
        raise UserError(f"{self.aanmelding.reference} heeft geen actie {number}.")

    async def add(self, line: ActionLine, now: datetime) -> PvaActie:
        return await self.unit.acties.add(PvaActie(
            aanmelding_id=self.aanmelding.id,
            number=await self.unit.acties.next_number(self.aanmelding.id),
            wat=line.wat, organisation_key=line.organisation_key, owner=line.owner,
            deadline=line.deadline, status=ActieStatus.OPEN, created_at=now,
            deadline_set_at=now,
        ))  # fmt: skip


async def plan_for(
    unit: Unit, house: House, caller: Caller, reference_text: str
) -> tuple[Aanmelding, PlanVanAanpak]:
    """The casus and its plan, for a caller who is involved in it; anyone else hears the
    same as for a reference that does not exist."""
    reference = parse_reference(reference_text)
    try:
        aanmelding = await CasusoverlegService(unit, house).find_casus(reference)
    except UserError:
        if told_why_casus_is_unknown(caller):
            if (found := await unit.aanmeldingen.by_reference(reference)) is not None:
                without_plan(house, found)
            raise
        raise not_involved(reference) from None
    plan = PlanVanAanpak(unit, aanmelding)
    owns_any = bool(await plan.visible_to(caller))
    if not involved_in_plan(caller, aanmelding.casusregisseur, partners_of(aanmelding), owns_any):
        raise not_involved(reference)
    without_plan(house, aanmelding)
    return aanmelding, plan


def without_plan(house: House, aanmelding: Aanmelding) -> None:
    """A tafel that works without a plan van aanpak (nazorg) says so, and what instead."""
    tafel, reference = house.tafel(aanmelding.tafel), aanmelding.reference
    if tafel.plan_van_aanpak:
        return
    instead = (f" De zwaarte staat in het stoplicht: typ stoplicht {reference}."
               if tafel.leefgebieden else "")  # fmt: skip
    raise UserError(f"{reference} hoort bij {house.words.tafel(tafel.key)}: daar werken we "
                    f"zonder plan van aanpak.{instead}")  # fmt: skip


async def own_action(unit: Unit, caller: Caller, number: int) -> tuple[Aanmelding, PvaActie]:
    """``actie 2 gereed`` without a reference: the caller's only action numbered 2."""
    own = [
        (actie, aanmelding)
        for actie, aanmelding in await unit.acties.with_number(number)
        if owns_action(caller, actie)
    ]
    if not own:
        raise UserError(f"Je hebt geen actie {number}. Typ actie KENMERK {number} gereed.")
    if len(own) > 1:
        references = ", ".join(sorted(a.reference for _, a in own))
        raise UserError(
            f"Je hebt een actie {number} bij meer casussen ({references}). "
            f"Noem het kenmerk: actie KENMERK {number} gereed."
        )
    actie, aanmelding = own[0]
    return aanmelding, actie


def to_member(room_id: str, matrix_id: str, text: Notice, reference: str) -> Outgoing:
    """Details of a plan for one member, mentioning them (their Element notifies)."""
    who = frozenset({matrix_id})
    return Outgoing(room_id, text, True, who, reference, mentions=who)


async def disclose_actions(
    unit: Unit, now: datetime, actor: str, reference: str, recipient: str,
    numbers: Sequence[int],
) -> None:  # fmt: skip
    await refuse_if_objected(unit, reference)
    await unit.audit.add(now, AuditKind.DISCLOSURE, actor, reference, {
        "purpose": "plan-van-aanpak", "fields": [f"actie:{n}" for n in numbers],
        "recipients": [recipient],
    })  # fmt: skip


async def notify_actions(
    directory: Directory,
    aanmelding: Aanmelding,
    actions: Sequence[PvaActie],
    actor: str,
    now: datetime,
    casusregisseur_title: str | None,
) -> tuple[list[Outgoing], list[str]]:
    """Tell the casusregisseur (when ``casusregisseur_title`` is given: all ``actions``) and
    every owner their own actions only. Returns the messages and who could not be reached."""
    unit = directory.unit
    names = await directory.names(a.owner for a in actions)
    reference = aanmelding.reference
    outgoing: list[Outgoing] = []
    unreachable: list[str] = []
    regisseur = aanmelding.casusregisseur
    if casusregisseur_title and regisseur:
        member = await directory.find(regisseur)
        if member is not None and member.dm_room_id:
            outgoing.append(to_member(member.dm_room_id, regisseur, actions_notice(
                casusregisseur_title, actions, names,
                Paragraph("Je bewaakt deze acties en hun deadlines. Het hele plan: ",
                          Code(f"pva {reference}"), "."),
            ), reference))  # fmt: skip
            await disclose_actions(unit, now, actor, reference, regisseur,
                                   [a.number for a in actions])  # fmt: skip
        else:
            unreachable.append(regisseur)
    per_owner: dict[str, list[PvaActie]] = {}
    for actie in actions:
        owners = (
            [actie.owner]
            if actie.owner
            else [
                c.matrix_id
                for c in await directory.contacts(actie.organisation_key, aanmelding.tafel)
            ]
        )
        for owner in owners:
            if owner != regisseur or not casusregisseur_title:
                per_owner.setdefault(owner, []).append(actie)
    for owner, own in per_owner.items():
        member = await directory.find(owner)
        if member is None or not member.dm_room_id:
            unreachable.append(owner)
            continue
        title = "Actie" if len(own) == 1 else "Acties"
        outgoing.append(to_member(member.dm_room_id, owner, actions_notice(
            f"{title} voor jou uit het plan van aanpak {reference}",
            own, names, done_hint(reference),
        ), reference))  # fmt: skip
        await disclose_actions(unit, now, actor, reference, owner, [a.number for a in own])
    return outgoing, unreachable
