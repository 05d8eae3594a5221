"""``geïnformeerd KENMERK [DATUM]`` and ``informeren uitstellen KENMERK DATUM REDEN``: the
aanmelder, the casusregisseur or the procesregie records that the betrokkene was told."""

from __future__ import annotations

from datetime import date, timedelta

from handlers.access import Action
from handlers.arguments import KENMERK
from handlers.commands import Arg, CommandContext, command
from handlers.conversation.parsing import parse_day, parse_dutch_date, parse_text
from handlers.errors import UserError
from handlers.house import House
from handlers.informeren import texts
from handlers.informeren.service import informed, postpone
from handlers.triage.service import TriageService

WANNEER = Arg("wanneer", "[persoon NR] DATUM", rest=True, optional=True)
TOT_EN_REDEN = Arg("tot", "[persoon NR] DATUM REDEN", rest=True)


PAST_DAYS = {"vandaag": 0, "gisteren": 1, "eergisteren": 2}


def _past_day(text: str, today: date) -> date:
    word = text.strip().lower().rstrip(".")
    if word in PAST_DAYS:
        return today - timedelta(days=PAST_DAYS[word])
    return parse_dutch_date(text, today, past=True)


def _person(text: str | None) -> tuple[int | None, str]:
    """'persoon 2 3-12' → (2, '3-12'); without 'persoon N': (None, the text)."""
    words = (text or "").split()
    if len(words) >= 2 and words[0].lower() in ("persoon", "p") and words[1].isdigit():
        return int(words[1]), " ".join(words[2:])
    return None, text or ""


def _day_and_rest(text: str, today: date) -> tuple[date, str]:
    """'1-3-2027 lopend onderzoek', '1 maart 2027 lopend onderzoek': the date, then why."""
    words = text.split()
    for n in (3, 2, 1):
        if len(words) > n:
            try:
                return parse_day(" ".join(words[:n]), today), " ".join(words[n:])
            except UserError:
                continue
    raise UserError("Geef de datum en de reden: informeren uitstellen KENMERK DATUM REDEN.")


class InformerenCommands:
    def __init__(self, house: House) -> None:
        self.house = house

    @command(
        "geïnformeerd", "geinformeerd", action=Action.INFORMEREN, args=(KENMERK, WANNEER),
        summary="vastleggen dat de betrokkene is geïnformeerd over de verwerking (bij een "
                "gezin: iedereen, of persoon NR)",
        example="geïnformeerd {kenmerk} 3-12",
    )  # fmt: skip
    async def geinformeerd(self, ctx: CommandContext, kenmerk: str, wanneer: str | None) -> None:
        aanmelding = await TriageService(ctx.unit, self.house).find(kenmerk)
        number, day = _person(wanneer)
        on = _past_day(day, ctx.today) if day.strip() else ctx.today
        chosen = await informed(ctx.unit, aanmelding, on, ctx.caller, ctx.now, self.house.zone,
                                number)  # fmt: skip
        ctx.reply(texts.recorded(aanmelding, chosen, on), True, aanmelding.reference)

    @command(
        "informeren uitstellen", action=Action.INFORMEREN, args=(KENMERK, TOT_EN_REDEN),
        summary="vastleggen tot wanneer en waarom de betrokkene later wordt geïnformeerd "
                "(bij een gezin: iedereen, of persoon NR)",
        example="informeren uitstellen {kenmerk} 1-3-2027 lopend onderzoek",
    )  # fmt: skip
    async def uitstellen(self, ctx: CommandContext, kenmerk: str, tot: str) -> None:
        aanmelding = await TriageService(ctx.unit, self.house).find(kenmerk)
        number, rest = _person(tot)
        until, reden = _day_and_rest(rest, ctx.today)
        chosen = await postpone(ctx.unit, aanmelding, until, parse_text(reden, 500, "reden"),
                                ctx.caller, ctx.now, ctx.today, number)  # fmt: skip
        ctx.reply(texts.postponed(aanmelding, chosen, until), True, aanmelding.reference)
