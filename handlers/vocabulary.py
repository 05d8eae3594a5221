"""The domain's words: roles, statuses and outcomes (DOMAIN.md is the glossary).

Every status the werkproces knows is one of these enums; nothing compares bare strings.
This module imports nothing of the project: storage maps its columns to these values, so
the database holds exactly these words.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Global roles (DOMAIN.md, 'Roles'). The casusregisseur is appointed per casus, not here."""

    PARTNER = "partner"
    PROCESREGISSEUR = "procesregisseur"
    PROCESONDERSTEUNER = "procesondersteuner"
    MANAGER = "manager"
    BEHEERDER = "beheerder"


class TriageStatus(StrEnum):
    """Where an aanmelding stands in the triage (DOMAIN.md phase 2): undecided, or its outcome."""

    OPEN = "open"
    ONDUIDELIJK = "onduidelijk"
    GEEN_CASUS = "geen-casus"
    ZONDER_OVERLEG = "casus-zonder-overleg"
    CASUSOVERLEG = "casusoverleg"

    @property
    def undecided(self) -> bool:
        return self in (TriageStatus.OPEN, TriageStatus.ONDUIDELIJK)


# The outcomes a procesregisseur can record with ``besluit``.
OUTCOMES = (
    TriageStatus.GEEN_CASUS,
    TriageStatus.ONDUIDELIJK,
    TriageStatus.ZONDER_OVERLEG,
    TriageStatus.CASUSOVERLEG,
)


class Urgentie(StrEnum):
    REGULIER = "regulier"
    SPOED = "spoed"


class VerrijkingStatus(StrEnum):
    """A request to one partner organisation for verrijking."""

    OPEN = "open"
    BEANTWOORD = "beantwoord"
    INGETROKKEN = "ingetrokken"


class OverlegStatus(StrEnum):
    GEPLAND = "gepland"
    GEANNULEERD = "geannuleerd"
    GEHOUDEN = "gehouden"


class ActieStatus(StrEnum):
    OPEN = "open"
    GEREED = "gereed"


class Phase(StrEnum):
    """The legal phase an audit entry belongs to (DOMAIN.md, 'The work process')."""

    AANMELDING = "aanmelding"
    TRIAGE = "triage"
    CASUSOVERLEG = "casusoverleg"
    UITVOERING = "uitvoering"
    AFSCHALING = "afschaling"


class AuditKind(StrEnum):
    """What an audit entry records (names of fields, never their values)."""

    SUBMITTED = "submitted"
    DISCLOSURE = "disclosure"
    VIEWED = "viewed"
    ANSWERED = "answered"
    DECIDED = "decided"
    DENIED = "denied"
    INCIDENT = "incident"
    AFSCHALING = "afschaling"
    PURGE = "purge"
    MEMBER_ADDED = "member_added"
    MEMBER_REMOVED = "member_removed"
    ORGANISATION_RENAMED = "organisation_renamed"
    REMOVED_FROM_ROOM = "removed_from_room"
    INZAGE = "inzage"
    CORRECTED = "corrected"
    DELETED_EARLY = "deleted_early"
    AFSLUITING = "afsluiting"
    STILL_NEEDED = "still_needed"
    # The audit log's own retention: the oldest entries went (detail: the first kept).
    AUDIT_PRUNED = "audit_pruned"
    # The registers: an AVG request registered, routed, extended or decided; the AP
    # question of an incident answered (detail: kind, state, never the text).
    VERZOEK = "verzoek"
    INCIDENT_DECIDED = "incident_decided"
    # Something that would have disclosed data of a casus under bezwaar was stopped.
    WITHHELD = "withheld"
    # The procesregie added or removed an organisation of a casusoverleg (detail: which,
    # and the reason's code).
    PARTICIPANTS_CHANGED = "participants_changed"
    # The betrokkene was informed of the processing (AVG art. 13/14), or that is postponed
    # (detail: the day; never the reason).
    INFORMED = "informed"
    INFORM_POSTPONED = "inform_postponed"
    # A person was added to a casus, or taken off it (detail: the number, the fields, the
    # reason's code; never a value).
    PERSON_ADDED = "person_added"
    PERSON_REMOVED = "person_removed"
    # The procesregie moved an aanmelding to another tafel at the triage (detail: from,
    # to); a stoplicht of a leefgebied set (detail: the leefgebied, never its colour).
    TAFEL_CHANGED = "tafel_changed"
    ZWAARTE = "zwaarte"


