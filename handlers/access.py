"""The one answer to "may this caller do this, to this casus or action?" (DOMAIN.md, 'Rules
the product enforces').

Commands name an :class:`Action` (what a role may do at all); the functions below decide
per casus (the casusregisseur, an action's owner, a participating organisation). Nothing
else in the code compares roles.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from handlers.vocabulary import Role, VerzoekSoort

ALL_ROLES = frozenset(Role)
# The procesregie: they see whole aanmeldingen and plans, and the procesregie room.
REGIE_ROLES = (Role.PROCESREGISSEUR, Role.PROCESONDERSTEUNER)
# Who hears of a possible security incident (AVG art. 33/34), and who reviews
# authorisations twice a year (Kennemerland Bijlage 4).
INCIDENT_ROLES = (Role.MANAGER, Role.BEHEERDER)
REVIEW_ROLES = (Role.MANAGER, Role.BEHEERDER)
REPORT_ROLES = (Role.MANAGER,)
# Without configured contacts, an organisation's members of this role answer for it.
ANSWERING_ROLE = Role.PARTNER


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
    AFSLUITEN = "afsluiten"
    NOG_NODIG = "nog_nodig"
    VERZOEK_REGISTREREN = "verzoek_registreren"
    VERZOEKEN = "verzoeken"
    INCIDENT_MELDEN = "incident_melden"
    INCIDENTEN = "incidenten"
    CIJFERS = "cijfers"
    OVERZICHT = "overzicht"
    MIJN_OVERZICHT = "mijn_overzicht"
    INFORMEREN = "informeren"
    OVERDRAGEN = "overdragen"
    PERSOON_TOEVOEGEN = "persoon_toevoegen"
    PERSOON_VERWIJDEREN = "persoon_verwijderen"
    BORD = "bord"
    ZWAARTE = "zwaarte"


PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.HELP: ALL_ROLES,
    Action.WHOAMI: ALL_ROLES,
    # Kennemerland Bijlage 4: the manager reviews authorisations, the beheerder grants them.
    Action.VIEW_MEMBERS: frozenset({Role.BEHEERDER, Role.MANAGER}),
    Action.MANAGE_MEMBERS: frozenset({Role.BEHEERDER}),
    # Any covenant party may put a case forward (DOMAIN.md phase 1); the procesregie may
    # register one on a partner's behalf.
    Action.AANMELDEN: frozenset({Role.PARTNER, *REGIE_ROLES}),
    # Kennemerland: the procesondersteuner asks the contact persons; both weigh and decide.
    Action.TRIAGE: frozenset(REGIE_ROLES),
    # Contact persons of partner organisations answer for their organisation.
    Action.ANSWER_VERRIJKING: frozenset({Role.PARTNER}),
    # The procesregisseur prepares and chairs the casusoverleg; the procesondersteuner
    # sends invitations on their behalf (DOMAIN.md, 'Roles').
    Action.OVERLEG: frozenset(REGIE_ROLES),
    # Participants work on the plan; which actions each may see or change is decided per
    # casus (guards_plan, owns_action below).
    Action.PVA: frozenset({Role.PARTNER, *REGIE_ROLES}),
    # Records the casusoverleg's decision to afschalen (DOMAIN.md phase 5).
    Action.AFSCHALEN: frozenset({Role.PROCESREGISSEUR}),
    # Closes a casus without casusoverleg when the bilateral support ends.
    Action.AFSLUITEN: frozenset({Role.PROCESREGISSEUR}),
    # Whether a running casus is still needed: the procesregie and (per casus, see
    # answers_still_needed) its casusregisseur, who may be a partner.
    Action.NOG_NODIG: frozenset({Role.PARTNER, *REGIE_ROLES}),
    # A betrokkene's request reaches the house; the functioneel beheerder registers it.
    Action.VERZOEK_REGISTREREN: frozenset({Role.BEHEERDER}),
    # Which requests each may see or work is decided per request (works_verzoek below):
    # a partner contact works those routed to them, the procesregisseur decides bezwaar.
    Action.VERZOEKEN: frozenset({Role.BEHEERDER, Role.MANAGER, Role.PROCESREGISSEUR, Role.PARTNER}),
    # Anyone who sees something wrong reports it (covenants, Bijlage 5: incidentmanagement).
    Action.INCIDENT_MELDEN: ALL_ROLES,
    Action.INCIDENTEN: frozenset(INCIDENT_ROLES),
    # The yearly figures without personal data (covenants: reported by the procesregie to
    # the stuurgroep; the manager reads them).
    Action.CIJFERS: frozenset({Role.MANAGER, Role.PROCESREGISSEUR}),
    # Every open casus at a glance: the procesregie steers them.
    Action.OVERZICHT: frozenset(REGIE_ROLES),
    # One's own actions and casussen (as casusregisseur): anyone who works on a plan.
    Action.MIJN_OVERZICHT: frozenset({Role.PARTNER, *REGIE_ROLES}),
    # Who told the betrokkene: the aanmelder or the appointed partner (per casus, see
    # informs_betrokkene), or the procesregie.
    Action.INFORMEREN: frozenset({Role.PARTNER, *REGIE_ROLES}),
    # Handing a casus over to a partner closes it: the procesregisseur, as for closing.
    Action.OVERDRAGEN: frozenset({Role.PROCESREGISSEUR}),
    # The aanmelder's organisation (per casus, see adds_person) or the procesregie adds a
    # person of the household; taking one off (a mistake) is for the procesregie.
    Action.PERSOON_TOEVOEGEN: frozenset({Role.PARTNER, *REGIE_ROLES}),
    Action.PERSOON_VERWIJDEREN: frozenset(REGIE_ROLES),
    # The procesregie board (an Element widget): the procesregie steers the casussen.
    Action.BORD: frozenset(REGIE_ROLES),
    # The zwaarte-indicatie (stoplicht per leefgebied) of a nazorg casus: the procesregie
    # (001 Bijlage 3: "Procesregisseur Nazorg, vaste partners").
    Action.ZWAARTE: frozenset(REGIE_ROLES),
}


@dataclass(frozen=True)
class Caller:
    """The member who asks, as plain values."""

    matrix_id: str
    role: Role
    organisation_key: str
    organisation_name: str


class RegisteredRequest(Protocol):
    """An AVG request in the register: its kind, and who works it."""

    soort: VerzoekSoort
    handler: str | None


class OwnedAction(Protocol):
    """An action of a plan van aanpak: an organisation's, and maybe one person's."""

    owner: str | None
    organisation_key: str


def may(role: Role, action: Action) -> bool:
    return role in PERMISSIONS[action]


def is_regie(role: Role) -> bool:
    return role in REGIE_ROLES


def is_beheerder(role: Role) -> bool:
    return role is Role.BEHEERDER


def answers_for_organisation(role: Role) -> bool:
    """Without configured contacts, an organisation's partner members answer for it."""
    return role is ANSWERING_ROLE


