"""The zwaarte-indicatie of a tafel that works without a plan van aanpak (nazorg
ex-gedetineerden, 001 Bijlage 3: "een zwaarte-indicatie (stoplicht) op basis van vijf
leefgebieden"): a stoplicht per leefgebied, and the reminder before the release date
(``scheduler/jobs/vrijlating.py``). Only in a house with a tafel that names leefgebieden."""

from __future__ import annotations

from handlers.commands import commands_of
from handlers.feature import Feature
from handlers.house import House
from handlers.zwaarte.commands import ZwaarteCommands


def feature(house: House) -> Feature:
    used = any(t.leefgebieden or t.asks_release_date for t in house.tafels.all)
    return Feature("zwaarte", commands_of(ZwaarteCommands(house)) if used else [], ())
