"""The audit log: who disclosed or saw what; references and Matrix ids, never the data itself.

Append-only: entries are added (in the transaction of what they record), never changed;
retention removes only the oldest and records the first it kept, so the chain stays
checkable from there. Each entry is numbered and MAC'd (``storage/audit_chain.py``); the
check of the whole log is ``storage/audit_verify.py``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from handlers.vocabulary import AuditKind, Phase
from storage.audit_chain import GENESIS, entry_mac, stamp
from storage.base import Repository, rowcount
from storage.crypto import installed
from storage.models import AuditEntry, Member

# Who acts when the bot itself records something (no member).
SYSTEM_ACTOR = "casusbot"


@dataclass(frozen=True)
class AuditHead:
    """The newest entry: its number, MAC and the data key its MAC is under."""

    seq: int
    mac: str
    key_id: str


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
        # Write transactions run one at a time (storage/db.py): no two entries can follow
        # the same one.
        last = (await self.session.execute(
            select(AuditEntry.seq, AuditEntry.entry_hash).order_by(AuditEntry.seq.desc()).limit(1)
        )).first()  # fmt: skip
        seq, previous = (last[0] + 1, last[1]) if last else (1, GENESIS)
        keys = installed()
        key = keys.audit_key()
        assert key is not None
        self.session.add(AuditEntry(
            at=at, kind=kind, actor=actor, organisation=organisation, role=role,
            reference=reference, phase=phase, detail=text, seq=seq, prev_hash=previous,
            entry_hash=entry_mac(key, seq, previous, stamp(at), kind, actor, organisation,
                                 role, reference, phase, text),
            key_id=keys.primary_id,
        ))  # fmt: skip
        await self.session.flush()
        self.effects.audited = True

    async def head(self) -> AuditHead | None:
        """The newest entry: what an anchor records."""
        row = (await self.session.execute(
            select(AuditEntry.seq, AuditEntry.entry_hash, AuditEntry.key_id)
            .order_by(AuditEntry.seq.desc()).limit(1)
        )).first()  # fmt: skip
        return None if row is None else AuditHead(row[0], row[1], row[2])

    async def entries(
        self, reference: str | None = None, actor: str | None = None
    ) -> Sequence[AuditEntry]:
        query = select(AuditEntry).order_by(AuditEntry.seq)
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

    async def disclosures(self, reference: str) -> Sequence[AuditEntry]:
        """Every disclosure of a casus's data, oldest first (for inzage: who received what)."""
        result = await self.session.execute(
            select(AuditEntry)
            .where(AuditEntry.reference == reference, AuditEntry.kind == AuditKind.DISCLOSURE)
            .order_by(AuditEntry.seq)
        )
        return result.scalars().all()

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

    async def delete_before(self, cutoff: datetime, now: datetime) -> int:
        """Retention of the log itself: the oldest entries go, and the log says from which
        entry on it is whole (so a removal at the start is told apart from this)."""
        newest = select(func.max(AuditEntry.seq)).scalar_subquery()
        # The newest entry stays, whatever its age: the chain goes on from it.
        removed = rowcount(await self.session.execute(
            delete(AuditEntry).where(AuditEntry.at < cutoff, AuditEntry.seq < newest)
        ))  # fmt: skip
        if removed:
            first = (await self.session.execute(select(func.min(AuditEntry.seq)))).scalar()
            await self.add(now, AuditKind.AUDIT_PRUNED, SYSTEM_ACTOR, None, {
                "removed": removed, "first_kept": first,
            })  # fmt: skip
        return removed

    async def chain(self, batch: int = 2000) -> AsyncIterator[AuditEntry]:
        """Every entry in chain order, read in batches (the log may be long)."""
        after = 0
        while True:
            rows = (await self.session.execute(
                select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq)
                .limit(batch)
            )).scalars().all()  # fmt: skip
            for row in rows:
                yield row
            if len(rows) < batch:
                return
            after = rows[-1].seq
            self.session.expunge_all()
