"""Triage, weging en verrijking (DOMAIN.md phase 2): the procesregie asks partners what they
know of the person and decides what the aanmelding becomes."""

from __future__ import annotations

from handlers.commands import commands_of
from handlers.feature import Feature
from handlers.house import House
from handlers.triage.commands import TriageCommands
from handlers.triage.forms import form_specs
from handlers.triage.tafel import TafelCommands


def feature(house: House) -> Feature:
    commands = commands_of(TriageCommands(house))
    if house.tafels.several:
        commands += commands_of(TafelCommands(house))
    return Feature("triage", commands, form_specs(house))
