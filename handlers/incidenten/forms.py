"""``incident melden`` as a short form in the reporter's own chat: what happened (a short
list) and a description. The casus reference, when given, is the conversation's subject."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from handlers.access import INCIDENT_ROLES
from handlers.conversation.choices import Option, parse_choice
from handlers.conversation.form import Form, FormContext, FreeText, Step
from handlers.conversation.service import FormSpec, Submission
from handlers.directory import Directory
from handlers.house import House
from handlers.incidenten import texts
from handlers.incidenten.register import MAX_TEXT, record
from handlers.messages import Outgoing, register_reference
from handlers.vocabulary import IncidentSoort
from storage.unit import Unit

FORM_NAME = "incident"
SOORTEN = tuple(Option(s.value, texts.SOORT_LABELS[s]) for s in texts.REPORTABLE)


def _soort(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> str:
    return parse_choice(text, SOORTEN)


def _show_soort(value: Any, ctx: FormContext) -> str:
    return texts.SOORT_LABELS.get(IncidentSoort(value), str(value)) if value else "—"


REPORT = Form(
    name=FORM_NAME,
    title="incident",
    intro="Goed dat je het meldt. Twee vragen; daarna hebben de {managers} het meteen.",
    steps=(
        Step("soort", "wat", "Wat is er gebeurd? Geef het nummer.", _soort, show=_show_soort,
             options="soorten", aliases=("soort",)),
        Step("omschrijving", "omschrijving",
             "Beschrijf kort wat er gebeurde, wanneer, en welke gegevens het betreft. Geen BSN.",
             FreeText(MAX_TEXT, "omschrijving")),
    ),
    done_prompt="Klopt het? Typ bevestig om het te melden.",
)  # fmt: skip


async def _options(unit: Unit, subject: str | None) -> Mapping[str, Sequence[Option]]:
    return {"soorten": SOORTEN}


def form_spec(house: House) -> FormSpec:
    async def submit(s: Submission) -> list[Outgoing]:
        incident = await record(
            s.unit, IncidentSoort(s.answers["soort"]), s.now, reported_by=s.caller.matrix_id,
            reference=s.subject, description=s.answers["omschrijving"],
        )  # fmt: skip
        directory = Directory(s.unit, house)
        reporter = await directory.person(s.caller.matrix_id)
        text = texts.reported_to_managers(incident, reporter, house.zone)
        # The description may name someone: only for each manager's eyes, taken back when
        # the register's retention clears it.
        told = [
            Outgoing(m.dm_room_id, text, True, frozenset({m.matrix_id}),
                     register_reference("incident", incident.id),
                     mentions=frozenset({m.matrix_id}))
            for m in await directory.with_roles(INCIDENT_ROLES)
            if m.dm_room_id and m.matrix_id != s.caller.matrix_id
        ]  # fmt: skip
        return [*told, Outgoing(s.room_id, texts.reported(incident, house.words))]

    return FormSpec(REPORT, _options, submit)
