"""The figures (covenants: yearly, and quarterly in Zuid-Holland Zuid): counted from
anonymous facts that outlive the casussen, small cells suppressed, with charts."""

from __future__ import annotations

from handlers.cijfers.commands import CijfersCommands
from handlers.commands import commands_of
from handlers.feature import Feature
from handlers.house import House


def feature(house: House) -> Feature:
    return Feature("cijfers", commands_of(CijfersCommands(house)))
