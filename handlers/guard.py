"""The procesregie room: only the procesregie reads along (the bot guards it).

The room is made and run by people; the bot is a member. Anyone in it, or invited to it,
who is not registered with a procesregie role is removed by the bot (a revoked member
quietly, anyone else as a possible incident). Without the power to remove, the bot tells
the managers and beheerders once; until then its case data for that room is refused by
the transport's room policy.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import select

from handlers.incidents import incident_notices
from handlers.membership import MembershipService
from handlers.messages import Bold, Paragraph, notice
from handlers.outbox import queue
from handlers.triage import REGIE_ROLES
from scheduler.clock import Clock
from storage.casus import AuditRepository
from storage.db import Database
from storage.models import AuditEntry


class ProcesregieGuard:
    def __init__(
        self, db: Database, clock: Clock, room_id: str, on_queued: Callable[[], None]
    ) -> None:
        self.db = db
        self.clock = clock
        self.room_id = room_id
        self.on_queued = on_queued

    async def allowed(self) -> frozenset[str]:
        async with self.db.session() as session:
            members = MembershipService(session)
            allowed: set[str] = set()
            for role in REGIE_ROLES:
                allowed.update(m.matrix_id for m in await members.with_role(role))
            return frozenset(allowed)

    async def removed(self, user_id: str) -> None:
        now = self.clock.now()
        async with self.db.transaction() as session:
            audit = AuditRepository(session)
            revoked = (await session.execute(
                select(AuditEntry.id).where(
                    AuditEntry.kind == "member_removed",
                    AuditEntry.detail.contains(json.dumps(user_id)),
                ).limit(1)
            )).first() is not None  # fmt: skip
            if revoked:
                await audit.add(now, "removed_from_room", user_id, None, {
                    "room": "procesregie", "why": "member_removed",
                })  # fmt: skip
                return
            await audit.add(now, "incident", user_id, None, {
                "what": "uninvited_in_room", "room": "procesregie",
            })  # fmt: skip
            text = notice(
                Paragraph(Bold("Mogelijk beveiligingsincident")),
                Paragraph(
                    f"{user_id} was in de procesregiekamer (of uitgenodigd) zonder rol in de "
                    "procesregie. Ik heb diegene direct verwijderd."
                ),
                Paragraph("Ga na hoe dit kon en of er gegevens zijn ingezien; meld het zo "
                          "nodig als datalek (AVG art. 33/34). Hoort diegene erbij, laat de "
                          "beheerder dan eerst de rol toekennen."),
            )  # fmt: skip
            await queue(session, await incident_notices(session, text), now)
        self.on_queued()

    async def cannot_remove(self, user_id: str) -> None:
        now = self.clock.now()
        async with self.db.transaction() as session:
            await AuditRepository(session).add(now, "incident", user_id, None, {
                "what": "cannot_remove", "room": "procesregie",
            })  # fmt: skip
            text = notice(
                Paragraph(Bold("Actie nodig in de procesregiekamer")),
                Paragraph(
                    f"{user_id} is in de procesregiekamer (of uitgenodigd) maar heeft geen "
                    "rol in de procesregie, en ik mag daar niemand verwijderen."
                ),
                Paragraph("Verwijder diegene zelf, of geef mij het recht om te verwijderen "
                          "(moderator). Tot dan stuur ik geen casusgegevens naar die kamer."),
            )  # fmt: skip
            await queue(session, await incident_notices(session, text), now, is_report=True)
        self.on_queued()
