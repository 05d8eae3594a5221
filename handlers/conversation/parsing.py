"""Reading what people type: Dutch dates (in a sentence too), times, free text, BSN guard.

Pure functions: text in, a value or a :class:`UserError` with a short Dutch explanation out.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from handlers.conversation.choices import allowed_typos, distance
from handlers.errors import UserError

MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "maart": 3, "mrt": 3, "mar": 3,
    "april": 4, "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7,
    "augustus": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10,
    "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
MONTH_NAMES = (
    "", "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
    "september", "oktober", "november", "december",
)  # fmt: skip

# Anywhere in a sentence ("geboren op 3 april 1990"): day-month-year with -, / or .; ISO;
# a day, a month's name and a year.
NUMERIC_DATE = re.compile(r"(?<![\d\w])(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?![\d\w])")
ISO_DATE = re.compile(r"(?<![\d\w])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d\w])")
WORD_DATE = re.compile(r"(?<![\d\w])(\d{1,2})\s+([a-z]+)\.?,?\s+(\d{4}|\d{2})(?![\d\w])")
DATE_EXAMPLE = "Schrijf de datum als 3-4-1990 of 3 april 1990."

# Nine digits, optionally grouped with spaces, dots or dashes (123.456.782, 1234 56 782).
BSN_CANDIDATE = re.compile(r"(?<![\d])(\d(?:[ .\-]?\d){8})(?![\d])")
# What runs into nine digits without being one number: a case reference, a date, a time
# ("actie ZVH-2026-0005 1 gereed", "15-3-2027 10:00"). Blanked before looking for a BSN.
NOT_A_BSN = re.compile(
    r"\b[A-Za-z]{2,6}-\d{4}-\d{4,6}\b|\b\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})\b|\b\d{1,2}:\d{2}\b"
)


def format_date(value: date | None) -> str:
    """'3 april 1990'; a dash for a date that is not (or no longer) there."""
    if value is None:
        return "—"
    return f"{value.day} {MONTH_NAMES[value.month]} {value.year}"


def month_of(word: str) -> int | None:
    """A month by its Dutch name or abbreviation, forgiving one typo ('aprl', 'septmber')."""
    if word in MONTHS:
        return MONTHS[word]
    nearest = min(distance(word, name) for name in MONTHS)
    months = {MONTHS[name] for name in MONTHS if distance(word, name) == nearest}
    return months.pop() if len(months) == 1 and nearest <= allowed_typos(word) else None


def _full_year(short: int, day: int, month: int, today: date | None, past: bool) -> int:
    """The year a two-digit year means: the last one not after today for a date in the past
    (a birth date: '90' is 1990, '20' is 2020), the first one from today on otherwise."""
    if today is None:
        raise UserError("Schrijf het jaar voluit, met vier cijfers (bijvoorbeeld 1990).")
    century = today.year - today.year % 100
    for year in (century + short, century - 100 + short, century + 100 + short):
        try:
            candidate = date(year, month, day)
        except ValueError:
            raise UserError(f"Die datum bestaat niet. {DATE_EXAMPLE}") from None
        if (candidate <= today) if past else (candidate >= today):
            return year
    return century + short


def _dates_in(cleaned: str) -> list[tuple[int, int, str]]:
    """Every (day, month, year as written) found in the text."""
    found: list[tuple[int, int, str]] = []
    for match in ISO_DATE.finditer(cleaned):
        found.append((int(match.group(3)), int(match.group(2)), match.group(1)))
    for match in NUMERIC_DATE.finditer(cleaned):
        found.append((int(match.group(1)), int(match.group(2)), match.group(3)))
    unknown = []
    for match in WORD_DATE.finditer(cleaned):
        month = month_of(match.group(2))
        if month is None:
            unknown.append(match.group(2))
        else:
            found.append((int(match.group(1)), month, match.group(3)))
    if not found and unknown:
        raise UserError(f"'{unknown[0][:20]}' ken ik niet als maand. {DATE_EXAMPLE}")
    return found


def parse_dutch_date(text: str, today: date | None = None, past: bool = True) -> date:
    """Read a date in a sentence: 3-4-1990, 03/04/1990, 3.4.1990, 3 april 1990, 3 apr. 1990,
    1990-04-03; with ``today``, also a two-digit year (03-04-90), in the past unless not
    ``past``."""
    cleaned = " ".join(text.strip().lower().split())
    if not cleaned:
        raise UserError(f"Ik mis de datum. {DATE_EXAMPLE}")
    found = _dates_in(cleaned)
    if not found:
        raise UserError(f"Dat kan ik niet als datum lezen. {DATE_EXAMPLE}")
    dates = set()
    for day, month, written in found:
        if not 1 <= month <= 12:
            raise UserError(f"Die datum bestaat niet. {DATE_EXAMPLE}")
        year = (
            int(written) if len(written) == 4 else _full_year(int(written), day, month, today, past)
        )
        try:
            dates.add(date(year, month, day))
        except ValueError:
            raise UserError(f"Die datum bestaat niet. {DATE_EXAMPLE}") from None
    if len(dates) > 1:
        raise UserError(f"Ik lees meer dan één datum. Welke bedoel je? {DATE_EXAMPLE}")
    return dates.pop()


WEEKDAY_NAMES = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
SHORT_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})$")
SHORT_WORD_DATE = re.compile(r"^(\d{1,2})\s+([a-z]+)\.?$")
CLOCK_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2})|u(\d{2})?)?$")
MOMENT_EXAMPLE = "Bijvoorbeeld: 3 maart 2027 10:00, 3-3-2027 14.30 of dinsdag 9:30."


def parse_day(text: str, today: date) -> date:
    """A day as people write it in an appointment: 3-3-2027, 3 maart (the next one),
    morgen, overmorgen, dinsdag (the next Tuesday)."""
    cleaned = " ".join(text.strip().lower().split()).removesuffix(" a.s.").removesuffix(" as")
    relative = {"vandaag": 0, "morgen": 1, "overmorgen": 2}
    if cleaned in relative:
        return today + timedelta(days=relative[cleaned])
    if cleaned in WEEKDAY_NAMES:
        ahead = (WEEKDAY_NAMES.index(cleaned) - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    short = SHORT_DATE.match(cleaned)
    word = SHORT_WORD_DATE.match(cleaned)
    if short or (word and word.group(2) in MONTHS):
        day = int((short or word).group(1))  # type: ignore[union-attr]
        month = int(short.group(2)) if short else MONTHS[word.group(2)]  # type: ignore[union-attr]
        for year in (today.year, today.year + 1):
            try:
                candidate = date(year, month, day)
            except ValueError:
                raise UserError(f"Die datum bestaat niet. {MOMENT_EXAMPLE}") from None
            if candidate >= today:
                return candidate
    return parse_dutch_date(text, today, past=False)


def parse_clock_time(text: str) -> time:
    match = CLOCK_TIME.match(text.strip().lower().removesuffix("uur").strip())
    if not match:
        raise UserError(f"'{text[:20]}' kan ik niet als tijd lezen. {MOMENT_EXAMPLE}")
    hour, minute = int(match.group(1)), int(match.group(2) or match.group(3) or 0)
    if hour > 23 or minute > 59:
        raise UserError(f"Die tijd bestaat niet. {MOMENT_EXAMPLE}")
    return time(hour, minute)


def parse_appointment(text: str, today: date) -> tuple[date, time, str]:
    """'3 maart 2027 10:00 Stadhuis' → (day, time, the rest: where, or an empty string)."""
    words = text.split()
    for index, word in enumerate(words):
        hour_word = word.isdigit() and words[index + 1 : index + 2] == ["uur"]
        if index and (
            hour_word or ":" in word or re.fullmatch(r"\d{1,2}([.]\d{2}|u\d{0,2})", word.lower())
        ):
            day = parse_day(" ".join(words[:index]), today)
            rest = words[index + 1 :]
            if rest and rest[0].lower() == "uur":
                rest = rest[1:]
            return day, parse_clock_time(word), " ".join(rest)
    raise UserError(f"Ik mis de datum en de tijd. {MOMENT_EXAMPLE}")


def format_moment(moment: datetime) -> str:
    """'dinsdag 3 maart 2027 om 10:00' (give a local datetime)."""
    return f"{WEEKDAY_NAMES[moment.weekday()]} {format_date(moment.date())} om {moment:%H:%M}"


def short_moment(moment: datetime) -> str:
    """'3 maart 10:00' (give a local datetime): for a room name."""
    return f"{moment.day} {MONTH_NAMES[moment.month]} {moment:%H:%M}"


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def parse_birth_date(text: str, today: date) -> date:
    birth = parse_dutch_date(text, today, past=True)
    if birth > today:
        raise UserError("Die geboortedatum ligt in de toekomst. Kijk je het even na?")
    if age_on(birth, today) > 120:
        raise UserError("Dan zou de persoon ouder zijn dan 120 jaar. Kijk je het jaar even na?")
    return birth


def elfproef(digits: str) -> bool:
    """The BSN check: 9·d1 + 8·d2 + … + 2·d8 − 1·d9 is a multiple of 11 (and not all zeros)."""
    if len(digits) != 9 or not digits.isdigit() or set(digits) == {"0"}:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    return (total - int(digits[8])) % 11 == 0


def contains_bsn(text: str) -> bool:
    for match in BSN_CANDIDATE.finditer(NOT_A_BSN.sub(" ", text)):
        if elfproef(re.sub(r"\D", "", match.group(1))):
            return True
    return False


def refuse_bsn(text: str) -> None:
    if contains_bsn(text):
        raise UserError(
            "Er staat een nummer in dat op een BSN lijkt.",
            "{Huis} mag geen BSN ontvangen: haal het weg en stuur je antwoord opnieuw.",
        )


def parse_text(text: str, max_length: int, what: str = "antwoord") -> str:
    cleaned = text.strip()
    if not cleaned:
        raise UserError(f"Ik mis je {what}.")
    if len(cleaned) > max_length:
        raise UserError(
            f"Dit {what} is {len(cleaned)} tekens; het mag er hoogstens {max_length} zijn. "
            "Kort het in en stuur het opnieuw."
        )
    refuse_bsn(cleaned)
    return cleaned
