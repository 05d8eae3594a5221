"""Afschaling en afsluiting (DOMAIN.md phase 5): every casus ends, with its outcome, and a
running casus where nothing happens is asked about until someone says it is needed."""

from __future__ import annotations

from handlers.afsluiting.commands import AfsluitingCommands
from handlers.afsluiting.forms import form_spec
from handlers.commands import commands_of
from handlers.feature import Feature
from handlers.house import House


def feature(house: House) -> Feature:
    return Feature("afsluiting", commands_of(AfsluitingCommands(house)), (form_spec(house),))
