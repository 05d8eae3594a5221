"""The authorisation review (Kennemerland Bijlage 4): every member per organisation and
role, for the managers and beheerders to confirm or revoke."""

from __future__ import annotations

from datetime import date

from handlers.beheer.members import MembershipService
from handlers.conversation.parsing import format_date
from handlers.house import House
from handlers.messages import Bold, Code, Notice, Paragraph, Table, exactly, notice
from storage.unit import Unit


async def review_notice(unit: Unit, house: House, slot: date) -> Notice:
    service = MembershipService(unit)
    organisations = dict(await service.organisation_names())
    words = house.words
    rows = tuple(
        (organisations.get(m.organisation_key, m.organisation_key),
         words.role_name(m.role), exactly(m.person))
        for m in sorted(await service.list_members(),
                        key=lambda m: (m.organisation_key, m.role.value, m.matrix_id))
    )  # fmt: skip
    return notice(
        Paragraph(Bold(f"Autorisaties controleren — {format_date(slot)}")),
        Paragraph(f"Wie heeft er toegang tot {words.house_name}? Controleer of iedereen die "
                  "toegang nog nodig heeft (twee keer per jaar)."),
        Table(("organisatie", "rol", "lid"), rows),
        Paragraph("Iemand weg? Een beheerder typt ", Code("lid verwijderen @gebruiker:server"),
                  "; dat werkt meteen, ook in de casuskamers."),
    )  # fmt: skip
