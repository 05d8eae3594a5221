"""Reading addresses the way people type them: a postcode inside a whole address
(``Teststraat 1, 3511 AA Utrecht`` → ``3511 AA``), an address that already holds postcode and
woonplaats, and place names written as the place is called (``bergen op zoom`` →
``Bergen op Zoom``, ``'s-hertogenbosch`` → ``'s-Hertogenbosch``).

Pure functions: text in, a value or a :class:`UserError` with a short Dutch explanation out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.errors import UserError

# A Dutch postcode: four digits (not starting with 0), two letters; SA, SD and SS are
# never given out. Found anywhere, with or without the space.
POSTCODE = re.compile(r"(?<![\w])([1-9]\d{3})\s?(?!sa|sd|ss)([a-z]{2})(?![\w])", re.IGNORECASE)
POSTCODE_EXAMPLE = "Een postcode ziet eruit als 1234 AB."

# Words written in lower case inside a place's name ("Bergen op Zoom", "Alphen aan den Rijn").
LOWER_WORDS = {"aan", "op", "den", "de", "der", "het", "bij", "in", "en", "van", "onder", "ter"}
LOWER_PREFIXES = ("'s", "'t")


@dataclass(frozen=True)
class Address:
    """What an answer to 'the address' held: the street part, and what came with it."""

    street: str
    postcode: str | None = None
    place: str | None = None


def find_postcode(text: str) -> str | None:
    """The postcode in the text, written as ``1234 AB``; None when there is none."""
    found = {f"{m.group(1)} {m.group(2).upper()}" for m in POSTCODE.finditer(text)}
    if len(found) > 1:
        raise UserError(f"Ik lees meer dan één postcode. Welke bedoel je? {POSTCODE_EXAMPLE}")
    return found.pop() if found else None


def parse_postcode(text: str) -> str:
    postcode = find_postcode(text)
    if postcode is None:
        raise UserError(POSTCODE_EXAMPLE)
    return postcode


def split_address(text: str) -> Address:
    """'Teststraat 1, 3511 AA Utrecht' → street, postcode and place; 'Teststraat 1, Utrecht'
    → street and place; a street alone stays as it is."""
    cleaned = " ".join(text.split()).strip(" ,")
    match = POSTCODE.search(cleaned)
    if match is not None:
        postcode = find_postcode(cleaned)
        street = cleaned[: match.start()].strip(" ,")
        place = cleaned[match.end() :].strip(" ,") or None
        return Address(street or cleaned, postcode, place_name(place) if place else None)
    parts = [p.strip() for p in cleaned.split(",") if p.strip()]
    if len(parts) == 2 and any(c.isdigit() for c in parts[0]) and _is_place(parts[1]):
        return Address(parts[0], None, place_name(parts[1]))
    return Address(cleaned)


def _is_place(text: str) -> bool:
    """Letters, spaces, hyphens and apostrophes only, and not too long to be a place."""
    return (
        len(text) <= 40
        and re.fullmatch(r"'?[^\W\d_][\w' \-]*", text) is not None
        and not any(c.isdigit() for c in text)
    )


def place_name(text: str) -> str:
    """A place or municipality as it is written: typed in lower case (or all capitals), it
    gets its capitals ('den haag' → 'Den Haag'); typed with capitals, it stays as typed. A
    leading 'gemeente' is left off."""
    cleaned = " ".join(text.split()).strip(" ,.")
    if cleaned.lower().startswith("gemeente "):
        cleaned = cleaned[len("gemeente ") :].strip()
    if cleaned != cleaned.lower() and cleaned != cleaned.upper():
        return cleaned
    words = cleaned.lower().split(" ")
    return " ".join(_capital(word, first=index == 0) for index, word in enumerate(words))


def _capital(word: str, first: bool) -> str:
    if word in LOWER_PREFIXES:
        return word
    if word in LOWER_WORDS and not first:
        return word
    parts = word.split("-")
    return "-".join(p if p in LOWER_PREFIXES else _capital_part(p) for p in parts)


def _capital_part(part: str) -> str:
    if part.startswith("ij"):
        return "IJ" + part[2:]  # IJsselstein, IJmuiden: the digraph is one letter
    return part[:1].upper() + part[1:]