def chairs_overleg(role: Role) -> bool:
    """Who plans an overleg becomes the casus's procesregisseur, if a procesregisseur."""
    return role is Role.PROCESREGISSEUR


def leaves_no_beheerder(old: Role, new: Role | None, other_beheerders: int) -> bool:
    """Whether a change would leave the house without a functioneel beheerder."""
    return old is Role.BEHEERDER and new is not Role.BEHEERDER and other_beheerders == 0


def guards_plan(caller: Caller, casusregisseur: str | None) -> bool:
    """The casusregisseur and the procesregie see and change the whole plan."""
    return is_regie(caller.role) or caller.matrix_id == casusregisseur


def owns_action(caller: Caller, actie: OwnedAction) -> bool:
    """An action names a person (theirs only) or else an organisation (all its members)."""
    if actie.owner:
        return actie.owner == caller.matrix_id
    return actie.organisation_key == caller.organisation_key


def takes_part(caller: Caller, organisations: Collection[str]) -> bool:
    return caller.organisation_key in organisations


def involved_in_plan(
    caller: Caller, casusregisseur: str | None, organisations: Collection[str], owns_any: bool
) -> bool:
    """Whether the caller may hear that a casus's plan exists at all."""
    return guards_plan(caller, casusregisseur) or takes_part(caller, organisations) or owns_any


def answers_still_needed(caller: Caller, casusregisseur: str | None) -> bool:
    """Who may say a running casus is still needed: the procesregie and its casusregisseur."""
    return is_regie(caller.role) or caller.matrix_id == casusregisseur


def told_why_casus_is_unknown(caller: Caller) -> bool:
    """The procesregie hears why a reference is not a running casus; anyone else gets the
    answer an unknown reference gets (no hint that it exists)."""
    return is_regie(caller.role)


def adds_person(caller: Caller, aanmelder_organisation: str) -> bool:
    """Who may add a person to a casus: the procesregie, and the organisation that put it
    forward (the aanmelder or a colleague who took it over)."""
    return is_regie(caller.role) or caller.organisation_key == aanmelder_organisation


def decides_bezwaar(caller: Caller) -> bool:
    """A bezwaar pauses a casus; the procesregisseur decides on it (AVG art. 21)."""
    return caller.role is Role.PROCESREGISSEUR


def sees_verzoek(caller: Caller, verzoek: RegisteredRequest) -> bool:
    """Who may see a request: beheerders and managers all, the procesregisseur every
    bezwaar, anyone else the requests they handle."""
    if caller.role in (Role.BEHEERDER, Role.MANAGER):
        return True
    if verzoek.soort is VerzoekSoort.BEZWAAR and decides_bezwaar(caller):
        return True
    return verzoek.handler == caller.matrix_id


def works_verzoek(caller: Caller, verzoek: RegisteredRequest) -> bool:
    """Who may decide, extend or hand on a request: as :func:`sees_verzoek`, but the
    managers only read (they hear of the late ones)."""
    return caller.role is not Role.MANAGER and sees_verzoek(caller, verzoek)


def informs_betrokkene(caller: Caller, casusregisseur: str | None, aanmelder: str) -> bool:
    """Who records that the betrokkene was informed (the covenants leave it to the aanmelder
    or the partner the overleg appoints): they, and the procesregie."""
    return is_regie(caller.role) or caller.matrix_id in (casusregisseur, aanmelder)
