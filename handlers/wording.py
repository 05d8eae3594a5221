"""The house's own words for the national terms (DOMAIN.md, 'Terminology').

Every text the bot sends names the roles, the phases and the house through one
:class:`Wording`. Static texts (command summaries, form questions) are written as templates
with the national term in braces, ``"{het casusoverleg}"`` (its article follows the
house's term: "de casustafel"), ``"{Triage}-agenda"``, ``"de {procesregisseurs}"``, and
filled once, when the house's features are built; texts made at run time use the
attributes (``words.casusoverleg.de``). Filling happens before anything a member typed is
put in, so a member's own words are never reworded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from handlers.vocabulary import Role


@dataclass(frozen=True)
class Term:
    singular: str
    plural: str = ""
    # "de" or "het": "het MDO", "de casustafel"; an adjective follows it ("een gepland MDO").
    article: str = "de"

    def __str__(self) -> str:
        return self.singular

    @property
    def title(self) -> str:
        """Capitalised, to start a sentence: "MDO" stays "MDO"."""
        return cap(self.singular)

    @property
    def de(self) -> str:
        """With its article: "het casusoverleg", "de casustafel"."""
        return f"{self.article} {self.singular}"

    @property
    def dit(self) -> str:
        """With its demonstrative: "dit casusoverleg", "deze casustafel"."""
        return f"{'dit' if self.article == 'het' else 'deze'} {self.singular}"

    def adj(self, stem: str) -> str:
        """An adjective after "een" or "geen": "gepland" (het-word) or "geplande"."""
        return stem if self.article == "het" else f"{stem}e"

    @classmethod
    def of(cls, singular: str, plural: str | None = None, article: str = "de") -> Term:
        return cls(singular, plural or plural_of(singular), article)


def plural_of(word: str) -> str:
    """A Dutch plural good enough for the usual terms; a house gives its own where not
    (``casusoverleg`` → casusoverleggen, MDO → MDO's, procescoördinator → …oren)."""
    last = word.split()[-1] if word.split() else word
    if last.isupper() or last[-1:] in ("a", "i", "o", "u", "y"):
        return f"{word}'s"
    if word.endswith("overleg"):
        return f"{word}gen"
    if word.endswith("or"):
        return f"{word}en"
    if re.search(r"(el|em|en|er|eur|je|ie|e)$", word):
        return f"{word}s"
    return f"{word}en"


def cap(text: str) -> str:
    """``text`` starting a sentence: "het MDO" → "Het MDO" (the rest unchanged)."""
    return text[:1].upper() + text[1:]


# The national words (DOMAIN.md): each field of :class:`Wording` of this name defaults to it.
NATIONAL_TERMS = {
    "casusoverleg": Term("casusoverleg", "casusoverleggen", "het"),
    "procesregie": Term("procesregie", "procesregie"),
    "procesregisseur": Term("procesregisseur", "procesregisseurs"),
    "casusregisseur": Term("casusregisseur", "casusregisseurs"),
    "triage": Term("triage", "triages"),
    "procesondersteuner": Term("procesondersteuner", "procesondersteuners"),
    "manager": Term("manager", "managers"),
}


@dataclass(frozen=True)
class Wording:
    """One table for every term. The defaults are the national words."""

    # The house's full name ("de casusbot van …") and how a sentence names it ("het ZVH").
    house_name: str = "het ZVH"
    huis: str = "het ZVH"
    casusoverleg: Term = NATIONAL_TERMS["casusoverleg"]
    procesregie: Term = NATIONAL_TERMS["procesregie"]
    procesregisseur: Term = NATIONAL_TERMS["procesregisseur"]
    casusregisseur: Term = NATIONAL_TERMS["casusregisseur"]
    triage: Term = NATIONAL_TERMS["triage"]
    procesondersteuner: Term = NATIONAL_TERMS["procesondersteuner"]
    manager: Term = NATIONAL_TERMS["manager"]
    # The house's case references: examples in help texts use it.
    reference_prefix: str = "ZVH"
    # The names of the house's other tafels (handlers/tafels.py): key → name; the labels
    # of the triage outcomes tafels name themselves (key → label); and how the help shows
    # the outcomes of ``besluit`` when they are not the national four ("UITKOMST").
    tafel_names: tuple[tuple[str, str], ...] = ()
    outcome_labels: tuple[tuple[str, str], ...] = ()
    outcomes_usage: str = ""

    # --- the words -----------------------------------------------------------------------

    @cached_property
    def table(self) -> dict[str, str]:
        """Every placeholder a template may use, with its word: singular, plural (as the
        national plural: ``{casusoverleggen}``) and capitalised (``{Casusoverleg}``)."""
        words: dict[str, str] = {
            "huis": self.huis,
            "kenmerk": self.example_reference,
            # The commands' first words that follow the terms (see command_synonyms).
            "overleg": self.command("overleg"),
            "weging": self.command("triage"),
            # Where a house has several tafels, ``aanmelden`` takes one.
            "tafelkeuze": "[tafel]" if self.tafel_names else "",
            "uitkomsten": self.outcomes_usage
            or "geen-casus|onduidelijk|casus-zonder-"
            f"{self.command('overleg')}|{self.casusoverleg.singular}",
        }
        for name, national in NATIONAL_TERMS.items():
            term: Term = getattr(self, name)
            words[national.singular] = term.singular
            words[national.plural] = term.plural
            words[national.de] = term.de  # "{het casusoverleg}" → "de casustafel"
            words[national.dit] = term.dit
        words |= {cap(key): cap(value) for key, value in list(words.items())}
        return words

    def fill(self, template: str) -> str:
        """``template`` with every ``{term}`` in the house's words; other braces stay."""
        table = self.table  # made once per house: fill runs per row in some overviews
        return re.sub(r"\{(\w+(?: \w+)?)\}", lambda m: table.get(m.group(1), m.group(0)), template)

    @property
    def example_reference(self) -> str:
        return f"{self.reference_prefix}-2026-0042"

    @property
    def overleg_title(self) -> str:
        return self.casusoverleg.title

    def role_name(self, role: Role) -> str:
        """A role in a sentence ("Je bent … bij …"): the typed word, spelled out."""
        spelled = {Role.PARTNER: "medewerker ketenpartner",
                   Role.BEHEERDER: "functioneel beheerder"}  # fmt: skip
        return spelled.get(role) or self.role_word(role)

    def role_word(self, role: Role) -> str:
        """How a beheerder types and reads a role in ``lid toevoegen`` and ``leden``."""
        return {
            Role.PARTNER: "partner",
            Role.PROCESREGISSEUR: self.procesregisseur.singular,
            Role.PROCESONDERSTEUNER: self.procesondersteuner.singular,
            Role.MANAGER: self.manager.singular,
            Role.BEHEERDER: "beheerder",
        }[role]

    def tafel(self, key: str) -> str:
        """A tafel's name: the default one (today's casusoverleg) in the house's word."""
        if key == NATIONAL_TERMS["casusoverleg"].singular:
            return self.casusoverleg.singular
        return dict(self.tafel_names).get(key, key)

    # --- the commands that follow the words ----------------------------------------------

    def command_synonyms(self) -> dict[str, str]:
        """The first word of a command → the house's word for it, where the house renamed
        the term (``overleg`` → ``mdo``, ``triage`` → ``weging``). The national words keep
        working: a member who moves between houses is not locked out."""
        synonyms = {}
        for national, name in (("overleg", "casusoverleg"), ("triage", "triage")):
            term: Term = getattr(self, name)
            if term != NATIONAL_TERMS[name]:
                synonyms[national] = term.singular.split()[-1].lower()
        return synonyms

    def command(self, national: str) -> str:
        """How the help names a command word here: ``triage`` → ``weging``."""
        return self.command_synonyms().get(national, national)

    @property
    def huis_title(self) -> str:
        """The house at the start of a sentence: "Het ZVH"."""
        return cap(self.huis)


NATIONAL = Wording()
