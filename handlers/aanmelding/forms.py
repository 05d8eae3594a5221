"""The aanmelding's questions (DOMAIN.md phase 1, "Aanmelding en intake").

The questions are data (:data:`AANMELDING_FORM`); a house may reword prompts in its config.
Minimum content per Gelderland-Midden: personalia, probleemstelling and doel; the useful
additions (gemeente, partners involved, urgency, minor, criteria of Bijlage 2) are asked too.
No BSN is ever accepted. On ``bevestig`` the answers are validated once more as a whole
(:class:`AanmeldingInput`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from handlers.conversation.form import Form, FormContext, Parser, Shower, Step
from handlers.conversation.parsing import (
    Option,
    age_on,
    format_date,
    parse_birth_date,
    parse_choice,
    parse_choices,
    parse_text,
    refuse_bsn,
)
from handlers.errors import UserError
from handlers.vocabulary import Urgentie
from storage.unit import Unit

FORM_NAME = "aanmelding"
MAX_FREE_TEXT = 4000

# Bijlage 2 of the covenants: criteria of complexe casuïstiek.
CRITERIA = (
    Option("veiligheid", "ernstige lokale of gebiedsgebonden veiligheidsproblematiek die een "
                         "ketenoverstijgende aanpak vraagt"),
    Option("systeem", "impact op het (gezins)systeem of de directe sociale leefomgeving"),
    Option("ketens", "samenwerking tussen meerdere ketens nodig (minimaal dwang en drang)"),
    Option("multiproblem", "meerdere problemen op meer dan één leefgebied"),
)  # fmt: skip
URGENTIE = tuple(Option(u.value, u.value) for u in Urgentie)
POSTCODE = re.compile(r"^(\d{4})\s?([A-Za-z]{2})$")
SELF_WORDS = {"ik", "mij", "mijzelf", "ikzelf", "zelf"}


def _text(limit: int, what: str = "antwoord") -> Parser:
    def parse(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> str:
        return parse_text(text, limit, what)

    return parse


def _birth_date(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> str:
    return parse_birth_date(text, ctx.today).isoformat()


def _show_birth_date(value: Any, ctx: FormContext) -> str:
    birth = date.fromisoformat(value)
    minor = " (minderjarig)" if age_on(birth, ctx.today) < 18 else ""
    return format_date(birth) + minor


def _postcode(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> str:
    match = POSTCODE.match(text.strip())
    if not match:
        raise UserError("Een postcode ziet eruit als 1234 AB.")
    return f"{match.group(1)} {match.group(2).upper()}"


def _choices(list_name: str) -> Parser:
    def parse(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> list[str]:
        return parse_choices(text, ctx.option_lists[list_name])

    return parse


def _show_choices(list_name: str) -> Shower:
    def show(value: Any, ctx: FormContext) -> str:
        labels = {o.key: o.label for o in ctx.option_lists.get(list_name, ())}
        return "; ".join(labels.get(k, k) for k in value) if value else "geen"

    return show


def _urgentie(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> str:
    return parse_choice(text, URGENTIE)


def _contact(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> str:
    if text.strip().lower() in SELF_WORDS:
        return "ik"
    return parse_text(text, 300, "antwoord")


def _show_contact(value: Any, ctx: FormContext) -> str:
    return "jijzelf" if value == "ik" else str(value)


AANMELDING_FORM = Form(
    name=FORM_NAME,
    title="aanmelding",
    edit_example="geboortedatum",
    intro=(
        "Je gaat een casus aanmelden. Wat je invult gebruikt het ZVH alleen om te beoordelen "
        "of het een casus voor het ZVH is (triage); alleen de procesregie ziet de hele "
        "aanmelding, partners krijgen hoogstens naam, geboortedatum en woonplaats. "
        "Een BSN hoort er niet in. Je kunt altijd terug, overslaan (waar dat mag), status of "
        "stop typen."
    ),
    steps=(
        Step("voornaam", "voornaam", "Wat is de voornaam van de betrokkene?",
             _text(100, "antwoord")),
        Step("achternaam", "achternaam", "Wat is de achternaam (met tussenvoegsel)?",
             _text(100, "antwoord")),
        Step("aliassen", "aliassen", "Is de betrokkene ook bekend onder andere namen? Scheid ze "
             "met komma's.", _text(300, "antwoord"), optional=True, aliases=("alias",)),
        Step("geboortedatum", "geboortedatum", "Wat is de geboortedatum? Bijvoorbeeld 3-4-1990 "
             "of 3 april 1990.", _birth_date, show=_show_birth_date),
        Step("adres", "adres", "Wat is het adres (straat en huisnummer)?",
             _text(200, "adres"), optional=True),
        Step("postcode", "postcode", "En de postcode?", _postcode, optional=True),
        Step("woonplaats", "woonplaats", "In welke woonplaats woont de betrokkene?",
             _text(100, "antwoord")),
        Step("gemeente", "gemeente", "Om welke gemeente gaat het (de gemeente die bij de casus "
             "hoort)?", _text(100, "antwoord")),
        Step("probleemstelling", "probleemstelling", "Beschrijf de problematiek: wat speelt er, "
             "op welke leefgebieden, en wat is er al geprobeerd?",
             _text(MAX_FREE_TEXT, "bericht"), aliases=("probleem",)),
        Step("doel", "doel", "Wat is het doel van je aanmelding: wat moet het ZVH bereiken?",
             _text(MAX_FREE_TEXT, "bericht")),
        Step("criteria", "criteria", "Welke criteria voor complexe casuïstiek zijn van "
             "toepassing? Geef de nummers (bijvoorbeeld 1, 4), of typ geen.",
             _choices("criteria"), show=_show_choices("criteria"), options="criteria"),
        Step("partners", "betrokken partners", "Welke partners zijn al betrokken? Geef de "
             "nummers, of typ geen.", _choices("organisaties"),
             show=_show_choices("organisaties"), options="organisaties",
             aliases=("partners",)),
        Step("urgentie", "urgentie", "Is het regulier of spoed?", _urgentie, options="urgentie"),
        Step("spoed_reden", "reden spoed", "Waarom is het spoed?", _text(1000, "antwoord"),
             when=lambda a: a.get("urgentie") == Urgentie.SPOED, depends_on="urgentie",
             aliases=("spoed", "reden")),
        Step("contactpersoon", "contactpersoon", "Wie is bij jouw organisatie het aanspreekpunt? "
             "Typ ik als jij dat bent, of een naam met telefoonnummer of e-mailadres.",
             _contact, show=_show_contact, aliases=("contact",)),
    ),
    done_prompt="Klopt alles? Typ bevestig om de aanmelding in te dienen.",
)  # fmt: skip


async def option_lists(unit: Unit, subject: str | None) -> dict[str, Sequence[Option]]:
    organisations = await unit.organisations.names()
    return {
        "criteria": CRITERIA,
        "urgentie": URGENTIE,
        "organisaties": [Option(key, name) for key, name in organisations],
    }


class AanmeldingInput(BaseModel):
    """The whole aanmelding, validated once more before it is stored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    voornaam: str
    achternaam: str
    aliassen: str | None
    geboortedatum: date
    adres: str | None
    postcode: str | None
    woonplaats: str
    gemeente: str
    probleemstelling: str
    doel: str
    criteria: list[Literal["veiligheid", "systeem", "ketens", "multiproblem"]]
    partners: list[str]
    urgentie: Urgentie
    spoed_reden: str | None = None
    contactpersoon: str

    @field_validator(
        "voornaam", "achternaam", "aliassen", "adres", "woonplaats", "gemeente",
        "probleemstelling", "doel", "spoed_reden", "contactpersoon",
    )  # fmt: skip
    @classmethod
    def _no_bsn(cls, value: str | None) -> str | None:
        if value is not None:
            refuse_bsn(value)
        return value
