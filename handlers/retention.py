"""Retention: what the policy says must be gone, goes (DOMAIN.md phase 5; Kennemerland
privacy protocol art. 11).

- geen casus: the aanmelding went at the decision; anything left is deleted here;
- afschaling: the verrijking answers go at once; after ``clean_months`` the file is
  cleaned (personal data and free text removed; reference and dates kept), the bot's
  messages about the casus are redacted and its room emptied and given up; after
  ``delete_months`` everything about the casus is gone;
- the audit log (no personal data) is kept ``audit_years``.

The due casussen are handled in transactions of ``PURGE_BATCH`` (each statement covers the
whole batch), and every step checks what is left to do, so a run that stops half-way is
finished by the next one. Redactions and the room are
handed to the bot as persisted work (sent_messages, managed_rooms). Each run that did
something leaves an anonymous report (counts) in the audit log and tells the managers.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.casusoverleg import room_key
from handlers.conversation.engine import ConversationState
from handlers.conversation.parsing import format_date
from handlers.membership import MembershipService
from handlers.messages import Outgoing, text_notice
from handlers.outbox import queue
from storage.casus import AuditRepository
from storage.db import deleted_personal_data
from storage.models import (
    Aanmelding,
    AuditEntry,
    Conversation,
    Overleg,
    PvaActie,
    Role,
    Verrijkingsverzoek,
)
from storage.rooms import ManagedRoomRepository, SentMessageRepository

log = logging.getLogger(__name__)

Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]
# Free-text and personal columns of an aanmelding, emptied when the file is cleaned.
CLEANED_TEXT = (
    "voornaam", "achternaam", "aliassen", "adres", "postcode", "woonplaats", "gemeente",
    "probleemstelling", "doel", "spoed_reden", "contactpersoon", "open_vraag", "overleg_doel",
    "overleg_themas", "client_informant", "afschaling_criteria",
)  # fmt: skip
NULLABLE = {"aliassen", "adres", "postcode", "spoed_reden", "open_vraag", "overleg_doel",
            "overleg_themas", "client_informant", "afschaling_criteria"}  # fmt: skip


# Casussen per transaction. One transaction per casus (a commit, a scrub of the log and a
# dozen statements each) made 10,000 due casussen take over four minutes (bench/storage.py);
# a batch of 100 holds the write lock for a fraction of a second.
PURGE_BATCH = 100


@dataclass(frozen=True)
class RetentionPolicy:
    clean_months: int = 6
    delete_months: int = 12
    audit_years: int = 5


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


async def plan(session: AsyncSession, today: date, policy: RetentionPolicy) -> list[Due]:
    """Every casus retention has business with (for the job and ``purge --dry-run``).

    Runs every tick: it reads references and dates only (nothing to decrypt) and asks
    once which of them still hold verrijking answers.
    """
    with_answers = select(Verrijkingsverzoek.aanmelding_id).distinct().scalar_subquery()
    rows = (await session.execute(
        select(
            Aanmelding.reference, Aanmelding.triage_status, Aanmelding.afgeschaald_on,
            Aanmelding.cleaned_at, Aanmelding.id.in_(with_answers),
        )
        .where(
            (Aanmelding.afgeschaald_on.is_not(None)) | (Aanmelding.triage_status == "geen-casus")
        )
        .order_by(Aanmelding.id)
    )).all()  # fmt: skip
    plans = []
    for reference, status, afgeschaald, cleaned_at, has_answers in rows:
        if status == "geen-casus":
            plans.append(Due(reference, None, None, today, ("geen-casus",)))
            continue
        assert afgeschaald is not None  # the query selects afgeschaalde or geen-casus only
        clean_on = add_months(afgeschaald, policy.clean_months)
        delete_on = add_months(afgeschaald, policy.delete_months)
        due = []
        if has_answers:
            due.append("verrijking")
        if cleaned_at is None and today >= clean_on:
            due.append("opschonen")
        if today >= delete_on:
            due.append("verwijderen")
        plans.append(Due(reference, afgeschaald, clean_on, delete_on, tuple(due)))
    return plans


async def drop_verrijking(session: AsyncSession, aanmelding: Aanmelding) -> int:
    """The partners' answers are not needed once the casus is afgeschaald."""
    return await _drop_verrijking_of(session, [aanmelding.id])


async def _drop_verrijking_of(session: AsyncSession, ids: Sequence[int]) -> int:
    result = await session.execute(
        delete(Verrijkingsverzoek).where(Verrijkingsverzoek.aanmelding_id.in_(ids))
    )
    deleted_personal_data(session)
    return int(getattr(result, "rowcount", 0) or 0)


async def clean(session: AsyncSession, aanmelding: Aanmelding, now: datetime) -> int:
    """Remove personal data and free text; keep reference and dates. Returns the number of
    messages the bot must take back."""
    return await clean_all(session, [aanmelding], now)


