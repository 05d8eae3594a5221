"""``stoplicht KENMERK [leefgebied kleur ...]``: the zwaarte-indicatie of a casus, read or
set per leefgebied (groen, oranje, rood), by the procesregie, in its room or own chat."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date

from handlers.aanmelding.forms import release_date
from handlers.access import Action
from handlers.arguments import KENMERK
from handlers.commands import Arg, CommandContext, command
from handlers.conversation.form import FormContext
from handlers.conversation.parsing import format_date
from handlers.errors import UserError
from handlers.house import House
from handlers.messages import Bold, Code, Notice, Outgoing, Paragraph, Table, notice
from handlers.tafels import STOPLICHT, Tafel
from handlers.triage.commands import regie_audience
from handlers.triage.service import TriageService
from handlers.vocabulary import AuditKind, Phase
from storage.models import Aanmelding

# "geel" is what people say for the middle light.
COLOUR_WORDS = {"groen": "groen", "oranje": "oranje", "geel": "oranje", "amber": "oranje",
                "rood": "rood"}  # fmt: skip
COLOURS_SHOWN = {"groen": "🟢 groen", "oranje": "🟠 oranje", "rood": "🔴 rood"}


def read_zwaarte(aanmelding: Aanmelding) -> dict[str, str]:
    return dict(json.loads(aanmelding.zwaarte)) if aanmelding.zwaarte else {}


def _leefgebied(word: str, tafel: Tafel) -> str:
    """A leefgebied by its name or the unambiguous start of it ("id" → identiteitsbewijs)."""
    if word in tafel.leefgebieden:
        return word
    starts = [name for name in tafel.leefgebieden if name.startswith(word)]
    if len(starts) == 1 and len(word) >= 2:
        return starts[0]
    raise UserError(f"'{word[:30]}' is geen leefgebied hier. Kies uit: "
                    f"{', '.join(tafel.leefgebieden)}.")  # fmt: skip


def parse_settings(text: str, tafel: Tafel) -> dict[str, str]:
    """'onderdak rood, inkomen: oranje' → {onderdak: rood, inkomen: oranje}."""
    words = [w for w in re.split(r"[\s,;:=]+", text.lower()) if w]
    if len(words) % 2:
        raise UserError("Geef per leefgebied een kleur, bijvoorbeeld: onderdak rood inkomen "
                        "oranje.")  # fmt: skip
    found: dict[str, str] = {}
    for name, colour in zip(words[::2], words[1::2], strict=True):
        if colour not in COLOUR_WORDS:
            raise UserError(f"'{colour[:20]}' is geen kleur van het stoplicht: groen, oranje of "
                            "rood.")  # fmt: skip
        found[_leefgebied(name, tafel)] = COLOUR_WORDS[colour]
    return found


def zwaarte_view(aanmelding: Aanmelding, tafel: Tafel, house: House) -> Notice:
    current = read_zwaarte(aanmelding)
    rows = tuple((name, COLOURS_SHOWN.get(current.get(name, ""), "—"))
                 for name in tafel.leefgebieden)  # fmt: skip
    worst = next((c for c in reversed(STOPLICHT) if c in current.values()), None)
    return notice(
        Paragraph(Bold(f"Stoplicht {aanmelding.reference}"), f" ({house.words.tafel(tafel.key)})",
                  f" — zwaarste: {COLOURS_SHOWN[worst]}" if worst else ""),
        Table(("leefgebied", "zwaarte"), rows),
        Paragraph("Aanpassen: ", Code(f"stoplicht {aanmelding.reference} "
                                      f"{tafel.leefgebieden[0]} oranje"), "."),
    )  # fmt: skip


class ZwaarteCommands:
    def __init__(self, house: House) -> None:
        self.house = house

    async def _open_casus(
        self, ctx: CommandContext, kenmerk: str, without: str, fits: Callable[[Tafel], bool],
    ) -> tuple[frozenset[str], Aanmelding, Tafel]:  # fmt: skip
        """Who reads the answer (the procesregie, in its room or own chat), the casus and
        its tafel, when the tafel has this (``fits``) and the casus is not closed."""
        audience = await regie_audience(ctx, self.house)
        aanmelding = await TriageService(ctx.unit, self.house).find(kenmerk)
        tafel = self.house.tafel(aanmelding.tafel)
        if not fits(tafel):
            raise UserError(f"{aanmelding.reference} hoort bij "
                            f"{self.house.words.tafel(tafel.key)}: {without}.")  # fmt: skip
        if aanmelding.closed_on is not None:
            raise UserError(f"{aanmelding.reference} is afgesloten.")
        return audience, aanmelding, tafel

    @command(
        "stoplicht", "zwaarte", action=Action.ZWAARTE,
        args=(KENMERK, Arg("kleuren", "leefgebied kleur ...", rest=True, optional=True)),
        example="stoplicht {kenmerk} onderdak rood",
        summary="de zwaarte-indicatie per leefgebied bekijken of bijwerken (groen/oranje/rood)",
    )  # fmt: skip
    async def stoplicht(self, ctx: CommandContext, kenmerk: str, kleuren: str | None) -> None:
        audience, aanmelding, tafel = await self._open_casus(
            ctx, kenmerk, "daar werken we zonder stoplicht", lambda t: bool(t.leefgebieden)
        )
        if kleuren:
            changed = parse_settings(kleuren, tafel)
            aanmelding.zwaarte = json.dumps(read_zwaarte(aanmelding) | changed)
            await ctx.unit.audit.add(
                ctx.now, AuditKind.ZWAARTE, ctx.caller.matrix_id, aanmelding.reference,
                {"leefgebieden": sorted(changed)}, phase=Phase.UITVOERING,
            )  # fmt: skip
        view = zwaarte_view(aanmelding, tafel, self.house)
        ctx.send(Outgoing(ctx.room_id, view, True, audience, aanmelding.reference))

    @command(
        "vrijlating", action=Action.ZWAARTE, args=(KENMERK, Arg("datum", "DATUM", rest=True)),
        example="vrijlating {kenmerk} 1-5-2027",
        summary="de verwachte datum van vrijlating vastleggen of verbeteren (nazorg)",
    )  # fmt: skip
    async def vrijlating(self, ctx: CommandContext, kenmerk: str, datum: str) -> None:
        audience, aanmelding, _ = await self._open_casus(
            ctx, kenmerk, "daar hoort geen datum van vrijlating bij", lambda t: t.asks_release_date
        )
        day = date.fromisoformat(release_date(datum, FormContext(ctx.today), {}))
        # A new date: the reminder comes again, ahead of it.
        aanmelding.vrijlating_op, aanmelding.vrijlating_reminded_at = day, None
        await ctx.unit.audit.add(
            ctx.now, AuditKind.CORRECTED, ctx.caller.matrix_id, aanmelding.reference,
            {"fields": ["vrijlating"]}, phase=Phase.UITVOERING,
        )  # fmt: skip
        text = notice(Paragraph(f"{aanmelding.reference}: verwachte vrijlating ",
                                Bold(format_date(day)), "."))  # fmt: skip
        ctx.send(Outgoing(ctx.room_id, text, True, audience, aanmelding.reference))