class Route(StrEnum):
    """How a casus closed: the casusoverleg decided to afschalen, or the procesregisseur
    closed a casus without casusoverleg (``afsluiten``)."""

    AFGESCHAALD = "afgeschaald"
    AFGESLOTEN = "afgesloten"


class Uitkomst(StrEnum):
    """Why a casus closed, chosen from a short list (counted in the figures)."""

    DOEL_BEREIKT = "doel-bereikt"
    OVERGEDRAGEN = "overgedragen"
    PROCESREGIE_ELDERS = "procesregie-elders"
    VERHUISD = "gestopt-verhuisd"
    OVERLEDEN = "gestopt-overleden"
    WEIGERT = "gestopt-weigert"
    ANDERS = "anders"


class Evaluatie(StrEnum):
    """Did the agreed interventions work (seeds: evaluatie, art. 4.4 / 11.3)?"""

    JA = "ja"
    DEELS = "deels"
    NEE = "nee"
    ONBEKEND = "onbekend"


class VerzoekSoort(StrEnum):
    """What a betrokkene asks under the AVG (and klachten; covenants Bijlage 4/5)."""

    INZAGE = "inzage"  # art. 15
    CORRECTIE = "correctie"  # art. 16
    VERWIJDERING = "verwijdering"  # art. 17
    BEPERKING = "beperking"  # art. 18
    BEZWAAR = "bezwaar"  # art. 21
    KLACHT = "klacht"


class VerzoekStatus(StrEnum):
    """Where a request stands: open, or how it was decided."""

    OPEN = "open"
    AFGEHANDELD = "afgehandeld"
    TOEGEWEZEN = "toegewezen"
    AFGEWEZEN = "afgewezen"


class IncidentSoort(StrEnum):
    """What kind of (possible) security incident: found by the bot, or reported by people."""

    ONBEKENDE_IN_KAMER = "onbekende-in-kamer"
    RECHTEN_GEWIJZIGD = "rechten-gewijzigd"
    HERHAALDE_WEIGERINGEN = "herhaalde-weigeringen"
    IDENTITEIT_GEWIJZIGD = "identiteit-gewijzigd"
    AUDITLOG = "auditlog"
    BSN_IN_CHAT = "bsn-in-chat"
    # Reported with ``incident melden``.
    VERKEERDE_ONTVANGER = "verkeerde-ontvanger"
    VERLIES = "verlies-of-diefstal"
    ONBEVOEGDE_TOEGANG = "onbevoegde-toegang"
    ANDERS = "anders"


class ApBesluit(StrEnum):
    """The 72-hour question of AVG art. 33: is the incident reported to the AP?"""

    GEMELD = "gemeld"
    NIET_MELDEN = "niet-melden"


class FeitSoort(StrEnum):
    """A transition the figures count (``storage/models/feiten.py``)."""

    AANGEMELD = "aangemeld"
    BESLOTEN = "besloten"  # a triage decision, with its outcome
    OVERLEG = "overleg"  # the first casusoverleg of a casus was held
    ACTIE = "actie"  # an action of a plan was done: op-tijd or te-laat
    AFGESLOTEN = "afgesloten"  # afgeschaald or afgesloten, with outcome and evaluation
    PERSOON = "persoon"  # another person added to a casus: minderjarig or meerderjarig


# The tafel every casus belongs to until a house configures more (issue: tafels).
DEFAULT_TAFEL = "casusoverleg"
ON_TIME, LATE = "op-tijd", "te-laat"
