"""The one place that answers "may this member do this?" (DOMAIN.md, 'Rules the product enforces').

Commands name an :class:`Action`; nothing else in the code compares roles.
"""

from __future__ import annotations

from enum import StrEnum

from storage.models import Role

ALL_ROLES = frozenset(Role)


class Action(StrEnum):
    HELP = "help"
    WHOAMI = "whoami"
    VIEW_MEMBERS = "view_members"
    MANAGE_MEMBERS = "manage_members"
    AANMELDEN = "aanmelden"
    TRIAGE = "triage"
    ANSWER_VERRIJKING = "answer_verrijking"
    OVERLEG = "overleg"
    PVA = "pva"
    AFSCHALEN = "afschalen"


PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.HELP: ALL_ROLES,
    Action.WHOAMI: ALL_ROLES,
    # Kennemerland Bijlage 4: the manager reviews authorisations, the beheerder grants them.
    Action.VIEW_MEMBERS: frozenset({Role.BEHEERDER, Role.MANAGER}),
    Action.MANAGE_MEMBERS: frozenset({Role.BEHEERDER}),
    # Any covenant party may put a case forward (DOMAIN.md phase 1); the procesregie may
    # register one on a partner's behalf.
    Action.AANMELDEN: frozenset({Role.PARTNER, Role.PROCESREGISSEUR, Role.PROCESONDERSTEUNER}),
    # Kennemerland: the procesondersteuner asks the contact persons; both weigh and decide.
    Action.TRIAGE: frozenset({Role.PROCESREGISSEUR, Role.PROCESONDERSTEUNER}),
    # Contact persons of partner organisations answer for their organisation.
    Action.ANSWER_VERRIJKING: frozenset({Role.PARTNER}),
    # The procesregisseur prepares and chairs the casusoverleg; the procesondersteuner
    # sends invitations on their behalf (DOMAIN.md, 'Roles').
    Action.OVERLEG: frozenset({Role.PROCESREGISSEUR, Role.PROCESONDERSTEUNER}),
    # Participants work on the plan; which actions each may see or change is decided per
    # casus (handlers/pva.py: the casusregisseur and the procesregie see all of it).
    Action.PVA: frozenset({Role.PARTNER, Role.PROCESREGISSEUR, Role.PROCESONDERSTEUNER}),
    # Records the casusoverleg's decision to afschalen (DOMAIN.md phase 5).
    Action.AFSCHALEN: frozenset({Role.PROCESREGISSEUR}),
}


def may(role: Role, action: Action) -> bool:
    return role in PERMISSIONS[action]
