"""Overviews: the procesregie's board in chat, a member's actions, a casusregisseur's
casussen, and (``scheduler/jobs/overzicht.py``) the weekly list of what is due."""

from __future__ import annotations

from handlers.commands import commands_of
from handlers.feature import Feature
from handlers.house import House
from handlers.overzicht.commands import OverzichtCommands


def feature(house: House) -> Feature:
    return Feature("overzicht", commands_of(OverzichtCommands(house)))
