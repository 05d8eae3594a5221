"""The audit log: who disclosed or saw what; references and Matrix ids, never the data itself.

Append-only: entries are added (in the transaction of what they record), never changed;
retention removes only the oldest, so the chain stays checkable from the first entry left.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from handlers.vocabulary import AuditKind, Phase
from storage.audit_chain import GENESIS, entry_hash, stamp
from storage.base import Repository, rowcount
from storage.models import AuditEntry, Member


class AuditRepository(Repository):
    async def add(
        self,
        at: datetime,
        kind: AuditKind,
        actor: str,
        reference: str | None,
        detail: dict[str, Any],
        phase: Phase | None = None,
    ) -> None:
        member = (await self.session.execute(
            select(Member).options(selectinload(Member.organisation))
            .where(Member.matrix_id == actor)
        )).scalar_one_or_none()  # fmt: skip
        organisation = member.organisation.key if member else None
        role = member.role if member else None
        text = json.dumps(detail, sort_keys=True, ensure_ascii=False)
        last = (await self.session.execute(
            select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1)
        )).scalar_one_or_none()  # fmt: skip
        previous = last or GENESIS
        self.session.add(AuditEntry(
            at=at, kind=kind, actor=actor, organisation=organisation, role=role,
            reference=reference, phase=phase, detail=text, prev_hash=previous,
            entry_hash=entry_hash(previous, stamp(at), kind, actor, organisation, role,
                                  reference, phase, text),
        ))  # fmt: skip
        await self.session.flush()

    async def entries(
        self, reference: str | None = None, actor: str | None = None
    ) -> Sequence[AuditEntry]:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if reference is not None:
            query = query.where(AuditEntry.reference == reference)
        if actor is not None:
            query = query.where(AuditEntry.actor == actor)
        return (await self.session.execute(query)).scalars().all()

    async def count_since(self, actor: str, kind: AuditKind, since: datetime) -> int:
        """Entries of one kind by one actor from ``since`` on (e.g. refusals in the last hour)."""
        result = await self.session.execute(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.actor == actor, AuditEntry.kind == kind, AuditEntry.at >= since
            )
        )
        return int(result.scalar_one())

    async def was_removed(self, matrix_id: str) -> bool:
        """Whether a beheerder ever took this member's access away (their removal from a
        room is then no incident)."""
        found = await self.session.execute(
            select(AuditEntry.id)
            .where(
                AuditEntry.kind == AuditKind.MEMBER_REMOVED,
                AuditEntry.detail.contains(json.dumps(matrix_id)),
            )
            .limit(1)
        )
        return found.first() is not None

    async def delete_before(self, cutoff: datetime) -> int:
        """Retention of the log itself: the oldest entries go."""
        return rowcount(
            await self.session.execute(delete(AuditEntry).where(AuditEntry.at < cutoff))
        )

    async def first_broken(self) -> int | None:
        """The id of the first entry whose hash or link does not hold; None when intact."""
        previous: str | None = None
        for entry in await self.entries():
            expected = entry_hash(entry.prev_hash, stamp(entry.at), entry.kind, entry.actor,
                                  entry.organisation, entry.role, entry.reference, entry.phase,
                                  entry.detail)  # fmt: skip
            if entry.entry_hash != expected or (
                previous is not None and entry.prev_hash != previous
            ):
                return entry.id
            previous = entry.entry_hash
        return None
