"""``tafel KENMERK TAFEL``: the procesregie moves an aanmelding to another tafel at the
triage (seeds 003 Bijlage 3, phase 1: "gezamenlijk wordt bepaald ... op welke casustafel de
casus wordt besproken"). Only in a house with several tafels."""

from __future__ import annotations

from handlers.access import Action
from handlers.arguments import KENMERK
from handlers.commands import Arg, CommandContext, command
from handlers.errors import UserError
from handlers.house import House
from handlers.messages import Bold, Paragraph, notice, text_notice
from handlers.triage.service import TriageService
from handlers.vocabulary import AuditKind, Phase, VerrijkingStatus


class TafelCommands:
    def __init__(self, house: House) -> None:
        self.house = house

    @command(
        "tafel", action=Action.TRIAGE, args=(KENMERK, Arg("tafel", "TAFEL", rest=True)),
        example="tafel {kenmerk} nazorg",
        summary="een aanmelding tijdens de {triage} naar een andere tafel verplaatsen",
    )  # fmt: skip
    async def tafel(self, ctx: CommandContext, kenmerk: str, tafel: str) -> None:
        words, tafels = self.house.words, self.house.tafels
        service = TriageService(ctx.unit, self.house)
        aanmelding = await service.find_in_triage(kenmerk)
        target = tafels.find(tafel, tafels.all)
        if target is None:
            keys = ", ".join(t.key for t in tafels.all)
            raise UserError(f"Onbekende tafel. Kies uit: {keys}.")
        reference, before = aanmelding.reference, aanmelding.tafel
        if target.key == before:
            raise UserError(f"{reference} staat al bij {words.tafel(before)}.")
        aanmelding.tafel, aanmelding.triage_uitkomst = target.key, None
        # Never mixed: who is outside the new tafel's partner set is asked no longer.
        withdrawn = []
        for request in await ctx.unit.verrijking.for_aanmelding(aanmelding.id):
            if request.status is VerrijkingStatus.OPEN and not target.in_set(
                request.organisation_key
            ):
                request.status = VerrijkingStatus.INGETROKKEN
                withdrawn.append(request.organisation_key)
                ctx.send(*await service.directory.to_contacts(request.organisation_key, notice(
                    Paragraph(f"Het verzoek om informatie over {reference} is ingetrokken; je "
                              "hoeft niet meer te antwoorden."),
                )))  # fmt: skip
        await ctx.unit.audit.add(
            ctx.now, AuditKind.TAFEL_CHANGED, ctx.caller.matrix_id, reference,
            {"from": before, "to": target.key, "withdrawn": withdrawn}, phase=Phase.TRIAGE,
        )  # fmt: skip
        told = await service.directory.to_own_chat(aanmelding.aanmelder_matrix_id, notice(
            Paragraph(f"Je aanmelding {reference} wordt nu gewogen bij ",
                      Bold(words.tafel(target.key)), f" (besloten door de {words.procesregie})."),
        ), reference)  # fmt: skip
        ctx.send(*([told] if told else []))
        names = await service.org_names()
        gone = ("; verzoek ingetrokken bij " + ", ".join(names.get(k, k) for k in withdrawn)
                if withdrawn else "")  # fmt: skip
        ctx.reply(text_notice(f"{reference} staat nu bij {words.tafel(target.key)}{gone}. "
                              f"De aanmelder is ingelicht."))  # fmt: skip
