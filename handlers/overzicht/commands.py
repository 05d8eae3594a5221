"""``overzicht`` (the procesregie), ``mijn acties`` (everyone) and ``mijn casussen`` (a
casusregisseur): what is open, without personalia."""

from __future__ import annotations

from handlers.access import Action
from handlers.commands import CommandContext, command
from handlers.directory import Directory
from handlers.house import House
from handlers.overzicht.service import my_actions, my_casussen, open_casussen
from handlers.overzicht.texts import action_table, casus_table


class OverzichtCommands:
    def __init__(self, house: House) -> None:
        self.house = house

    @command(
        "overzicht", action=Action.OVERZICHT,
        summary="alle open aanmeldingen en casussen per fase, oudste eerst",
    )  # fmt: skip
    async def overzicht(self, ctx: CommandContext) -> None:
        lines = await open_casussen(ctx.unit, self.house, ctx.now)
        names = await Directory(ctx.unit, self.house).names(line.casusregisseur for line in lines)
        ctx.reply(casus_table(lines, names, ctx.today, self.house, "Overzicht"))

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
