"""Who hears what: the procesregie, an organisation's contacts, a member's own chat, the
people told of incidents and reports.

One :class:`Directory` per unit of work; it remembers what it looked up, so a job that
reminds hundreds of actions of the same few dozen people asks the database once per
person (two queries per lookup made 50 due actions cost 230 ms; bench/storage.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from handlers.access import REGIE_ROLES, answers_for_organisation
from handlers.house import House
from handlers.messages import Notice, Outgoing
from handlers.vocabulary import Role
from storage.members import MemberSummary
from storage.models import Member
from storage.unit import Unit


@dataclass(frozen=True)
class MemberView:
    matrix_id: str
    organisation_key: str
    organisation_name: str
    role: Role
    dm_room_id: str | None
    # (known master key, unconfirmed new one) when read along (see Directory.find).
    identity_keys: tuple[str, str | None] | None = None

    @property
    def has_dm(self) -> bool:
        return self.dm_room_id is not None

    @classmethod
    def of(cls, member: Member) -> MemberView:
        return cls(
            member.matrix_id, member.organisation.key, member.organisation.name,
            member.role, member.dm_room_id,
        )  # fmt: skip

    @classmethod
    def of_summary(cls, summary: MemberSummary) -> MemberView:
        return cls(
            summary.matrix_id, summary.organisation_key, summary.organisation_name,
            summary.role, summary.dm_room_id, summary.identity_keys,
        )  # fmt: skip


async def find_member(unit: Unit, matrix_id: str) -> MemberView | None:
    summary = await unit.members.summary(matrix_id)
    return None if summary is None else MemberView.of_summary(summary)


async def record_direct_room(unit: Unit, matrix_id: str, room_id: str) -> bool:
    """The member's direct chat with the bot: where the bot reaches them."""
    member = await unit.members.get(matrix_id)
    if member is None:
        return False
    if member.dm_room_id != room_id:
        await unit.members.set_dm_room(member, room_id)
    return True


class Directory:
    def __init__(self, unit: Unit, house: House) -> None:
        self.unit = unit
        self.house = house
        self._names: dict[str, str] | None = None
        self._members: dict[str, MemberView | None] = {}
        self._contacts: dict[str, list[MemberView]] = {}

    # --- looking people up ------------------------------------------------------------

    async def organisation_names(self) -> dict[str, str]:
        if self._names is None:
            self._names = dict(await self.unit.organisations.names())
        return self._names

    async def organisation_name(self, key: str) -> str:
        return (await self.organisation_names()).get(key, key)

    async def find(self, matrix_id: str) -> MemberView | None:
        if matrix_id not in self._members:
            self._members[matrix_id] = await find_member(self.unit, matrix_id)
        return self._members[matrix_id]

    async def with_role(self, role: Role) -> list[MemberView]:
        return [MemberView.of(m) for m in await self.unit.members.list(role=role)]

    async def with_roles(self, roles: Iterable[Role]) -> list[MemberView]:
        return [m for role in roles for m in await self.with_role(role)]

    async def members_of(self, organisation_key: str) -> list[MemberView]:
        organisation = await self.unit.organisations.get(organisation_key)
        if organisation is None:
            return []
        return [MemberView.of(m) for m in await self.unit.members.list(organisation)]

    async def regie(self) -> list[MemberView]:
        """The procesregisseurs and procesondersteuners."""
        return await self.with_roles(REGIE_ROLES)

    async def contacts(self, organisation_key: str) -> list[MemberView]:
        """Who answers for an organisation: its configured contacts, else its partners."""
        if organisation_key not in self._contacts:
            configured = self.house.triage.contacts.get(organisation_key)
            members = await self.members_of(organisation_key)
            self._contacts[organisation_key] = (
                [m for m in members if m.matrix_id in configured]
                if configured
                else [m for m in members if answers_for_organisation(m.role)]
            )
        return self._contacts[organisation_key]

    # --- addressing messages ----------------------------------------------------------

    async def to_procesregie(
        self, text: Notice, reference: str | None, sensitive: bool = True
    ) -> list[Outgoing]:
        """To the procesregie room, or (without one) each regie member's direct chat."""
        regie = await self.regie()
        if self.house.procesregie_room:
            audience = frozenset(m.matrix_id for m in regie)
            return [Outgoing(self.house.procesregie_room, text, sensitive, audience, reference)]
        return [
            Outgoing(m.dm_room_id, text, sensitive, frozenset({m.matrix_id}), reference)
            for m in regie
            if m.dm_room_id
        ]

    async def to_own_chat(
        self, matrix_id: str, text: Notice, reference: str | None = None, sensitive: bool = False
    ) -> Outgoing | None:
        """To one member's direct chat with the bot; None when they have none."""
        member = await self.find(matrix_id)
        if member is None or member.dm_room_id is None:
            return None
        audience = frozenset({matrix_id}) if sensitive else None
        return Outgoing(member.dm_room_id, text, sensitive, audience, reference)

    async def to_contacts(
        self, organisation_key: str, text: Notice, reference: str | None = None,
        exclude: str | None = None,
    ) -> list[Outgoing]:  # fmt: skip
        """A notice without personal data to each contact of an organisation."""
        return [
            Outgoing(c.dm_room_id, text, reference=reference)
            for c in await self.contacts(organisation_key)
            if c.dm_room_id and c.matrix_id != exclude
        ]

    async def to_roles(
        self, roles: Sequence[Role], text: Notice, exclude: str | None = None
    ) -> list[Outgoing]:
        """A notice without personal data to the direct chat of everyone with these roles."""
        return [
            Outgoing(m.dm_room_id, text)
            for m in await self.with_roles(roles)
            if m.dm_room_id and m.matrix_id != exclude
        ]
