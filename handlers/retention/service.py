"""Retention: what the policy says must be gone, goes, on every route through the werkproces
(DOMAIN.md phase 5).

- geen casus: the aanmelding goes at the decision; anything left is deleted here;
- not decided on: after ``undecided_max_days`` the aanmelding is deleted (the aanmelder and
  the procesregie are told); the procesregie is reminded before (``scheduler/jobs``);
- closed (afgeschaald by the casusoverleg, or afgesloten by the procesregisseur): the
  verrijking answers go at once; after ``clean_months`` the file is cleaned (personal data
  and free text removed; reference and dates kept), the bot's messages about the casus are
  redacted and its room emptied and given up; after ``delete_months`` everything is gone
  (Kennemerland Bijlage 3, "Afschaling": 6 and 12 months; Gelderland-Midden and IJsselland,
  phase 5: "gefaseerd verwijderd, conform artikel 11 van het Privacy Protocol");
- running: it is not deleted, but it cannot be forgotten: when nothing happened in it for
  ``stale_months`` the bot asks whether it is still needed (``handlers/afsluiting``);
- the audit log (no personal data) is kept ``audit_years``.

:func:`fates` says for every aanmelding what happens to it and when (the dry run, and the
jobs); this module also does the cleaning and deleting, in a unit of work.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.conversation.service import forget_conversations_about
from handlers.house import House, RetentionPolicy
from handlers.messages import Outgoing, casus_room
from handlers.retention.texts import undecided_deleted, undecided_gone
from handlers.triage.service import TriageService
from handlers.vocabulary import Route, TriageStatus
from scheduler.workhours import WorkingTime
from storage.casus import RetentionRow, RunningRow
from storage.models import Aanmelding
from storage.unit import Unit

# What is due for one aanmelding, in the words of the dry run.
GEEN_CASUS, ONBESLIST = "geen-casus", "onbeslist"
VERRIJKING, OPSCHONEN, VERWIJDEREN = "verrijking", "opschonen", "verwijderen"
# The next step for a running casus.
ASK, ESCALATE = "vragen", "escaleren"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Fate:
    """What happens to one aanmelding, and when (dates in the house's zone)."""

    reference: str
    status: str
    # Personal data and free text gone; everything gone. None for a running casus.
    clean_on: date | None
    delete_on: date | None
    # A running casus: the next "nog nodig?" question (or, once asked, the escalation).
    ask_on: date | None = None
    step: str = ""
    # What is due today.
    now: tuple[str, ...] = ()
    # Cleaned already: the next step is the deletion.
    cleaned: bool = False

    @property
    def next_on(self) -> date:
        """The next date the bot does something with it (every aanmelding has one)."""
        dated = self.ask_on or (self.delete_on if self.cleaned else self.clean_on)
        assert dated is not None, "a retention fate has its dates"
        return dated


# Shown in the house's words (see :func:`fates`).
STATUS = {
    TriageStatus.OPEN: "in {triage}",
    TriageStatus.ONDUIDELIJK: "in {triage} (onduidelijk)",
    TriageStatus.GEEN_CASUS: "geen casus",
    TriageStatus.ZONDER_OVERLEG: "casus zonder {casusoverleg}",
    TriageStatus.CASUSOVERLEG: "{casusoverleg}",
}


def retention_fate(row: RetentionRow, today: date, policy: RetentionPolicy, zone: ZoneInfo) -> Fate:
    """Closed, 'geen casus' or not decided on: when its data goes."""
    if row.triage_status is TriageStatus.GEEN_CASUS:
        return Fate(row.reference, STATUS[row.triage_status], today, today, now=(GEEN_CASUS,))
    if row.closed_on is None:  # not decided on
        submitted = row.submitted_at.astimezone(zone).date()
        deleted = submitted + timedelta(days=policy.undecided_max_days)
        undecided = (ONBESLIST,) if today >= deleted else ()
        return Fate(row.reference, STATUS[row.triage_status], deleted, deleted, now=undecided)
    clean_on = add_months(row.closed_on, policy.clean_months)
    delete_on = add_months(row.closed_on, policy.delete_months)
    due: list[str] = []
    if row.has_answers:
        due.append(VERRIJKING)
    if row.cleaned_at is None and today >= clean_on:
        due.append(OPSCHONEN)
    if today >= delete_on:
        due.append(VERWIJDEREN)
    status = "opgeschoond" if row.cleaned_at else str(row.closed_route or Route.AFGESCHAALD)
    return Fate(
        row.reference, status, clean_on, delete_on, now=tuple(due), cleaned=bool(row.cleaned_at)
    )


def last_activity(row: RunningRow) -> datetime:
    """When something last happened in a running casus: the decision, a confirmation that
    it is still needed, an overleg (planned, or on its date), an action (added, done, given a
    new deadline)."""
    moments = (row.decided_at, row.still_needed_at, row.overleg_at, row.overleg_planned_at,
               row.action_at, row.action_done_at, row.action_deadline_set_at)  # fmt: skip
    return max(m for m in moments if m is not None)


def later_months(moment: datetime, months: int, working: WorkingTime) -> datetime:
    """The same local time ``months`` later, at the next working moment."""
    local = moment.astimezone(working.zone)
    day = add_months(local.date(), months)
    return working.next_working_moment(datetime.combine(day, local.timetz()))


def next_question(row: RunningRow, house: House, now: datetime) -> tuple[str, datetime]:
    """The bot's next step for a running casus: ask "nog nodig?" ``stale_months`` after the
    last activity; once asked and unanswered, tell the managers; then ask again a period
    later. Any activity, or ``nog nodig KENMERK ja``, starts the clock over. After a long
    downtime only the latest step is due: a new question replaces an old escalation."""
    policy, working = house.retention, house.working_time
    activity = last_activity(row)
    asked = row.stale_asked_at
    if asked is None or asked < activity:
        return ASK, later_months(activity, policy.stale_months, working)
    again = later_months(asked, policy.stale_months, working)
    escalated = row.stale_escalated_at is not None and row.stale_escalated_at >= asked
    if not escalated and now < again:
        return ESCALATE, working.add_working_days(asked, policy.stale_escalate_working_days)
    return ASK, again


async def fates(unit: Unit, house: House, today: date, now: datetime | None = None) -> list[Fate]:
    """Every aanmelding and what happens to it, in reference order: no row without a date
    (``now``: the moment within ``today``, its start when not given)."""
    zone = house.zone
    moment = now or datetime.combine(today, datetime.min.time(), tzinfo=zone)
    candidates = await unit.aanmeldingen.retention_candidates()
    found = [retention_fate(row, today, house.retention_for(row.tafel), zone) for row in candidates]
    for row in await unit.aanmeldingen.running():
        step, when = next_question(row, house, moment)
        found.append(Fate(row.reference, STATUS[row.triage_status], None, None,
                          when.astimezone(zone).date(), step))  # fmt: skip
    return sorted(
        (replace(fate, status=house.words.fill(fate.status)) for fate in found),
        key=lambda fate: fate.reference,
    )


async def due(unit: Unit, house: House, today: date) -> list[Fate]:
    """What retention must do today (references and dates only: read every tick)."""
    zone = house.zone
    candidates = await unit.aanmeldingen.retention_candidates()
    fates = (retention_fate(row, today, house.retention_for(row.tafel), zone) for row in candidates)
    return [f for f in fates if f.now]


async def drop_verrijking(unit: Unit, aanmelding: Aanmelding) -> int:
    """The partners' answers are not needed once the casus is closed."""
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


@dataclass
class PurgeReport:
    counts: dict[str, int] = field(default_factory=dict)
    outgoing: list[Outgoing] = field(default_factory=list)

    def add(self, what: str, n: int = 1) -> None:
        if n:
            self.counts[what] = self.counts.get(what, 0) + n


async def purge_batch(
    unit: Unit, house: House, batch: Sequence[Fate], now: datetime
) -> PurgeReport:
    """What is due for these aanmeldingen, each step checked against what is left to do."""
    report = PurgeReport()
    due_now = {item.reference: item.now for item in batch}
    gone: list[Aanmelding] = []
    cleaned: list[Aanmelding] = []
    answers: list[Aanmelding] = []
    undecided: list[Aanmelding] = []
    for aanmelding in await unit.aanmeldingen.by_references(list(due_now)):
        now_due = due_now[aanmelding.reference]
        if ONBESLIST in now_due and aanmelding.triage_status.undecided:
            undecided.append(aanmelding)
        elif GEEN_CASUS in now_due or VERWIJDEREN in now_due:
            gone.append(aanmelding)
        elif OPSCHONEN in now_due:
            cleaned.append(aanmelding)
        elif VERRIJKING in now_due:
            answers.append(aanmelding)
    triage = TriageService(unit, house)
    days = house.retention.undecided_max_days
    for aanmelding in undecided:
        # The partners still asked hear the request is withdrawn; the aanmelder and the
        # procesregie why it is gone (the reference only: these messages stay).
        reference = aanmelding.reference
        told = await triage.withdraw(aanmelding)
        told += await triage.directory.to_procesregie(
            undecided_gone(reference, days), None, sensitive=False
        )
        aanmelder = await triage.directory.to_own_chat(
            aanmelding.aanmelder_matrix_id, undecided_deleted(reference, days)
        )
        report.outgoing += [item.kept() for item in [*told, aanmelder] if item is not None]
    report.add("berichten teruggenomen", await erase(unit, [*gone, *undecided], now))
    geen_casus = sum(GEEN_CASUS in due_now[a.reference] for a in gone)
    report.add("geen casus verwijderd", geen_casus)
    report.add("onbesliste aanmeldingen verwijderd", len(undecided))
    report.add("dossiers verwijderd", len(gone) - geen_casus)
    report.add("berichten teruggenomen", await clean(unit, cleaned, now))
    report.add("dossiers opgeschoond", len(cleaned))
    if answers:
        report.add(
            "verrijkingsantwoorden verwijderd",
            await unit.verrijking.delete_for([a.id for a in answers]),
        )
    return report
