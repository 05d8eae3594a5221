"""``overzicht`` (the procesregie), ``mijn acties`` (everyone) and ``mijn casussen`` (a
casusregisseur): what is open, without personalia."""

from __future__ import annotations

from handlers.access import Action
from handlers.commands import Arg, CommandContext, command
from handlers.directory import Directory
from handlers.errors import UserError
from handlers.house import House
from handlers.overzicht.service import my_actions, my_casussen, open_casussen
from handlers.overzicht.texts import action_table, casus_table


class OverzichtCommands:
    def __init__(self, house: House) -> None:
        self.house = house

    @command(
        "overzicht", action=Action.OVERZICHT,
        args=(Arg("tafel", "tafel", rest=True, optional=True),),
        usage="overzicht {tafelkeuze}",
        summary="alle open aanmeldingen en casussen per fase, oudste eerst",
    )  # fmt: skip
    async def overzicht(self, ctx: CommandContext, tafel: str | None) -> None:
        lines = await open_casussen(ctx.unit, self.house, ctx.now)
        title = "Overzicht"
        if tafel is not None:
            tafels = self.house.tafels
            chosen = tafels.find(tafel, tafels.all)
            if chosen is None:
                raise UserError(
                    f"Onbekende tafel. Kies uit: {', '.join(t.key for t in tafels.all)}."
                )
            lines = [line for line in lines if line.tafel == chosen.key]
            title = f"Overzicht {self.house.words.tafel(chosen.key)}"
        names = await Directory(ctx.unit, self.house).names(line.casusregisseur for line in lines)
        ctx.reply(casus_table(lines, names, ctx.today, self.house, title))

    @command(
        "mijn acties", action=Action.MIJN_OVERZICHT,
        summary="jouw open acties en die van je organisatie, met deadlines",
    )  # fmt: skip
    async def mijn_acties(self, ctx: CommandContext) -> None:
        lines = await my_actions(ctx.unit, ctx.caller, ctx.today)
        names = await Directory(ctx.unit, self.house).names(line.owner for line in lines)
        ctx.reply(action_table(lines, names, ctx.today, "Jouw acties"))

    @command(
        "mijn casussen", action=Action.MIJN_OVERZICHT,
        summary="de casussen waarvan jij {casusregisseur} bent",
    )  # fmt: skip
    async def mijn_casussen(self, ctx: CommandContext) -> None:
        lines = await my_casussen(ctx.unit, self.house, ctx.caller, ctx.now)
        names = await Directory(ctx.unit, self.house).names([ctx.caller.matrix_id])
        title = f"Jouw casussen als {self.house.words.casusregisseur}"
        ctx.reply(casus_table(lines, names, ctx.today, self.house, title))
