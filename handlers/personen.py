"""The persons a casus concerns: the betrokkene (person 1, in the aanmelding's own columns)
and the others of the household or family (criterion 2 of Bijlage 2), numbered 2 and on.

Every phase shows persons through this module, and each person's data is minimised on its
own: a field a person does not have (the others have no address or aliases of their own)
is left out, not filled from the betrokkene's. What went where is audited per person:
``voornaam`` for the betrokkene, ``persoon2:voornaam`` for person 2.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from handlers.conversation.parsing import format_date
from handlers.errors import UserError
from handlers.messages import Block, Bold, Paragraph, Table
from storage.models import Aanmelding, Persoon

# The personalia a house can allow in an invitation or hand-over, as shown.
PERSONALIA: dict[str, Callable[[Aanmelding | Persoon], str | None]] = {
    "voornaam": lambda p: p.voornaam,
    "achternaam": lambda p: p.achternaam,
    "aliassen": lambda p: p.aliassen if isinstance(p, Aanmelding) else None,
    "geboortedatum": lambda p: format_date(p.geboortedatum) if p.geboortedatum else None,
    "adres": lambda p: p.adres if isinstance(p, Aanmelding) else None,
    "postcode": lambda p: p.postcode if isinstance(p, Aanmelding) else None,
    "woonplaats": lambda p: p.woonplaats,
}
# What a partner asked for verrijking sees to look a person up.
LOOKUP_FIELDS = ("voornaam", "achternaam", "geboortedatum", "woonplaats")


@dataclass(frozen=True)
class Person:
    """One person of a casus, as every phase shows them."""

    number: int
    row: Aanmelding | Persoon

    @property
    def is_betrokkene(self) -> bool:
        return self.number == 1

    @property
    def relatie(self) -> str | None:
        return None if isinstance(self.row, Aanmelding) else self.row.relatie

    @property
    def minderjarig(self) -> bool:
        return self.row.minderjarig

    @property
    def title(self) -> str:
        """'Betrokkene', or 'Persoon 2 (moeder)'."""
        if self.is_betrokkene:
            return "Betrokkene"
        return f"Persoon {self.number} ({self.relatie})"

    def value(self, field: str) -> str | None:
        return PERSONALIA[field](self.row) or None

    def audit_name(self, field: str) -> str:
        """How the audit log names a field of this person (never its value)."""
        return field if self.is_betrokkene else f"persoon{self.number}:{field}"

    def rows(self, fields: Sequence[str]) -> list[tuple[str, str]]:
        """The allowed fields this person has, as (field, value) rows."""
        return [(field, value) for field in fields if (value := self.value(field))]


def persons(aanmelding: Aanmelding) -> list[Person]:
    """Every person of the casus, the betrokkene first."""
    return [Person(1, aanmelding), *(Person(p.number, p) for p in aanmelding.personen)]


def person(aanmelding: Aanmelding, number: int) -> Person:
    for found in persons(aanmelding):
        if found.number == number:
            return found
    numbers = ", ".join(str(p.number) for p in persons(aanmelding))
    raise UserError(f"{aanmelding.reference} heeft geen persoon {number} (wel: {numbers}).")


def any_minor(aanmelding: Aanmelding) -> bool:
    return any(p.minderjarig for p in persons(aanmelding))


def sections(people: Sequence[Person], fields: Sequence[str]) -> tuple[list[Block], list[str]]:
    """A titled table per person with the allowed fields they have; and the audit names of
    what is shown. A person with none of the fields is left out."""
    blocks: list[Block] = []
    shown: list[str] = []
    for one in people:
        rows = one.rows(fields)
        if not rows:
            continue
        blocks += [Paragraph(Bold(one.title)), Table(("veld", "waarde"), tuple(rows))]
        shown += [one.audit_name(field) for field, _ in rows]
    return blocks, shown
