"""Rechten van de betrokkene (AVG art. 15-18, 21): the register of requests and klachten,
worked in chat and on the command line; inzage, correctie, verwijdering (``service.py``);
bezwaar pauses its casus (``handlers/bezwaar.py``)."""

from __future__ import annotations

from handlers.feature import Feature
from handlers.house import House
from handlers.rechten.commands import rechten_commands
from handlers.rechten.forms import form_specs


def feature(house: House) -> Feature:
    return Feature("rechten", rechten_commands(house), form_specs(house))
