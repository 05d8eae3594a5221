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
}


def may(role: Role, action: Action) -> bool:
    return role in PERMISSIONS[action]
