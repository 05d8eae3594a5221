"""Who plays in the demo: the accounts, their organisations and roles, and what the
scripted aanmelding answers."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "casusbot-demo"  # noqa: S105 (local demo accounts, printed on purpose)
BOT_LOCALPART = "casusbot"
HOUSE_NAME = "Zorg- en Veiligheidshuis Demoregio"
# Obviously fake personalia for the scripted aanmelding, typed as people do: a birth date
# in a sentence with a two-digit year, the whole address at once (the bot takes postcode
# and woonplaats from it and does not ask for them), the municipality in lower case.
DEMO_AANMELDING = (
    "Demo",
    "Voorbeeldpersoon",
    "overslaan",
    "geboren op 1-1-90",
    "Nepstraat 1, 9999 ZZ demostad",
    "gemeente demostad",
    "Fictieve casus: overlast in de wijk, schulden en geen dagbesteding.",
    "Eén gezamenlijk plan van aanpak met zorg en politie.",
    "1, 4",
    "geen",
    "regulier",
    "ik",
)


@dataclass(frozen=True)
class DemoUser:
    localpart: str
    organisation: str
    organisation_name: str
    role: str | None  # None: not a member (yet)
    label: str
    # How Element shows them; the bot names people by this, not by their Matrix id.
    display_name: str


USERS = (
    DemoUser("demo-beheer", "zvh", HOUSE_NAME, "beheerder", "functioneel beheerder", "Bea Beheer"),
    DemoUser(
        "demo-regisseur", "zvh", HOUSE_NAME, "procesregisseur", "procesregisseur", "Roos Regisseur"
    ),
    DemoUser(
        "demo-manager",
        "zvh",
        HOUSE_NAME,
        "manager",
        "manager (hoort van incidenten)",
        "Max Manager",
    ),
    DemoUser(
        "demo-politie", "politie", "Politie (demo)", "partner", "partner, politie", "Piet Politie"
    ),
    DemoUser(
        "demo-gemeente",
        "gemeente",
        "Gemeente Demostad",
        "partner",
        "partner, gemeente",
        "Gert Gemeente",
    ),
    DemoUser(
        "demo-zorg",
        "ggz",
        "GGZ Demo",
        None,
        "partner, GGZ (wordt in de demo toegevoegd)",
        "Zoë Zorg",
    ),
    DemoUser("demo-onbekend", "", "", None, "geen lid: wordt geweigerd", "Onno Onbekend"),
)
NAMES = {user.localpart: user.display_name for user in USERS}


def mxid(localpart: str) -> str:
    return f"@{localpart}:localhost"
