"""The verslag of a casusoverleg (``overleg verslag``): a guided entry in the caller's own
chat with the bot: casusregisseur, the actions of the plan van aanpak (one per line), who
informs the client, the criteria for afschaling and the next overleg, if any."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from handlers import feiten
from handlers.casusoverleg.commands import VERSLAG_FORM, wall_clock
from handlers.casusoverleg.service import CasusoverlegService, partners_of
from handlers.conversation.choices import Option, parse_choice
from handlers.conversation.form import Form, FormContext, FreeText, Step
from handlers.conversation.parsing import format_moment, parse_appointment, parse_text
from handlers.conversation.service import FormSpec, OptionLoader, Submission
from handlers.errors import UserError
from handlers.house import House
from handlers.messages import Block, Outgoing, Paragraph, joined, notice, plural
from handlers.plan_van_aanpak.actions import (
    ACTION_EXAMPLE,
    ACTION_FORMAT,
    ActionLine,
    parse_actions,
    show_actions,
)
from handlers.plan_van_aanpak.service import PlanVanAanpak, notify_actions
from handlers.vocabulary import OverlegStatus
from storage.unit import Unit


def _casusregisseur(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> str:
    candidates = ctx.option_lists.get("kandidaten", ())
    cleaned = text.strip()
    if cleaned.startswith("@"):
        if any(o.key == cleaned for o in candidates):
            return cleaned
        raise UserError(
            f"{cleaned[:80]} neemt niet deel aan dit overleg. Kies een nummer uit de lijst."
        )
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


# The verslag's questions (templates: the feature fills in the house's words).
VERSLAG = Form(
    name=VERSLAG_FORM, title="verslag van {het casusoverleg}",
    intro="Verslag van {het casusoverleg}. Na bevestigen leg ik het plan van aanpak vast "
          "en krijgen de {casusregisseur} en iedere actiehouder hun acties.",
    steps=(
        Step("casusregisseur", "{casusregisseur}",
             "Wie is de {casusregisseur}? Geef het nummer of de naam.",
             _casusregisseur, options="kandidaten", aliases=("casusregisseur",)),
        Step("acties", "acties",
             f"Welke acties staan in het plan van aanpak? Eén actie per regel: "
             f"{ACTION_FORMAT} (Shift+Enter voor een nieuwe regel). Bijvoorbeeld: "
             f"{ACTION_EXAMPLE}",
             parse_actions, show=show_actions, aliases=("plan", "actie")),
        Step("informant", "informeert cliënt", "Wie informeert de cliënt over het plan?",
             FreeText(300), aliases=("informant", "client", "cliënt")),
        Step("criteria", "criteria afschaling",
             "Wanneer kan de casus worden afgeschaald (de criteria)?",
             FreeText(2000), aliases=("criteria", "afschaling")),
        Step("volgende", "volgend overleg",
             "Wanneer komt {het casusoverleg} weer bijeen (datum, tijd en eventueel "
             "locatie)?",
             _next_overleg, optional=True, show=_show_next, aliases=("vervolg",)),
    ),
    done_prompt="Typ bevestig om het verslag vast te leggen.",
    edit_example="acties",
)  # fmt: skip


def participant_options(house: House) -> OptionLoader:
    async def options(unit: Unit, subject: str | None) -> Mapping[str, Sequence[Option]]:
        """The participating organisations; who takes part in the overleg as candidates
        for casusregisseur (by display name and organisation); every member of a
        participating organisation as a possible action owner."""
        aanmelding = await unit.aanmeldingen.by_reference(subject or "")
        if aanmelding is None:
            return {"deelnemers": [], "kandidaten": [], "leden": [], "namen": []}
        service = CasusoverlegService(unit, house)
        directory = service.directory
        names = await directory.organisation_names()
        keys = [key for key in partners_of(aanmelding) if key in names]
        members = [m for key in keys for m in await directory.members_of(key)]
        taking_part = (await service.participants(aanmelding)).members
        candidates = [m for m in members if m.matrix_id in taking_part]
        regie = [
            await directory.find(m) for m in sorted(taking_part - {c.matrix_id for c in members})
        ]
        candidates += [m for m in regie if m is not None]
        return {
            "deelnemers": [Option(key, names[key]) for key in keys],
            "kandidaten": [
                Option(m.matrix_id, f"{m.person.name} ({m.organisation_name})") for m in candidates
            ],
            "leden": [Option(m.matrix_id, m.organisation_key) for m in members],
            "namen": [Option(m.matrix_id, m.person.name) for m in members],
        }

    return options


def verslag_spec(house: House) -> FormSpec:
    words = house.words

    async def submit(s: Submission) -> list[Outgoing]:
        service = CasusoverlegService(s.unit, house)
        aanmelding = await service.find_casus(s.reference)
        overleg = await s.unit.overleggen.upcoming(aanmelding.id)
        if overleg is None:
            raise UserError(f"Voor {aanmelding.reference} staat geen {words.casusoverleg} open.")
        answers = s.answers
        volgende = answers.get("volgende")
        overleg.status = OverlegStatus.GEHOUDEN
        await feiten.overleg_gehouden(s.unit, aanmelding, overleg, s.today, house.zone)
        aanmelding.casusregisseur = answers["casusregisseur"]
        aanmelding.client_informant = answers["informant"]
        aanmelding.afschaling_criteria = answers["criteria"]
        plan = PlanVanAanpak(s.unit, aanmelding)
        added = [await plan.add(ActionLine.from_json(item), s.now) for item in answers["acties"]]
        outgoing: list[Outgoing] = []
        if volgende:
            when = wall_clock(
                date.fromisoformat(volgende["day"]), time.fromisoformat(volgende["time"]), house
            )
            service.check_moment(when, s.now)
            _, invitation = await service.plan(
                aanmelding, when, volgende["locatie"], s.caller, s.now
            )
            outgoing += invitation
        else:
            await service.describe_room(aanmelding, None, "plan van aanpak in uitvoering", s.now)
        told, unreachable = await notify_actions(
            service.directory, aanmelding, added, s.caller.matrix_id, s.now,
            f"Je bent {words.casusregisseur} voor {aanmelding.reference}",
        )  # fmt: skip
        outgoing += told
        blocks: list[Block] = [Paragraph(
            f"Verslag {aanmelding.reference} vastgelegd: "
            f"{plural(len(added), 'actie', 'acties')}; de {words.casusregisseur} en de "
            "actiehouders hebben hun acties gekregen."
        )]  # fmt: skip
        if unreachable:
            names = await service.directory.names(sorted(set(unreachable)))
            blocks.append(Paragraph(
                "Nog geen chat met mij, dus niet ingelicht: ",
                *joined([names.person(m) for m in sorted(set(unreachable))]),
                ". Laat hen een chat met mij starten of licht hen zelf in.",
            ))  # fmt: skip
        outgoing.append(Outgoing(s.room_id, notice(*blocks)))
        return outgoing

    return FormSpec(VERSLAG, participant_options(house), submit)
