"""Uitvoering en afschaling (DOMAIN.md phases 3-5): the verslag of the casusoverleg records
the plan van aanpak; owners work their actions; the procesregisseur records afschaling."""

from __future__ import annotations

from handlers.commands import commands_of
from handlers.feature import Feature
from handlers.house import House
from handlers.plan_van_aanpak.afschaling import AfschalingCommands
from handlers.plan_van_aanpak.commands import PlanCommands
from handlers.plan_van_aanpak.verslag import verslag_spec


def feature(house: House) -> Feature:
    commands = [*commands_of(PlanCommands(house)), *commands_of(AfschalingCommands(house))]
    return Feature("plan van aanpak", commands, (verslag_spec(house),))
