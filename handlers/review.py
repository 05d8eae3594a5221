"""The authorisation review (Kennemerland Bijlage 4): twice a year the managers and the
beheerders get every member per organisation and role, to confirm or revoke.

Once per slot (the first day of each configured month), sent from the next working
moment; a bot that was down at the time sends it once when it comes back, unless that is
more than a month later (then the next slot is nearer than this one was).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.conversation.parsing import format_date
from handlers.membership import MembershipService
from handlers.messages import Bold, Code, Outgoing, Paragraph, Table, notice
from handlers.outbox import queue
from handlers.texts import Wording
from scheduler.workhours import WorkingTime
from storage.models import Role
from storage.repositories import JobSlotRepository

REVIEW_JOB = "authorisation_review"
TOO_LATE = timedelta(days=31)


def latest_slot(now: datetime, working: WorkingTime, months: Sequence[int]) -> datetime:
    """The most recent first-of-a-review-month (00:00 local) at or before ``now``."""
    local = now.astimezone(working.zone)
    candidates = [
        datetime(year, month, 1, tzinfo=working.zone)
        for year in (local.year - 1, local.year)
        for month in months
    ]
    return max(c for c in candidates if c <= local)


async def review_authorisations(
    session: AsyncSession, now: datetime, working: WorkingTime, months: Sequence[int],
    wording: Wording,
) -> int:  # fmt: skip
    slot = latest_slot(now, working, months)
    if not await JobSlotRepository(session).claim(REVIEW_JOB, slot):
        return 0
    if now - slot > TOO_LATE:
        return 0
    service = MembershipService(session)
    organisations = dict(await service.organisation_names())
    rows = tuple(
        (organisations.get(m.organisation_key, m.organisation_key),
         wording.role_name(m.role), m.matrix_id)
        for m in sorted(await service.list_members(),
                        key=lambda m: (m.organisation_key, m.role.value, m.matrix_id))
    )  # fmt: skip
    text = notice(
        Paragraph(Bold(f"Autorisaties controleren — {format_date(slot.date())}")),
        Paragraph(f"Wie heeft er toegang tot {wording.house_name}? Controleer of iedereen die "
                  "toegang nog nodig heeft (twee keer per jaar)."),
        Table(("organisatie", "rol", "lid"), rows),
        Paragraph("Iemand weg? Een beheerder typt ", Code("lid verwijderen @gebruiker:server"),
                  "; dat werkt meteen, ook in de casuskamers."),
    )  # fmt: skip
    recipients = [
        m for role in (Role.MANAGER, Role.BEHEERDER) for m in await service.with_role(role)
    ]
    outgoing = [Outgoing(m.dm_room_id, text) for m in recipients if m.dm_room_id]
    await queue(session, outgoing, now, not_before=working.next_working_moment(now))
    return len(outgoing)
