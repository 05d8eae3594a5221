"""Informing the betrokkene (AVG art. 13/14): recorded per casus, asked about until it is."""

from __future__ import annotations

from handlers.commands import commands_of
from handlers.feature import Feature
from handlers.house import House
from handlers.informeren.commands import InformerenCommands


def feature(house: House) -> Feature:
    return Feature("informeren", commands_of(InformerenCommands(house)))
