"""Aanmelding en intake (DOMAIN.md phase 1): a partner puts a case forward in a guided chat."""

from __future__ import annotations

from handlers.aanmelding.commands import AanmeldingCommands
from handlers.aanmelding.forms import INTAKE, option_lists
from handlers.aanmelding.personen import form_spec as persoon_form
from handlers.aanmelding.service import submit
from handlers.commands import commands_of
from handlers.conversation.service import FormSpec, Submission
from handlers.feature import Feature
from handlers.house import House
from handlers.messages import Outgoing


def form_specs(house: House) -> tuple[FormSpec, ...]:
    """The intake forms (the aanmelding, and nazorg's) with the house's wording (KeyError: a
    prompt for an unknown question)."""

    async def submit_aanmelding(submission: Submission) -> list[Outgoing]:
        return await submit(submission, house)

    return tuple(
        FormSpec(form.with_prompts(house.prompts.get(name, {})), option_lists, submit_aanmelding)
        for name, form in INTAKE.items()
    )


def feature(house: House) -> Feature:
    return Feature(
        "aanmelding",
        commands_of(AanmeldingCommands(house)),
        (*form_specs(house), persoon_form(house)),
    )
