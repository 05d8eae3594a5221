"""What a removed member leaves behind is handed over at once (issue: security).

Their open actions go to their organisation's contacts, a casus they guarded as
casusregisseur or procesregisseur is flagged, their half-finished forms (personal data) are
deleted with what the bot echoed of them, and an organisation left without anyone to
answer verrijking requests is named. Returns Dutch lines for the beheerder.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.conversation.service import transcript_tag
from storage.models import Aanmelding, Conversation, Member, Organisation, PvaActie, Role
from storage.repositories import VerrijkingRepository
from storage.rooms import SentMessageRepository


async def hand_over(session: AsyncSession, matrix_id: str, organisation_key: str) -> list[str]:
    notes: list[str] = []
    moved = await session.execute(
        update(PvaActie)
        .where(PvaActie.owner == matrix_id, PvaActie.status == "open")
        .values(owner=None)
    )
    if count := int(getattr(moved, "rowcount", 0) or 0):
        notes.append(f"{count} open actie(s) gaan naar de contactpersonen van {organisation_key}.")
    guarded = (await session.execute(
        select(Aanmelding).where(
            (Aanmelding.casusregisseur == matrix_id) | (Aanmelding.procesregisseur == matrix_id),
            Aanmelding.afgeschaald_on.is_(None),
        ).order_by(Aanmelding.reference)
    )).scalars().all()  # fmt: skip
    for aanmelding in guarded:
        if aanmelding.casusregisseur == matrix_id:
            aanmelding.casusregisseur = None
            notes.append(f"{aanmelding.reference} heeft geen casusregisseur meer: wijs een "
                         "nieuwe aan in het volgende casusoverleg.")  # fmt: skip
        if aanmelding.procesregisseur == matrix_id:
            aanmelding.procesregisseur = None
            notes.append(f"{aanmelding.reference} heeft geen vaste procesregisseur meer.")
    drafts = (await session.execute(
        select(Conversation).where(Conversation.matrix_id == matrix_id).order_by(Conversation.id)
    )).scalars().all()  # fmt: skip
    for draft in drafts:
        await SentMessageRepository(session).request_redaction(transcript_tag(draft))
        await session.delete(draft)
    if drafts:
        notes.append(f"{len(drafts)} onafgemaakt formulier(en) van dit lid zijn verwijderd.")
    remaining = (await session.execute(
        select(Member.id).join(Organisation).where(
            Organisation.key == organisation_key, Member.role == Role.PARTNER.value,
            Member.matrix_id != matrix_id,
        )
    )).first()  # fmt: skip
    if remaining is None:
        waiting = sorted(
            aanmelding.reference
            for request, aanmelding in await VerrijkingRepository(session).open_requests()
            if request.organisation_key == organisation_key
        )
        if waiting:
            notes.append(f"{organisation_key} heeft nu niemand die verzoeken om informatie "
                         f"beantwoordt; open: {', '.join(waiting)}. Voeg een contactpersoon "
                         "toe.")  # fmt: skip
    return notes
