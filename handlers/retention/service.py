"""Retention: what the policy says must be gone, goes (DOMAIN.md phase 5; Kennemerland
Bijlage 3, "Afschaling").

- geen casus: the aanmelding went at the decision; anything left is deleted here;
- afschaling: the verrijking answers go at once; after ``clean_months`` the file is
  cleaned (personal data and free text removed; reference and dates kept), the bot's
  messages about the casus are redacted and its room emptied and given up; after
  ``delete_months`` everything about the casus is gone;
- the audit log (no personal data) is kept ``audit_years``.

This module decides what is due and does it in a unit of work; the job that runs it in
batches is ``scheduler/jobs/retention.py``. Redactions and the room are handed to the bot
as persisted work (sent_messages, managed_rooms).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from handlers.conversation.service import forget_conversations_about
from handlers.house import RetentionPolicy
from handlers.messages import casus_room
from handlers.vocabulary import TriageStatus
from storage.models import Aanmelding
from storage.unit import Unit

# What is due for one casus, in the words of the dry run.
GEEN_CASUS, VERRIJKING, OPSCHONEN, VERWIJDEREN = (
    "geen-casus",
    "verrijking",
    "opschonen",
    "verwijderen",
)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Due:
    """What retention will do to one casus, and when."""

    reference: str
    afgeschaald_on: date | None
    clean_on: date | None
    delete_on: date | None
    now: tuple[str, ...]  # what is due today: verrijking, opschonen, verwijderen, geen-casus


@dataclass
class PurgeReport:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, n: int = 1) -> None:
        if n:
            self.counts[what] = self.counts.get(what, 0) + n

    def __bool__(self) -> bool:
        return bool(self.counts)


async def plan(unit: Unit, today: date, policy: RetentionPolicy) -> list[Due]:
    """Every casus retention has business with (for the job and ``purge --dry-run``).

    Runs every tick: it reads references and dates only (nothing to decrypt) and asks
    once which of them still hold verrijking answers.
    """
    plans = []
    for row in await unit.aanmeldingen.retention_candidates():
        if row.triage_status is TriageStatus.GEEN_CASUS:
            plans.append(Due(row.reference, None, None, today, (GEEN_CASUS,)))
            continue
        assert row.afgeschaald_on is not None  # the query selects afgeschaalde or geen-casus
        clean_on = add_months(row.afgeschaald_on, policy.clean_months)
        delete_on = add_months(row.afgeschaald_on, policy.delete_months)
        due = []
        if row.has_answers:
            due.append(VERRIJKING)
        if row.cleaned_at is None and today >= clean_on:
            due.append(OPSCHONEN)
        if today >= delete_on:
            due.append(VERWIJDEREN)
        plans.append(Due(row.reference, row.afgeschaald_on, clean_on, delete_on, tuple(due)))
    return plans


async def drop_verrijking(unit: Unit, aanmelding: Aanmelding) -> int:
    """The partners' answers are not needed once the casus is afgeschaald."""
    return await unit.verrijking.delete_for([aanmelding.id])


async def clean(unit: Unit, aanmeldingen: Sequence[Aanmelding], now: datetime) -> int:
    """Remove personal data and free text; keep reference and dates; one statement per table
    for all of them. Returns the number of messages the bot must take back."""
    if not aanmeldingen:
        return 0
    ids = [a.id for a in aanmeldingen]
    references = [a.reference for a in aanmeldingen]
    unit.aanmeldingen.clean(aanmeldingen, now)
    await unit.acties.blank_texts(ids)
    await unit.overleggen.forget_places(ids)
    await unit.verrijking.delete_for(ids)
    await forget_conversations_about(unit, set(references))
    redactions = await unit.sent.request_redaction_all(references)
    await unit.rooms.close_all([casus_room(r) for r in references], now)
    return redactions


async def erase(unit: Unit, aanmeldingen: Sequence[Aanmelding], now: datetime) -> int:
    """Everything about the casussen: the rows (overleggen, actions and answers with them);
    returns the messages to take back."""
    if not aanmeldingen:
        return 0
    redactions = await clean(unit, [a for a in aanmeldingen if a.cleaned_at is None], now)
    ids = [a.id for a in aanmeldingen]
    await unit.acties.delete_for(ids)
    await unit.overleggen.delete_for(ids)
    await unit.aanmeldingen.erase(aanmeldingen)
    return redactions


async def purge_batch(unit: Unit, batch: Sequence[Due], now: datetime) -> PurgeReport:
    """What is due for these casussen, each step checked against what is left to do."""
    report = PurgeReport()
    due = {item.reference: item.now for item in batch}
    gone: list[Aanmelding] = []
    cleaned: list[Aanmelding] = []
    answers: list[Aanmelding] = []
    for aanmelding in await unit.aanmeldingen.by_references(list(due)):
        now_due = due[aanmelding.reference]
        if GEEN_CASUS in now_due or VERWIJDEREN in now_due:
            gone.append(aanmelding)
        elif OPSCHONEN in now_due:
            cleaned.append(aanmelding)
        elif VERRIJKING in now_due:
            answers.append(aanmelding)
    report.add("berichten teruggenomen", await erase(unit, gone, now))
    geen_casus = sum(GEEN_CASUS in due[a.reference] for a in gone)
    report.add("geen casus verwijderd", geen_casus)
    report.add("dossiers verwijderd", len(gone) - geen_casus)
    report.add("berichten teruggenomen", await clean(unit, cleaned, now))
    report.add("dossiers opgeschoond", len(cleaned))
    if answers:
        report.add(
            "verrijkingsantwoorden verwijderd",
            await unit.verrijking.delete_for([a.id for a in answers]),
        )
    return report
