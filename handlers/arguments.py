"""Arguments that several commands take, each with its parser and the word the usage shows."""

from __future__ import annotations

from functools import partial

from handlers.commands import Arg
from handlers.errors import UserError
from handlers.identifiers import (
    is_reference,
    parse_matrix_id,
    parse_org_key,
    parse_reference,
    parse_role,
)


def parse_number(text: str) -> int:
    cleaned = text.strip().rstrip(".")
    if not cleaned.isdigit() or len(cleaned) > 4:
        raise UserError(f"'{text[:20]}' is geen nummer.")
    return int(cleaned)


def kenmerk(name: str = "kenmerk", optional: bool = False) -> Arg:
    return Arg(name, "KENMERK", parse_reference, optional=optional)


KENMERK = kenmerk()
# "actie 2 gereed": the reference may be left out when it is unambiguous.
OPTIONAL_KENMERK = Arg("kenmerk", "KENMERK", parse_reference, optional=True, fits=is_reference)
GEBRUIKER = Arg("gebruiker", "@gebruiker:server", parse_matrix_id)
ORGANISATIECODE = Arg("organisatie", "ORGANISATIECODE", parse_org_key)
ROL = Arg("rol", "ROL", parse_role, worded=lambda words: partial(parse_role, words=words))
NUMMER = Arg("nummer", "NR", parse_number)
