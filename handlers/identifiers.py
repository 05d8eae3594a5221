"""What people type to name things: a case reference, a Matrix id, an organisation code or
name, a role. Pure functions: text in, the value or a :class:`UserError` in Dutch out."""

from __future__ import annotations

import re

from handlers.errors import UserError
from handlers.vocabulary import Role
from handlers.wording import NATIONAL, Wording

REFERENCE = re.compile(r"^[A-Za-z]{2,6}-\d{4}-\d{4,6}$")
ORG_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
# Matrix user ids (spec: user identifiers), with an optional port on the server name.
MATRIX_ID_RE = re.compile(r"^@[a-z0-9._=\-/+]{1,200}:[A-Za-z0-9.\-]{1,200}(:[0-9]{1,5})?$")
MAX_MATRIX_ID = 255  # the spec's limit, and the column's (PostgreSQL enforces it)
MAX_ORG_NAME = 200


def is_reference(text: str) -> bool:
    return bool(REFERENCE.match(text.strip()))


def parse_reference(text: str) -> str:
    cleaned = text.strip().upper()
    if not REFERENCE.match(cleaned):
        raise UserError(f"'{text[:30]}' is geen kenmerk.", "Een kenmerk ziet eruit als {kenmerk}.")
    return cleaned


def parse_org_key(text: str) -> str:
    key = text.strip().lower()
    if not ORG_KEY_RE.match(key):
        raise UserError(
            f"'{text[:40]}' is geen geldige organisatiecode: gebruik 2 tot 32 kleine letters, "
            "cijfers of streepjes, zoals politie-mn."
        )
    return key


def parse_matrix_id(text: str) -> str:
    candidate = text.strip()
    if len(candidate) > MAX_MATRIX_ID or not MATRIX_ID_RE.match(candidate):
        raise UserError(
            f"'{candidate[:60]}' is geen Matrix-gebruikers-ID. Die ziet eruit als "
            "@naam:server.nl (kleine letters)."
        )
    return candidate


def parse_role(text: str, words: Wording = NATIONAL) -> Role:
    """A role by its national name or the house's word for it ("procescoördinator")."""
    typed = " ".join(text.split()).lower()
    for role in Role:
        if typed in (role.value, words.role_word(role).lower()):
            return role
    names = ", ".join(words.role_word(role) for role in Role)
    raise UserError(f"'{text[:40]}' is geen rol. Kies uit: {names}.")


def parse_org_name(text: str) -> str:
    name = " ".join(text.split())
    if not name:
        raise UserError("Geef de organisatie een naam.")
    if len(name) > MAX_ORG_NAME:
        raise UserError(f"Die naam is te lang (maximaal {MAX_ORG_NAME} tekens).")
    if not name.isprintable():  # e.g. a NUL, which PostgreSQL cannot store in text
        raise UserError("Die naam bevat onzichtbare tekens; typ hem opnieuw.")
    return name
