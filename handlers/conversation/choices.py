"""Reading choices the way people type them: a number (``2``, ``2.``, ``optie 2``), a name or
the start of one, a name with a typo (``reguleir`` → ``regulier``), yes or no in its many
forms (``ja hoor``, ``jawel``, ``klopt``, ``nee hoor``, ``neen``).

A typo is forgiven only when one option is clearly closest; otherwise the member is asked.
Pure functions: text in, a value or a :class:`UserError` with a short Dutch explanation out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from handlers.errors import UserError


@dataclass(frozen=True)
class Option:
    key: str
    label: str


# "optie 2", "nummer 2", "nr. 2", "keuze 2", "#2", "2.", "2)".
NUMBERED = re.compile(r"^(?:(?:optie|nummer|nr\.?|keuze|no\.?)\s*|#)?(\d{1,3})\s*[.)]?$")


def distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) that turn ``a`` into ``b``."""
    if a == b:
        return 0
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def allowed_typos(word: str) -> int:
    """How many edits still count as a typo of a word this long (none for short words:
    'ja' and 'nu' are too close to everything)."""
    return 0 if len(word) < 4 else 1 if len(word) < 7 else 2


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The one candidate ``word`` is a typo of; None when none is close or two are as close."""
    best: list[str] = []
    best_distance = allowed_typos(word) + 1
    for candidate in dict.fromkeys(candidates):
        d = distance(word, candidate)
        if d > allowed_typos(candidate):
            continue
        if d < best_distance:
            best, best_distance = [candidate], d
        elif d == best_distance:
            best.append(candidate)
    return best[0] if len(best) == 1 else None


def _normal(text: str) -> str:
    return " ".join(text.strip().lower().split()).rstrip(".!,;")


def match_option(token: str, options: Sequence[Option]) -> Option | None:
    """The option ``token`` names: its number, key or label, the start of one, or one of
    those with a typo when only one option is that close."""
    token = _normal(token)
    if not token:
        return None
    if numbered := NUMBERED.match(token):
        index = int(numbered.group(1)) - 1
        return options[index] if 0 <= index < len(options) else None
    exact = [o for o in options if token in (o.key.lower(), o.label.lower())]
    if exact:
        return exact[0]
    starts = [o for o in options if o.label.lower().startswith(token) or o.key.startswith(token)]
    if len(starts) == 1:
        return starts[0]
    if starts:
        return None
    names = {name: o for o in options for name in (o.key.lower(), o.label.lower())}
    typo = closest(token, names)
    return names[typo] if typo is not None else None


def option_list(options: Sequence[Option]) -> str:
    return "\n".join(f"{n}. {o.label}" for n, o in enumerate(options, start=1))


def parse_choice(text: str, options: Sequence[Option]) -> str:
    """One option, by its number or (the start of) its name."""
    chosen = match_option(text, options)
    if chosen is None:
        raise UserError(f"Kies een nummer van 1 tot {len(options)}, of typ de naam.")
    return chosen.key


NONE_WORDS = {"geen", "nee", "niets", "niemand", "0", "-", "geen een", "geen enkele"}


def parse_choices(text: str, options: Sequence[Option]) -> list[str]:
    """Several options: numbers or names separated by commas, spaces or 'en'; or 'geen'."""
    cleaned = _normal(text)
    if cleaned in NONE_WORDS or yes_no_of(cleaned) is False:
        return []
    if "," in cleaned or ";" in cleaned or " en " in cleaned or "&" in cleaned:
        tokens = [t for t in re.split(r",|;|&|\sen\s", cleaned) if t.strip()]
    elif match_option(cleaned, options) is not None:
        tokens = [cleaned]  # one option, possibly a name with spaces ("GGZ Centraal")
    else:
        tokens = cleaned.split()  # numbers or codes separated by spaces: "1 3", "politie om"
    chosen: list[str] = []
    for token in tokens:
        option = match_option(token, options)
        if option is None:
            raise UserError(
                f"'{token.strip()[:40]}' staat niet in de lijst. Geef nummers (bijvoorbeeld 1, 3) "
                "of namen, of typ geen."
            )
        if option.key not in chosen:
            chosen.append(option.key)
    return chosen


YES = {
    "ja", "j", "jawel", "jazeker", "jaja", "jep", "jup", "yes", "y", "klopt", "ok", "oke",
    "oké", "okay", "prima", "goed", "zeker", "akkoord", "correct", "natuurlijk", "graag",
    "inderdaad", "uiteraard",
}  # fmt: skip
NO = {"nee", "n", "neen", "nope", "no", "nah", "welnee", "neuh", "niet", "geen"}


def yes_no_of(text: str) -> bool | None:
    """True for yes, False for no, None when the text is neither or both ('ja, nee')."""
    words = [w for w in re.split(r"[\s,.!?;:]+", text.strip().lower()) if w]
    if not words:
        return None
    said = {True for w in words if w in YES} | {False for w in words if w in NO}
    if len(said) != 1:
        return None
    answer = said.pop()
    # The answer comes first ("ja hoor", "nee, niet bij ons"); "dat weet ik niet" is none.
    return answer if words[0] in (YES if answer else NO) else None


def parse_yes_no(text: str) -> bool:
    answer = yes_no_of(text)
    if answer is None:
        raise UserError("Antwoord met ja of nee.")
    return answer
