"""The house's configuration as the domain sees it: its words, rooms, partners and periods.

``bot/config.py`` reads and validates the file; ``bot/wiring.py`` turns it into a
:class:`House`. Every phase gets the same House when its feature is built, so no command
reaches into a bag of services for its settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from zoneinfo import ZoneInfo

from handlers.tafels import Tafel, Tafels
from handlers.wording import Wording as Wording
from scheduler.workhours import WorkingTime

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True)
class TriageConfig:
    """Triage and verrijking (DOMAIN.md phase 2; Kennemerland: weekly triage meeting)."""

    standard_partners: tuple[str, ...] = ("om", "politie", "reclassering")
    minor_partners: tuple[str, ...] = ("rvdk",)
    # Contact persons per organisation; without an entry, its partner members.
    contacts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    answer_working_days: int = 3
    agenda_weekday: int = 0  # Monday
    agenda_time: time = time(9, 0)
    # Partners who weigh the aanmeldingen with the procesregie get the weekly agenda too
    # (references only); one that is also a minors' partner only the items about a minor.
    agenda_partners: tuple[str, ...] = ()


@dataclass(frozen=True)
class OverlegConfig:
    """The invitation policy (Gelderland-Midden art. 8.3c, 12.2f / 13.2d)."""

    personalia: tuple[str, ...] = ("voornaam", "achternaam", "geboortedatum", "woonplaats")
    share_verrijking: bool = True
    # An incidental participant sees, of the personalia above, only these.
    incidental_personalia: tuple[str, ...] = ("voornaam", "achternaam")

    def allowed(self, incidental_present: bool) -> tuple[str, ...]:
        """The personalia a message in a casus room may carry."""
        if not incidental_present:
            return self.personalia
        return tuple(f for f in self.personalia if f in self.incidental_personalia)


@dataclass(frozen=True)
class ReminderPolicy:
    """Plan-van-aanpak deadlines: reminders before, an escalation after."""

    before: tuple[int, ...] = (3, 0)
    escalate_after: int = 1


@dataclass(frozen=True)
class RetentionPolicy:
    """How long what is kept (DOMAIN.md phase 5; Kennemerland Bijlage 3, "Afschaling": the
    plan kept 6 months after afschaling, then the file cleaned; after a year gone)."""

    clean_months: int = 6
    delete_months: int = 12
    audit_years: int = 5
    draft_days: int = 7
    draft_reminder_hours: int = 24
    # An aanmelding without a decision: the procesregie is reminded every undecided_days;
    # after undecided_max_days it is deleted.
    undecided_days: int = 14
    undecided_max_days: int = 90
    # A running casus where nothing happened for stale_months: "nog nodig?"; unanswered
    # after stale_escalate_working_days, the managers hear of it.
    stale_months: int = 6
    stale_escalate_working_days: int = 10

    @property
    def longest_days(self) -> int:
        """The longest any personal data waits for the bot's next step (a bound for tests
        and for the dry run's promise that nothing is forgotten)."""
        months = max(self.delete_months, self.stale_months)
        return max(self.undecided_max_days, 31 * months + self.stale_escalate_working_days * 2)


@dataclass(frozen=True)
class RegisterPolicy:
    """The registers of AVG requests and incidents (AVG art. 12, 33)."""

    # A request's handler is reminded this many days before its legal deadline.
    remind_days: int = 7
    # An incident without an AP decision is brought up again every so many hours.
    incident_remind_hours: int = 24
    # Who asked and what is cleared this many months after the decision.
    clean_months: int = 24


@dataclass(frozen=True)
class House:
    words: Wording = field(default_factory=Wording)
    # The E2EE room of the procesregie; without it, their direct chats.
    procesregie_room: str | None = None
    working_time: WorkingTime = field(default_factory=lambda: WorkingTime(zone=AMSTERDAM))
    triage: TriageConfig = field(default_factory=TriageConfig)
    overleg: OverlegConfig = field(default_factory=OverlegConfig)
    reminders: ReminderPolicy = field(default_factory=ReminderPolicy)
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    registers: RegisterPolicy = field(default_factory=RegisterPolicy)
    review_months: tuple[int, ...] = (1, 7)
    # A house's own wording for the questions of a form: {form: {step key: prompt}}.
    prompts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Other houses a casus may be handed over to: key → name.
    other_houses: Mapping[str, str] = field(default_factory=dict)
    tafels: Tafels = field(default_factory=Tafels)

    @property
    def zone(self) -> ZoneInfo:
        return self.working_time.zone

    @property
    def name(self) -> str:
        return self.words.house_name

    @property
    def reference_prefix(self) -> str:
        return self.words.reference_prefix

    def tafel(self, key: str | None) -> Tafel:
        return self.tafels.get(key)

    def retention_for(self, key: str | None) -> RetentionPolicy:
        """The retention of a tafel: its own periods where it has them."""
        tafel = self.tafels.get(key)
        return replace(
            self.retention,
            clean_months=tafel.clean_months or self.retention.clean_months,
            delete_months=tafel.delete_months or self.retention.delete_months,
        )

    def triage_for(self, key: str | None) -> TriageConfig:
        """The triage's partner sets of a tafel: its own where it has them."""
        tafel, triage = self.tafels.get(key), self.triage
        return replace(
            triage,
            standard_partners=_or(tafel.standard_partners, triage.standard_partners),
            minor_partners=_or(tafel.minor_partners, triage.minor_partners),
            agenda_partners=_or(tafel.agenda_partners, triage.agenda_partners),
        )


def _or(own: tuple[str, ...] | None, house: tuple[str, ...]) -> tuple[str, ...]:
    return house if own is None else own
