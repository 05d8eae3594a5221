"""Organisations, members and the identities the bot remembers of them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.orm import joinedload, selectinload

from handlers.vocabulary import Role
from storage.base import Repository, execute
from storage.models import Member, MemberIdentity, Organisation

# Read for (nearly) every message: built once against the tables (bench/RESULTS.md).
_organisations = cast(Table, Organisation.__table__)
_members = cast(Table, Member.__table__)
_identities = cast(Table, MemberIdentity.__table__)
_ORGANISATION_NAMES = select(_organisations.c.key, _organisations.c.name).order_by(
    _organisations.c.key
)
_MEMBER_SUMMARY = (
    select(
        _members.c.matrix_id, _members.c.role, _members.c.dm_room_id,
        _organisations.c.key, _organisations.c.name,
        _identities.c.master_key, _identities.c.pending_master_key, _members.c.display_name,
    )
    .join(_organisations, _organisations.c.id == _members.c.organisation_id)
    .outerjoin(_identities, _identities.c.matrix_id == _members.c.matrix_id)
    .where(_members.c.matrix_id == bindparam("matrix_id"))
)  # fmt: skip


class OrganisationRepository(Repository):
    async def get(self, key: str) -> Organisation | None:
        result = await self.session.execute(select(Organisation).where(Organisation.key == key))
        return result.scalar_one_or_none()

    async def add(self, key: str, name: str, now: datetime) -> Organisation:
        organisation = Organisation(key=key, name=name, created_at=now)
        self.session.add(organisation)
        await self.session.flush()
        return organisation

    async def rename(self, organisation: Organisation, name: str) -> None:
        organisation.name = name
        await self.session.flush()

    async def names(self) -> Sequence[tuple[str, str]]:
        """(key, name) of every organisation, by key: a plain query, read for many messages
        (the choices of a form)."""
        result = await execute(self.session, _ORGANISATION_NAMES)
        return [(key, name) for key, name in result.all()]

    async def list_with_member_counts(self) -> Sequence[tuple[Organisation, int]]:
        counts = (
            select(Member.organisation_id, func.count(Member.id).label("n"))
            .group_by(Member.organisation_id)
            .subquery()
        )
        result = await self.session.execute(
            select(Organisation, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.organisation_id == Organisation.id)
            .order_by(Organisation.key)
        )
        return [(organisation, int(count)) for organisation, count in result.all()]


@dataclass(frozen=True)
class MemberSummary:
    matrix_id: str
    role: Role
    dm_room_id: str | None
    organisation_key: str
    organisation_name: str
    # The identity (cross-signing master key) the bot knows of them, and an unconfirmed
    # new one: read along, since every message checks it.
    master_key: str | None = None
    pending_master_key: str | None = None
    display_name: str | None = None

    @property
    def identity_keys(self) -> tuple[str, str | None] | None:
        """(known master key, unconfirmed new one), or None when no key is known yet."""
        if self.master_key is None:
            return None
        return (self.master_key, self.pending_master_key)


class MemberRepository(Repository):
    async def summary(self, matrix_id: str) -> MemberSummary | None:
        """What the bot needs to know of a member for every message: one plain query (no
        ORM object to track), with the organisation and their known identity joined in."""
        result = await execute(self.session, _MEMBER_SUMMARY, {"matrix_id": matrix_id})
        row = result.first()
        return None if row is None else MemberSummary(*row)

    async def get(self, matrix_id: str) -> Member | None:
        # One query with a join, not a second for the organisation.
        result = await self.session.execute(
            select(Member)
            .options(joinedload(Member.organisation))
            .where(Member.matrix_id == matrix_id)
        )
        return result.scalar_one_or_none()

    async def add(
        self, matrix_id: str, organisation: Organisation, role: Role, now: datetime
    ) -> Member:
        member = Member(matrix_id=matrix_id, organisation=organisation, role=role, created_at=now)
        self.session.add(member)
        await self.session.flush()
        return member

    async def change(self, member: Member, organisation: Organisation, role: Role) -> None:
        member.organisation = organisation
        member.role = role
        await self.session.flush()

    async def remove(self, member: Member) -> None:
        await self.session.delete(member)
        await self.session.flush()

    async def list(
        self, organisation: Organisation | None = None, role: Role | None = None
    ) -> Sequence[Member]:
        query = select(Member).options(selectinload(Member.organisation))
        if organisation is not None:
            query = query.where(Member.organisation_id == organisation.id)
        if role is not None:
            query = query.where(Member.role == role)
        result = await self.session.execute(
            query.join(Member.organisation).order_by(Organisation.key, Member.matrix_id)
        )
        return result.scalars().all()

    async def others_with_role(
        self, role: Role, excluding: str, organisation_key: str | None = None
    ) -> int:
        """How many members other than ``excluding`` hold ``role`` (in one organisation)."""
        query = select(func.count(Member.id)).where(
            Member.role == role, Member.matrix_id != excluding
        )
        if organisation_key is not None:
            query = query.join(Member.organisation).where(Organisation.key == organisation_key)
        return int((await self.session.execute(query)).scalar_one())

    async def set_dm_room(self, member: Member, room_id: str) -> None:
        member.dm_room_id = room_id
        await self.session.flush()

    async def set_display_name(self, matrix_id: str, name: str | None) -> None:
        await self.session.execute(
            update(Member).where(Member.matrix_id == matrix_id).values(display_name=name)
        )

    async def display_names(self) -> dict[str, str | None]:
        """Every member's Matrix id and the display name the bot knows (None: none yet)."""
        result = await self.session.execute(select(Member.matrix_id, Member.display_name))
        return {matrix_id: name for matrix_id, name in result.all()}


class IdentityRepository(Repository):
    async def get(self, matrix_id: str) -> MemberIdentity | None:
        return await self.session.get(MemberIdentity, matrix_id)

    async def remember(self, matrix_id: str, master_key: str, now: datetime) -> None:
        self.session.add(
            MemberIdentity(matrix_id=matrix_id, master_key=master_key, first_seen_at=now)
        )
        await self.session.flush()

    async def mark_changed(self, identity: MemberIdentity, new_key: str, now: datetime) -> None:
        identity.pending_master_key = new_key
        identity.changed_at = now
        await self.session.flush()

    async def confirm(self, identity: MemberIdentity) -> None:
        assert identity.pending_master_key is not None
        identity.master_key = identity.pending_master_key
        identity.pending_master_key = None
        await self.session.flush()

    async def paused(self, matrix_ids: Iterable[str]) -> set[str]:
        ids = list(matrix_ids)
        if not ids:
            return set()
        result = await self.session.execute(
            select(MemberIdentity.matrix_id).where(
                MemberIdentity.matrix_id.in_(ids), MemberIdentity.pending_master_key.is_not(None)
            )
        )
        return set(result.scalars())

    async def forget(self, matrix_id: str) -> None:
        await self.session.execute(
            delete(MemberIdentity).where(MemberIdentity.matrix_id == matrix_id)
        )
