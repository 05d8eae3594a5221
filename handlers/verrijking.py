"""A partner answers a verrijkingsverzoek: known or not, what is relevant, may it be shared.

The contact types ``beantwoord ZVH-2026-0042`` in their direct chat with the bot and answers
three short questions. The first contact of the organisation to confirm closes the request
for it; colleagues are told. The answer goes to the procesregie only. Whether it may be
shown to the participants of a casusoverleg beforehand is the supplying partner's choice
(Gelderland-Midden art. 12.2f / 13.2d); without an explicit yes it is not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.commands import CommandContext, CommandRegistry
from handlers.conversation.engine import Form, FormContext, Step
from handlers.conversation.parsing import Option, parse_text, parse_yes_no
from handlers.conversation.service import ConversationService, FormSpec, Submission
from handlers.errors import UserError
from handlers.messages import Bold, Outgoing, Paragraph, notice
from handlers.policy import Action
from handlers.triage import TriageConfig, TriageService
from storage.casus import AuditRepository
from storage.repositories import VerrijkingRepository

FORM_NAME = "verrijking"


def _yes_no(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> bool:
    return parse_yes_no(text)


def _show_yes_no(value: Any, ctx: FormContext) -> str:
    return "ja" if value else "nee"


def _info(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> str:
    return parse_text(text, 4000, "bericht")


VERRIJKING_FORM = Form(
    name=FORM_NAME,
    title="antwoord op het verzoek om informatie",
    intro="Je beantwoordt het verzoek om informatie voor de triage. Drie korte vragen.",
    steps=(
        Step("bekend", "bekend", "Is de persoon uit het verzoek bij jouw organisatie bekend? "
             "(ja of nee)", _yes_no, show=_show_yes_no),
        Step("informatie", "informatie", "Wat is relevant voor de triage? Deel alleen wat nodig "
             "is om te beoordelen of dit een casus voor het ZVH is.", _info,
             when=lambda a: a.get("bekend") is True, depends_on="bekend"),
        Step("delen_vooraf", "vooraf delen", "Mag deze informatie vóór een eventueel "
             "casusoverleg gedeeld worden met de deelnemers? (ja of nee; zonder ja ziet "
             "alleen de procesregie het)", _yes_no, show=_show_yes_no,
             when=lambda a: a.get("bekend") is True, depends_on="bekend",
             aliases=("delen",)),
    ),
    done_prompt="Klopt het? Typ bevestig om je antwoord te versturen.",
)  # fmt: skip


async def _no_options(session: AsyncSession, subject: str | None) -> dict[str, list[Option]]:
    return {}


def form_spec(triage: TriageConfig) -> FormSpec:
    async def submit_answer(submission: Submission) -> list[Outgoing]:
        session, caller, answers, now = (
            submission.session,
            submission.caller,
            submission.answers,
            submission.now,
        )
        room_id, subject = submission.room_id, submission.reference
        service = TriageService(session, triage)
        aanmelding = await service.find(subject)
        request = await VerrijkingRepository(session).get(aanmelding.id, caller.organisation_key)
        if request is None or request.status == "ingetrokken":
            raise UserError(
                f"Het verzoek over {subject} is ingetrokken; je hoeft niet te antwoorden."
            )
        if request.status == "beantwoord":
            # First answer wins: a colleague was quicker.
            return [Outgoing(room_id, notice(Paragraph(
                f"Je collega heeft het verzoek over {subject} al beantwoord; "
                "jouw antwoord is niet nodig en niet bewaard."
            )))]  # fmt: skip
        bekend = bool(answers.get("bekend"))
        request.status = "beantwoord"
        request.answered_by = caller.matrix_id
        request.answered_at = now
        request.bekend = bekend
        request.informatie = answers.get("informatie") if bekend else None
        request.delen_vooraf = bool(answers.get("delen_vooraf")) if bekend else False
        await session.flush()

        outgoing = [Outgoing(room_id, notice(Paragraph(
            f"Dank je, je antwoord over {subject} is naar de procesregie gestuurd."
        )))]  # fmt: skip
        for colleague in await service.contacts(caller.organisation_key):
            if colleague.matrix_id != caller.matrix_id and colleague.dm_room_id:
                outgoing.append(Outgoing(colleague.dm_room_id, notice(Paragraph(
                    f"Het verzoek om informatie over {subject} is beantwoord door een "
                    "collega; je hoeft niets meer te doen."
                ))))  # fmt: skip
        answer = [
            Paragraph(
                Bold(f"Verrijking {subject}"),
                f" van {caller.organisation_name}: ",
                "bekend" if bekend else "niet bekend",
            )
        ]
        if bekend:
            answer.append(Paragraph(request.informatie or ""))
            answer.append(Paragraph(
                "Mag vooraf gedeeld worden met de deelnemers van een casusoverleg."
                if request.delen_vooraf else "Alleen voor de procesregie (niet vooraf delen)."
            ))  # fmt: skip
        outgoing += await service.to_procesregie(notice(*answer))
        await AuditRepository(session).add(now, "answered", caller.matrix_id, subject, {
            "organisation": caller.organisation_key, "fields": ["bekend", "informatie"],
            "delen_vooraf": request.delen_vooraf,
        }, phase="triage")  # fmt: skip
        await service.disclosed(
            caller.matrix_id,
            subject,
            "verrijking-antwoord",
            ["informatie"],
            [m.matrix_id for m in await service.regie_members()],
            now,
        )
        return outgoing

    return FormSpec(VERRIJKING_FORM, _no_options, submit_answer)


def register(registry: CommandRegistry) -> None:
    @registry.command(
        "beantwoord", action=Action.ANSWER_VERRIJKING, usage="beantwoord KENMERK",
        summary="een verzoek om informatie voor de triage beantwoorden",
    )  # fmt: skip
    async def beantwoord(ctx: CommandContext, args: list[str]) -> None:
        if len(args) != 1:
            raise UserError("Gebruik: beantwoord KENMERK (bijvoorbeeld beantwoord ZVH-2026-0042)")
        if ctx.incoming.room_members > 2:
            raise UserError("Antwoorden kan alleen in je eigen chat met mij, niet in een groep.")
        service = TriageService(ctx.session, ctx.triage)
        # Whoever was not asked learns nothing about the case, not even whether it exists.
        not_for_you = UserError(
            f"Er staat voor jou geen verzoek om informatie open bij {args[0].upper()[:30]}."
        )
        try:
            aanmelding = await service.find(args[0])
        except UserError:
            raise not_for_you from None
        request = await VerrijkingRepository(ctx.session).get(
            aanmelding.id, ctx.caller.organisation_key
        )
        contacts = {c.matrix_id for c in await service.contacts(ctx.caller.organisation_key)}
        if request is None or ctx.caller.matrix_id not in contacts:
            raise not_for_you
        if request.status == "beantwoord":
            raise UserError(
                f"Het verzoek over {aanmelding.reference} is al beantwoord door je organisatie."
            )
        if request.status == "ingetrokken":
            raise UserError(f"Het verzoek over {aanmelding.reference} is ingetrokken.")
        conversations = ConversationService(ctx.session, ctx.clock, ctx.forms)
        ctx.outgoing.extend(await conversations.start(
            FORM_NAME, ctx.caller, ctx.incoming.room_id, aanmelding.reference
        ))  # fmt: skip
