"""Registering an AVG request as a short form in the registrar's own chat: who asks, when
it came in, and what they ask. One form per kind (``verzoek-inzage``, …); the casus
reference, when given, is the conversation's subject."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from handlers.conversation.choices import Option
from handlers.conversation.form import Form, FormContext, FreeText, Step
from handlers.conversation.parsing import format_date, parse_dutch_date
from handlers.conversation.service import FormSpec, Submission
from handlers.directory import Directory
from handlers.errors import UserError
from handlers.house import House
from handlers.messages import Outgoing
from handlers.rechten import texts
from handlers.rechten.register import register
from handlers.vocabulary import VerzoekSoort
from storage.unit import Unit

RELATIVE_DAYS = {"vandaag": 0, "gisteren": 1, "eergisteren": 2}


def form_name(soort: VerzoekSoort) -> str:
    return f"verzoek-{soort.value}"


def parse_received(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> date:
    """'vandaag', 'gisteren', or a date (in a sentence: 'kwam 2-12 per brief')."""
    word = text.strip().lower().rstrip(".")
    if word in RELATIVE_DAYS:
        return ctx.today - timedelta(days=RELATIVE_DAYS[word])
    received = parse_dutch_date(text, ctx.today, past=True)
    if received > ctx.today:
        raise UserError("Die datum ligt in de toekomst. Wanneer kwam het verzoek binnen?")
    return received


def as_date(value: date | str) -> date:
    """An answer as the form keeps it (persisted as JSON: an ISO date)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def show_date(value: Any, ctx: FormContext) -> str:
    return format_date(as_date(value))


QUESTIONS = {
    VerzoekSoort.KLACHT: "Waarover gaat de klacht? Kort, zonder BSN.",
    VerzoekSoort.CORRECTIE: "Wat is volgens de betrokkene onjuist, en wat moet het zijn?",
}


def request_form(soort: VerzoekSoort) -> Form:
    return Form(
        name=form_name(soort),
        title=f"verzoek {texts.SOORT_LABELS[soort]}",
        intro="Drie korte vragen; wat je typt, staat versleuteld in het register.",
        steps=(
            Step("betrokkene", "betrokkene",
                 "Wie doet het verzoek? Naam en geboortedatum, zoals de betrokkene ze gaf.",
                 FreeText(200, "betrokkene"), aliases=("naam",)),
            Step("ontvangen", "ontvangen", "Wanneer kwam het binnen? Typ vandaag, gisteren of "
                 "een datum.", parse_received, show=show_date, aliases=("datum",)),
            Step("omschrijving", "vraag",
                 QUESTIONS.get(soort, "Wat vraagt de betrokkene precies? (Of typ overslaan.)"),
                 FreeText(500, "omschrijving"), optional=soort not in QUESTIONS,
                 aliases=("omschrijving",)),
        ),
        done_prompt="Klopt het? Typ bevestig om het te registreren.",
    )  # fmt: skip


async def _options(unit: Unit, subject: str | None) -> Mapping[str, Sequence[Option]]:
    return {}


def form_spec(house: House, soort: VerzoekSoort) -> FormSpec:
    async def submit(s: Submission) -> list[Outgoing]:
        done = await register(
            s.unit, house, soort, s.subject, s.answers["betrokkene"],
            s.answers.get("omschrijving"), as_date(s.answers["ontvangen"]), s.caller.matrix_id,
            s.caller.organisation_key, s.now,
        )  # fmt: skip
        names = await Directory(s.unit, house).names([done.verzoek.handler])
        handler = names.person(done.verzoek.handler) if done.verzoek.handler else "niemand"
        routed = names.organisation(done.routed_to) if done.routed_to else None
        reply = texts.registered(done.verzoek, handler, routed, house.words)
        return [*done.outgoing, Outgoing(s.room_id, reply)]

    return FormSpec(request_form(soort), _options, submit)


def form_specs(house: House) -> list[FormSpec]:
    return [form_spec(house, soort) for soort in VerzoekSoort]
