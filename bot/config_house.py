"""The house's own settings: its name, reference prefix, procesregie room, the houses it
hands casussen over to, and its words for the national terms (handlers/wording.py)."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

ROOM_ID_RE = re.compile(r"^![A-Za-z0-9._~+/=\-]{1,255}(:[A-Za-z0-9.\-]+(:[0-9]{1,5})?)?$")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Word = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[^{}]*\S[^{}]*$")]


class TermTable(Section):
    """A term with what the simple rules would get wrong: its plural and its article."""

    woord: Word
    meervoud: Word | None = None
    lidwoord: Literal["de", "het"] | None = None


# A term is its word ("MDO"), or a table: { woord = "casustafel", lidwoord = "de" }.
TermSetting = Word | TermTable


class Terminology(Section):
    """The words a house uses for the national terms (DOMAIN.md, 'Terminology')."""

    casusoverleg: TermSetting = "casusoverleg"
    procesregie: TermSetting = "procesregie"
    procesregisseur: TermSetting = "procesregisseur"
    casusregisseur: TermSetting = "casusregisseur"
    triage: TermSetting = "triage"
    procesondersteuner: TermSetting = "procesondersteuner"
    manager: TermSetting = "manager"
    # How a sentence names the house: "het ZVH", "het Veiligheidshuis".
    huis: Word = "het ZVH"


class HouseSettings(Section):
    name: str = "Zorg- en Veiligheidshuis"
    timezone: str = "Europe/Amsterdam"
    reference_prefix: Annotated[str, Field(pattern=r"^[A-Z]{2,6}$")] = "ZVH"
    # E2EE room of the procesregisseurs and procesondersteuners (the bot must be in it).
    # Without it, new aanmeldingen are announced in their direct chats with the bot.
    procesregie_room: str | None = None
    terminology: Terminology = Terminology()
    # Other Zorg- en Veiligheidshuizen a casus may be handed over to (``overdragen KENMERK
    # KEY``): key → name. The bot makes the hand-over document; the procesregie sends it
    # through the channel the houses agreed on.
    other_houses: dict[Annotated[str, Field(pattern=r"^[a-z0-9-]{2,32}$")], str] = {}

    @field_validator("procesregie_room")
    @classmethod
    def _room_id(cls, value: str | None) -> str | None:
        # Room versions up to 11 end in ":server"; version 12 room ids have no server part.
        if value is not None and not ROOM_ID_RE.match(value):
            raise ValueError("is geen kamer-ID zoals !abcdef:zvh.example")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("onbekende tijdzone (bijvoorbeeld Europe/Amsterdam)") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
