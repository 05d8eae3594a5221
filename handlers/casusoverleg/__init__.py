"""Casusoverleg (DOMAIN.md phase 3): the overleg is planned, its room made, the lawful
participants invited with only the personalia the house allows."""

from __future__ import annotations

from handlers.casusoverleg.commands import CasusoverlegCommands
from handlers.commands import commands_of
from handlers.feature import Feature
from handlers.house import House


def feature(house: House) -> Feature:
    return Feature("casusoverleg", commands_of(CasusoverlegCommands(house)))
