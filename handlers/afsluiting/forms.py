"""The close of a casus as a short form in the procesregisseur's own chat: why it closes (a
short list) and whether the agreed interventions worked. Both are stored without personal
data, so the figures count them after the casus itself is gone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from handlers.afsluiting.service import ROUTES, close, running_casus
from handlers.afsluiting.texts import EVALUATIE_LABELS, UITKOMST_LABELS, recorded
from handlers.conversation.choices import Option, parse_choice
from handlers.conversation.form import Form, FormContext, Step
from handlers.conversation.parsing import format_date
from handlers.conversation.service import FormSpec, Submission
from handlers.house import House
from handlers.messages import Outgoing
from handlers.vocabulary import Evaluatie, Uitkomst
from storage.unit import Unit

FORM_NAME = "afsluiting"
EVALUATIES = tuple(Option(key.value, label) for key, label in EVALUATIE_LABELS.items())


def _uitkomst(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> str:
    return parse_choice(text, ctx.option_lists["uitkomsten"])


def _show_uitkomst(value: Any, ctx: FormContext) -> str:
    labels = {o.key: o.label for o in ctx.option_lists.get("uitkomsten", ())}
    return labels.get(value, str(value)) if value else "—"


def _evaluatie(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> str:
    return parse_choice(text, EVALUATIES)


def _show(labels: Mapping[Any, str]) -> Any:
    def show(value: Any, ctx: FormContext) -> str:
        return labels.get(value, str(value)) if value else "—"

    return show


CLOSING = Form(
    name=FORM_NAME,
    title="afsluiting",
    intro="Twee korte vragen; wat je kiest, telt mee in de jaarcijfers (zonder persoonsgegevens).",
    steps=(
        Step("uitkomst", "uitkomst", "Waarom sluit de casus? Geef het nummer.", _uitkomst,
             show=_show_uitkomst,
             options="uitkomsten", aliases=("reden",)),
        Step("evaluatie", "evaluatie", "Hebben de afgesproken interventies gewerkt?",
             _evaluatie, optional=True,
             show=_show({Evaluatie(k): v for k, v in EVALUATIE_LABELS.items()}),
             options="evaluaties"),
    ),
    done_prompt="Klopt het? Typ bevestig om het vast te leggen.",
)  # fmt: skip


def form_spec(house: House) -> FormSpec:
    async def submit(s: Submission) -> list[Outgoing]:
        aanmelding = await running_casus(s.unit, house, s.reference)
        outcome = Uitkomst(s.answers["uitkomst"])
        evaluation = Evaluatie(s.answers.get("evaluatie") or Evaluatie.ONBEKEND)
        route = ROUTES[aanmelding.triage_status]
        outgoing = await close(
            s.unit, house, aanmelding, outcome, evaluation, s.caller.matrix_id, s.now, s.today
        )
        done = recorded(aanmelding.reference, route, format_date(s.today))
        return [*outgoing, Outgoing(s.room_id, done)]

    uitkomsten = tuple(
        Option(key.value, house.words.fill(label)) for key, label in UITKOMST_LABELS.items()
    )

    async def options(unit: Unit, subject: str | None) -> Mapping[str, Sequence[Option]]:
        return {"uitkomsten": uitkomsten, "evaluaties": EVALUATIES}

    return FormSpec(CLOSING, options, submit)
