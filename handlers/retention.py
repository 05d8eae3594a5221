"""Retention: what the policy says must be gone, goes (DOMAIN.md phase 5; Kennemerland
privacy protocol art. 11).

- geen casus: the aanmelding went at the decision; anything left is deleted here;
- afschaling: the verrijking answers go at once; after ``clean_months`` the file is
  cleaned (personal data and free text removed; reference and dates kept), the bot's
  messages about the casus are redacted and its room emptied and given up; after
  ``delete_months`` everything about the casus is gone;
- the audit log (no personal data) is kept ``audit_years``.

Each casus is handled in its own transaction, and every step checks what is left to do,
so a run that stops half-way is finished by the next one. Redactions and the room are
handed to the bot as persisted work (sent_messages, managed_rooms). Each run that did
something leaves an anonymous report (counts) in the audit log and tells the managers.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Callable
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
    result = await session.execute(
        delete(Verrijkingsverzoek).where(Verrijkingsverzoek.aanmelding_id == aanmelding.id)
    )
    deleted_personal_data(session)
    return int(getattr(result, "rowcount", 0) or 0)


async def clean(session: AsyncSession, aanmelding: Aanmelding, now: datetime) -> int:
    """Remove personal data and free text; keep reference and dates. Returns the number of
    messages the bot must take back."""
    for column in CLEANED_TEXT:
        setattr(aanmelding, column, None if column in NULLABLE else "")
    aanmelding.geboortedatum = None
    aanmelding.lookup_hash = None
    aanmelding.cleaned_at = now
    await session.execute(
        update(PvaActie).where(PvaActie.aanmelding_id == aanmelding.id).values(wat="")
    )
    await session.execute(
        update(Overleg).where(Overleg.aanmelding_id == aanmelding.id).values(locatie=None)
    )
    await drop_verrijking(session, aanmelding)
    await _drop_conversations_about(session, aanmelding.reference)
    redactions = await SentMessageRepository(session).request_redaction(aanmelding.reference)
    await ManagedRoomRepository(session).close(room_key(aanmelding.reference), now)
    deleted_personal_data(session)
    return redactions


async def _drop_conversations_about(session: AsyncSession, reference: str) -> None:
    """Half-finished forms about the casus (a verslag, an answer) hold personal data too."""
    result = await session.execute(select(Conversation))
    for conversation in result.scalars():
        if ConversationState.model_validate_json(conversation.state).subject == reference:
            await session.delete(conversation)


async def erase(session: AsyncSession, aanmelding: Aanmelding, now: datetime) -> int:
    """Everything about the casus: the rows (overleggen, actions and answers cascade)."""
    redactions = 0
    if aanmelding.cleaned_at is None:
        redactions = await clean(session, aanmelding, now)
    await session.execute(delete(PvaActie).where(PvaActie.aanmelding_id == aanmelding.id))
    await session.execute(delete(Overleg).where(Overleg.aanmelding_id == aanmelding.id))
    await session.delete(aanmelding)
    await session.flush()
    deleted_personal_data(session)
    return redactions


async def purge(
    transaction: Transaction, now: datetime, today: date, policy: RetentionPolicy
) -> PurgeReport:
    """One retention run: each casus in its own transaction, then the report."""
    report = PurgeReport()
    async with transaction() as session:
        due = [d for d in await plan(session, today, policy) if d.now]
    for item in due:
        async with transaction() as session:
            result = await session.execute(
                select(Aanmelding).where(Aanmelding.reference == item.reference)
            )
            aanmelding = result.scalar_one_or_none()
            if aanmelding is None:
                continue
            if "geen-casus" in item.now or "verwijderen" in item.now:
                report.add("berichten teruggenomen", await erase(session, aanmelding, now))
                report.add("geen casus verwijderd" if "geen-casus" in item.now
                           else "dossiers verwijderd")  # fmt: skip
            elif "opschonen" in item.now:
                report.add("berichten teruggenomen", await clean(session, aanmelding, now))
                report.add("dossiers opgeschoond")
            elif "verrijking" in item.now:
                report.add("verrijkingsantwoorden verwijderd",
                           await drop_verrijking(session, aanmelding))  # fmt: skip
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
