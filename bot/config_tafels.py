"""``[tafels.KEY]``: the house's tafels (handlers/tafels.py), validated at start-up.

Without a ``[tafels]`` section the house has one tafel, the national casusoverleg
(``casusoverleg``). ``[tafels.casusoverleg]`` reshapes that one (IJsselland's outcomes and
monitoring agenda); any other key adds a tafel. Examples: ``docs/tafels/``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from handlers.tafels import INTAKE_FORMS
from handlers.vocabulary import DEFAULT_TAFEL, OUTCOMES, TriageStatus

TafelKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,31}$")]
OrgKey = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,31}$")]
OutcomeKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,47}$")]
Effect = Literal["geen-casus", "onduidelijk", "casus-zonder-overleg", "casusoverleg"]
Months = Annotated[int, Field(ge=1, le=240)]
MatrixId = Annotated[str, Field(pattern=r"^@[a-z0-9._=\-/+]+:[A-Za-z0-9.\-]+(:[0-9]{1,5})?$")]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OutcomeSettings(_Section):
    """One outcome of the tafel's triage: typed as ``key``, shown as ``label``, and what it
    does (``effect``: one of the four outcomes of the werkproces)."""

    key: OutcomeKey
    label: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[^{}]*$")]
    effect: Effect


class TafelSettings(_Section):
    # Its name in lists and sentences; the default tafel's is the casusoverleg word.
    name: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[^{}]*$")] | None = None
    # Organisations whose partners may put a casus forward here ([] : every partner).
    aanmelders: list[OrgKey] = []
    # Only the procesregie files a casus here (on a signal's behalf).
    regie_only: bool = False
    intake_form: str = "aanmelding"
    # The tafel's partner set ([]: every organisation); the triage's sets default to the
    # house's [triage] ones.
    partners: list[OrgKey] = []
    # Its own contact persons per organisation (never mixed with the regular tafel's);
    # without an entry, the house's [triage.contacts].
    contacts: dict[OrgKey, list[MatrixId]] = {}
    standard_partners: list[OrgKey] | None = None
    minor_partners: list[OrgKey] | None = None
    agenda_partners: list[OrgKey] | None = None
    # [] : the four national outcomes.
    outcomes: list[OutcomeSettings] = []
    plan_van_aanpak: bool = True
    # A stoplicht (groen/oranje/rood) per leefgebied instead of, or besides, a plan.
    leefgebieden: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,31}$")]] = []
    # The intake asks the expected release date; reminded this many days before.
    release_reminder_days: Annotated[int, Field(ge=0, le=90)] | None = None
    monitoring: bool = False
    privacy_protocol: Annotated[str, Field(max_length=200)] = ""
    clean_months: Months | None = None
    delete_months: Months | None = None

    @field_validator("intake_form")
    @classmethod
    def _form(cls, value: str) -> str:
        if value not in INTAKE_FORMS:
            raise ValueError(f"onbekend formulier (kies uit: {', '.join(INTAKE_FORMS)})")
        return value

    @field_validator("outcomes")
    @classmethod
    def _outcomes(cls, value: list[OutcomeSettings]) -> list[OutcomeSettings]:
        if not value:
            return value
        keys = [o.key for o in value]
        if len(set(keys)) != len(keys):
            raise ValueError("een uitkomst staat er twee keer in")
        if all(o.effect == TriageStatus.ONDUIDELIJK.value for o in value):
            raise ValueError("nodig: minstens één uitkomst die besluit (niet alleen onduidelijk)")
        national = {s.value for s in OUTCOMES}
        for outcome in value:
            if outcome.key in national and outcome.key != outcome.effect:
                raise ValueError(f"{outcome.key} is een landelijke uitkomst met een ander effect")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> TafelSettings:
        # delete_months against clean_months is checked with the house's own periods
        # filled in (bot/wiring.py), where either may come from.
        if self.regie_only and self.aanmelders:
            raise ValueError("regie_only en aanmelders sluiten elkaar uit")
        # The verslag of a casusoverleg is its plan van aanpak: a tafel without one has no
        # outcome that leads to a casusoverleg (the national four include one).
        if not self.plan_van_aanpak and (
            not self.outcomes
            or any(o.effect == TriageStatus.CASUSOVERLEG.value for o in self.outcomes)
        ):
            raise ValueError("zonder plan van aanpak horen eigen uitkomsten (outcomes) "
                             "zonder effect casusoverleg")  # fmt: skip
        return self


def check_tafels(tafels: dict[str, TafelSettings]) -> dict[str, TafelSettings]:
    """Every tafel but the default has a name."""
    for key, tafel in tafels.items():
        if key != DEFAULT_TAFEL and tafel.name is None:
            raise ValueError(f"{key}: geef de tafel een naam (name = ...)")
    return tafels
