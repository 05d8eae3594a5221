"""Anonymous facts for the figures, written at each transition of the werkproces: no
reference, no name, no free text; a day, the tafel, the aanmelder's organisation, an
outcome and a duration. They outlive the casus they came from (the covenants' yearly
figures count casussen long deleted)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from handlers.vocabulary import FeitSoort
from storage.models.base import Base
from storage.types import EnumText


class Feit(Base):
    __tablename__ = "feiten"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    soort: Mapped[FeitSoort] = mapped_column(EnumText(FeitSoort, 16))
    day: Mapped[date] = mapped_column(Date, index=True)
    tafel: Mapped[str] = mapped_column(String(32))
    organisation_key: Mapped[str] = mapped_column(String(32))
    # The triage outcome, why a casus closed, or whether an action was done in time.
    outcome: Mapped[str | None] = mapped_column(String(32), default=None)
    route: Mapped[str | None] = mapped_column(String(16), default=None)
    evaluation: Mapped[str | None] = mapped_column(String(16), default=None)
    # The step's duration in days: aanmelding to besluit, besluit to the first overleg,
    # besluit to the close (time in uitvoering).
    days: Mapped[int | None] = mapped_column(Integer, default=None)
