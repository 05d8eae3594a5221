"""The house's tafels: one werkproces on the same machinery per tafel (DOMAIN.md; seeds 001
Bijlage 3: the casusoverleg, nazorg ex-gedetineerden, radicalisering; 003 Bijlage 3: the
Regionale Casustafel).

A casus belongs to one tafel. A tafel declares who may put a casus forward, its intake
form, its partner sets, the outcomes of its triage (each one of the four effects the
werkproces knows), whether it works with a plan van aanpak or with a zwaarte-indicatie
(stoplicht) on leefgebieden, its retention periods and its privacy protocol. The default
tafel is the national casusoverleg; ``[tafels.KEY]`` in the config adds or reshapes tafels
(``bot/config_tafels.py``; examples in ``docs/tafels/``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from handlers.access import Caller, is_regie
from handlers.vocabulary import DEFAULT_TAFEL, TriageStatus


@dataclass(frozen=True)
class Besluit:
    """One outcome of a tafel's triage: what is typed, what is shown, what it does."""

    key: str
    # A template (handlers/wording.py): "geen casus voor {huis}".
    label: str
    effect: TriageStatus


# The national outcomes (DOMAIN.md phase 2); a tafel without its own list has these.
NATIONAL_OUTCOMES = (
    Besluit(TriageStatus.GEEN_CASUS.value, "geen casus voor {huis}", TriageStatus.GEEN_CASUS),
    Besluit(TriageStatus.ONDUIDELIJK.value, "nog onduidelijk", TriageStatus.ONDUIDELIJK),
    Besluit(TriageStatus.ZONDER_OVERLEG.value, "casus, geen {casusoverleg} nodig",
            TriageStatus.ZONDER_OVERLEG),
    Besluit(TriageStatus.CASUSOVERLEG.value, "casus voor {casusoverleg}",
            TriageStatus.CASUSOVERLEG),
)  # fmt: skip
STOPLICHT = ("groen", "oranje", "rood")
# The intake forms a tafel may name (declared in handlers/aanmelding/forms.py).
INTAKE_FORMS = ("aanmelding", "nazorg")


@dataclass(frozen=True)
class Tafel:
    key: str
    # Its name in sentences and lists; the default tafel's is the house's casusoverleg word.
    name: str = ""
    outcomes: tuple[Besluit, ...] = NATIONAL_OUTCOMES
    # Organisations whose partners may put a casus forward here (empty: every partner);
    # the procesregie always may (on a signal's behalf).
    aanmelders: tuple[str, ...] = ()
    # Only the procesregie files here (a signal that reaches them, e.g. from DJI).
    regie_only: bool = False
    # The intake form (a form declaration in handlers/aanmelding).
    intake_form: str = "aanmelding"
    # The partner set: only these organisations are asked or invited (empty: every one).
    partners: tuple[str, ...] = ()
    # Who answers for an organisation at this tafel (its own contacts: a casus here never
    # reaches the organisation's regular contacts); without an entry, the house's.
    contacts: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    # Asked for verrijking by default, and for a minor too; None: the house's triage sets.
    standard_partners: tuple[str, ...] | None = None
    minor_partners: tuple[str, ...] | None = None
    agenda_partners: tuple[str, ...] | None = None
    plan_van_aanpak: bool = True
    # The zwaarte-indicatie: a stoplicht per leefgebied (none: no stoplicht).
    leefgebieden: tuple[str, ...] = ()
    # The intake asks the expected release date; the procesregie is reminded this many
    # days before it (nazorg ex-gedetineerden).
    release_reminder_days: int | None = None
    # The weekly agenda lists the running casussen too, to monitor them at the tafel.
    monitoring: bool = False
    privacy_protocol: str = ""
    # Retention in months after the casus closed; None: the house's.
    clean_months: int | None = None
    delete_months: int | None = None

    @property
    def asks_release_date(self) -> bool:
        return self.release_reminder_days is not None

    def outcome(self, key: str) -> Besluit | None:
        return next((b for b in self.outcomes if b.key == key), None)

    def decided(self, status: TriageStatus, key: str | None) -> Besluit | None:
        """The outcome a casus got: its recorded key, else the first with its effect."""
        found = self.outcome(key) if key else None
        if found is not None and found.effect is status:
            return found
        return next((b for b in self.outcomes if b.effect is status), None)

    def in_set(self, organisation_key: str) -> bool:
        return not self.partners or organisation_key in self.partners

    def open_to(self, caller: Caller) -> bool:
        """Whether ``caller`` may put a casus forward at this tafel."""
        if is_regie(caller.role):
            return True
        if self.regie_only:
            return False
        return not self.aanmelders or caller.organisation_key in self.aanmelders


DEFAULT = Tafel(DEFAULT_TAFEL)


@dataclass(frozen=True)
class Tafels:
    """Every tafel of a house, the default first."""

    all: tuple[Tafel, ...] = (DEFAULT,)

    @property
    def default(self) -> Tafel:
        return self.all[0]

    @property
    def several(self) -> bool:
        return len(self.all) > 1

    def get(self, key: str | None) -> Tafel:
        """A casus's tafel; one the config no longer has works as the default's rules."""
        return next((t for t in self.all if t.key == key), self.default)

    def open_to(self, caller: Caller) -> list[Tafel]:
        return [t for t in self.all if t.open_to(caller)]

    def find(self, text: str, among: Sequence[Tafel]) -> Tafel | None:
        """A tafel as typed: its number in ``among``, its key, or its name."""
        wanted = " ".join(text.lower().split())
        if wanted.isdigit() and 1 <= int(wanted) <= len(among):
            return among[int(wanted) - 1]
        for tafel in among:
            if wanted in (tafel.key, tafel.name.lower()):
                return tafel
        return None
