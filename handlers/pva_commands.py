"""Plan-van-aanpak commands: pva, actie (gereed, uitstel, akkoord, afwijzen, toevoegen,
wijzig) and afschalen.

The plan is shown only in the caller's own chat with the bot. A member who is not involved
in a casus hears the same answer for it as for a reference that does not exist.
"""

from __future__ import annotations

import json
from datetime import date

from handlers.casusoverleg import CasusoverlegService
from handlers.commands import CommandContext, CommandRegistry
from handlers.conversation.parsing import Option, format_date, parse_day, parse_text
from handlers.errors import UserError
from handlers.messages import Block, Bold, Code, Notice, Paragraph, Table, notice, text_notice
from handlers.policy import Action
from handlers.pva import (
    ACTION_EXAMPLE,
    ACTION_FORMAT,
    ActionLine,
    PlanVanAanpak,
    actions_table,
    done_hint,
    notify_actions,
    parse_action_line,
    to_member,
)
from handlers.retention import drop_verrijking
from handlers.triage import REFERENCE, REGIE_ROLES, parse_reference
from scheduler.clock import local_now
from storage.casus import ActieRepository, AuditRepository
from storage.models import Aanmelding, PvaActie

PVA = "pva KENMERK"
ACTIE = "actie [KENMERK] NR gereed | uitstel DATUM [reden] | akkoord | afwijzen"
TOEVOEGEN = f"actie toevoegen KENMERK {ACTION_FORMAT}"
WIJZIG = f"actie wijzig KENMERK NR {ACTION_FORMAT}"
AFSCHALEN = "afschalen KENMERK [bevestig]"


def _not_involved(reference: str) -> UserError:
    return UserError(f"Ik ken geen plan van aanpak van {reference} waar jij bij betrokken bent.")


async def _casus(ctx: CommandContext, reference_text: str) -> tuple[Aanmelding, PlanVanAanpak]:
    """The casus and its plan, for a caller who is involved in it."""
    reference = parse_reference(reference_text)
    service = CasusoverlegService(ctx.session, ctx.triage, ctx.overleg)
    try:
        aanmelding = await service.find_casus(reference)
    except UserError:
        if ctx.caller.role in REGIE_ROLES:
            raise
        raise _not_involved(reference) from None
    plan = PlanVanAanpak(ActieRepository(ctx.session), aanmelding)
    participating = ctx.caller.organisation_key in json.loads(aanmelding.overleg_partners or "[]")
    if not (plan.guards(ctx.caller) or participating or await plan.visible_to(ctx.caller)):
        raise _not_involved(reference)
    return aanmelding, plan


def _private(ctx: CommandContext, text: Notice) -> None:
    if ctx.incoming.room_members > 2:
        raise UserError("Het plan van aanpak laat ik alleen in je eigen chat met mij zien.")
    ctx.outgoing.append(to_member(ctx.incoming.room_id, ctx.caller.matrix_id, text))


async def _tell(ctx: CommandContext, matrix_id: str | None, text: Notice) -> bool:
    """To another member's own chat with the bot; False when there is none."""
    if matrix_id is None or matrix_id == ctx.caller.matrix_id:
        return False
    return await _to_own_chat(ctx, matrix_id, text)


async def _to_own_chat(ctx: CommandContext, matrix_id: str, text: Notice) -> bool:
    service = CasusoverlegService(ctx.session, ctx.triage, ctx.overleg)
    member = await service.triage.members.find(matrix_id)
    if member is None or member.dm_room_id is None:
        return False
    ctx.outgoing.append(to_member(member.dm_room_id, matrix_id, text))
    return True


async def _options(
    ctx: CommandContext, aanmelding: Aanmelding
) -> tuple[list[Option], list[Option]]:
    service = CasusoverlegService(ctx.session, ctx.triage, ctx.overleg)
    names = await service.triage.org_names()
    keys = [k for k in json.loads(aanmelding.overleg_partners or "[]") if k in names]
    people = [Option(m.matrix_id, key) for key in keys
              for m in await service.triage.members.list_members(key)]  # fmt: skip
    return [Option(key, names[key]) for key in keys], people


