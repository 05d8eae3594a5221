"""What the bot tells a beheerder about the members they manage (chat and command line)."""

from __future__ import annotations

from handlers.beheer.members import MemberChange
from handlers.messages import plural


def describe_change(change: MemberChange) -> str:
    member = change.member
    if change.created:
        return (
            f"{member.matrix_id} is toegevoegd als {member.role.value} "
            f"bij {member.organisation_key}."
        )
    return (
        f"{member.matrix_id} is bijgewerkt: was {change.previous_role} bij "
        f"{change.previous_organisation_key}, is nu {member.role.value} bij "
        f"{member.organisation_key}."
    )


def removed_text(matrix_id: str, organisation_key: str, rooms: int) -> str:
    text = f"{matrix_id} ({organisation_key}) heeft geen toegang meer."
    if rooms:
        text += f" Ik haal diegene ook uit {plural(rooms, 'casuskamer', 'casuskamers')}."
    return text
