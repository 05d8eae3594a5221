"""The aanmelding's questions (DOMAIN.md phase 1, "Aanmelding en intake").

The questions are data (:data:`AANMELDING_FORM`); a house may reword prompts in its config.
Minimum content per Gelderland-Midden: personalia, probleemstelling and doel; the useful
additions (gemeente, partners involved, urgency, minor, criteria of Bijlage 2) are asked too.
No BSN is ever accepted. On ``bevestig`` the answers are validated once more as a whole
(:class:`AanmeldingInput`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from handlers.conversation.choices import Option, parse_choice, parse_choices
from handlers.conversation.form import Filled, Form, FormContext, FreeText, Parser, Shower, Step
from handlers.conversation.parsing import (
    age_on,
    format_date,
    parse_birth_date,
    parse_day,
    parse_text,
    refuse_bsn,
)
from handlers.conversation.places import parse_postcode, place_name, split_address
from handlers.errors import UserError
from handlers.vocabulary import Urgentie
from storage.unit import Unit

FORM_NAME = "aanmelding"
NAZORG_FORM_NAME = "nazorg"
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
SELF_WORDS = {"ik", "mij", "mijzelf", "ikzelf", "zelf"}


def birth_date(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> str:
    return parse_birth_date(text, ctx.today).isoformat()


def show_birth_date(value: Any, ctx: FormContext) -> str:
    birth = date.fromisoformat(value)
    minor = " (minderjarig)" if age_on(birth, ctx.today) < 18 else ""
    return format_date(birth) + minor


def _adres(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> Filled:
    """The street; a postcode and woonplaats in the same answer fill those questions."""
    address = split_address(parse_text(text, 200, "adres"))
    return Filled(address.street, {"postcode": address.postcode, "woonplaats": address.place})


def _postcode(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> Filled:
    """The postcode, also from a whole address (which then fills the woonplaats too)."""
    refuse_bsn(text)
    postcode = parse_postcode(text)
    address = split_address(text)
    street = address.street if address.postcode and address.street != text.strip() else None
    return Filled(postcode, {"woonplaats": address.place, "adres": street})


def _place(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> str:
    return place_name(parse_text(text, 100, "antwoord"))


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
        "Je gaat een casus aanmelden. Wat je invult gebruikt {huis} alleen om te beoordelen "
        "of het een casus voor {huis} is ({triage}); alleen de {procesregie} ziet de hele "
        "aanmelding, partners krijgen hoogstens naam, geboortedatum en woonplaats. "
        "Een BSN hoort er niet in. Je kunt altijd terug, overslaan (waar dat mag), status of "
        "stop typen."
    ),
    steps=(
        Step("voornaam", "voornaam", "Wat is de voornaam van de betrokkene?",
             FreeText(100)),
        Step("achternaam", "achternaam", "Wat is de achternaam (met tussenvoegsel)?",
             FreeText(100)),
        Step("aliassen", "aliassen", "Is de betrokkene ook bekend onder andere namen? Scheid ze "
             "met komma's.", FreeText(300), optional=True, aliases=("alias",)),
        Step("geboortedatum", "geboortedatum", "Wat is de geboortedatum? Bijvoorbeeld 3-4-1990 "
             "of 3 april 1990.", birth_date, show=show_birth_date),
        Step("adres", "adres", "Wat is het adres (straat en huisnummer)?",
             _adres, optional=True),
        Step("postcode", "postcode", "En de postcode?", _postcode, optional=True),
        Step("woonplaats", "woonplaats", "In welke woonplaats woont de betrokkene?", _place),
        Step("gemeente", "gemeente", "Om welke gemeente gaat het (de gemeente die bij de casus "
             "hoort)?", _place),
        Step("probleemstelling", "probleemstelling", "Beschrijf de problematiek: wat speelt er, "
             "op welke leefgebieden, en wat is er al geprobeerd?",
             FreeText(MAX_FREE_TEXT, "bericht"), aliases=("probleem",)),
        Step("doel", "doel", "Wat is het doel van je aanmelding: wat moet {huis} bereiken?",
             FreeText(MAX_FREE_TEXT, "bericht")),
        Step("criteria", "criteria", "Welke criteria voor complexe casuïstiek zijn van "
             "toepassing? Geef de nummers (bijvoorbeeld 1, 4), of typ geen.",
             _choices("criteria"), show=_show_choices("criteria"), options="criteria"),
        Step("partners", "betrokken partners", "Welke partners zijn al betrokken? Geef de "
             "nummers, of typ geen.", _choices("organisaties"),
             show=_show_choices("organisaties"), options="organisaties",
             aliases=("partners",)),
        Step("urgentie", "urgentie", "Is het regulier of spoed?", _urgentie, options="urgentie"),
        Step("spoed_reden", "reden spoed", "Waarom is het spoed?", FreeText(1000),
             when=lambda a: a.get("urgentie") == Urgentie.SPOED,
             aliases=("spoed", "reden")),
        Step("contactpersoon", "contactpersoon", "Wie is bij jouw organisatie het aanspreekpunt? "
             "Typ ik als jij dat bent, of een naam met telefoonnummer of e-mailadres.",
             _contact, show=_show_contact, aliases=("contact",)),
    ),
    done_prompt="Klopt alles? Typ bevestig om de aanmelding in te dienen.",
)  # fmt: skip


def release_date(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> str:
    """The expected release date: usually ahead; a date up to a year back is taken too (a
    signal that came late)."""
    day = parse_day(text, ctx.today)
    if day.year < ctx.today.year - 1 or (ctx.today - day).days > 366:
        raise UserError("Die datum ligt meer dan een jaar terug; klopt het jaartal?")
    if (day - ctx.today).days > 366 * 5:
        raise UserError("Die datum ligt meer dan vijf jaar vooruit; klopt het jaartal?")
    return day.isoformat()


def _show_day(value: Any, ctx: FormContext) -> str:
    return format_date(date.fromisoformat(value))


def _steps(*keys: str) -> tuple[Step, ...]:
    return tuple(AANMELDING_FORM.step(key) for key in keys)


# Nazorg ex-gedetineerden (001 Bijlage 3): the signal from DJI reaches the procesregie, who
# records it with the expected release date; no criteria, no urgency (regulier).
NAZORG_FORM = Form(
    name=NAZORG_FORM_NAME,
    title="melding nazorg",
    edit_example="vrijlating",
    intro=(
        "Je legt een melding nazorg ex-gedetineerden vast (bijvoorbeeld het signaal van DJI). "
        "Alleen de {procesregie} ziet de hele melding; partners krijgen hoogstens naam, "
        "geboortedatum en woonplaats. Een BSN hoort er niet in. Je kunt altijd terug, "
        "overslaan (waar dat mag), status of stop typen."
    ),
    steps=(
        *_steps("voornaam", "achternaam", "aliassen", "geboortedatum"),
        Step("vrijlating", "verwachte vrijlating", "Wanneer komt de betrokkene naar "
             "verwachting vrij? Bijvoorbeeld 15-3-2027 of 15 maart.", release_date,
             show=_show_day, aliases=("vrijlating", "datum vrijlating")),
        Step("woonplaats", "woonplaats", "In welke woonplaats gaat de betrokkene wonen (of "
             "woonde die)?", _place),
        Step("gemeente", "gemeente", "Welke gemeente is verantwoordelijk voor de nazorg?",
             _place),
        Step("probleemstelling", "signaal", "Wat staat er in het signaal: wat speelt er en op "
             "welke leefgebieden?", FreeText(MAX_FREE_TEXT, "bericht"),
             aliases=("probleemstelling", "probleem")),
        Step("doel", "doel", "Wat moet er bij de terugkeer geregeld zijn?",
             FreeText(MAX_FREE_TEXT, "bericht")),
        *_steps("partners", "contactpersoon"),
    ),
    done_prompt="Klopt alles? Typ bevestig om de melding vast te leggen.",
)  # fmt: skip
INTAKE = {FORM_NAME: AANMELDING_FORM, NAZORG_FORM_NAME: NAZORG_FORM}


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
    adres: str | None = None
    postcode: str | None = None
    woonplaats: str
    gemeente: str
    probleemstelling: str
    doel: str
    # Not asked by every intake form (nazorg): none, and regulier.
    criteria: list[Literal["veiligheid", "systeem", "ketens", "multiproblem"]] = []
    partners: list[str]
    urgentie: Urgentie = Urgentie.REGULIER
    spoed_reden: str | None = None
    contactpersoon: str
    vrijlating: date | None = None

    @field_validator(
        "voornaam", "achternaam", "aliassen", "adres", "woonplaats", "gemeente",
        "probleemstelling", "doel", "spoed_reden", "contactpersoon",
    )  # fmt: skip
    @classmethod
    def _no_bsn(cls, value: str | None) -> str | None:
        if value is not None:
            refuse_bsn(value)
        return value
