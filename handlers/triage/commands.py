"""The triage's commands: verrijk, triage and besluit for the procesregie (with follow-up
questions in the procesregisseur's own chat), and beantwoord for a partner's contact."""

from __future__ import annotations

from handlers.access import Action, chairs_overleg
from handlers.arguments import KENMERK, ORGANISATIECODE, kenmerk
from handlers.commands import Arg, CommandContext, command
from handlers.conversation.choices import Option, option_list, parse_choices
from handlers.errors import UserError
from handlers.house import House
from handlers.messages import Bold, Code, Notice, Outgoing, Paragraph, notice, text_notice
from handlers.tafels import NATIONAL_OUTCOMES, Besluit, Tafel
from handlers.triage.forms import (
    CASUSOVERLEG,
    GEEN_CASUS,
    ONDUIDELIJK,
    RECORDED_FORM,
    VERRIJKING_FORM,
    record_decision,
)
from handlers.triage.service import TriageService
from handlers.triage.texts import agenda, outcome_choices, outcome_label, said
from handlers.triage.verrijking import ask, recorded_subject
from handlers.vocabulary import AuditKind, Phase, TriageStatus, VerrijkingStatus
from handlers.wording import Wording

BESLUIT = "besluit KENMERK {uitkomsten} [toch]"
FORMS = {
    TriageStatus.GEEN_CASUS: GEEN_CASUS,
    TriageStatus.ONDUIDELIJK: ONDUIDELIJK,
    TriageStatus.CASUSOVERLEG: CASUSOVERLEG,
}


def _outcome(text: str, words: Wording, tafel: Tafel) -> tuple[Besluit, bool]:
    """'casus zonder overleg' or 'casus-zonder-overleg' (or the house's word: 'casus zonder
    mdo', 'mdo'; or a tafel's own: 'zsm-advies', 'ZSM advies'), and whether 'toch'
    follows."""
    typed = text.lower().split()
    toch = bool(typed) and typed[-1] == "toch"
    key = "-".join(typed[:-1] if toch else typed)
    house_word = words.command("overleg")
    synonyms = {house_word: "casusoverleg", f"casus-zonder-{house_word}": "casus-zonder-overleg",
                "overleg": "casusoverleg"}  # fmt: skip
    key = synonyms.get(key, key)
    for besluit in tafel.outcomes:
        if key in (besluit.key, "-".join(words.fill(besluit.label).lower().split())):
            return besluit, toch
    raise UserError(f"Onbekende uitkomst. {choices(words, tafel)}")


def choices(words: Wording, tafel: Tafel) -> str:
    """The outcomes of a tafel, as typed."""
    keys = " | ".join(said(b, words) for b in tafel.outcomes)
    return f"Kies uit: {keys} (besluit KENMERK UITKOMST)."


async def regie_audience(ctx: CommandContext, house: House) -> frozenset[str]:
    """Details of a casus are for the procesregie only: in its room or the caller's own
    chat (anywhere else: a UserError, before anything is done)."""
    if ctx.room_id == house.procesregie_room:
        regie = await TriageService(ctx.unit, house).directory.regie()
        return frozenset(m.matrix_id for m in regie)
    if ctx.in_direct_chat:
        return frozenset({ctx.caller.matrix_id})
    w = house.words
    raise UserError(f"Gegevens uit de {w.triage} deel ik alleen in de kamer van de "
                    f"{w.procesregie} of in je eigen chat met mij.")  # fmt: skip


async def regie_reply(ctx: CommandContext, house: House, text: Notice, reference: str) -> None:
    ctx.send(Outgoing(ctx.room_id, text, True, await regie_audience(ctx, house), reference))


