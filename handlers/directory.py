"""Who hears what: the procesregie, an organisation's contacts, a member's own chat, the
people told of incidents and reports.

One :class:`Directory` per unit of work; it remembers what it looked up, so a job that
reminds hundreds of actions of the same few dozen people asks the database once per
person (two queries per lookup made 50 due actions cost 230 ms; bench/storage.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from handlers.access import REGIE_ROLES, Caller, answers_for_organisation
from handlers.house import House
from handlers.messages import Notice, Outgoing, Person, clean_text
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
    # Their display name in Matrix, as last seen (None: not known yet).
    display_name: str | None = None

    @property
    def has_dm(self) -> bool:
        return self.dm_room_id is not None

    @property
    def person(self) -> Person:
        """How messages show them: by name, as a pill."""
        return person_of(self.matrix_id, self.display_name)

    @property
    def caller(self) -> Caller:
        """The member as the access module sees a caller."""
        return Caller(self.matrix_id, self.role, self.organisation_key, self.organisation_name)

    @classmethod
    def of(cls, member: Member) -> MemberView:
        return cls(
            member.matrix_id, member.organisation.key, member.organisation.name,
            member.role, member.dm_room_id, display_name=member.display_name,
        )  # fmt: skip

    @classmethod
    def of_summary(cls, summary: MemberSummary) -> MemberView:
        return cls(
            summary.matrix_id, summary.organisation_key, summary.organisation_name,
            summary.role, summary.dm_room_id, summary.identity_keys, summary.display_name,
        )  # fmt: skip


def person_of(matrix_id: str, display_name: str | None) -> Person:
    """A person by display name; without one, the part of their id people recognise
    (``@jan.jansen:zvh.nl`` → ``jan.jansen``)."""
    name = (display_name or "").strip() or matrix_id.removeprefix("@").split(":", 1)[0]
    return Person(matrix_id, name)


def clean_name(name: str | None) -> str | None:
    """A display name as shown: one line, bounded; None when nothing is left."""
    return " ".join(clean_text(name or "")[0].split())[:MAX_DISPLAY_NAME] or None


async def known_display_names(unit: Unit) -> dict[str, str | None]:
    """Every member, and the display name the bot knows of them."""
    return await unit.members.display_names()


async def record_display_name(unit: Unit, matrix_id: str, name: str | None) -> None:
    """Remember how a member is called in Matrix (seen on their message or profile)."""
    await unit.members.set_display_name(matrix_id, clean_name(name))


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


MAX_DISPLAY_NAME = 100


@dataclass(frozen=True)
class Names:
    """How messages name organisations (by name) and people (by display name, as pills)."""

    organisations: Mapping[str, str]
    people: Mapping[str, Person] = field(default_factory=dict)

    def organisation(self, key: str) -> str:
        return self.organisations.get(key, key)

    def person(self, matrix_id: str) -> Person:
        return self.people.get(matrix_id) or Person(matrix_id, matrix_id)


class Directory:
    def __init__(self, unit: Unit, house: House) -> None:
        self.unit = unit
        self.house = house
        self._names: dict[str, str] | None = None
        self._members: dict[str, MemberView | None] = {}
        self._contacts: dict[tuple[str, tuple[str, ...] | None], list[MemberView]] = {}

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

    async def person(self, matrix_id: str) -> Person:
        """Someone to name in a message: a member by display name, anyone else by their
        whole id (someone the house does not know is shown as exactly who they are)."""
        member = await self.find(matrix_id)
        return member.person if member is not None else Person(matrix_id, matrix_id)

    async def names(self, people: Iterable[str | None] = ()) -> Names:
        """The organisations' names, and these people as they are named in messages (each
        looked up once per unit of work: a job naming the same few people often asks once)."""
        return Names(
            await self.organisation_names(),
            {m: await self.person(m) for m in dict.fromkeys(p for p in people if p)},
        )

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

    async def contacts(self, organisation_key: str, tafel: str | None = None) -> list[MemberView]:
        """Who answers for an organisation (at a casus's tafel): the tafel's own contacts,
        else the house's configured ones, else its partners."""
        own = self.house.tafel(tafel).contacts.get(organisation_key) if tafel else None
        configured = own or self.house.triage.contacts.get(organisation_key)
        key = (organisation_key, configured)
        if key not in self._contacts:
            members = await self.members_of(organisation_key)
            self._contacts[key] = (
                [m for m in members if m.matrix_id in configured]
                if configured
                else [m for m in members if answers_for_organisation(m.role)]
            )
        return self._contacts[key]

    # --- addressing messages ----------------------------------------------------------

    async def to_procesregie(
        self, text: Notice, reference: str | None, sensitive: bool = True
    ) -> list[Outgoing]:
        """To the procesregie room, or (without one) each regie member's direct chat."""
        regie = await self.regie()
        if self.house.procesregie_room:
            # Addressed to the procesregisseurs: a mention makes each one's Element notify.
            audience = frozenset(m.matrix_id for m in regie)
            addressed = frozenset(m.matrix_id for m in regie if m.role is Role.PROCESREGISSEUR)
            return [Outgoing(
                self.house.procesregie_room, text, sensitive, audience, reference,
                mentions=addressed,
            )]  # fmt: skip
        return [to_dm(m, text, reference, sensitive) for m in regie if m.dm_room_id]

    async def to_own_chat(
        self, matrix_id: str, text: Notice, reference: str | None = None, sensitive: bool = False
    ) -> Outgoing | None:
        """To one member's direct chat with the bot; None when they have none."""
        member = await self.find(matrix_id)
        if member is None or member.dm_room_id is None:
            return None
        return to_dm(member, text, reference, sensitive)

    async def to_own_chat_or_procesregie(
        self, matrix_id: str | None, text: Notice, reference: str, sensitive: bool
    ) -> list[Outgoing]:
        """To one member's own chat (the casus's procesregisseur, say); without one, to the
        procesregie (sensitive or not alike)."""
        told = await self.to_own_chat(matrix_id, text, reference, sensitive) if matrix_id else None
        if told is not None:
            return [told]
        return await self.to_procesregie(text, reference if sensitive else None, sensitive)

    async def to_contacts(
        self, organisation_key: str, text: Notice, reference: str | None = None,
        exclude: str | None = None, tafel: str | None = None,
    ) -> list[Outgoing]:  # fmt: skip
        """A notice without personal data to each contact of an organisation (at a tafel)."""
        return [
            to_dm(c, text, reference)
            for c in await self.contacts(organisation_key, tafel)
            if c.dm_room_id and c.matrix_id != exclude
        ]

    async def to_roles(
        self, roles: Sequence[Role], text: Notice, exclude: str | None = None
    ) -> list[Outgoing]:
        """A notice without personal data to the direct chat of everyone with these roles."""
        return [
            to_dm(m, text)
            for m in await self.with_roles(roles)
            if m.dm_room_id and m.matrix_id != exclude
        ]


def to_dm(
    member: MemberView, text: Notice, reference: str | None = None, sensitive: bool = False
) -> Outgoing:
    """To a member's own chat with the bot, mentioning them (their Element notifies)."""
    assert member.dm_room_id is not None
    who = frozenset({member.matrix_id})
    return Outgoing(
        member.dm_room_id, text, sensitive, who if sensitive else None, reference, mentions=who
    )
