"""Uitvoering (DOMAIN.md phases 3-4): the verslag of the casusoverleg records the plan van
aanpak; owners work their actions; the casusregisseur guards them."""

from __future__ import annotations

from handlers.commands import commands_of
from handlers.feature import Feature
from handlers.house import House
from handlers.plan_van_aanpak.commands import PlanCommands
from handlers.plan_van_aanpak.verslag import verslag_spec


def feature(house: House) -> Feature:
    return Feature("plan van aanpak", commands_of(PlanCommands(house)), (verslag_spec(house),))
