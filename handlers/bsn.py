"""A member's message with a number that looks like a BSN: the ZVH may not receive one.

The bot never stores or repeats the number. It asks the member to delete their message
(Element: Verwijderen) and watches for the redaction: an hour later it reminds them once;
a working day after that it takes the message back itself (where it may redact), and
if even that did not work an hour later, the beheerders and managers hear of it. Only
room and event ids are kept, never the text.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.access import INCIDENT_ROLES
from handlers.conversation.parsing import contains_bsn
from handlers.directory import Directory
from handlers.house import House
from handlers.incidenten.register import ap_question, record
from handlers.messages import (
    Bold,
    Incoming,
    Notice,
    Outgoing,
    Paragraph,
    exactly,
    notice,
    text_notice,
)
from handlers.vocabulary import IncidentSoort
from storage.unit import Unit

REMIND_AFTER = timedelta(hours=1)
# After the reminder: the bot takes the message back itself a working day later.
TAKE_BACK_AFTER_WORKING_DAYS = 1
# After the bot's own redaction was asked for: still there this much later, people hear.
REPORT_AFTER = timedelta(hours=1)

HOW_TO_DELETE = (
    "Verwijder dat bericht alsjeblieft: in Element via de drie puntjes bij je bericht → "
    "Verwijderen. Ik bewaar en herhaal het nummer niet."
)


async def watch_for_bsn(unit: Unit, incoming: Incoming, now: datetime) -> bool:
    """Watch a member's message with a BSN in it until it is deleted; False when there is
    none, or it was already watched (the same event again after a restart)."""
    if not contains_bsn(incoming.body):
        return False
    return await unit.withdrawn.watch(incoming.room_id, incoming.event_id, incoming.sender, now)


def deletion_request(after_refusal: bool) -> Notice:
    """What the member reads: after the bot's refusal of the answer, or on its own."""
    if after_refusal:
        return text_notice(f"Verwijder ook je bericht met dat nummer. {HOW_TO_DELETE}")
    return text_notice(f"In je bericht staat een nummer dat op een BSN lijkt. {HOW_TO_DELETE}")


async def on_redacted(unit: Unit, event_id: str) -> list[Outgoing]:
    """A message was redacted: if it was one with a BSN, the member is thanked."""
    row = await unit.withdrawn.gone(event_id)
    if row is None:
        return []
    return [Outgoing(row.room_id, text_notice("Dank je, het bericht met het nummer is weg."))]


async def follow_up(unit: Unit, house: House, now: datetime) -> list[Outgoing]:
    """Remind, take back, report: what is due for the messages still there."""
    working = house.working_time
    outgoing: list[Outgoing] = []
    for row in await unit.withdrawn.due(now - REMIND_AFTER):
        member = frozenset({row.sender})
        if row.reminded_at is None:
            row.reminded_at = now
            outgoing.append(Outgoing(row.room_id, notice(
                Paragraph(Bold("Je bericht met een nummer dat op een BSN lijkt, staat er nog.")),
                Paragraph(HOW_TO_DELETE),
            ), mentions=member))  # fmt: skip
        elif row.taken_at is None:
            local = row.reminded_at.astimezone(working.zone).date()
            take_at = working.start_of(
                working.working_day_after(local, TAKE_BACK_AFTER_WORKING_DAYS)
            )
            if now >= take_at:
                await unit.withdrawn.take_back(row, now)
                outgoing.append(Outgoing(row.room_id, text_notice(
                    "Je bericht met een nummer dat op een BSN lijkt, stond er nog; ik haal het "
                    "nu zelf weg."
                ), mentions=member))  # fmt: skip
        elif now - row.taken_at >= REPORT_AFTER:
            await unit.withdrawn.drop(row)
            incident = await record(
                unit,
                IncidentSoort.BSN_IN_CHAT,
                now,
                subject=row.sender,
                detail={"what": "bsn_not_removed", "room": row.room_id},
            )
            directory = Directory(unit, house)
            who = exactly(await directory.person(row.sender))
            outgoing += await directory.to_roles(INCIDENT_ROLES, notice(
                Paragraph(Bold("Een BSN staat nog in een chat")),
                Paragraph(
                    "Een bericht van ", *who, " bevat een nummer dat op een BSN lijkt. Ik heb "
                    "gevraagd het te verwijderen en het zelf geprobeerd, maar het staat er nog "
                    f"(kamer {row.room_id}). Laat het verwijderen door wie die kamer beheert, "
                    "en ga na of het een datalek is (AVG art. 33/34).",
                ),
                ap_question(incident, house.zone),
            ))  # fmt: skip
    return outgoing
