"""Who hears of a possible security incident: the managers and the functioneel beheerders.

An incident (an uninvited person in a casus room, repeated refusals, someone in the
procesregie room who does not belong there) is told at once, in each one's direct chat.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.membership import MembershipService
from handlers.messages import Notice, Outgoing
from storage.models import Role

INCIDENT_ROLES = (Role.MANAGER, Role.BEHEERDER)


async def incident_notices(
    session: AsyncSession, text: Notice, exclude: str | None = None
) -> list[Outgoing]:
    """The notice for every manager and beheerder with a direct chat (not ``exclude``)."""
    members = MembershipService(session)
    outgoing: list[Outgoing] = []
    for role in INCIDENT_ROLES:
        for member in await members.with_role(role):
            if member.dm_room_id and member.matrix_id != exclude:
                outgoing.append(Outgoing(member.dm_room_id, text))
    return outgoing
