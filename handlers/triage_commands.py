"""The procesregie's triage commands: verrijk, triage and besluit (with follow-up questions).

The follow-up questions of a decision are asked in the procesregisseur's own chat with the
bot, also when the command was typed in the procesregie room: a group is no place for a
question-and-answer conversation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.commands import CommandContext, CommandRegistry
from handlers.conversation.engine import Form, FormContext, Step
from handlers.conversation.parsing import Option, option_list, parse_choices, parse_text
from handlers.conversation.service import (
    ConversationService,
    FormSpec,
    Submission,
    Submitter,
)
from handlers.errors import UserError
from handlers.membership import MembershipService
from handlers.messages import Bold, Code, Notice, Outgoing, Paragraph, Table, notice, text_notice
from handlers.policy import Action
from handlers.triage import OUTCOME_LABELS, TriageConfig, TriageService
from storage.casus import AuditRepository
from storage.models import Aanmelding
from storage.repositories import AanmeldingRepository, VerrijkingRepository

VERRIJK = "verrijk KENMERK [standaard | organisaties of nummers]"
BESLUIT = "besluit KENMERK geen-casus|onduidelijk|casus-zonder-overleg|casusoverleg"


def _text(limit: int) -> Callable[[str, FormContext, Mapping[str, Any]], str]:
    def parse(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> str:
        return parse_text(text, limit, "antwoord")

    return parse


def _participants(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> list[str]:
    chosen = parse_choices(text, ctx.option_lists["organisaties"])
    if not chosen:
        raise UserError("Een casusoverleg heeft deelnemers nodig: kies minstens één organisatie.")
    return chosen


def _show_orgs(value: Any, ctx: FormContext) -> str:
    names = {o.key: o.label for o in ctx.option_lists.get("organisaties", ())}
    return ", ".join(names.get(k, k) for k in value)


GEEN_CASUS = Form(
    name="besluit-geen-casus", title="besluit 'geen casus'",
    intro="Besluit: geen casus voor het ZVH. Na bevestigen krijgt de aanmelder je advies en "
          "verwijder ik alle persoonsgegevens van deze aanmelding en de verrijking.",
    steps=(Step("advies", "advies", "Welk advies krijgt de aanmelder?", _text(2000)),),
    done_prompt="Typ bevestig om het besluit vast te leggen.",
)  # fmt: skip
ONDUIDELIJK = Form(
    name="besluit-onduidelijk", title="besluit 'nog onduidelijk'",
    intro="Besluit: nog onduidelijk. De aanmelding blijft op de triage-agenda.",
    steps=(Step("vraag", "open vraag", "Wat ontbreekt er nog? Die vraag gaat naar de aanmelder.",
                _text(2000)),),
    done_prompt="Typ bevestig om het besluit vast te leggen.",
)  # fmt: skip
CASUSOVERLEG = Form(
    name="besluit-casusoverleg", title="besluit 'casusoverleg'",
    intro="Besluit: casus voor casusoverleg. Leg doel, thema's en deelnemers vast; alleen "
          "partners die rechtmatig mogen deelnemen (doelbinding).",
    steps=(
        Step("doel", "doel", "Wat is het doel van het casusoverleg?", _text(2000)),
        Step("themas", "thema's", "Welke thema's komen aan bod?", _text(2000),
             aliases=("themas", "thema")),
        Step("partners", "deelnemers", "Welke organisaties worden uitgenodigd? Geef nummers "
             "of codes.", _participants, show=_show_orgs, options="organisaties",
             aliases=("partners",)),
    ),
    done_prompt="Typ bevestig om het besluit vast te leggen.",
)  # fmt: skip


async def _organisations(session: AsyncSession, subject: str | None) -> dict[str, Sequence[Option]]:
    organisations = await MembershipService(session).organisation_names()
    return {"organisaties": [Option(key, name) for key, name in organisations]}


Decide = Callable[[TriageService, Aanmelding, Submission], Awaitable[list[Outgoing]]]


async def _decided(
    session: AsyncSession, actor: str, reference: str, outcome: str, now: datetime
) -> None:
    await AuditRepository(session).add(
        now, "decided", actor, reference, {"outcome": outcome}, phase="triage"
    )


def _decision(triage: TriageConfig, decide: Decide) -> Submitter:
    async def submit(submission: Submission) -> list[Outgoing]:
        service = TriageService(submission.session, triage)
        aanmelding = await service.find_in_triage(submission.reference)
        outgoing = await decide(service, aanmelding, submission)
        await _decided(submission.session, submission.caller.matrix_id, aanmelding.reference,
                       aanmelding.triage_status, submission.now)  # fmt: skip
        return outgoing

    return submit


def form_specs(triage: TriageConfig) -> list[FormSpec]:
    async def geen_casus(t: TriageService, a: Aanmelding, s: Submission) -> list[Outgoing]:
        return await t.decide_geen_casus(a, s.answers["advies"], s.now, s.today)

    async def onduidelijk(t: TriageService, a: Aanmelding, s: Submission) -> list[Outgoing]:
        return await t.decide_onduidelijk(a, s.answers["vraag"], s.now)

    async def casusoverleg(t: TriageService, a: Aanmelding, s: Submission) -> list[Outgoing]:
        answers = s.answers
        return await t.decide_casusoverleg(
            a, answers["doel"], answers["themas"], answers["partners"], s.now, s.today
        )

    return [
        FormSpec(GEEN_CASUS, _organisations, _decision(triage, geen_casus)),
        FormSpec(ONDUIDELIJK, _organisations, _decision(triage, onduidelijk)),
        FormSpec(CASUSOVERLEG, _organisations, _decision(triage, casusoverleg)),
    ]


async def _regie_reply(ctx: CommandContext, text: Notice) -> None:
    """Triage details only in the procesregie room or the caller's own chat."""
    if ctx.incoming.room_id == ctx.triage.procesregie_room:
        audience = frozenset(
            m.matrix_id for m in await TriageService(ctx.session, ctx.triage).regie_members()
        )
    elif ctx.incoming.room_members <= 2:
        audience = frozenset({ctx.caller.matrix_id})
    else:
        raise UserError("Triagegegevens deel ik alleen in de procesregiekamer of in je eigen "
                        "chat met mij.")  # fmt: skip
    ctx.outgoing.append(Outgoing(ctx.incoming.room_id, text, True, audience))


