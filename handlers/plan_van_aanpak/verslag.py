"""The verslag of a casusoverleg (``overleg verslag``): a guided entry in the caller's own
chat with the bot: casusregisseur, the actions of the plan van aanpak (one per line), who
informs the client, the criteria for afschaling and the next overleg, if any."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from handlers.casusoverleg.commands import VERSLAG_FORM, wall_clock
from handlers.casusoverleg.service import CasusoverlegService, partners_of
from handlers.conversation.form import Form, FormContext, Parser, Step
from handlers.conversation.parsing import (
    Option,
    format_moment,
    parse_appointment,
    parse_choice,
    parse_text,
)
from handlers.conversation.service import FormSpec, Submission
from handlers.errors import UserError
from handlers.house import House
from handlers.messages import Outgoing, Paragraph, notice
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
        raise UserError(f"{cleaned[:80]} is geen lid van een deelnemende organisatie.")
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


def _text(limit: int, what: str) -> Parser:
    def parse(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> str:
        return parse_text(text, limit, what)

    return parse


def verslag_form(house: House) -> Form:
    term, regisseur = house.words.casusoverleg, house.words.casusregisseur
    return Form(
        name=VERSLAG_FORM, title=f"verslag van het {term}",
        intro=f"Verslag van het {term}. Na bevestigen leg ik het plan van aanpak vast "
              f"en krijgen de {regisseur} en iedere actiehouder hun acties.",
        steps=(
            Step("casusregisseur", regisseur,
                 f"Wie is de {regisseur}? Geef het nummer of het Matrix-ID.",
                 _casusregisseur, options="kandidaten", aliases=("casusregisseur",)),
            Step("acties", "acties",
                 f"Welke acties staan in het plan van aanpak? Eén actie per regel: "
                 f"{ACTION_FORMAT} (Shift+Enter voor een nieuwe regel). Bijvoorbeeld: "
                 f"{ACTION_EXAMPLE}",
                 parse_actions, show=show_actions, aliases=("plan", "actie")),
            Step("informant", "informeert cliënt", "Wie informeert de cliënt over het plan?",
                 _text(300, "antwoord"), aliases=("informant", "client", "cliënt")),
            Step("criteria", "criteria afschaling",
                 "Wanneer kan de casus worden afgeschaald (de criteria)?",
                 _text(2000, "antwoord"), aliases=("criteria", "afschaling")),
            Step("volgende", "volgend overleg",
                 f"Wanneer is het volgende {term} (datum, tijd en eventueel locatie)?",
                 _next_overleg, optional=True, show=_show_next, aliases=("vervolg",)),
        ),
        done_prompt="Typ bevestig om het verslag vast te leggen.",
        edit_example="acties",
    )  # fmt: skip


async def participant_options(unit: Unit, subject: str | None) -> Mapping[str, Sequence[Option]]:
    """The participating organisations, and their members as candidates and action owners."""
    aanmelding = await unit.aanmeldingen.by_reference(subject or "")
    keys = partners_of(aanmelding) if aanmelding else []
    names = dict(await unit.organisations.names())
    members = []
    for key in keys:
        organisation = await unit.organisations.get(key) if key in names else None
        if organisation is not None:
            members += [(m.matrix_id, key) for m in await unit.members.list(organisation)]
    return {
        "deelnemers": [Option(key, names[key]) for key in keys if key in names],
        "kandidaten": [Option(m, f"{m} ({names[k]})") for m, k in members],
        "leden": [Option(m, k) for m, k in members],
    }


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
        lines = [
            f"Verslag {aanmelding.reference} vastgelegd: {len(added)} "
            f"actie{'s' if len(added) != 1 else ''}; de {words.casusregisseur} en de "
            "actiehouders hebben hun acties gekregen."
        ]
        if unreachable:
            lines.append(
                "Nog geen chat met mij, dus niet ingelicht: "
                + ", ".join(sorted(set(unreachable)))
                + ". Laat hen een chat met mij starten of licht hen zelf in."
            )
        outgoing.append(Outgoing(s.room_id, notice(*(Paragraph(line) for line in lines))))
        return outgoing

    return FormSpec(verslag_form(house), participant_options, submit)
