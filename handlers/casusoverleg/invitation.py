"""The invitation to a casusoverleg: agenda, personalia, goal and the partners involved
(Gelderland-Midden art. 8.3c), and nothing else.

It carries the personalia the house's invitation policy allows, once per room; a
verrijking answer only when its supplier agreed to prior sharing (art. 12.2f / 13.2d), each
labelled with the organisation. Every disclosure goes to the audit log: references and
Matrix ids, never the data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.bezwaar import refuse_if_objected
from handlers.conversation.parsing import format_moment
from handlers.directory import Names
from handlers.house import House
from handlers.messages import (
    Block,
    Bold,
    BulletList,
    Notice,
    Outgoing,
    Paragraph,
    Table,
    casus_room,
    joined,
    notice,
)
from handlers.personen import persons, sections
from handlers.vocabulary import AuditKind, VerrijkingStatus
from storage.models import Aanmelding, Overleg
from storage.unit import Unit

# What a casusoverleg decides (DOMAIN.md phase 3).
DECISIONS = (
    "wie {casusregisseur} wordt",
    "het plan van aanpak: wat, wie, wanneer",
    "wie de cliënt informeert",
    "de criteria voor afschaling",
)


@dataclass(frozen=True)
class Participants:
    organisations: tuple[str, ...]
    members: frozenset[str]
    # Participating organisations with nobody the bot can invite.
    unreachable: tuple[str, ...]
    # Organisations (and their members, also in ``members``) invited for the planned
    # overleg only: while they are there, the room gets fewer personalia.
    incidental: tuple[str, ...] = ()
    incidental_members: frozenset[str] = frozenset()

    def personalia(self, house: House) -> tuple[str, ...]:
        """The personalia a message in this room may carry now."""
        return house.overleg.allowed(bool(self.incidental_members))

    def room_message(
        self, reference: str, text: Notice, sensitive: bool = True, mention: bool = True
    ) -> Outgoing:
        """A message into the casus room, readable by these participants only, and (unless
        it follows one that did) addressed to them: each one's Element notifies."""
        mentions = self.members if mention else frozenset()
        return Outgoing(
            casus_room(reference), text, sensitive, self.members, reference, mentions=mentions
        )


async def disclosed(
    unit: Unit, actor: str, reference: str, purpose: str, fields: Sequence[str],
    participants: Participants, now: datetime,
) -> None:  # fmt: skip
    await unit.audit.add(now, AuditKind.DISCLOSURE, actor, reference, {
        "purpose": purpose, "fields": list(fields), "room": casus_room(reference),
        "recipients": sorted(participants.members),
    })  # fmt: skip


async def invitation(
    unit: Unit, house: House, names: Names, aanmelding: Aanmelding,
    overleg: Overleg, participants: Participants, actor: str, now: datetime,
    with_personalia: bool,
) -> list[Outgoing]:  # fmt: skip
    reference = aanmelding.reference
    await refuse_if_objected(unit, reference)
    zone: ZoneInfo = house.zone
    invited = sorted((names.person(m) for m in participants.members), key=lambda p: p.name.lower())
    blocks: list[Block] = [
        Paragraph(Bold(f"Uitnodiging {house.words.casusoverleg} {reference}")),
        Table(("", ""), (
            ("wanneer", format_moment(overleg.scheduled_at.astimezone(zone))),
            ("waar", overleg.locatie or "volgt"),
            ("deelnemers", ", ".join(
                [names.organisation(k) for k in participants.organisations]
                + [f"{names.organisation(k)} (incidenteel)" for k in participants.incidental]
            )),
            ("uitgenodigd", joined(invited)),
        )),
        Paragraph(Bold("Agenda")),
        Table(("", ""), (("doel", aanmelding.overleg_doel or "—"),
                         ("thema's", aanmelding.overleg_themas or "—"))),
        Paragraph("Te besluiten:"),
        BulletList(tuple((house.words.fill(d),) for d in DECISIONS)),
    ]  # fmt: skip
    fields = ["doel", "themas"]
    if with_personalia:
        # Each person minimised on their own: the allowed fields they have.
        shown, names_shown = sections(persons(aanmelding), participants.personalia(house))
        blocks += shown
        fields += names_shown
    blocks.append(Paragraph(
        "Deze gegevens zijn alleen voor dit overleg (doelbinding): deel ze niet buiten "
        "deze kamer."
    ))  # fmt: skip
    outgoing = [participants.room_message(reference, notice(*blocks))]
    await disclosed(unit, actor, reference, "uitnodiging", fields, participants, now)
    # A partner's information is not for an incidental participant.
    if house.overleg.share_verrijking and with_personalia and not participants.incidental:
        outgoing += await _shared_verrijking(
            unit, names.organisations, aanmelding, participants, actor, now
        )
    return outgoing


async def _shared_verrijking(
    unit: Unit, names: Mapping[str, str], aanmelding: Aanmelding, participants: Participants,
    actor: str, now: datetime,
) -> list[Outgoing]:  # fmt: skip
    outgoing = []
    for request in await unit.verrijking.for_aanmelding(aanmelding.id):
        shared = request.bekend and request.delen_vooraf
        if request.status is not VerrijkingStatus.BEANTWOORD or not shared:
            continue
        organisation = names.get(request.organisation_key, request.organisation_key)
        outgoing.append(participants.room_message(aanmelding.reference, mention=False, text=notice(
            Paragraph(Bold(f"Informatie van {organisation}"),
                      " (vooraf gedeeld met hun toestemming)"),
            Paragraph(request.informatie or ""),
        )))  # fmt: skip
        await disclosed(
            unit, actor, aanmelding.reference, "verrijking",
            [f"verrijking:{request.organisation_key}"], participants, now,
        )  # fmt: skip
    return outgoing
