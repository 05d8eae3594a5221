"""The procesregie's casusoverleg commands: overleg plan, verzet, annuleer and verslag.

``overleg verslag`` is a guided entry (the conversation engine) asked in the caller's own
chat with the bot: casusregisseur, the actions of the plan van aanpak (one per line), who
informs the client, the criteria for afschaling and the next overleg, if any.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.casusoverleg import CasusoverlegService, OverlegConfig
from handlers.commands import CommandContext, CommandRegistry
from handlers.conversation.engine import Form, FormContext, Step
from handlers.conversation.parsing import (
    Option,
    format_moment,
    parse_appointment,
    parse_choice,
    parse_text,
)
from handlers.conversation.service import ConversationService, FormSpec, Submission
from handlers.errors import UserError
from handlers.membership import MembershipService
from handlers.messages import Outgoing, Paragraph, notice, text_notice
from handlers.policy import Action
from handlers.pva import (
    ACTION_EXAMPLE,
    ACTION_FORMAT,
    ActionLine,
    PlanVanAanpak,
    notify_actions,
    parse_actions,
    show_actions,
)
from handlers.triage import TriageConfig, parse_reference
from scheduler.clock import local_now
from storage.casus import ActieRepository
from storage.repositories import AanmeldingRepository

PLAN = "overleg plan KENMERK DATUM TIJD [locatie of videolink]"
VERZET = "overleg verzet KENMERK DATUM TIJD [locatie]"
ANNULEER = "overleg annuleer KENMERK [reden]"
VERSLAG = "overleg verslag KENMERK"
VERSLAG_FORM = "overleg-verslag"


def _when(ctx: CommandContext, args: list[str], usage: str) -> tuple[datetime, str]:
    if len(args) < 3:
        raise UserError(f"Gebruik: {usage}")
    day, at, rest = parse_appointment(" ".join(args[1:]), local_now(ctx.clock).date())
    return _combine(day, at, ctx.overleg), parse_text(rest, 500, "locatie") if rest else ""


def _combine(day: date, at: time, config: OverlegConfig) -> datetime:
    # A wall-clock time in the house's zone; fold=0 picks the first of a doubled hour.
    return datetime.combine(day, at, tzinfo=config.zone)


# --- the verslag form ---------------------------------------------------------------


def _casusregisseur(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> str:
    candidates = ctx.option_lists.get("kandidaten", ())
    cleaned = text.strip()
    if cleaned.startswith("@"):
        if any(o.key == cleaned for o in candidates):
            return cleaned
        raise UserError(f"{cleaned[:80]} is geen lid van een deelnemende organisatie.")
    return parse_choice(cleaned, candidates)


def _next_overleg(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> dict[str, str]:
    day, at, rest = parse_appointment(text, ctx.today)
    if day < ctx.today:
        raise UserError("Die datum is al voorbij.")
    return {"day": day.isoformat(), "time": at.strftime("%H:%M"),
            "locatie": parse_text(rest, 500, "locatie") if rest else ""}  # fmt: skip


def _show_next(value: Any, ctx: FormContext) -> str:
    moment = datetime.combine(date.fromisoformat(value["day"]), time.fromisoformat(value["time"]))
    return format_moment(moment) + (f", {value['locatie']}" if value["locatie"] else "")


def _text(limit: int, what: str) -> Any:
    def parse(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> str:
        return parse_text(text, limit, what)

    return parse


def verslag_form(config: OverlegConfig) -> Form:
    return Form(
        name=VERSLAG_FORM, title=f"verslag van het {config.term}",
        intro=f"Verslag van het {config.term}. Na bevestigen leg ik het plan van aanpak vast "
              f"en krijgen de {config.casusregisseur_term} en iedere actiehouder hun acties.",
        steps=(
            Step("casusregisseur", config.casusregisseur_term,
                 f"Wie is de {config.casusregisseur_term}? Geef het nummer of het Matrix-ID.",
                 _casusregisseur, options="kandidaten", aliases=("casusregisseur",)),
            Step("acties", "acties",
                 f"Welke acties staan in het plan van aanpak? Eén actie per regel: "
                 f"{ACTION_FORMAT} (Shift+Enter voor een nieuwe regel). Bijvoorbeeld: "
                 f"{ACTION_EXAMPLE}",
                 parse_actions, show=show_actions, aliases=("plan", "actie")),
            Step("informant", "informeert cliënt", "Wie informeert de cliënt over het plan?",
                 _text(300, "antwoord"), aliases=("informant", "client", "cliënt")),
            Step("criteria", "criteria afschaling",
                 "Wanneer kan de casus worden afgeschaald (de criteria)?",
                 _text(2000, "antwoord"), aliases=("criteria", "afschaling")),
            Step("volgende", "volgend overleg",
                 f"Wanneer is het volgende {config.term} (datum, tijd en eventueel locatie)?",
                 _next_overleg, optional=True, show=_show_next, aliases=("vervolg",)),
        ),
        done_prompt="Typ bevestig om het verslag vast te leggen.",
        edit_example="acties",
    )  # fmt: skip


def verslag_spec(triage: TriageConfig, config: OverlegConfig) -> FormSpec:
    async def options(session: AsyncSession, subject: str | None) -> Mapping[str, Sequence[Option]]:
        aanmelding = await AanmeldingRepository(session).by_reference(subject or "")
        keys = json.loads(aanmelding.overleg_partners or "[]") if aanmelding else []
        membership = MembershipService(session)
        names = dict(await membership.organisation_names())
        members = [(m, key) for key in keys if key in names
                   for m in await membership.list_members(key)]  # fmt: skip
        return {
            "deelnemers": [Option(key, names[key]) for key in keys if key in names],
            "kandidaten": [Option(m.matrix_id, f"{m.matrix_id} ({names[k]})") for m, k in members],
            "leden": [Option(m.matrix_id, k) for m, k in members],
        }

    async def submit(s: Submission) -> list[Outgoing]:
        service = CasusoverlegService(s.session, triage, config)
        aanmelding = await service.find_casus(s.reference)
        overleg = await service.overleggen.upcoming(aanmelding.id)
        if overleg is None:
            raise UserError(f"Voor {aanmelding.reference} staat geen {config.term} open.")
        answers = s.answers
        volgende = answers.get("volgende")
        overleg.status = "gehouden"
        aanmelding.casusregisseur = answers["casusregisseur"]
        aanmelding.client_informant = answers["informant"]
        aanmelding.afschaling_criteria = answers["criteria"]
        plan = PlanVanAanpak(ActieRepository(s.session), aanmelding)
        added = [await plan.add(ActionLine.from_json(item), s.now) for item in answers["acties"]]
        outgoing: list[Outgoing] = []
        if volgende:
            when = _combine(
                date.fromisoformat(volgende["day"]), time.fromisoformat(volgende["time"]), config
            )
            service.check_moment(when, s.now)
            _, invitation = await service.plan(
                aanmelding, when, volgende["locatie"], s.caller, s.now
            )
            outgoing += invitation
        else:
            await service.describe_room(aanmelding, None, "plan van aanpak in uitvoering", s.now)
        told, unreachable = await notify_actions(
            service.triage, aanmelding, added, s.caller.matrix_id, s.now,
            f"Je bent {config.casusregisseur_term} voor {aanmelding.reference}",
        )  # fmt: skip
        outgoing += told
        lines = [
            f"Verslag {aanmelding.reference} vastgelegd: {len(added)} "
            f"actie{'s' if len(added) != 1 else ''}; de {config.casusregisseur_term} en de "
            "actiehouders hebben hun acties gekregen."
        ]
        if unreachable:
            lines.append(
                "Nog geen chat met mij, dus niet ingelicht: "
                + ", ".join(sorted(set(unreachable)))
                + ". Laat hen een chat met mij starten of licht hen zelf in."
            )
        outgoing.append(Outgoing(s.room_id, notice(*(Paragraph(line) for line in lines))))
        return outgoing

    return FormSpec(verslag_form(config), options, submit)


# --- commands -----------------------------------------------------------------------


def register(registry: CommandRegistry) -> None:
    @registry.command(
        "overleg plan", action=Action.OVERLEG, usage=PLAN, free_text=True,
        summary="een casusoverleg plannen: kamer, uitnodigingen en uitnodiging met agenda",
    )  # fmt: skip
    async def plan(ctx: CommandContext, args: list[str]) -> None:
        when, locatie = _when(ctx, args, PLAN)
        service = CasusoverlegService(ctx.session, ctx.triage, ctx.overleg)
        aanmelding = await service.find_casus(args[0])
        warnings = service.check_moment(when, ctx.clock.now())
        participants, outgoing = await service.plan(
            aanmelding, when, locatie, ctx.caller, ctx.clock.now()
        )
        ctx.outgoing.extend(outgoing)
        names = await service.triage.org_names()
        lines = [
            f"{ctx.overleg.title} {aanmelding.reference} gepland op {format_moment(when)}. "
            f"Ik maak een versleutelde kamer en nodig {len(participants.members)} deelnemers "
            f"uit van: {', '.join(names.get(k, k) for k in participants.organisations)}.",
            *warnings,
        ]
        if participants.unreachable:
            lines.append(
                "Let op: "
                + ", ".join(names.get(k, k) for k in participants.unreachable)
                + " heeft nog niemand die ik kan uitnodigen."
            )
        ctx.reply(notice(*(Paragraph(line) for line in lines)))

    @registry.command(
        "overleg verzet", action=Action.OVERLEG, usage=VERZET, free_text=True,
        summary="een gepland casusoverleg naar een ander moment verzetten",
    )  # fmt: skip
    async def verzet(ctx: CommandContext, args: list[str]) -> None:
        when, locatie = _when(ctx, args, VERZET)
        service = CasusoverlegService(ctx.session, ctx.triage, ctx.overleg)
        aanmelding = await service.find_casus(args[0])
        warnings = service.check_moment(when, ctx.clock.now())
        ctx.outgoing.append(await service.reschedule(aanmelding, when, locatie, ctx.clock.now()))
        ctx.reply(text_notice(" ".join([
            f"{ctx.overleg.title} {aanmelding.reference} verzet naar {format_moment(when)}; "
            "de deelnemers zien het in de kamer.", *warnings,
        ])))  # fmt: skip

    @registry.command(
        "overleg annuleer", action=Action.OVERLEG, usage=ANNULEER, free_text=True,
        summary="een gepland casusoverleg laten vervallen",
    )  # fmt: skip
    async def annuleer(ctx: CommandContext, args: list[str]) -> None:
        if not args:
            raise UserError(f"Gebruik: {ANNULEER}")
        service = CasusoverlegService(ctx.session, ctx.triage, ctx.overleg)
        aanmelding = await service.find_casus(args[0])
        reden = parse_text(" ".join(args[1:]), 500, "reden") if args[1:] else ""
        ctx.outgoing.append(await service.cancel(aanmelding, reden, ctx.clock.now()))
        ctx.reply(text_notice(
            f"{ctx.overleg.title} {aanmelding.reference} geannuleerd; de deelnemers zien het in "
            f"de kamer. Opnieuw plannen: overleg plan {aanmelding.reference} <datum> <tijd>."
        ))  # fmt: skip

    @registry.command(
        "overleg verslag", action=Action.OVERLEG, usage=VERSLAG,
        summary="de uitkomst vastleggen: casusregisseur, plan van aanpak, afschaling",
    )  # fmt: skip
    async def verslag(ctx: CommandContext, args: list[str]) -> None:
        if not args:
            raise UserError(f"Gebruik: {VERSLAG}")
        service = CasusoverlegService(ctx.session, ctx.triage, ctx.overleg)
        aanmelding = await service.find_casus(args[0])
        if await service.overleggen.upcoming(aanmelding.id) is None:
            raise UserError(
                f"Voor {aanmelding.reference} staat geen {ctx.overleg.term} open om een verslag "
                "van te maken."
            )
        room = await ctx.questions_room()
        conversations = ConversationService(ctx.session, ctx.clock, ctx.forms)
        ctx.outgoing.extend(await conversations.start(
            VERSLAG_FORM, ctx.caller, room, parse_reference(args[0])
        ))  # fmt: skip
