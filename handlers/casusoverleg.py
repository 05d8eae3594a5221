"""Casusoverleg (DOMAIN.md phase 3): planning, the casus room, the invitation, reminders.

Privacy by construction:
- the room's name and topic are room state, which is not encrypted: the reference and the
  moment only;
- the room is wished for exactly the lawful participants (doelbinding): the contacts of
  the organisations chosen at triage and the procesregisseur. The bot's room manager
  invites them and removes anyone else (reported as a possible incident);
- the invitation carries the personalia the house's invitation policy allows and nothing
  else; a verrijking answer only when its supplier agreed to prior sharing (Gelderland-
  Midden art. 12.2f / 13.2d), each labelled with the organisation;
- every disclosure is written to the audit log: references and Matrix ids, never the data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.conversation.parsing import format_date, format_moment, short_moment
from handlers.errors import UserError
from handlers.incidents import incident_notices
from handlers.messages import Block, Bold, BulletList, Notice, Outgoing, Paragraph, Table, notice
from handlers.triage import OUTCOME_LABELS, TriageConfig, TriageService
from scheduler.workhours import WorkingTime
from storage.casus import AuditRepository, OverlegRepository
from storage.models import Aanmelding, Overleg, Role
from storage.repositories import VerrijkingRepository
from storage.rooms import ManagedRoomRepository

if TYPE_CHECKING:  # commands.py carries the OverlegConfig into every command
    from handlers.commands import Caller

PERSONALIA: dict[str, Callable[[Aanmelding], str | None]] = {
    "voornaam": lambda a: a.voornaam,
    "achternaam": lambda a: a.achternaam,
    "aliassen": lambda a: a.aliassen,
    "geboortedatum": lambda a: format_date(a.geboortedatum),
    "adres": lambda a: a.adres,
    "postcode": lambda a: a.postcode,
    "woonplaats": lambda a: a.woonplaats,
}
# What a casusoverleg decides (DOMAIN.md phase 3).
DECISIONS = (
    "wie casusregisseur wordt",
    "het plan van aanpak: wat, wie, wanneer",
    "wie de cliënt informeert",
    "de criteria voor afschaling",
)


@dataclass(frozen=True)
class OverlegConfig:
    personalia: tuple[str, ...] = ("voornaam", "achternaam", "geboortedatum", "woonplaats")
    share_verrijking: bool = True
    term: str = "casusoverleg"
    casusregisseur_term: str = "casusregisseur"
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Amsterdam"))
    working_time: WorkingTime | None = None

    @property
    def title(self) -> str:
        return self.term[:1].upper() + self.term[1:]


def room_key(reference: str) -> str:
    """The outbox and room-manager address of a casus's room."""
    return f"casus:{reference}"


def reference_of(key: str) -> str | None:
    return key.removeprefix("casus:") if key.startswith("casus:") else None


@dataclass(frozen=True)
class Participants:
    organisations: tuple[str, ...]
    members: frozenset[str]
    # Participating organisations with nobody the bot can invite.
    unreachable: tuple[str, ...]


