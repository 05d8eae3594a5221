"""Beheer: organisations, members and their identities (the functioneel beheerder's work)."""

from __future__ import annotations

from handlers.beheer.commands import BeheerCommands
from handlers.commands import commands_of
from handlers.feature import Feature
from handlers.house import House


def feature(house: House) -> Feature:
    return Feature("beheer", commands_of(BeheerCommands(house)))
