"""Triage, weging en verrijking (DOMAIN.md phase 2): the procesregie asks partners what they
know of the person and decides what the aanmelding becomes."""

from __future__ import annotations

from handlers.commands import commands_of
from handlers.feature import Feature
from handlers.house import House
from handlers.triage.commands import TriageCommands
from handlers.triage.forms import form_specs


def feature(house: House) -> Feature:
    return Feature("triage", commands_of(TriageCommands(house)), form_specs(house))
