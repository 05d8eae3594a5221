"""``afschalen`` (a casus in casusoverleg), ``afsluiten`` (a casus without casusoverleg) and
``nog nodig``: the procesregisseur closes a casus with its outcome; whoever answers for a
running casus says it is still needed."""

from __future__ import annotations

from handlers.access import Action, answers_still_needed, takes_part
from handlers.afsluiting.forms import FORM_NAME
from handlers.afsluiting.overdracht import hand_over, parse_fields
from handlers.afsluiting.service import (
    COMMANDS,
    ROUTES,
    closing_casus,
    running_casus,
    still_needed,
)
from handlers.afsluiting.texts import before_the_overleg, closing_intro, confirmed_needed
from handlers.arguments import KENMERK, ORGANISATIECODE
from handlers.casusoverleg.service import partners_of
from handlers.commands import Arg, CommandContext, command
from handlers.conversation.choices import NO, YES
from handlers.conversation.parsing import format_date, format_moment
from handlers.directory import Directory
from handlers.errors import UserError
from handlers.house import House
from handlers.messages import plural, text_notice
from handlers.plan_van_aanpak.service import PlanVanAanpak
from handlers.retention.service import later_months
from handlers.triage.service import TriageService
from handlers.vocabulary import Route

# "afschalen KENMERK toch": go ahead although the planned overleg has not taken place.
TOCH = Arg("toch", "toch", rest=True, optional=True)
ANTWOORD = Arg("antwoord", "ja", lambda text: text.strip().lower())
VELDEN = Arg("velden", "[VELD, VELD, …]", rest=True, optional=True)


def is_toch(word: str | None) -> bool:
    return (word or "").strip().lower() == "toch"


class AfsluitingCommands:
    def __init__(self, house: House) -> None:
        self.house = house

    async def _close(
        self, ctx: CommandContext, kenmerk: str, route: Route, toch: str | None
    ) -> None:
        aanmelding = await closing_casus(ctx.unit, self.house, kenmerk, route)
        reference = aanmelding.reference
        upcoming = await ctx.unit.overleggen.upcoming(aanmelding.id)
        if upcoming is not None and upcoming.scheduled_at > ctx.now and not is_toch(toch):
            when = format_moment(upcoming.scheduled_at.astimezone(self.house.zone))
            ctx.reply(before_the_overleg(self.house.words, reference, when, COMMANDS[route]))
            return
        open_actions = len(await PlanVanAanpak(ctx.unit, aanmelding).open_actions())
        room = ctx.questions_room()
        intro = closing_intro(self.house.words, reference, route, open_actions)
        await ctx.start_form(FORM_NAME, room, reference, intro)

    @command(
        "afschalen", action=Action.AFSCHALEN, args=(KENMERK, TOCH),
        summary="vastleggen dat {het casusoverleg} besloot tot afschaling, met de uitkomst",
    )  # fmt: skip
    async def afschalen(self, ctx: CommandContext, kenmerk: str, toch: str | None) -> None:
        await self._close(ctx, kenmerk, Route.AFGESCHAALD, toch)

    @command(
        "afsluiten", action=Action.AFSLUITEN, args=(KENMERK, TOCH),
        summary="een casus zonder {casusoverleg} afsluiten als de ondersteuning klaar is",
    )  # fmt: skip
    async def afsluiten(self, ctx: CommandContext, kenmerk: str, toch: str | None) -> None:
        await self._close(ctx, kenmerk, Route.AFGESLOTEN, toch)

    @command(
        "overdragen", action=Action.OVERDRAGEN, args=(KENMERK, ORGANISATIECODE, VELDEN),
        summary="een casus overdragen aan een partner of een ander huis (gekozen velden) en "
                "daarmee afsluiten",
        example="overdragen {kenmerk} ggz voornaam, achternaam, plan",
    )  # fmt: skip
    async def overdragen(
        self, ctx: CommandContext, kenmerk: str, organisatie: str, velden: str | None
    ) -> None:
        aanmelding = await running_casus(ctx.unit, self.house, kenmerk)
        fields = parse_fields(velden, self.house)
        outgoing, contacts = await hand_over(
            ctx.unit, self.house, aanmelding, organisatie, fields, ctx.caller.matrix_id,
            ctx.now, ctx.today,
        )  # fmt: skip
        ctx.send(*outgoing)
        names = await Directory(ctx.unit, self.house).organisation_names()
        if organisatie not in names:
            to = (f"{self.house.other_houses[organisatie]} (het document staat in onze eigen "
                  "chat")  # fmt: skip
        else:
            to = f"{names[organisatie]} ({plural(contacts, 'contactpersoon', 'contactpersonen')}"
        ctx.reply(text_notice(
            f"{aanmelding.reference} is overgedragen aan {to}: {', '.join(fields)}) en "
            "afgesloten met uitkomst overgedragen. De bewaartermijn loopt vanaf vandaag."
        ))  # fmt: skip

    @command(
        "nog nodig", action=Action.NOG_NODIG, args=(KENMERK, ANTWOORD),
        summary="bevestigen dat een lopende casus nog nodig is (ik vraag het later opnieuw)",
    )  # fmt: skip
    async def nog_nodig(self, ctx: CommandContext, kenmerk: str, antwoord: str) -> None:
        found = await TriageService(ctx.unit, self.house).find(kenmerk)
        if not answers_still_needed(ctx.caller, found.casusregisseur):
            if not takes_part(ctx.caller, partners_of(found)):
                # Outsiders hear what they would of a reference that does not exist.
                raise UserError(f"Ik ken geen aanmelding met kenmerk {found.reference}.")
            words = self.house.words
            raise UserError(f"Of {found.reference} nog nodig is, zeggen de {words.procesregie} "
                            f"en de {words.casusregisseur}.")  # fmt: skip
        aanmelding = await running_casus(ctx.unit, self.house, kenmerk)
        reference = aanmelding.reference
        if antwoord in NO:
            close = COMMANDS[ROUTES[aanmelding.triage_status]]
            raise UserError(f"Sluit de casus dan af met {close} {reference}.")
        if antwoord not in YES:
            raise UserError(f"Typ nog nodig {reference} ja, of sluit de casus af.")
        await still_needed(ctx.unit, aanmelding, ctx.caller.matrix_id, ctx.now)
        policy, working = self.house.retention, self.house.working_time
        next_on = later_months(ctx.now, policy.stale_months, working).astimezone(working.zone)
        ctx.reply(confirmed_needed(reference, format_date(next_on.date())))
