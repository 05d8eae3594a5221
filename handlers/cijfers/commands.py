"""``cijfers 2026`` / ``cijfers 2026 k3``: the figures of a year or quarter as a table, and as
two charts (encrypted images) in the same chat."""

from __future__ import annotations

from dataclasses import replace

from handlers.access import Action
from handlers.cijfers.charts import charts
from handlers.cijfers.service import figures, parse_period
from handlers.cijfers.texts import figures_notice
from handlers.commands import Arg, CommandContext, command
from handlers.directory import Directory
from handlers.house import House
from handlers.messages import Attachment, Outgoing, text_notice

PERIODE = Arg("periode", "JAAR [kKWARTAAL] {tafelkeuze}", rest=True, optional=True)


class CijfersCommands:
    def __init__(self, house: House) -> None:
        self.house = house

    @command(
        "cijfers", action=Action.CIJFERS, args=(PERIODE,),
        summary="de cijfers van een jaar of kwartaal, zonder persoonsgegevens, met grafieken",
        example="cijfers 2026 k3",
    )  # fmt: skip
    async def cijfers(self, ctx: CommandContext, periode: str | None) -> None:
        rest, tafel = self._tafel(periode or "")
        period = parse_period(rest, ctx.today)
        if tafel is not None:
            period = replace(period, tafel=self.house.words.tafel(tafel))
        found = await figures(ctx.unit, period, tafel)
        names = await Directory(ctx.unit, self.house).organisation_names()
        ctx.reply(figures_notice(found, names, self.house.words))
        for chart in charts(found, self.house.words):
            image = Attachment(chart.name, "image/png", chart.png, chart.width, chart.height)
            ctx.send(Outgoing(ctx.room_id, text_notice(chart.title), attachment=image).quiet())

    def _tafel(self, text: str) -> tuple[str, str | None]:
        """'2026 k3 nazorg' → ('2026 k3', 'nazorg'): a tafel's key or name in the period."""
        if not self.house.tafels.several:
            return text, None
        lowered = f" {' '.join(text.lower().split())} "
        for tafel in self.house.tafels.all:
            for name in (tafel.key, self.house.words.tafel(tafel.key).lower()):
                if f" {name} " in lowered:
                    return lowered.replace(f" {name} ", " ").strip(), tafel.key
        return text, None