def register(registry: CommandRegistry) -> None:
    @registry.command(
        "verrijk", action=Action.TRIAGE, usage=VERRIJK,
        summary="partners om informatie vragen voor de triage",
    )  # fmt: skip
    async def verrijk(ctx: CommandContext, args: list[str]) -> None:
        if not args:
            raise UserError(f"Gebruik: {VERRIJK}")
        service = TriageService(ctx.session, ctx.triage)
        aanmelding = await service.find_in_triage(args[0])
        names = await service.org_names()
        options = [Option(key, name) for key, name in names.items()]
        suggested = await service.suggested_partners(aanmelding)
        if len(args) == 1:
            marked = [Option(o.key, o.label + (" (voorgesteld)" if o.key in suggested else ""))
                      for o in options]  # fmt: skip
            ctx.reply(notice(
                Paragraph(f"Wie vraag je om verrijking voor {aanmelding.reference}?"),
                Paragraph(option_list(marked)),
                Paragraph("Typ ", Code(f"verrijk {aanmelding.reference} standaard"),
                          " voor de voorgestelde, of bijvoorbeeld ",
                          Code(f"verrijk {aanmelding.reference} 1 3"), "."),
            ))  # fmt: skip
            return
        rest = " ".join(args[1:])
        keys = suggested if rest.strip().lower() == "standaard" else parse_choices(rest, options)
        if not keys:
            raise UserError("Kies minstens één organisatie.")
        asked, outgoing = await service.ask(aanmelding, keys, ctx.clock.now(), ctx.caller.matrix_id)
        ctx.outgoing.extend(outgoing)
        already = [names[k] for k in keys if k not in asked]
        parts = []
        if asked:
            parts.append("Gevraagd: " + ", ".join(names[k] for k in asked) + ".")
        if already:
            parts.append("Al gevraagd: " + ", ".join(already) + ".")
        ctx.reply(text_notice(f"{aanmelding.reference}: " + " ".join(parts)))

    @registry.command(
        "triage", action=Action.TRIAGE, usage="triage [KENMERK]",
        summary="de stand van de triage (zonder kenmerk: alle open aanmeldingen)",
    )  # fmt: skip
    async def triage(ctx: CommandContext, args: list[str]) -> None:
        service = TriageService(ctx.session, ctx.triage)
        if args:
            aanmelding = await service.find(args[0])
            await _regie_reply(ctx, await service.state(aanmelding))
            await AuditRepository(ctx.session).add(
                ctx.clock.now(), "viewed", ctx.caller.matrix_id, aanmelding.reference,
                {"what": "triage", "fields": ["verrijking"], "room": ctx.incoming.room_id},
                phase="triage",
            )  # fmt: skip
            return
        ctx.reply(await agenda(ctx.session, ctx.triage))

    @registry.command(
        "besluit", action=Action.TRIAGE, usage=BESLUIT,
        summary="de uitkomst van de triage vastleggen",
    )  # fmt: skip
    async def besluit(ctx: CommandContext, args: list[str]) -> None:
        if len(args) < 2:
            raise UserError(f"Gebruik: {BESLUIT}")
        outcome = "-".join(args[1:]).lower()
        if outcome not in OUTCOME_LABELS:
            raise UserError(f"Onbekende uitkomst. Gebruik: {BESLUIT}")
        service = TriageService(ctx.session, ctx.triage)
        aanmelding = await service.find_in_triage(args[0])
        if outcome == "casus-zonder-overleg":
            ctx.outgoing.extend(await service.decide_zonder_overleg(
                aanmelding, ctx.clock.now(), ctx.clock.now().astimezone(ctx.clock.zone).date()
            ))  # fmt: skip
            await _decided(ctx.session, ctx.caller.matrix_id, aanmelding.reference, outcome,
                           ctx.clock.now())  # fmt: skip
            return
        form = {"geen-casus": GEEN_CASUS, "onduidelijk": ONDUIDELIJK,
                "casusoverleg": CASUSOVERLEG}[outcome]  # fmt: skip
        room = await ctx.questions_room()
        conversations = ConversationService(ctx.session, ctx.clock, ctx.forms)
        ctx.outgoing.extend(
            await conversations.start(form.name, ctx.caller, room, aanmelding.reference)
        )


async def agenda(session: AsyncSession, triage: TriageConfig) -> Notice:
    """Every aanmelding awaiting a decision, with its verrijking; references only."""
    aanmeldingen = await AanmeldingRepository(session).in_triage()
    if not aanmeldingen:
        return text_notice("Er staan geen aanmeldingen open voor de triage.")
    requests = VerrijkingRepository(session)
    rows = []
    for aanmelding in aanmeldingen:
        asked = await requests.for_aanmelding(aanmelding.id)
        answered = sum(1 for r in asked if r.status == "beantwoord")
        waiting = sum(1 for r in asked if r.status == "open")
        rows.append((
            aanmelding.reference,
            aanmelding.urgentie,
            OUTCOME_LABELS.get(aanmelding.triage_status, "open"),
            f"{answered} beantwoord, {waiting} wacht" if asked else "nog niet gevraagd",
        ))  # fmt: skip
    return notice(
        Paragraph(Bold("Triage-agenda"), f" — {len(rows)} open"),
        Table(("kenmerk", "urgentie", "stand", "verrijking"), tuple(rows)),
        Paragraph("Details: ", Code("triage KENMERK"), "."),
    )
