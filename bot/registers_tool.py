"""The registers on the command line: ``casusbot verzoeken``, ``casusbot verzoek …`` and
``casusbot incidenten``, for the beheerder or privacy officer at a terminal. The same
domain functions as the chat commands; what they send goes through the outbox (the
running bot delivers it)."""

from __future__ import annotations

from datetime import datetime

from bot.tool import CLI_ACTOR, Tool, csv_text, table
from handlers.access import Caller
from handlers.conversation.parsing import format_date, format_moment, parse_dutch_date
from handlers.directory import Directory
from handlers.errors import UserError
from handlers.incidenten.register import ap_deadline
from handlers.outbox import queue
from handlers.rechten import texts as verzoek_texts
from handlers.rechten.register import DECISIONS, decide, extend, register
from handlers.vocabulary import Role, VerzoekSoort

VERZOEK_COLUMNS = ("nr", "soort", "kenmerk", "ontvangen", "termijn", "behandelaar", "stand",
                   "besloten")  # fmt: skip
INCIDENT_COLUMNS = ("nr", "moment", "soort", "kenmerk", "gemeld door", "AP-besluit",
                    "besloten op", "binnen 72 uur")  # fmt: skip
# At the terminal acts the beheerder (the register's keeper); a bezwaar is decided in chat
# by the procesregisseur.
CLI_CALLER = Caller(CLI_ACTOR, Role.BEHEERDER, "", "")


async def verzoeken(tool: Tool, everything: bool, as_csv: bool) -> str:
    async with tool.reading() as unit:
        found = await unit.verzoeken.listing(everything)
    if not found:
        return "Er staan geen open verzoeken." if not everything else "Het register is leeg."

    def day(moment: datetime | None) -> str:
        if moment is None:
            return "—"
        local = moment.astimezone(tool.house.zone).date()
        return local.isoformat() if as_csv else format_date(local)

    rows = [
        (str(v.id), v.soort.value, v.reference or "—",
         v.received_on.isoformat() if as_csv else format_date(v.received_on),
         v.deadline.isoformat() if as_csv else format_date(v.deadline), v.handler or "—",
         verzoek_texts.state_of(v, tool.today), day(v.decided_at))
        for v in found
    ]  # fmt: skip
    return (csv_text if as_csv else table)(VERZOEK_COLUMNS, rows)


async def verzoek_registreren(
    tool: Tool, soort: str, betrokkene: str, ontvangen: str | None, kenmerk: str | None,
    omschrijving: str | None,
) -> str:  # fmt: skip
    received = parse_dutch_date(ontvangen, tool.today) if ontvangen else tool.today
    async with tool.transaction() as unit:
        done = await register(
            unit, tool.house, VerzoekSoort(soort), kenmerk.upper() if kenmerk else None,
            betrokkene, omschrijving, received, CLI_ACTOR, None, tool.now,
        )  # fmt: skip
        await queue(unit, done.outgoing, tool.now)
        verzoek = done.verzoek
    routed = f", bij de contactpersoon van {done.routed_to}" if done.routed_to else ""
    return (f"Verzoek {verzoek.id} ({verzoek.soort.value}) staat in het register{routed}; "
            f"termijn {format_date(verzoek.deadline)}.")  # fmt: skip


async def verzoek_besluit(tool: Tool, nummer: int, besluit: str, toelichting: str | None) -> str:
    async with tool.transaction() as unit:
        verzoek = await unit.verzoeken.get(nummer)
        if verzoek is None:
            raise UserError(f"Ik ken geen verzoek {nummer}.")
        if besluit == "verlengen":
            if not toelichting:
                raise UserError("Geef de reden met --toelichting.")
            await extend(unit, tool.house, verzoek, toelichting, CLI_CALLER, tool.now)
            return f"Verzoek {nummer} loopt nu tot {format_date(verzoek.deadline)}."
        told = await decide(unit, tool.house, verzoek, DECISIONS[besluit], toelichting,
                            CLI_CALLER, tool.now)  # fmt: skip
        await queue(unit, told, tool.now)
    return f"Verzoek {nummer} is {besluit} (vastgelegd in het register en het auditlog)."


async def incidenten(tool: Tool, everything: bool, as_csv: bool) -> str:
    zone = tool.house.zone
    async with tool.reading() as unit:
        found = await unit.incidenten.listing(everything)
        names = await Directory(unit, tool.house).names([i.reported_by for i in found])
    if not found:
        return "Er is geen incident zonder besluit." if not everything else "Het register is leeg."

    def moment(value: datetime | None) -> str:
        if value is None:
            return "—"
        local = value.astimezone(zone)
        return local.isoformat(timespec="minutes") if as_csv else format_moment(local)

    rows = [
        (str(i.id), moment(i.at), i.soort.value, i.reference or "—",
         "casusbot" if i.reported_by == "casusbot" else names.person(i.reported_by).name,
         i.ap_besluit.value if i.ap_besluit else "nog niet", moment(i.ap_decided_at),
         ("ja" if i.ap_decided_at <= ap_deadline(i) else "nee") if i.ap_decided_at else "—")
        for i in found
    ]  # fmt: skip
    return (csv_text if as_csv else table)(INCIDENT_COLUMNS, rows)
