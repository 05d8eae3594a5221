"""Security incidents (AVG art. 33/34; covenants, Bijlage 5): what the bot finds
(``detected.py``), what members report, and the register with the 72-hour AP question."""

from __future__ import annotations

from handlers.commands import commands_of
from handlers.feature import Feature
from handlers.house import House
from handlers.incidenten.commands import IncidentCommands
from handlers.incidenten.forms import form_spec


def feature(house: House) -> Feature:
    return Feature("incidenten", commands_of(IncidentCommands(house)), (form_spec(house),))
