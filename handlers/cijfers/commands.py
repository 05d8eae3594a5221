"""``cijfers 2026`` / ``cijfers 2026 k3``: the figures of a year or quarter as a table, and as
two charts (encrypted images) in the same chat."""

from __future__ import annotations

from handlers.access import Action
from handlers.cijfers.charts import charts
from handlers.cijfers.service import figures, parse_period
from handlers.cijfers.texts import figures_notice
from handlers.commands import Arg, CommandContext, command
from handlers.directory import Directory
from handlers.house import House
from handlers.messages import Attachment, Outgoing, text_notice

PERIODE = Arg("periode", "JAAR [kKWARTAAL]", rest=True, optional=True)


class CijfersCommands:
    def __init__(self, house: House) -> None:
        self.house = house

    @command(
        "cijfers", action=Action.CIJFERS, args=(PERIODE,),
        summary="de cijfers van een jaar of kwartaal, zonder persoonsgegevens, met grafieken",
        example="cijfers 2026 k3",
    )  # fmt: skip
    async def cijfers(self, ctx: CommandContext, periode: str | None) -> None:
        period = parse_period(periode or "", ctx.today)
        found = await figures(ctx.unit, period)
        names = await Directory(ctx.unit, self.house).organisation_names()
        ctx.reply(figures_notice(found, names, self.house.words))
        for chart in charts(found, self.house.words):
            image = Attachment(chart.name, "image/png", chart.png, chart.width, chart.height)
            ctx.send(Outgoing(ctx.room_id, text_notice(chart.title), attachment=image).quiet())
