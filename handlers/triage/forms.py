"""The triage's forms: a partner's answer to a verrijkingsverzoek, and the follow-up
questions of each decision (asked in the procesregisseur's own chat with the bot)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from handlers.conversation.choices import Option, parse_choice, parse_choices, parse_yes_no
from handlers.conversation.form import Form, FormContext, FreeText, Step
from handlers.conversation.service import FormSpec, OptionLoader, Submission, Submitter
from handlers.errors import UserError
from handlers.house import House
from handlers.messages import Outgoing
from handlers.triage.service import TriageService
from handlers.triage.verrijking import answer, record_for_partner
from handlers.vocabulary import AuditKind, Phase
from storage.models import Aanmelding
from storage.unit import Unit

VERRIJKING_FORM = "verrijking"


def _yes_no(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> bool:
    return parse_yes_no(text)


def _show_yes_no(value: Any, ctx: FormContext) -> str:
    return "ja" if value else "nee"


def _participants(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> list[str]:
    chosen = parse_choices(text, ctx.option_lists["organisaties"])
    if not chosen:
        raise UserError("Er zijn deelnemers nodig: kies minstens één organisatie.")
    return chosen


def _show_orgs(value: Any, ctx: FormContext) -> str:
    names = {o.key: o.label for o in ctx.option_lists.get("organisaties", ())}
    return ", ".join(names.get(k, k) for k in value)


ANSWER = Form(
    name=VERRIJKING_FORM,
    title="antwoord op het verzoek om informatie",
    intro="Je beantwoordt het verzoek om informatie voor de {triage}. Drie korte vragen.",
    steps=(
        Step("bekend", "bekend", "Is de persoon uit het verzoek bij jouw organisatie bekend? "
             "(ja of nee)", _yes_no, show=_show_yes_no),
        Step("informatie", "informatie", "Wat is relevant voor de {triage}? Deel alleen wat "
             "nodig is om te beoordelen of dit een casus voor {huis} is.",
             FreeText(4000, "bericht"),
             when=lambda a: a.get("bekend") is True),
        Step("delen_vooraf", "vooraf delen", "Mag deze informatie vóór een eventueel "
             "{casusoverleg} gedeeld worden met de deelnemers? (ja of nee; zonder ja ziet "
             "alleen de {procesregie} het)", _yes_no, show=_show_yes_no,
             when=lambda a: a.get("bekend") is True,
             aliases=("delen",)),
    ),
    done_prompt="Klopt het? Typ bevestig om je antwoord te versturen.",
)  # fmt: skip

RECORDED_FORM = "verrijking-vastleggen"
VIA = (Option("telefoon", "telefonisch"), Option("mail", "per mail"),
       Option("anders", "anders (bijvoorbeeld in een overleg)"))  # fmt: skip


def _via(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> str:
    return parse_choice(text, VIA)


def _show_via(value: Any, ctx: FormContext) -> str:
    return {o.key: o.label for o in VIA}.get(value, str(value))


# The procesondersteuner records what a partner told them (Kennemerland Bijlage 3).
RECORDED = Form(
    name=RECORDED_FORM,
    title="antwoord van een partner vastleggen",
    intro="Je legt het antwoord van een partner op het verzoek om informatie vast, zoals de "
          "partner het gaf. Het wordt gemarkeerd als door jou vastgelegd.",
    steps=(
        Step("via", "ontvangen", "Hoe kwam het antwoord binnen? (telefonisch, per mail of "
             "anders)", _via, show=_show_via, options="via", aliases=("via",)),
        Step("bekend", "bekend", "Is de persoon volgens de partner bij hen bekend? (ja of nee)",
             _yes_no, show=_show_yes_no),
        *ANSWER.steps[1:2],
        Step("delen_vooraf", "vooraf delen", "Gaf de partner toestemming om het vóór een "
             "{casusoverleg} met de deelnemers te delen? (ja of nee; zonder ja ziet alleen de "
             "{procesregie} het)", _yes_no, show=_show_yes_no,
             when=lambda a: a.get("bekend") is True, aliases=("delen",)),
    ),
    done_prompt="Klopt het? Typ bevestig om het antwoord vast te leggen.",
)  # fmt: skip

GEEN_CASUS = Form(
    name="besluit-geen-casus", title="besluit 'geen casus'",
    intro="Besluit: geen casus voor {huis}. Na bevestigen krijgt de aanmelder je advies en "
          "verwijder ik alle persoonsgegevens van deze aanmelding en de verrijking.",
    steps=(Step("advies", "advies", "Welk advies krijgt de aanmelder?", FreeText(2000)),),
    done_prompt="Typ bevestig om het besluit vast te leggen.",
)  # fmt: skip
ONDUIDELIJK = Form(
    name="besluit-onduidelijk", title="besluit 'nog onduidelijk'",
    intro="Besluit: nog onduidelijk. De aanmelding blijft op de {triage}-agenda.",
    steps=(Step("vraag", "open vraag", "Wat ontbreekt er nog? Die vraag gaat naar de aanmelder.",
                FreeText(2000)),),
    done_prompt="Typ bevestig om het besluit vast te leggen.",
)  # fmt: skip
CASUSOVERLEG = Form(
    name="besluit-casusoverleg", title="besluit '{casusoverleg}'",
    intro="Besluit: casus voor {casusoverleg}. Leg doel, thema's en deelnemers vast; alleen "
          "partners die rechtmatig mogen deelnemen (doelbinding).",
    steps=(
        Step("doel", "doel", "Wat is het doel van {het casusoverleg}?", FreeText(2000)),
        Step("themas", "thema's", "Welke thema's komen aan bod?", FreeText(2000),
             aliases=("themas", "thema")),
        Step("partners", "deelnemers", "Welke organisaties worden uitgenodigd? Geef nummers "
             "of codes.", _participants, show=_show_orgs, options="organisaties",
             aliases=("partners",)),
    ),
    done_prompt="Typ bevestig om het besluit vast te leggen.",
)  # fmt: skip


async def _no_options(unit: Unit, subject: str | None) -> dict[str, list[Option]]:
    return {}


def _organisations(house: House) -> OptionLoader:
    """The organisations that may take part: of the casus's tafel's partner set."""

    async def load(unit: Unit, subject: str | None) -> dict[str, Sequence[Option]]:
        names = await unit.organisations.names()
        casus = await unit.aanmeldingen.by_reference(subject) if subject else None
        tafel = house.tafel(casus.tafel if casus else None)
        return {"organisaties": [Option(key, name) for key, name in names if tafel.in_set(key)]}

    return load


Decide = Callable[[TriageService, Aanmelding, Submission], Awaitable[list[Outgoing]]]


async def record_decision(unit: Unit, actor: str, aanmelding: Aanmelding, now: datetime) -> None:
    await unit.audit.add(
        now, AuditKind.DECIDED, actor, aanmelding.reference,
        {"outcome": aanmelding.triage_status.value, "tafel": aanmelding.tafel,
         "uitkomst": aanmelding.triage_uitkomst or aanmelding.triage_status.value},
        phase=Phase.TRIAGE,
    )  # fmt: skip


def _decision(house: House, decide: Decide) -> Submitter:
    async def submit(submission: Submission) -> list[Outgoing]:
        service = TriageService(submission.unit, house)
        aanmelding = await service.find_in_triage(submission.reference)
        outgoing = await decide(service, aanmelding, submission)
        await record_decision(submission.unit, submission.caller.matrix_id, aanmelding,
                              submission.now)  # fmt: skip
        return outgoing

    return submit


async def _geen_casus(t: TriageService, a: Aanmelding, s: Submission) -> list[Outgoing]:
    return await t.decide_geen_casus(a, s.answers["advies"], s.now, s.today)


async def _onduidelijk(t: TriageService, a: Aanmelding, s: Submission) -> list[Outgoing]:
    return await t.decide_onduidelijk(a, s.answers["vraag"], s.now)


async def _casusoverleg(t: TriageService, a: Aanmelding, s: Submission) -> list[Outgoing]:
    answers = s.answers
    return await t.decide_casusoverleg(
        a, answers["doel"], answers["themas"], answers["partners"], s.now, s.today
    )


async def _via_options(unit: Unit, subject: str | None) -> Mapping[str, Sequence[Option]]:
    return {"via": VIA}


def form_specs(house: House) -> list[FormSpec]:
    async def submit_answer(submission: Submission) -> list[Outgoing]:
        return await answer(submission, house)

    async def submit_recorded(submission: Submission) -> list[Outgoing]:
        return await record_for_partner(submission, house)

    return [
        FormSpec(ANSWER, _no_options, submit_answer),
        FormSpec(RECORDED, _via_options, submit_recorded),
        FormSpec(GEEN_CASUS, _organisations(house), _decision(house, _geen_casus)),
        FormSpec(ONDUIDELIJK, _organisations(house), _decision(house, _onduidelijk)),
        FormSpec(CASUSOVERLEG, _organisations(house), _decision(house, _casusoverleg)),
    ]