class TriageCommands:
    def __init__(self, house: House) -> None:
        self.house = house

    async def _regie_reply(self, ctx: CommandContext, text: Notice, reference: str) -> None:
        await regie_reply(ctx, self.house, text, reference)

    @command(
        "verrijk", action=Action.TRIAGE,
        args=(KENMERK, Arg("keuze", "[standaard | organisaties of nummers]", rest=True,
                           optional=True)),
        usage="verrijk KENMERK [standaard | organisaties of nummers]",
        summary="partners om informatie vragen voor de {triage}",
    )  # fmt: skip
    async def verrijk(self, ctx: CommandContext, kenmerk: str, keuze: str | None) -> None:
        service = TriageService(ctx.unit, self.house)
        aanmelding = await service.find_in_triage(kenmerk)
        names = await service.org_names()
        tafel = self.house.tafel(aanmelding.tafel)
        options = [Option(key, name) for key, name in names.items() if tafel.in_set(key)]
        suggested = await service.suggested_partners(aanmelding)
        if keuze is None:
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
        keys = suggested if keuze.strip().lower() == "standaard" else parse_choices(keuze, options)
        if not keys:
            raise UserError("Kies minstens één organisatie.")
        asked, outgoing = await ask(service, aanmelding, keys, ctx.now, ctx.caller.matrix_id)
        ctx.send(*outgoing)
        already = [names[k] for k in keys if k not in asked]
        parts = []
        if asked:
            parts.append("Gevraagd: " + ", ".join(names[k] for k in asked) + ".")
        if already:
            parts.append("Al gevraagd: " + ", ".join(already) + ".")
        ctx.reply(text_notice(f"{aanmelding.reference}: " + " ".join(parts)))

    @command(
        "triage", action=Action.TRIAGE, args=(kenmerk(optional=True),),
        summary="de stand van de {triage} (zonder kenmerk: alle open aanmeldingen)",
    )  # fmt: skip
    async def triage(self, ctx: CommandContext, kenmerk: str | None) -> None:
        service = TriageService(ctx.unit, self.house)
        if kenmerk is None:
            ctx.reply(agenda(await service.agenda_rows(), self.house))
            return
        aanmelding = await service.find(kenmerk)
        await self._regie_reply(ctx, await service.state(aanmelding), aanmelding.reference)
        await ctx.unit.audit.add(
            ctx.now, AuditKind.VIEWED, ctx.caller.matrix_id, aanmelding.reference,
            {"what": "triage", "fields": ["verrijking"], "room": ctx.room_id},
            phase=Phase.TRIAGE,
        )  # fmt: skip

    @command(
        "besluit", action=Action.TRIAGE, usage=BESLUIT,
        args=(KENMERK, Arg("uitkomst", "UITKOMST", rest=True, optional=True)),
        summary="de uitkomst van de {triage} vastleggen",
    )  # fmt: skip
    async def besluit(self, ctx: CommandContext, kenmerk: str, uitkomst: str | None) -> None:
        service = TriageService(ctx.unit, self.house)
        aanmelding = await service.find_in_triage(kenmerk)
        tafel = self.house.tafel(aanmelding.tafel)
        if uitkomst is None:
            ctx.reply(outcome_choices(aanmelding.reference, tafel, self.house.words))
            return
        besluit, toch = _outcome(uitkomst, self.house.words, tafel)
        outcome = besluit.effect
        # The tafel's word for it: the decision's forms and texts read it from here.
        aanmelding.triage_uitkomst = besluit.key
        final = outcome is not TriageStatus.ONDUIDELIJK
        if final and not toch and (gemeente := await service.unheard_gemeente(aanmelding)):
            key, name = gemeente
            reference = aanmelding.reference
            ctx.reply(notice(
                Paragraph(f"{name} is nog niet gehoord over {reference}; de gemeente wordt "
                          "altijd geraadpleegd. Vraag het met ", Code(f"verrijk {reference} "
                          f"{key}"), ", of besluit toch: ",
                          Code(f"besluit {reference} {said(besluit, self.house.words)} toch"), "."),
            ))  # fmt: skip
            return
        if outcome is TriageStatus.ZONDER_OVERLEG:
            # The procesregisseur who decides supports the casus bilaterally.
            if aanmelding.procesregisseur is None and chairs_overleg(ctx.caller.role):
                aanmelding.procesregisseur = ctx.caller.matrix_id
            ctx.send(*await service.decide_zonder_overleg(aanmelding, ctx.now, ctx.today))
            await record_decision(ctx.unit, ctx.caller.matrix_id, aanmelding, ctx.now)
            return
        preface = ([] if besluit in NATIONAL_OUTCOMES else [Paragraph(
            Bold(f"Uitkomst: {self.house.words.fill(besluit.label)}"),
            f" (werkt als: {outcome_label(outcome, self.house.words)}).",
        )])  # fmt: skip
        await ctx.start_form(
            FORMS[outcome].name, ctx.questions_room(), aanmelding.reference, preface
        )

    @command(
        "verrijking vastleggen", action=Action.TRIAGE, args=(KENMERK, ORGANISATIECODE),
        example="verrijking vastleggen {kenmerk} politie",
        summary="het antwoord van een partner vastleggen dat telefonisch of per mail kwam",
    )  # fmt: skip
    async def vastleggen(self, ctx: CommandContext, kenmerk: str, organisatie: str) -> None:
        aanmelding = await TriageService(ctx.unit, self.house).find(kenmerk)
        request = await ctx.unit.verrijking.get(aanmelding.id, organisatie)
        if request is None or request.status is not VerrijkingStatus.OPEN:
            raise UserError(f"Er staat geen open verzoek bij {organisatie} over "
                            f"{aanmelding.reference}; vraag het eerst met verrijk.")  # fmt: skip
        subject = recorded_subject(aanmelding.reference, organisatie)
        await ctx.start_form(RECORDED_FORM, ctx.questions_room(), subject)

    @command(
        "beantwoord", action=Action.ANSWER_VERRIJKING, args=(Arg("kenmerk", "KENMERK"),),
        example="beantwoord {kenmerk}",
        summary="een verzoek om informatie voor de {triage} beantwoorden",
    )  # fmt: skip
    async def beantwoord(self, ctx: CommandContext, kenmerk: str) -> None:
        if not ctx.in_direct_chat:
            raise UserError("Antwoorden kan alleen in je eigen chat met mij, niet in een groep.")
        service = TriageService(ctx.unit, self.house)
        # Whoever was not asked learns nothing about the case, not even whether it exists.
        not_for_you = UserError(
            f"Er staat voor jou geen verzoek om informatie open bij {kenmerk.upper()[:30]}."
        )
        try:
            aanmelding = await service.find(kenmerk)
        except UserError:
            raise not_for_you from None
        request = await ctx.unit.verrijking.get(aanmelding.id, ctx.caller.organisation_key)
        contacts = await service.directory.contacts(ctx.caller.organisation_key, aanmelding.tafel)
        if request is None or ctx.caller.matrix_id not in {c.matrix_id for c in contacts}:
            raise not_for_you
        if request.status is VerrijkingStatus.BEANTWOORD:
            raise UserError(
                f"Het verzoek over {aanmelding.reference} is al beantwoord door je organisatie."
            )
        if request.status is VerrijkingStatus.INGETROKKEN:
            raise UserError(f"Het verzoek over {aanmelding.reference} is ingetrokken.")
        await ctx.start_form(VERRIJKING_FORM, ctx.room_id, aanmelding.reference)
