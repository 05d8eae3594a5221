"""``casusbot cijfers --jaar 2026 [--kwartaal 3] [--csv] [--grafiek MAP]``: the figures at a
terminal, as a table or CSV, and the charts as PNG files. No personal data, so the files
are ordinary ones; the same suppression of small cells as in chat."""

from __future__ import annotations

from pathlib import Path

from bot.tool import Tool, csv_text, table
from handlers.cijfers.charts import Chart, charts
from handlers.cijfers.service import Period, figures, parse_period
from handlers.cijfers.texts import rows
from handlers.directory import Directory

COLUMNS = ("onderdeel", "wat", "aantal")


async def cijfers(
    tool: Tool, jaar: int | None, kwartaal: int | None, as_csv: bool, grafiek: Path | None
) -> str:
    period = (
        parse_period(f"{jaar} k{kwartaal}" if kwartaal else str(jaar), tool.today)
        if jaar is not None
        else Period(tool.today.year, kwartaal)
    )
    async with tool.reading() as unit:
        found = await figures(unit, period)
        names = await Directory(unit, tool.house).organisation_names()
    text = (csv_text if as_csv else table)(COLUMNS, rows(found, names, tool.house.words))
    if grafiek is None:
        return text
    written = _write(grafiek, charts(found, tool.house.words))
    return text + ("" if as_csv else f"\nGrafieken: {', '.join(written)}")


def _write(directory: Path, made: list[Chart]) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for chart in made:
        path = directory / chart.name
        path.write_bytes(chart.png)
        written.append(str(path))
    return written