async def clean_all(
    session: AsyncSession, aanmeldingen: Sequence[Aanmelding], now: datetime
) -> int:
    """:func:`clean` for many casussen at once: one statement per table, not per casus."""
    if not aanmeldingen:
        return 0
    ids = [a.id for a in aanmeldingen]
    references = [a.reference for a in aanmeldingen]
    for aanmelding in aanmeldingen:
        for column in CLEANED_TEXT:
            setattr(aanmelding, column, None if column in NULLABLE else "")
        aanmelding.geboortedatum = None
        aanmelding.lookup_hash = None
        aanmelding.cleaned_at = now
    await session.execute(update(PvaActie).where(PvaActie.aanmelding_id.in_(ids)).values(wat=""))
    await session.execute(
        update(Overleg).where(Overleg.aanmelding_id.in_(ids)).values(locatie=None)
    )
    await _drop_verrijking_of(session, ids)
    await _drop_conversations_about(session, set(references))
    redactions = await SentMessageRepository(session).request_redaction_all(references)
    await ManagedRoomRepository(session).close_all([room_key(r) for r in references], now)
    deleted_personal_data(session)
    return redactions


async def _drop_conversations_about(session: AsyncSession, references: set[str]) -> None:
    """Half-finished forms about the casus (a verslag, an answer) hold personal data too."""
    result = await session.execute(select(Conversation))
    for conversation in result.scalars():
        if ConversationState.model_validate_json(conversation.state).subject in references:
            await session.delete(conversation)


async def erase(session: AsyncSession, aanmelding: Aanmelding, now: datetime) -> int:
    """Everything about the casus: the rows (overleggen, actions and answers cascade)."""
    return await erase_all(session, [aanmelding], now)


async def erase_all(
    session: AsyncSession, aanmeldingen: Sequence[Aanmelding], now: datetime
) -> int:
    """:func:`erase` for many casussen at once; returns the messages to take back."""
    if not aanmeldingen:
        return 0
    redactions = await clean_all(session, [a for a in aanmeldingen if a.cleaned_at is None], now)
    ids = [a.id for a in aanmeldingen]
    await session.execute(delete(PvaActie).where(PvaActie.aanmelding_id.in_(ids)))
    await session.execute(delete(Overleg).where(Overleg.aanmelding_id.in_(ids)))
    for aanmelding in aanmeldingen:
        await session.delete(aanmelding)
    await session.flush()
    deleted_personal_data(session)
    return redactions


async def purge(
    transaction: Transaction,
    now: datetime,
    today: date,
    policy: RetentionPolicy,
    batch_size: int = PURGE_BATCH,
) -> PurgeReport:
    """One retention run: the due casussen in transactions of ``batch_size``, then the
    report."""
    report = PurgeReport()
    async with transaction() as session:
        due = [d for d in await plan(session, today, policy) if d.now]
    for start in range(0, len(due), batch_size):
        async with transaction() as session:
            done = await _purge_batch(session, due[start : start + batch_size], now)
        for what, n in done.counts.items():
            report.add(what, n)
    async with transaction() as session:
        report.add("berichten teruggenomen", await SentMessageRepository(session).redact_orphans())
        cutoff = datetime.combine(add_months(now.date(), -12 * policy.audit_years), now.timetz())
        old = await session.execute(delete(AuditEntry).where(AuditEntry.at < cutoff))
        report.add("auditregels verwijderd", int(getattr(old, "rowcount", 0) or 0))
        if report:
            await AuditRepository(session).add(now, "purge", "casusbot", None, report.counts)
            text = text_notice(
                f"Bewaartermijnen ({format_date(today)}): "
                + ", ".join(f"{n} {what}" for what, n in sorted(report.counts.items()))
                + ". Details (aantallen) staan in het auditlog."
            )
            managers = await MembershipService(session).with_role(Role.MANAGER)
            await queue(session, [Outgoing(m.dm_room_id, text) for m in managers if m.dm_room_id],
                        now)  # fmt: skip
            log.info("retention run: %s", report.counts)
    return report


async def _purge_batch(session: AsyncSession, batch: Sequence[Due], now: datetime) -> PurgeReport:
    """What is due for these casussen, each step checked against what is left to do."""
    report = PurgeReport()
    due = {item.reference: item.now for item in batch}
    found = (await session.execute(
        select(Aanmelding).where(Aanmelding.reference.in_(due)).order_by(Aanmelding.id)
    )).scalars().all()  # fmt: skip
    gone: list[Aanmelding] = []
    cleaned: list[Aanmelding] = []
    answers: list[Aanmelding] = []
    for aanmelding in found:
        now_due = due[aanmelding.reference]
        if "geen-casus" in now_due or "verwijderen" in now_due:
            gone.append(aanmelding)
        elif "opschonen" in now_due:
            cleaned.append(aanmelding)
        elif "verrijking" in now_due:
            answers.append(aanmelding)
    report.add("berichten teruggenomen", await erase_all(session, gone, now))
    geen_casus = sum("geen-casus" in due[a.reference] for a in gone)
    report.add("geen casus verwijderd", geen_casus)
    report.add("dossiers verwijderd", len(gone) - geen_casus)
    report.add("berichten teruggenomen", await clean_all(session, cleaned, now))
    report.add("dossiers opgeschoond", len(cleaned))
    if answers:
        report.add(
            "verrijkingsantwoorden verwijderd",
            await _drop_verrijking_of(session, [a.id for a in answers]),
        )
    return report
