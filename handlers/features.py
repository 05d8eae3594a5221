"""Every feature of the bot, in the order their commands appear in the help. Adding a phase
is one package under ``handlers/`` and one line here."""

from __future__ import annotations

from handlers import (
    aanmelding,
    afsluiting,
    beheer,
    casusoverleg,
    cijfers,
    general,
    incidenten,
    informeren,
    overzicht,
    plan_van_aanpak,
    rechten,
    triage,
    zwaarte,
)
from handlers.commands import CommandRegistry
from handlers.feature import Feature
from handlers.house import House


def build_features(house: House) -> list[Feature]:
    """Every feature, in the house's words (handlers/wording.py)."""
    features = [
        general.feature(house),
        aanmelding.feature(house),
        triage.feature(house),
        casusoverleg.feature(house),
        plan_van_aanpak.feature(house),
        zwaarte.feature(house),
        afsluiting.feature(house),
        informeren.feature(house),
        overzicht.feature(house),
        cijfers.feature(house),
        beheer.feature(house),
        rechten.feature(house),
        incidenten.feature(house),
    ]
    return [feature.worded(house.words) for feature in features]


def build_registry(house: House | None = None) -> CommandRegistry:
    """All commands of a house (the default house when none is given)."""
    features = build_features(house or House())
    return CommandRegistry(c for feature in features for c in feature.commands)
