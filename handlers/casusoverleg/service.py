"""Casusoverleg (DOMAIN.md phase 3): planning, the casus room and who is in it.

Privacy by construction:
- the room's name and topic are room state, which is not encrypted: the reference and the
  moment only;
- the room is wished for exactly the lawful participants (doelbinding): the contacts of
  the organisations chosen at triage and the procesregisseur. The bot's room manager
  invites them and removes anyone else (reported as a possible incident);
- what the invitation carries is decided in ``handlers/casusoverleg/invitation.py``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from handlers.access import Caller, chairs_overleg
from handlers.casusoverleg.invitation import Participants, disclosed, invitation
from handlers.conversation.parsing import format_date, format_moment, short_moment
from handlers.directory import Directory
from handlers.errors import UserError
from handlers.house import House
from handlers.messages import (
    Block,
    Bold,
    Code,
    Notice,
    Outgoing,
    Paragraph,
    Table,
    casus_room,
    notice,
)
from handlers.messages import joined as joined_segments
from handlers.personen import Person, sections
from handlers.triage.service import TriageService
from handlers.triage.texts import outcome_label
from handlers.vocabulary import AuditKind, OverlegStatus, Role, TriageStatus
from handlers.wording import cap
from storage.models import Aanmelding, Overleg
from storage.unit import Unit

# Why the procesregie changes who takes part (a code: the audit log holds no free text).
PARTNER_REASONS = {
    "nieuw-betrokken": "nieuw betrokken bij de casus",
    "niet-meer-betrokken": "niet meer betrokken",
    "op-verzoek": "op eigen verzoek",
    "anders": "andere reden",
}


def partners_of(aanmelding: Aanmelding) -> list[str]:
    """The organisations the triage chose for the casusoverleg."""
    return list(json.loads(aanmelding.overleg_partners or "[]"))


class CasusoverlegService:
    def __init__(self, unit: Unit, house: House) -> None:
        self.unit = unit
        self.house = house
        self.words = house.words
        self.triage = TriageService(unit, house)
        self.directory: Directory = self.triage.directory

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.house.zone)

    async def find_casus(self, reference_text: str) -> Aanmelding:
        """A casus with a casusoverleg, not yet afgeschaald."""
        aanmelding = await self.triage.find(reference_text)
        if aanmelding.triage_status is not TriageStatus.CASUSOVERLEG:
            raise UserError(
                f"{aanmelding.reference} is geen casus voor een {self.words.casusoverleg} "
                f"({self.words.triage}: {outcome_label(aanmelding.triage_status, self.words)})."
            )
        if aanmelding.afgeschaald_on is not None:
            day = format_date(aanmelding.afgeschaald_on)
            raise UserError(f"{aanmelding.reference} is afgeschaald op {day}.")
        return aanmelding

    async def participants(self, aanmelding: Aanmelding) -> Participants:
        """The lawful participants: contacts of the organisations chosen at triage, and the
        casus's procesregisseur (all procesregisseurs while none is recorded)."""
        organisations = tuple(partners_of(aanmelding))
        members: set[str] = set()
        unreachable = []
        existing = await self.directory.organisation_names()
        for key in organisations:
            contacts = (await self.directory.contacts(key, aanmelding.tafel)
                        if key in existing else [])  # fmt: skip
            if not contacts:
                unreachable.append(key)
            members.update(c.matrix_id for c in contacts)
        if aanmelding.procesregisseur:
            members.add(aanmelding.procesregisseur)
        else:
            members.update(
                m.matrix_id for m in await self.directory.with_role(Role.PROCESREGISSEUR)
            )
        upcoming = await self.unit.overleggen.upcoming(aanmelding.id)
        incidental = tuple(k for k in (upcoming.incidental_keys() if upcoming else [])
                           if k not in organisations and k in existing)  # fmt: skip
        guests = {c.matrix_id for k in incidental
                  for c in await self.directory.contacts(k, aanmelding.tafel)}  # fmt: skip
        guests -= members
        return Participants(organisations, frozenset(members | guests), tuple(unreachable),
                            incidental, frozenset(guests))  # fmt: skip

    # --- the room ---------------------------------------------------------------------

    def _room_text(self, reference: str, overleg: Overleg | None, state: str) -> tuple[str, str]:
        """Name and topic: the reference and the moment, nothing else (room state is
        not encrypted)."""
        title = f"{self.words.overleg_title} {reference}"
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
        await self.unit.rooms.want(
            casus_room(aanmelding.reference), name, topic, participants.members, now
        )
        return participants

    async def refresh_members(self, now: datetime) -> list[Outgoing]:
        """After a change in who answers for an organisation: every running casus room is
        meant for its participants as they are now. A new contact is invited at once (not
        only at the next plan), one who left goes quietly; the room hears who joined."""
        outgoing: list[Outgoing] = []
        for row in await self.unit.aanmeldingen.running():
            if row.triage_status is not TriageStatus.CASUSOVERLEG:
                continue
            key = casus_room(row.reference)
            before = await self.unit.rooms.wanted_members(key)
            aanmelding = await self.unit.aanmeldingen.for_id(row.id) if before is not None else None
            if before is None or aanmelding is None:
                continue
            participants = await self.participants(aanmelding)
            if participants.members == before:
                continue
            await self.unit.rooms.change_members(key, participants.members, now)
            if joined := participants.members - before:
                outgoing.append(await self._joined(row.reference, joined))
        return outgoing

    async def change_partners(
        self, aanmelding: Aanmelding, organisation: str, add: bool, reden: str, caller: Caller,
        now: datetime,
    ) -> list[Outgoing]:  # fmt: skip
        """Add an organisation to a casusoverleg, or take one off, with the reason's code
        (audited). A room that exists follows at once: the new contacts are invited and get
        the invitation (they cannot read what came before), the leaving ones go quietly."""
        partners = partners_of(aanmelding)
        names = await self.directory.organisation_names()
        name, reference = names.get(organisation), aanmelding.reference
        if name is None:
            raise UserError(f"Ik ken geen organisatie met code {organisation}.")
        tafel = self.house.tafel(aanmelding.tafel)
        if add and not tafel.in_set(organisation):
            raise UserError(f"{name} hoort niet bij de partners van {self.words.tafel(tafel.key)}: "
                            "die tafel heeft een eigen, kleinere kring.")  # fmt: skip
        if add == (organisation in partners):
            state = "neemt al deel" if add else "neemt niet deel"
            raise UserError(f"{name} {state} aan {self.words.casusoverleg.de} over {reference}.")
        if not add and len(partners) == 1:
            raise UserError(f"{name} is de enige deelnemer; voeg eerst een andere toe.")
        partners = [*partners, organisation] if add else [k for k in partners if k != organisation]
        aanmelding.overleg_partners = json.dumps(partners)
        await self.unit.audit.add(now, AuditKind.PARTICIPANTS_CHANGED, caller.matrix_id,
                                  reference, {"organisation": organisation, "reason": reden,
                                              "change": "added" if add else "removed"})  # fmt: skip
        key = casus_room(reference)
        before = await self.unit.rooms.wanted_members(key)
        if before is None:
            return []  # no room yet: the next plan invites them
        participants = await self.participants(aanmelding)
        await self.unit.rooms.change_members(key, participants.members, now)
        why = PARTNER_REASONS.get(reden, reden)
        if not add:
            return [self.to_room(reference, participants, notice(Paragraph(
                f"{name} neemt niet meer deel aan {self.words.casusoverleg.dit} ({why}); "
                "hun leden verlaten de kamer."
            )), sensitive=False)]  # fmt: skip
        outgoing = [self.to_room(reference, participants, notice(Paragraph(
            f"{name} neemt voortaan deel aan {self.words.casusoverleg.dit} ({why})."
        )), sensitive=False)]  # fmt: skip
        overleg = await self.unit.overleggen.upcoming(aanmelding.id)
        if overleg is not None:
            # The newcomers read nothing from before their invitation: the invitation again.
            names_of = await self.directory.names(participants.members)
            outgoing += await invitation(self.unit, self.house, names_of, aanmelding, overleg,
                                         participants, caller.matrix_id, now, True)  # fmt: skip
        return outgoing

    async def person_added(
        self, aanmelding: Aanmelding, one: Person, actor: str, now: datetime
    ) -> list[Outgoing]:
        """A person added to a casus whose room has had its invitation: the room gets that
        person's allowed personalia (before the first invitation there is nothing to do: it
        will carry everyone)."""
        reference = aanmelding.reference
        if await self.unit.rooms.wanted_members(casus_room(reference)) is None:
            return []
        participants = await self.participants(aanmelding)
        blocks, shown = sections([one], participants.personalia(self.house))
        if not shown:
            return []
        await disclosed(self.unit, actor, reference, "persoon-toegevoegd", shown, participants,
                        now)  # fmt: skip
        return [participants.room_message(reference, mention=False, text=notice(
            Paragraph(Bold(f"Deze casus gaat ook over {one.title.lower()}")),
            *blocks,
            Paragraph("Alleen voor dit overleg (doelbinding)."),
        ))]  # fmt: skip

    async def _joined(self, reference: str, joined: frozenset[str]) -> Outgoing:
        names = await self.directory.names(joined)
        who = joined_segments([names.person(m) for m in sorted(joined)])
        text = notice(Paragraph(
            *who, f" neemt voortaan deel aan {self.words.casusoverleg.de} over {reference} "
            "(nieuw bij een deelnemende organisatie). Eerdere berichten in deze kamer zijn "
            "voor hen niet zichtbaar; het plan staat in ", Code(f"pva {reference}"), ".",
        ))  # fmt: skip
        return Outgoing(casus_room(reference), text, False, None, reference, mentions=joined)

    @staticmethod
    def to_room(
        reference: str, participants: Participants, text: Notice, sensitive: bool = True
    ) -> Outgoing:
        return participants.room_message(reference, text, sensitive)

    # --- planning ---------------------------------------------------------------------

    def check_moment(self, when: datetime, now: datetime) -> list[str]:
        """Refuse the past; warnings (Dutch) for a moment outside working hours."""
        if when <= now:
            raise UserError(
                f"{format_moment(self.local(when))} is al voorbij. Kies een moment in de toekomst."
            )
        if not self.house.working_time.is_working_moment(when):
            return ["Let op: dat is buiten werktijd. Ik plan het toch in."]
        return []

    async def plan(
        self, aanmelding: Aanmelding, when: datetime, locatie: str, caller: Caller, now: datetime
    ) -> tuple[Participants, list[Outgoing]]:
        upcoming = await self.unit.overleggen.upcoming(aanmelding.id)
        if upcoming is not None:
            raise UserError(
                f"Voor {aanmelding.reference} staat al een {self.words.casusoverleg} gepland op "
                f"{format_moment(self.local(upcoming.scheduled_at))}. Verzetten kan met "
                f"{self.words.command('overleg')} verzet {aanmelding.reference} <datum> <tijd>."
            )
        if aanmelding.procesregisseur is None and chairs_overleg(caller.role):
            aanmelding.procesregisseur = caller.matrix_id
        overleg = await self.unit.overleggen.add(Overleg(
            aanmelding_id=aanmelding.id, scheduled_at=when, locatie=locatie or None,
            status=OverlegStatus.GEPLAND, planned_by=caller.matrix_id, created_at=now,
            reminded_at=now if self.reminder_moment(when) <= now else None,
        ))  # fmt: skip
        # The personalia go into a room once: a follow-up overleg reuses the room, whose
        # participants have them since their invitation.
        first = await self.unit.rooms.get(casus_room(aanmelding.reference)) is None
        participants = await self.describe_room(aanmelding, overleg, "", now)
        names = await self.directory.names(participants.members)
        outgoing = await invitation(
            self.unit, self.house, names, aanmelding, overleg, participants, caller.matrix_id,
            now, first,
        )  # fmt: skip
        return participants, outgoing

    async def reschedule(
        self, aanmelding: Aanmelding, when: datetime, locatie: str, now: datetime
    ) -> Outgoing:
        overleg = await self.upcoming(aanmelding)
        overleg.scheduled_at = when
        if locatie:
            overleg.locatie = locatie
        overleg.reminded_at = now if self.reminder_moment(when) <= now else None
        participants = await self.describe_room(aanmelding, overleg, "", now)
        return self.to_room(aanmelding.reference, participants, notice(
            Paragraph(Bold(f"{self.words.overleg_title} {aanmelding.reference} is verzet")),
            Table(("", ""), (("wanneer", format_moment(self.local(when))),
                             ("waar", overleg.locatie or "volgt"))),
        ))  # fmt: skip

    async def cancel(self, aanmelding: Aanmelding, reden: str, now: datetime) -> Outgoing:
        overleg = await self.upcoming(aanmelding)
        overleg.status = OverlegStatus.GEANNULEERD
        participants = await self.describe_room(aanmelding, overleg, "geannuleerd", now)
        when = format_moment(self.local(overleg.scheduled_at))
        blocks: list[Block] = [Paragraph(Bold(
            f"{cap(self.words.casusoverleg.de)} over {aanmelding.reference} van {when} gaat "
            "niet door."
        ))]  # fmt: skip
        if reden:
            blocks.append(Paragraph("Reden: ", reden))
        return self.to_room(aanmelding.reference, participants, notice(*blocks))

    async def upcoming(self, aanmelding: Aanmelding) -> Overleg:
        overleg = await self.unit.overleggen.upcoming(aanmelding.id)
        if overleg is None:
            raise UserError(
                f"Voor {aanmelding.reference} staat geen {self.words.casusoverleg} gepland. "
                f"Plannen kan met {self.words.command('overleg')} plan {aanmelding.reference} "
                "<datum> <tijd> [locatie]."
            )
        return overleg

    def reminder_moment(self, when: datetime) -> datetime:
        """The start of the working day before the overleg."""
        hours = self.house.working_time
        day = self.local(when).date() - timedelta(days=1)
        while not hours.is_working_day(day):
            day -= timedelta(days=1)
        return hours.start_of(day)
