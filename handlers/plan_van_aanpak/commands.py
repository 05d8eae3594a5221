"""Plan-van-aanpak commands: pva, actie (gereed, uitstel, akkoord, afwijzen), actie toevoegen
and actie wijzig.

The plan is shown only in the caller's own chat with the bot. A member who is not involved
in a casus hears the same answer for it as for a reference that does not exist.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from handlers import feiten
from handlers.access import Action, owns_action
from handlers.arguments import KENMERK, NUMMER, OPTIONAL_KENMERK
from handlers.casusoverleg.service import partners_of
from handlers.commands import Arg, CommandContext, command
from handlers.conversation.choices import Option
from handlers.conversation.parsing import format_date, parse_day, parse_text
from handlers.directory import Directory
from handlers.errors import UserError
from handlers.house import House
from handlers.messages import (
    Block,
    Bold,
    Code,
    Notice,
    Paragraph,
    Table,
    joined,
    notice,
    text_notice,
)
from handlers.plan_van_aanpak.actions import (
    ACTION_EXAMPLE,
    ACTION_FORMAT,
    ActionLine,
    parse_action_line,
)
from handlers.plan_van_aanpak.service import (
    PlanVanAanpak,
    notify_actions,
    own_action,
    plan_for,
    to_member,
)
from handlers.plan_van_aanpak.texts import actions_table, done_hint
from handlers.vocabulary import ActieStatus, AuditKind, Phase
from storage.models import Aanmelding, PvaActie

ACTIE = "actie [KENMERK] NR gereed | uitstel DATUM [reden] | akkoord | afwijzen"


class Verb(StrEnum):
    """What ``actie NR ...`` asks."""

    GEREED = "gereed"
    UITSTEL = "uitstel"
    AKKOORD = "akkoord"
    AFWIJZEN = "afwijzen"


REGEL = Arg("regel", ACTION_FORMAT, rest=True)


def _number(text: str) -> int:
    if not text.isdigit():
        raise UserError(f"Gebruik: {ACTIE}")
    return int(text)


def _verb(text: str) -> Verb:
    try:
        return Verb(text.lower())
    except ValueError:
        raise UserError(f"Onbekend: '{text.lower()[:20]}'. Gebruik: {ACTIE}") from None


def _deadline_and_reason(words: list[str], today: date) -> tuple[date, str]:
    """'15 maart 2027 wacht op indicatie' → the date from the longest leading words that
    read as one, and the rest as the reason."""
    for size in (3, 2, 1):
        if len(words) >= size:
            try:
                day = parse_day(" ".join(words[:size]), today)
            except UserError:
                continue
            reason = " ".join(words[size:])
            return day, parse_text(reason, 500, "reden") if reason else ""
    raise UserError("Tot welke datum? Bijvoorbeeld: actie 2 uitstel 15-3-2027 wacht op indicatie.")


class PlanCommands:
    def __init__(self, house: House) -> None:
        self.house = house
        self.words = house.words

    def _private(self, ctx: CommandContext, text: Notice, reference: str) -> None:
        if not ctx.in_direct_chat:
            raise UserError("Het plan van aanpak laat ik alleen in je eigen chat met mij zien.")
        ctx.send(to_member(ctx.room_id, ctx.caller.matrix_id, text, reference))

    async def _tell(
        self, ctx: CommandContext, matrix_id: str | None, text: Notice, reference: str
    ) -> bool:
        """To another member's own chat with the bot; False when there is none."""
        if matrix_id is None or matrix_id == ctx.caller.matrix_id:
            return False
        told = await Directory(ctx.unit, self.house).to_own_chat(
            matrix_id, text, reference, sensitive=True
        )
        ctx.send(told)
        return told is not None

    @command(
        "pva", "plan van aanpak", action=Action.PVA, args=(KENMERK,),
        summary="het plan van aanpak van een casus en de stand van de acties",
    )  # fmt: skip
    async def pva(self, ctx: CommandContext, kenmerk: str) -> None:
        aanmelding, plan = await plan_for(ctx.unit, self.house, ctx.caller, kenmerk)
        actions = await plan.visible_to(ctx.caller)
        names = await Directory(ctx.unit, self.house).names(
            [aanmelding.casusregisseur, *(a.owner for a in actions)]
        )
        blocks: list[Block] = [Paragraph(Bold(f"Plan van aanpak {aanmelding.reference}"))]
        if plan.guards(ctx.caller):
            regisseur = aanmelding.casusregisseur
            blocks.append(Table(("", ""), (
                (str(self.words.casusregisseur),
                 names.person(regisseur) if regisseur else "nog niet gekozen"),
                ("informeert cliënt", aanmelding.client_informant or "—"),
                ("criteria afschaling", aanmelding.afschaling_criteria or "—"),
            )))  # fmt: skip
        elif actions:
            blocks.append(Paragraph("Je ziet alleen de acties van jouw organisatie of van jou."))
        if actions:
            blocks += [actions_table(actions, names), done_hint(aanmelding.reference)]
        else:
            blocks.append(Paragraph("Er staan (nog) geen acties voor je in dit plan."))
        self._private(ctx, notice(*blocks), aanmelding.reference)
        await ctx.unit.audit.add(
            ctx.now, AuditKind.VIEWED, ctx.caller.matrix_id, aanmelding.reference,
            {"what": "plan van aanpak", "actions": [a.number for a in actions]},
            phase=Phase.UITVOERING,
        )  # fmt: skip

    @command(
        "actie", action=Action.PVA, free_text=True, usage=ACTIE,
        args=(OPTIONAL_KENMERK, Arg("nummer", "NR", _number), Arg("verb", "gereed", _verb),
              Arg("rest", "...", rest=True, optional=True)),
        summary="een actie gereed melden of uitstel vragen; de {casusregisseur} beslist over "
                "uitstel",
    )  # fmt: skip
    async def actie(
        self, ctx: CommandContext, kenmerk: str | None, nummer: int, verb: Verb, rest: str | None
    ) -> None:
        if kenmerk is None:
            aanmelding, item = await own_action(ctx.unit, ctx.caller, nummer)
            plan = PlanVanAanpak(ctx.unit, aanmelding)
        else:
            aanmelding, plan = await plan_for(ctx.unit, self.house, ctx.caller, kenmerk)
            item = await plan.get(nummer)
        label = f"Actie {nummer} van {aanmelding.reference}"
        words = rest.split() if rest else []
        match verb:
            case Verb.GEREED:
                await self._done(ctx, aanmelding, plan, item, label)
            case Verb.UITSTEL:
                await self._postpone(ctx, aanmelding, item, label, words)
            case Verb.AKKOORD | Verb.AFWIJZEN:
                await self._decide_postponement(
                    ctx, plan, item, label, approve=verb is Verb.AKKOORD
                )

    async def _done(
        self, ctx: CommandContext, aanmelding: Aanmelding, plan: PlanVanAanpak, item: PvaActie,
        label: str,
    ) -> None:  # fmt: skip
        if not (owns_action(ctx.caller, item) or plan.guards(ctx.caller)):
            raise UserError(f"{label} is niet van jou of je organisatie.")
        if item.status is ActieStatus.GEREED:
            raise UserError(f"{label} staat al op gereed.")
        item.status, item.done_at, item.requested_deadline = ActieStatus.GEREED, ctx.now, None
        feiten.actie_gereed(ctx.unit, item, ctx.today, aanmelding.tafel)
        by = await Directory(ctx.unit, self.house).person(ctx.caller.matrix_id)
        all_done = "" if await plan.open_actions() else (
            f" Alle acties zijn nu gereed; bespreek afschaling met de {self.words.procesregie}."
        )  # fmt: skip
        text = notice(Paragraph(f"{label} is gereed gemeld door ", by, f": {item.wat}", all_done))
        await self._tell(ctx, aanmelding.casusregisseur, text, aanmelding.reference)
        ctx.reply(text_notice(f"Genoteerd: {_lower(label)} is gereed. Dank je!"))

    async def _postpone(
        self, ctx: CommandContext, aanmelding: Aanmelding, item: PvaActie, label: str,
        words: list[str],
    ) -> None:  # fmt: skip
        if not owns_action(ctx.caller, item):
            raise UserError(f"{label} is niet van jou of je organisatie.")
        new, reden = _deadline_and_reason(words, ctx.today)
        if new <= item.deadline:
            raise UserError(
                f"De deadline is al {format_date(item.deadline)}; kies een latere datum."
            )
        item.requested_deadline, item.requested_by = new, ctx.caller.matrix_id
        reference, number = aanmelding.reference, item.number
        by = await Directory(ctx.unit, self.house).person(ctx.caller.matrix_id)
        ask = notice(
            Paragraph(Bold(f"Uitstel gevraagd: {_lower(label)}")),
            Paragraph(by, f" vraagt uitstel van {format_date(item.deadline)} "
                      f"tot {format_date(new)}", f": {reden}" if reden else "."),
            Paragraph("Typ ", Code(f"actie {reference} {number} akkoord"), " of ",
                      Code(f"actie {reference} {number} afwijzen"), "."),
        )  # fmt: skip
        if not await self._tell(ctx, aanmelding.casusregisseur, ask, reference):
            ctx.send(*await Directory(ctx.unit, self.house).to_procesregie(ask, reference))
        ctx.reply(text_notice(
            f"Je vraag om uitstel tot {format_date(new)} ligt bij de "
            f"{self.words.casusregisseur}. Tot die beslist, blijft de deadline "
            f"{format_date(item.deadline)}."
        ))  # fmt: skip

    async def _decide_postponement(
        self, ctx: CommandContext, plan: PlanVanAanpak, item: PvaActie, label: str,
        approve: bool,
    ) -> None:  # fmt: skip
        if not plan.guards(ctx.caller):
            raise UserError(f"Over uitstel beslist de {self.words.casusregisseur}.")
        if item.requested_deadline is None:
            raise UserError(f"Voor {_lower(label)} is geen uitstel gevraagd.")
        requested, asker = item.requested_deadline, item.requested_by
        item.requested_deadline = item.requested_by = None
        if approve:
            item.reschedule(requested, ctx.now)
            answer = f"Uitstel akkoord: {_lower(label)} heeft nu deadline {format_date(requested)}."
        else:
            answer = (f"Uitstel afgewezen: {_lower(label)} houdt deadline "
                      f"{format_date(item.deadline)}.")  # fmt: skip
        await self._tell(ctx, asker, text_notice(answer), plan.aanmelding.reference)
        ctx.reply(text_notice(answer))

    @command(
        "actie toevoegen", action=Action.PVA, free_text=True, args=(KENMERK, REGEL),
        usage=f"actie toevoegen KENMERK {ACTION_FORMAT}",
        summary="({casusregisseur}) een actie aan het plan van aanpak toevoegen",
    )  # fmt: skip
    async def toevoegen(self, ctx: CommandContext, kenmerk: str, regel: str) -> None:
        aanmelding, plan = await self._guarded(ctx, kenmerk)
        line = await self._action_line(ctx, aanmelding, regel)
        added = await plan.add(line, ctx.now)
        await self._announce(ctx, aanmelding, added, f"Actie {added.number} toegevoegd")

    @command(
        "actie wijzig", action=Action.PVA, free_text=True, args=(KENMERK, NUMMER, REGEL),
        usage=f"actie wijzig KENMERK NR {ACTION_FORMAT}",
        summary="({casusregisseur}) een actie van het plan van aanpak wijzigen",
    )  # fmt: skip
    async def wijzig(self, ctx: CommandContext, kenmerk: str, nummer: int, regel: str) -> None:
        aanmelding, plan = await self._guarded(ctx, kenmerk)
        item = await plan.get(nummer)
        line = await self._action_line(ctx, aanmelding, regel)
        item.wat, item.organisation_key, item.owner = line.wat, line.organisation_key, line.owner
        item.reschedule(line.deadline, ctx.now)
        item.requested_deadline = item.requested_by = None
        await self._announce(ctx, aanmelding, item, f"Actie {item.number} gewijzigd")

    async def _guarded(
        self, ctx: CommandContext, reference: str
    ) -> tuple[Aanmelding, PlanVanAanpak]:
        aanmelding, plan = await plan_for(ctx.unit, self.house, ctx.caller, reference)
        if not plan.guards(ctx.caller):
            raise UserError(
                f"Acties toevoegen of wijzigen doet de {self.words.casusregisseur} of de "
                f"{self.words.procesregie}."
            )
        return aanmelding, plan

    async def _action_line(
        self, ctx: CommandContext, aanmelding: Aanmelding, text: str
    ) -> ActionLine:
        directory = Directory(ctx.unit, self.house)
        names = await directory.organisation_names()
        keys = [k for k in partners_of(aanmelding) if k in names]
        people = [Option(m.matrix_id, key) for key in keys
                  for m in await directory.members_of(key)]  # fmt: skip
        organisations = [Option(key, names[key]) for key in keys]
        try:
            return parse_action_line(text, organisations, people, ctx.today)
        except UserError as error:
            raise UserError(f"{error.message[:1].upper()}{error.message[1:]}. Bijvoorbeeld: "
                            f"{ACTION_EXAMPLE}") from None  # fmt: skip

    async def _announce(
        self, ctx: CommandContext, aanmelding: Aanmelding, item: PvaActie, what: str
    ) -> None:
        directory = Directory(ctx.unit, self.house)
        told_regisseur = None if ctx.caller.matrix_id == aanmelding.casusregisseur else (
            f"{what} in het plan van aanpak {aanmelding.reference}"
        )  # fmt: skip
        outgoing, unreachable = await notify_actions(
            directory, aanmelding, [item], ctx.caller.matrix_id, ctx.now, told_regisseur
        )
        ctx.send(*outgoing)
        names = await directory.names([item.owner, *unreachable])
        details = notice(
            Paragraph(Bold(f"{what} ({aanmelding.reference})")), actions_table([item], names),
            Paragraph("Nog geen chat met mij, dus niet ingelicht: ",
                      *joined([names.person(m) for m in unreachable]))
            if unreachable else Paragraph("De actiehouder is ingelicht."),
        )  # fmt: skip
        # Details of a plan go to the caller's own chat, also when they typed in a group.
        if ctx.in_direct_chat:
            ctx.send(to_member(ctx.room_id, ctx.caller.matrix_id, details, aanmelding.reference))
        elif ctx.own_chat is None:
            raise UserError("Start eerst een chat met mij; daar laat ik de details zien.")
        else:
            ctx.send(to_member(ctx.own_chat, ctx.caller.matrix_id, details, aanmelding.reference))
            ctx.reply(text_notice("Gedaan; de details staan in je eigen chat met mij."))


def _lower(label: str) -> str:
    return label[:1].lower() + label[1:]
