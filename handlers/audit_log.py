"""The audit log looked after from the chat: once a day the managers get the anchor of the
log (the number and the start of the MAC of its newest entry) to keep; when the bot's
daily check (``bot/anchoring.py``) finds the log changed, the managers and beheerders hear
of it at once.

A manager's copy of the anchor lives in their end-to-end encrypted chat, out of reach of
whoever can write the bot's database or its anchor file: ``casusbot audit verify --anker
REGEL:CODE`` holds the log against it (SECURITY.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from handlers.conversation.parsing import format_date
from handlers.directory import Directory
from handlers.house import House
from handlers.incidenten.detected import incident_notices
from handlers.incidenten.register import record
from handlers.messages import Bold, Code, Outgoing, Paragraph, notice
from handlers.vocabulary import IncidentSoort, Role
from storage.unit import Unit

# The start of the newest entry's MAC the managers keep: long enough that nobody guesses it.
CODE_LENGTH = 16


async def daily_anchor(unit: Unit, house: House, now: datetime) -> list[Outgoing]:
    """The anchor for the managers (quiet: nothing to do but keep it), and the check."""
    day = format_date(now.astimezone(house.zone).date())
    head = await unit.audit.head()
    if head is None:
        return []
    code = f"{head.seq}:{head.mac[:CODE_LENGTH]}"
    text = notice(
        Paragraph(Bold(f"Auditanker van {day}"), f": regel {head.seq}, code ", Code(code), "."),
        Paragraph(
            "Bewaar dit bericht. Met ", Code(f"casusbot audit verify --anker {code}"),
            " blijkt later of er sindsdien regels uit het auditlog zijn verdwenen of "
            "herschreven, ook als de database en het ankerbestand zijn aangepast.",
        ),
    )  # fmt: skip
    directory = Directory(unit, house)
    return [o.quiet() for o in await directory.to_roles((Role.MANAGER,), text)]


async def audit_log_broken(
    unit: Unit, house: House, findings: Sequence[str], now: datetime
) -> list[Outgoing]:
    """The daily check found the log changed: an incident, told at once."""
    incident = await record(unit, IncidentSoort.AUDITLOG, now, detail={
        "what": "audit_chain_broken", "findings": len(findings),
    })  # fmt: skip
    more = f" (en nog {len(findings) - 1} bevindingen)." if len(findings) > 1 else "."
    return await incident_notices(unit, house, notice(
        Paragraph(Bold("Mogelijk beveiligingsincident: het auditlog klopt niet meer")),
        Paragraph(findings[0][:1].upper() + findings[0][1:] + more),
        Paragraph("Controleer het met ", Code("casusbot audit verify"),
                  " en ga na wie de database of het ankerbestand heeft bewerkt."),
    ), incident=incident)  # fmt: skip
