"""The incident register in chat: ``incident melden [KENMERK]`` (anyone), ``incidenten``
and ``incident NR [gemeld | niet-melden REDEN]`` (managers and beheerders)."""

from __future__ import annotations

import re

from handlers.access import Action
from handlers.arguments import NUMMER, OPTIONAL_KENMERK
from handlers.commands import Arg, CommandContext, command
from handlers.directory import Directory
from handlers.errors import UserError
from handlers.house import House
from handlers.incidenten import texts
from handlers.incidenten.forms import FORM_NAME
from handlers.incidenten.register import decide
from handlers.messages import Paragraph, notice, register_reference
from handlers.vocabulary import ApBesluit

BESLUIT = Arg("besluit", "gemeld|niet-melden TOELICHTING", rest=True, optional=True)
ALLE = Arg("alle", "alle", lambda text: text.strip().lower() == "alle", optional=True)
# "niet melden" typed with a space is read the same.
BESLUIT_WORDS = {"gemeld": ApBesluit.GEMELD, "niet-melden": ApBesluit.NIET_MELDEN}


def parse_besluit(text: str) -> tuple[ApBesluit, str | None]:
    cleaned = re.sub(r"^niet\s+melden\b", "niet-melden", text.strip(), flags=re.IGNORECASE)
    word, _, rest = cleaned.partition(" ")
    besluit = BESLUIT_WORDS.get(word.lower())
    if besluit is None:
        raise UserError("Typ gemeld (het is gemeld bij de AP) of niet-melden met de reden.")
    return besluit, rest.strip() or None


class IncidentCommands:
    def __init__(self, house: House) -> None:
        self.house = house

    @command(
        "incident melden", action=Action.INCIDENT_MELDEN, args=(OPTIONAL_KENMERK,),
        summary="een (mogelijk) beveiligingsincident of datalek melden",
    )  # fmt: skip
    async def melden(self, ctx: CommandContext, kenmerk: str | None) -> None:
        if kenmerk is not None and await ctx.unit.aanmeldingen.by_reference(kenmerk) is None:
            raise UserError(f"Ik ken geen casus met kenmerk {kenmerk}. Meld zonder kenmerk, "
                            "en noem de casus in de omschrijving.")  # fmt: skip
        await ctx.start_form(FORM_NAME, ctx.questions_room(), kenmerk)

    @command(
        "incidenten", action=Action.INCIDENTEN, args=(ALLE,),
        summary="incidenten zonder besluit over melden bij de AP (met alle: het hele register)",
    )  # fmt: skip
    async def listing(self, ctx: CommandContext, alle: bool | None) -> None:
        found = await ctx.unit.incidenten.listing(bool(alle))
        ctx.reply(texts.listing(found, ctx.now, self.house.zone, bool(alle)))

    @command(
        "incident", action=Action.INCIDENTEN, args=(NUMMER, BESLUIT),
        usage="incident NR [gemeld · niet-melden REDEN]",
        summary="een incident lezen, of vastleggen of het bij de AP gemeld is",
        example="incident 4 niet-melden versleuteld bericht, niemand kon het lezen",
    )  # fmt: skip
    async def incident(self, ctx: CommandContext, nummer: int, besluit: str | None) -> None:
        incident = await ctx.unit.incidenten.get(nummer)
        if incident is None:
            raise UserError(f"Ik ken geen incident {nummer}.")
        if besluit is None:
            names = await Directory(ctx.unit, self.house).names(
                [incident.reported_by, incident.subject]
            )
            # The description may name someone: for the caller only.
            ctx.reply(texts.detail(incident, names, ctx.now, self.house.zone), sensitive=True,
                      reference=register_reference("incident", incident.id))  # fmt: skip
            return
        chosen, toelichting = parse_besluit(besluit)
        await decide(ctx.unit, incident, chosen, toelichting, ctx.caller.matrix_id, ctx.now)
        ctx.reply(notice(Paragraph(f"Vastgelegd: incident {nummer} is {texts.ap_word(chosen)}.")))
