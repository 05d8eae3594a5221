"""``aanmelden``: a partner (or the procesregie on a partner's behalf) starts the form;
``persoon toevoegen`` and ``persoon verwijderen``: the household of a casus."""

from __future__ import annotations

from handlers.aanmelding.forms import FORM_NAME
from handlers.aanmelding.personen import FORM_NAME as PERSOON_FORM
from handlers.aanmelding.personen import REMOVE_REASONS, casus_for_person, remove
from handlers.aanmelding.service import on_behalf_of, parse_namens
from handlers.aanmelding.texts import ONLY_IN_OWN_CHAT
from handlers.access import Action
from handlers.arguments import KENMERK, NUMMER
from handlers.commands import Arg, CommandContext, command
from handlers.errors import UserError
from handlers.house import House
from handlers.messages import text_notice

NAMENS = Arg("namens", "namens @gebruiker:server", parse_namens, rest=True, optional=True)
REDEN = Arg("reden", "|".join(REMOVE_REASONS), lambda text: text.strip().lower())


class AanmeldingCommands:
    def __init__(self, house: House) -> None:
        self.house = house

    @command(
        "aanmelden", "nieuwe aanmelding", "aanmelding", action=Action.AANMELDEN, args=(NAMENS,),
        summary="een casus aanmelden bij {huis} (de {procesregie} ook namens een partner)",
    )  # fmt: skip
    async def aanmelden(self, ctx: CommandContext, namens: str | None) -> None:
        if not ctx.in_direct_chat:
            raise UserError(ONLY_IN_OWN_CHAT)
        if namens is not None:
            partner = await on_behalf_of(ctx.unit, self.house, ctx.caller, namens)
            ctx.reply(text_notice(f"Je meldt aan namens {partner.person.name} "
                                  f"({partner.organisation_name}): de uitkomst en vragen gaan "
                                  "naar hen."))  # fmt: skip
            await ctx.start_form(FORM_NAME, ctx.room_id, namens)
            return
        await ctx.start_form(FORM_NAME, ctx.room_id)

    @command(
        "persoon toevoegen", "gezinslid toevoegen", action=Action.PERSOON_TOEVOEGEN,
        args=(KENMERK,), summary="iemand uit het gezin of huishouden toevoegen aan een casus",
        example="persoon toevoegen {kenmerk}",
    )  # fmt: skip
    async def persoon_toevoegen(self, ctx: CommandContext, kenmerk: str) -> None:
        await casus_for_person(ctx.unit, self.house, kenmerk, ctx.caller)
        await ctx.start_form(PERSOON_FORM, ctx.questions_room(), kenmerk)

    @command(
        "persoon verwijderen", action=Action.PERSOON_VERWIJDEREN, args=(KENMERK, NUMMER, REDEN),
        summary="een ten onrechte toegevoegde persoon van een casus halen",
        example="persoon verwijderen {kenmerk} 2 onjuist",
    )  # fmt: skip
    async def persoon_verwijderen(
        self, ctx: CommandContext, kenmerk: str, nummer: int, reden: str
    ) -> None:
        reply = await remove(ctx.unit, self.house, kenmerk, nummer, reden, ctx.caller, ctx.now)
        ctx.reply(text_notice(reply))