async def _find_own_action(ctx: CommandContext, number: int) -> tuple[Aanmelding, PvaActie]:
    """``actie 2 gereed`` without a reference: the caller's only open action numbered 2."""
    own = [
        (actie, aanmelding)
        for actie, aanmelding in await ActieRepository(ctx.session).open_with_number(number)
        if PlanVanAanpak.owns(ctx.caller, actie)
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


def register(registry: CommandRegistry) -> None:
    @registry.command(
        "pva", "plan van aanpak", action=Action.PVA, usage=PVA,
        summary="het plan van aanpak van een casus en de stand van de acties",
    )  # fmt: skip
    async def pva(ctx: CommandContext, args: list[str]) -> None:
        if not args:
            raise UserError(f"Gebruik: {PVA}")
        aanmelding, plan = await _casus(ctx, args[0])
        names = await CasusoverlegService(ctx.session, ctx.triage, ctx.overleg).triage.org_names()
        actions = await plan.visible_to(ctx.caller)
        blocks: list[Block] = [Paragraph(Bold(f"Plan van aanpak {aanmelding.reference}"))]
        if plan.guards(ctx.caller):
            blocks.append(Table(("", ""), (
                (ctx.overleg.casusregisseur_term, aanmelding.casusregisseur or "nog niet gekozen"),
                ("informeert cliënt", aanmelding.client_informant or "—"),
                ("criteria afschaling", aanmelding.afschaling_criteria or "—"),
            )))  # fmt: skip
        elif actions:
            blocks.append(Paragraph("Je ziet alleen de acties van jouw organisatie of van jou."))
        if actions:
            blocks += [actions_table(actions, names), done_hint(aanmelding.reference)]
        else:
            blocks.append(Paragraph("Er staan (nog) geen acties voor je in dit plan."))
        _private(ctx, notice(*blocks))
        await AuditRepository(ctx.session).add(
            ctx.clock.now(), "viewed", ctx.caller.matrix_id, aanmelding.reference,
            {"what": "plan van aanpak", "actions": [a.number for a in actions]},
            phase="uitvoering",
        )  # fmt: skip

    @registry.command(
        "actie", action=Action.PVA, usage=ACTIE, free_text=True,
        summary="een actie gereed melden of uitstel vragen; de casusregisseur beslist over uitstel",
    )  # fmt: skip
    async def actie(ctx: CommandContext, args: list[str]) -> None:
        words = list(args)
        reference = words.pop(0) if words and REFERENCE.match(words[0].upper()) else None
        if len(words) < 2 or not words[0].isdigit():
            raise UserError(f"Gebruik: {ACTIE}")
        number, verb, rest = int(words[0]), words[1].lower(), words[2:]
        if reference is None:
            aanmelding, item = await _find_own_action(ctx, number)
            plan = PlanVanAanpak(ActieRepository(ctx.session), aanmelding)
        else:
            aanmelding, plan = await _casus(ctx, reference)
            item = await plan.get(number)
        label = f"Actie {number} van {aanmelding.reference}"
        lower = label[:1].lower() + label[1:]
        if verb == "gereed":
            if not (plan.owns(ctx.caller, item) or plan.guards(ctx.caller)):
                raise UserError(f"{label} is niet van jou of je organisatie.")
            if item.status == "gereed":
                raise UserError(f"{label} staat al op gereed.")
            item.status, item.done_at, item.requested_deadline = "gereed", ctx.clock.now(), None
            open_left = [a for a in await plan.repository.for_casus(aanmelding.id)
                         if a.status != "gereed"]  # fmt: skip
            text = f"{label} is gereed gemeld door {ctx.caller.matrix_id}: {item.wat}"
            if not open_left:
                text += " Alle acties zijn nu gereed; bespreek afschaling met de procesregie."
            await _tell(ctx, aanmelding.casusregisseur, notice(Paragraph(text)))
            ctx.reply(text_notice(f"Genoteerd: {lower} is gereed. Dank je!"))
        elif verb == "uitstel":
            if not plan.owns(ctx.caller, item):
                raise UserError(f"{label} is niet van jou of je organisatie.")
            new, reden = _deadline_and_reason(rest, local_now(ctx.clock).date())
            if new <= item.deadline:
                raise UserError(
                    f"De deadline is al {format_date(item.deadline)}; kies een latere datum."
                )
            item.requested_deadline, item.requested_by = new, ctx.caller.matrix_id
            ask = notice(
                Paragraph(Bold(f"Uitstel gevraagd: {lower}")),
                Paragraph(f"{ctx.caller.matrix_id} vraagt uitstel van {format_date(item.deadline)} "
                          f"tot {format_date(new)}", f": {reden}" if reden else "."),
                Paragraph("Typ ", Code(f"actie {aanmelding.reference} {number} akkoord"), " of ",
                          Code(f"actie {aanmelding.reference} {number} afwijzen"), "."),
            )  # fmt: skip
            if not await _tell(ctx, aanmelding.casusregisseur, ask):
                service = CasusoverlegService(ctx.session, ctx.triage, ctx.overleg)
                ctx.outgoing += await service.triage.to_procesregie(ask)
            ctx.reply(text_notice(
                f"Je vraag om uitstel tot {format_date(new)} ligt bij de "
                f"{ctx.overleg.casusregisseur_term}. Tot die beslist, blijft de deadline "
                f"{format_date(item.deadline)}."
            ))  # fmt: skip
        elif verb in ("akkoord", "afwijzen"):
            if not plan.guards(ctx.caller):
                raise UserError(f"Over uitstel beslist de {ctx.overleg.casusregisseur_term}.")
            if item.requested_deadline is None:
                raise UserError(f"Voor {lower} is geen uitstel gevraagd.")
            requested, asker = item.requested_deadline, item.requested_by
            item.requested_deadline = item.requested_by = None
            if verb == "akkoord":
                item.reschedule(requested, ctx.clock.now())
                answer = f"Uitstel akkoord: {lower} heeft nu deadline {format_date(requested)}."
            else:
                answer = (f"Uitstel afgewezen: {lower} houdt deadline "
                          f"{format_date(item.deadline)}.")  # fmt: skip
            await _tell(ctx, asker, text_notice(answer))
            ctx.reply(text_notice(answer))
        else:
            raise UserError(f"Onbekend: '{verb[:20]}'. Gebruik: {ACTIE}")

    @registry.command(
        "actie toevoegen", action=Action.PVA, usage=TOEVOEGEN, free_text=True,
        summary="(casusregisseur) een actie aan het plan van aanpak toevoegen",
    )  # fmt: skip
    async def toevoegen(ctx: CommandContext, args: list[str]) -> None:
        if len(args) < 2:
            raise UserError(f"Gebruik: {TOEVOEGEN}. Bijvoorbeeld: actie toevoegen KENMERK "
                            f"{ACTION_EXAMPLE}")  # fmt: skip
        aanmelding, plan = await _guarded(ctx, args[0])
        line = await _action_line(ctx, aanmelding, " ".join(args[1:]))
        added = await plan.add(line, ctx.clock.now())
        await _announce(ctx, aanmelding, added, f"Actie {added.number} toegevoegd")

    @registry.command(
        "actie wijzig", action=Action.PVA, usage=WIJZIG, free_text=True,
        summary="(casusregisseur) een actie van het plan van aanpak wijzigen",
    )  # fmt: skip
    async def wijzig(ctx: CommandContext, args: list[str]) -> None:
        if len(args) < 3 or not args[1].isdigit():
            raise UserError(f"Gebruik: {WIJZIG}")
        aanmelding, plan = await _guarded(ctx, args[0])
        item = await plan.get(int(args[1]))
        line = await _action_line(ctx, aanmelding, " ".join(args[2:]))
        item.wat, item.organisation_key, item.owner = line.wat, line.organisation_key, line.owner
        item.reschedule(line.deadline, ctx.clock.now())
        item.requested_deadline = item.requested_by = None
        await _announce(ctx, aanmelding, item, f"Actie {item.number} gewijzigd")

    @registry.command(
        "afschalen", action=Action.AFSCHALEN, usage=AFSCHALEN,
        summary="vastleggen dat het casusoverleg besloot tot afschaling",
    )  # fmt: skip
    async def afschalen(ctx: CommandContext, args: list[str]) -> None:
        if not args:
            raise UserError(f"Gebruik: {AFSCHALEN}")
        service = CasusoverlegService(ctx.session, ctx.triage, ctx.overleg)
        aanmelding = await service.find_casus(args[0])
        reference = aanmelding.reference
        open_actions = [a for a in await ActieRepository(ctx.session).for_casus(aanmelding.id)
                        if a.status != "gereed"]  # fmt: skip
        if [a.lower() for a in args[1:]] != ["bevestig"]:
            ctx.reply(notice(
                Paragraph(f"Afschalen legt vast dat het {ctx.overleg.term} besloot dat "
                          f"{reference} het ZVH niet meer nodig heeft. Vanaf vandaag loopt de "
                          "bewaartermijn; daarna verwijder ik de gegevens stap voor stap."),
                Paragraph(f"Nog open acties: {len(open_actions)}." if open_actions else
                          "Alle acties zijn gereed."),
                Paragraph("Typ ", Code(f"afschalen {reference} bevestig"),
                          " om het vast te leggen."),
            ))  # fmt: skip
            return
        now = ctx.clock.now()
        today = local_now(ctx.clock).date()
        aanmelding.afgeschaald_on = today
        # The partners' answers are not needed after afschaling (retention policy).
        await drop_verrijking(ctx.session, aanmelding)
        upcoming = await service.overleggen.upcoming(aanmelding.id)
        if upcoming is not None:
            upcoming.status = "geannuleerd"
        participants = await service.describe_room(
            aanmelding, None, f"afgeschaald op {format_date(today)}", now
        )
        await AuditRepository(ctx.session).add(now, "afschaling", ctx.caller.matrix_id, reference, {
            "afgeschaald_on": today.isoformat(), "open_actions": len(open_actions),
        })  # fmt: skip
        done = notice(Paragraph(
            f"{reference} is afgeschaald op {format_date(today)}: het {ctx.overleg.term} vond "
            "het ZVH niet meer nodig. Dank voor jullie inzet."
        ))  # fmt: skip
        ctx.outgoing.append(service.to_room(reference, participants, done, sensitive=False))
        await _tell(ctx, aanmelding.casusregisseur, done)
        ctx.reply(text_notice(
            f"Vastgelegd: {reference} afgeschaald op {format_date(today)}. De bewaartermijn "
            "voor afschaling loopt vanaf vandaag."
        ))  # fmt: skip


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


async def _guarded(ctx: CommandContext, reference: str) -> tuple[Aanmelding, PlanVanAanpak]:
    aanmelding, plan = await _casus(ctx, reference)
    if not plan.guards(ctx.caller):
        raise UserError(
            f"Acties toevoegen of wijzigen doet de {ctx.overleg.casusregisseur_term} of de "
            "procesregie."
        )
    return aanmelding, plan


async def _action_line(ctx: CommandContext, aanmelding: Aanmelding, text: str) -> ActionLine:
    organisations, people = await _options(ctx, aanmelding)
    try:
        return parse_action_line(text, organisations, people, local_now(ctx.clock).date())
    except UserError as error:
        raise UserError(f"{error.message[:1].upper()}{error.message[1:]}. Bijvoorbeeld: "
                        f"{ACTION_EXAMPLE}") from None  # fmt: skip


async def _announce(ctx: CommandContext, aanmelding: Aanmelding, item: PvaActie, what: str) -> None:
    service = CasusoverlegService(ctx.session, ctx.triage, ctx.overleg)
    told_regisseur = None if ctx.caller.matrix_id == aanmelding.casusregisseur else (
        f"{what} in het plan van aanpak {aanmelding.reference}"
    )  # fmt: skip
    outgoing, unreachable = await notify_actions(
        service.triage, aanmelding, [item], ctx.caller.matrix_id, ctx.clock.now(), told_regisseur
    )
    ctx.outgoing += outgoing
    names = await service.triage.org_names()
    await _to_caller(ctx, notice(
        Paragraph(Bold(f"{what} ({aanmelding.reference})")), actions_table([item], names),
        Paragraph("Nog geen chat met mij, dus niet ingelicht: " + ", ".join(unreachable))
        if unreachable else Paragraph("De actiehouder is ingelicht."),
    ))  # fmt: skip


async def _to_caller(ctx: CommandContext, text: Notice) -> None:
    """Details of a plan go to the caller's own chat, also when they typed in a group."""
    if ctx.incoming.room_members <= 2:
        ctx.outgoing.append(to_member(ctx.incoming.room_id, ctx.caller.matrix_id, text))
    elif not await _to_own_chat(ctx, ctx.caller.matrix_id, text):
        raise UserError("Start eerst een chat met mij; daar laat ik de details zien.")
    else:
        ctx.reply(text_notice("Gedaan; de details staan in je eigen chat met mij."))
