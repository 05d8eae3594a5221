"""What the bot tells a beheerder about the members they manage (chat and command line)."""

from __future__ import annotations

from handlers.beheer.members import MemberChange
from handlers.messages import plural
from handlers.wording import Wording


def describe_change(change: MemberChange, words: Wording) -> str:
    member = change.member
    if change.created:
        return (
            f"{member.matrix_id} is toegevoegd als {words.role_word(member.role)} "
            f"bij {member.organisation_key}."
        )
    was = words.role_word(change.previous_role) if change.previous_role else "—"
    return (
        f"{member.matrix_id} is bijgewerkt: was {was} bij "
        f"{change.previous_organisation_key}, is nu {words.role_word(member.role)} bij "
        f"{member.organisation_key}."
    )


def removed_text(matrix_id: str, organisation_key: str, rooms: int) -> str:
    text = f"{matrix_id} ({organisation_key}) heeft geen toegang meer."
    if rooms:
        text += f" Ik haal diegene ook uit {plural(rooms, 'casuskamer', 'casuskamers')}."
    return text