class CasusoverlegService:
    def __init__(self, session: AsyncSession, triage: TriageConfig, config: OverlegConfig) -> None:
        self.session = session
        self.config = config
        self.triage = TriageService(session, triage)
        self.overleggen = OverlegRepository(session)
        self.rooms = ManagedRoomRepository(session)
        self.audit = AuditRepository(session)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.config.zone)

    async def find_casus(self, reference_text: str) -> Aanmelding:
        """A casus with a casusoverleg, not yet afgeschaald."""
        aanmelding = await self.triage.find(reference_text)
        if aanmelding.triage_status != "casusoverleg":
            outcome = OUTCOME_LABELS.get(aanmelding.triage_status, "nog niet besloten")
            raise UserError(
                f"{aanmelding.reference} is geen casus voor een {self.config.term} "
                f"(triage: {outcome})."
            )
        if aanmelding.afgeschaald_on is not None:
            day = format_date(aanmelding.afgeschaald_on)
            raise UserError(f"{aanmelding.reference} is afgeschaald op {day}.")
        return aanmelding

    async def participants(self, aanmelding: Aanmelding) -> Participants:
        """The lawful participants: contacts of the organisations chosen at triage, and the
        casus's procesregisseur (all procesregisseurs while none is recorded)."""
        organisations = tuple(json.loads(aanmelding.overleg_partners or "[]"))
        members: set[str] = set()
        unreachable = []
        existing = await self.triage.org_names()
        for key in organisations:
            contacts = await self.triage.contacts(key) if key in existing else []
            if not contacts:
                unreachable.append(key)
            members.update(c.matrix_id for c in contacts)
        if aanmelding.procesregisseur:
            members.add(aanmelding.procesregisseur)
        else:
            members.update(
                m.matrix_id for m in await self.triage.members.with_role(Role.PROCESREGISSEUR)
            )
        return Participants(organisations, frozenset(members), tuple(unreachable))

    # --- the room ---------------------------------------------------------------------

    def _room_text(self, reference: str, overleg: Overleg | None, state: str) -> tuple[str, str]:
        """Name and topic: the reference and the moment, nothing else (room state is
        not encrypted)."""
        title = f"{self.config.title} {reference}"
        if overleg is None:
            return title, f"{title}: {state}."
        when = self.local(overleg.scheduled_at)
        if state:
            return f"{title} — {state}", f"{title}: {state}."
        return f"{title} — {short_moment(when)}", f"{title} op {format_moment(when)}."

    async def describe_room(
        self, aanmelding: Aanmelding, overleg: Overleg | None, state: str, now: datetime
    ) -> Participants:
        participants = await self.participants(aanmelding)
        name, topic = self._room_text(aanmelding.reference, overleg, state)
        await self.rooms.want(
            room_key(aanmelding.reference), name, topic, participants.members, now
        )
        return participants

    def to_room(
        self, reference: str, participants: Participants, text: Notice, sensitive: bool = True
    ) -> Outgoing:
        return Outgoing(room_key(reference), text, sensitive, participants.members)

    # --- planning ---------------------------------------------------------------------

    def check_moment(self, when: datetime, now: datetime) -> list[str]:
        """Refuse the past; warnings (Dutch) for a moment outside working hours."""
        if when <= now:
            raise UserError(
                f"{format_moment(self.local(when))} is al voorbij. Kies een moment in de toekomst."
            )
        hours = self.config.working_time
        if hours is not None and not hours.is_working_moment(when):
            return ["Let op: dat is buiten werktijd. Ik plan het toch in."]
        return []

    async def plan(
        self, aanmelding: Aanmelding, when: datetime, locatie: str, caller: Caller, now: datetime
    ) -> tuple[Participants, list[Outgoing]]:
        upcoming = await self.overleggen.upcoming(aanmelding.id)
        if upcoming is not None:
            raise UserError(
                f"Voor {aanmelding.reference} staat al een {self.config.term} gepland op "
                f"{format_moment(self.local(upcoming.scheduled_at))}. Verzetten kan met "
                f"overleg verzet {aanmelding.reference} <datum> <tijd>."
            )
        if aanmelding.procesregisseur is None and caller.role == Role.PROCESREGISSEUR:
            aanmelding.procesregisseur = caller.matrix_id
        overleg = await self.overleggen.add(Overleg(
            aanmelding_id=aanmelding.id, scheduled_at=when, locatie=locatie or None,
            status="gepland", planned_by=caller.matrix_id, created_at=now,
            reminded_at=now if self._reminder_moment(when) <= now else None,
        ))  # fmt: skip
        # The personalia go into a room once: a follow-up overleg reuses the room, whose
        # participants have them since their invitation.
        first = await self.rooms.get(room_key(aanmelding.reference)) is None
        participants = await self.describe_room(aanmelding, overleg, "", now)
        outgoing = await self._invitation(aanmelding, overleg, participants, caller, now, first)
        return participants, outgoing

    async def reschedule(
        self, aanmelding: Aanmelding, when: datetime, locatie: str, now: datetime
    ) -> Outgoing:
        overleg = await self._upcoming(aanmelding)
        overleg.scheduled_at = when
        if locatie:
            overleg.locatie = locatie
        overleg.reminded_at = now if self._reminder_moment(when) <= now else None
        participants = await self.describe_room(aanmelding, overleg, "", now)
        return self.to_room(aanmelding.reference, participants, notice(
            Paragraph(Bold(f"{self.config.title} {aanmelding.reference} is verzet")),
            Table(("", ""), (("wanneer", format_moment(self.local(when))),
                             ("waar", overleg.locatie or "volgt"))),
        ))  # fmt: skip

    async def cancel(self, aanmelding: Aanmelding, reden: str, now: datetime) -> Outgoing:
        overleg = await self._upcoming(aanmelding)
        overleg.status = "geannuleerd"
        participants = await self.describe_room(aanmelding, overleg, "geannuleerd", now)
        when = format_moment(self.local(overleg.scheduled_at))
        blocks: list[Block] = [Paragraph(Bold(
            f"Het {self.config.term} over {aanmelding.reference} van {when} gaat niet door."
        ))]  # fmt: skip
        if reden:
            blocks.append(Paragraph("Reden: ", reden))
        return self.to_room(aanmelding.reference, participants, notice(*blocks))

    async def _upcoming(self, aanmelding: Aanmelding) -> Overleg:
        overleg = await self.overleggen.upcoming(aanmelding.id)
        if overleg is None:
            raise UserError(
                f"Voor {aanmelding.reference} staat geen {self.config.term} gepland. Plannen kan "
                f"met overleg plan {aanmelding.reference} <datum> <tijd> [locatie]."
            )
        return overleg

    # --- the invitation ---------------------------------------------------------------

    async def _invitation(
        self,
        aanmelding: Aanmelding,
        overleg: Overleg,
        participants: Participants,
        caller: Caller,
        now: datetime,
        with_personalia: bool,
    ) -> list[Outgoing]:
        names = await self.triage.org_names()
        reference = aanmelding.reference
        personalia = [
            (name, value)
            for name in self.config.personalia
            if (value := PERSONALIA[name](aanmelding))
        ]
        blocks: list[Block] = [
            Paragraph(Bold(f"Uitnodiging {self.config.term} {reference}")),
            Table(("", ""), (
                ("wanneer", format_moment(self.local(overleg.scheduled_at))),
                ("waar", overleg.locatie or "volgt"),
                ("deelnemers", ", ".join(names.get(k, k) for k in participants.organisations)),
            )),
            Paragraph(Bold("Agenda")),
            Table(("", ""), (("doel", aanmelding.overleg_doel or "—"),
                             ("thema's", aanmelding.overleg_themas or "—"))),
            Paragraph("Te besluiten:"),
            BulletList(tuple((d,) for d in DECISIONS)),
        ]  # fmt: skip
        fields = ["doel", "themas"]
        if with_personalia:
            blocks += [Paragraph(Bold("Betrokkene")), Table(("veld", "waarde"), tuple(personalia))]
            fields += [name for name, _ in personalia]
        blocks.append(Paragraph(
            "Deze gegevens zijn alleen voor dit overleg (doelbinding): deel ze niet buiten "
            "deze kamer."
        ))  # fmt: skip
        outgoing = [self.to_room(reference, participants, notice(*blocks))]
        await self._disclosed(caller.matrix_id, reference, "uitnodiging", fields, participants, now)
        if self.config.share_verrijking and with_personalia:
            outgoing += await self._shared_verrijking(aanmelding, participants, caller, now, names)
        return outgoing

    async def _shared_verrijking(
        self,
        aanmelding: Aanmelding,
        participants: Participants,
        caller: Caller,
        now: datetime,
        names: dict[str, str],
    ) -> list[Outgoing]:
        outgoing = []
        for request in await VerrijkingRepository(self.session).for_aanmelding(aanmelding.id):
            if not (request.status == "beantwoord" and request.bekend and request.delen_vooraf):
                continue
            organisation = names.get(request.organisation_key, request.organisation_key)
            outgoing.append(self.to_room(aanmelding.reference, participants, notice(
                Paragraph(Bold(f"Informatie van {organisation}"),
                          " (vooraf gedeeld met hun toestemming)"),
                Paragraph(request.informatie or ""),
            )))  # fmt: skip
            await self._disclosed(
                caller.matrix_id, aanmelding.reference, "verrijking",
                [f"verrijking:{request.organisation_key}"], participants, now,
            )  # fmt: skip
        return outgoing

    async def _disclosed(
        self,
        actor: str,
        reference: str,
        purpose: str,
        fields: Sequence[str],
        participants: Participants,
        now: datetime,
    ) -> None:
        await self.audit.add(now, "disclosure", actor, reference, {
            "purpose": purpose, "fields": list(fields), "room": room_key(reference),
            "recipients": sorted(participants.members),
        })  # fmt: skip

    # --- reminders --------------------------------------------------------------------

    def _reminder_moment(self, when: datetime) -> datetime:
        """The start of the working day before the overleg (a day earlier without hours)."""
        hours = self.config.working_time
        local = self.local(when)
        if hours is None:
            return when - timedelta(days=1)
        day = local.date() - timedelta(days=1)
        while not hours.is_working_day(day):
            day -= timedelta(days=1)
        return hours.start_of(day)

    async def remind(self, now: datetime) -> list[Outgoing]:
        """Remind the participants the working day before, once per overleg."""
        outgoing = []
        for overleg, aanmelding in await self.overleggen.to_remind(now + timedelta(days=10)):
            if self._reminder_moment(overleg.scheduled_at) > now:
                continue
            overleg.reminded_at = now
            if overleg.scheduled_at <= now:
                continue  # the bot was down until after the overleg: no late reminder
            participants = await self.participants(aanmelding)
            outgoing.append(self.to_room(aanmelding.reference, participants, notice(Paragraph(
                Bold("Herinnering: "),
                f"{self.config.term} {aanmelding.reference} is "
                f"{format_moment(self.local(overleg.scheduled_at))}",
                f", {overleg.locatie}." if overleg.locatie else ".",
            )), sensitive=False))  # fmt: skip
        return outgoing


async def report_intruder(
    session: AsyncSession, key: str, user_id: str, now: datetime, triage: TriageConfig, term: str
) -> list[Outgoing]:
    """Someone was in a casus room without the bot's invitation: a possible security
    incident for the procesregie, the managers and the beheerders (AVG art. 33/34)."""
    reference = reference_of(key) or key
    await AuditRepository(session).add(now, "incident", user_id, reference_of(key), {
        "what": "uninvited_in_room", "room": key,
    })  # fmt: skip
    text = notice(
        Paragraph(Bold("Mogelijk beveiligingsincident")),
        Paragraph(
            f"{user_id} kwam in de kamer van {term} {reference} zonder uitnodiging van mij. "
            "Ik heb diegene direct verwijderd."
        ),
        Paragraph("Ga na hoe dit kon en of er gegevens zijn ingezien; meld het zo nodig "
                  "als datalek (AVG art. 33/34)."),
    )  # fmt: skip
    service = TriageService(session, triage)
    return [*await service.to_procesregie(text, sensitive=False),
            *await incident_notices(session, text)]  # fmt: skip
