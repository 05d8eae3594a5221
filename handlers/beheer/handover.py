"""What a removed member leaves behind is handed over at once (issue: security).

Their open actions go to their organisation's contacts, a casus they guarded as
casusregisseur or procesregisseur is flagged, their half-finished forms (personal data) are
deleted with what the bot echoed of them, and an organisation left without anyone to
answer verrijking requests is named. Returns Dutch lines for the beheerder.
"""

from __future__ import annotations

from handlers.access import ANSWERING_ROLE
from handlers.conversation.service import forget_conversation
from handlers.wording import Wording
from storage.unit import Unit


async def hand_over(unit: Unit, words: Wording, matrix_id: str, organisation_key: str) -> list[str]:
    notes: list[str] = []
    if count := await unit.acties.release_owner(matrix_id):
        notes.append(f"{count} open actie(s) gaan naar de contactpersonen van {organisation_key}.")
    for aanmelding in await unit.aanmeldingen.guarded_by(matrix_id):
        if aanmelding.casusregisseur == matrix_id:
            aanmelding.casusregisseur = None
            notes.append(f"{aanmelding.reference} heeft geen {words.casusregisseur} meer: "
                         f"wijs een nieuwe aan zodra {words.casusoverleg.de} weer "
                         "bijeenkomt.")  # fmt: skip
        if aanmelding.procesregisseur == matrix_id:
            aanmelding.procesregisseur = None
            notes.append(f"{aanmelding.reference} heeft geen vaste {words.procesregisseur} meer.")
    drafts = await unit.conversations.of_member(matrix_id)
    for draft in drafts:
        await forget_conversation(unit, draft)
    if drafts:
        notes.append(f"{len(drafts)} onafgemaakt formulier(en) van dit lid zijn verwijderd.")
    answering = await unit.members.others_with_role(
        ANSWERING_ROLE, excluding=matrix_id, organisation_key=organisation_key
    )
    if not answering:
        waiting = sorted(
            aanmelding.reference
            for _, aanmelding in await unit.verrijking.open_requests(organisation_key)
        )
        if waiting:
            notes.append(f"{organisation_key} heeft nu niemand die verzoeken om informatie "
                         f"beantwoordt; open: {', '.join(waiting)}. Voeg een contactpersoon "
                         "toe.")  # fmt: skip
    return notes
