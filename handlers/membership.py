"""Who may use the bot: organisations and members (the functioneel beheerder's work).

One service for both the command line and chat, so both validate the same way. Errors a
beheerder can make come back as :class:`UserError` with a Dutch message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import UserError
from storage.casus import AuditRepository
from storage.models import Member, Organisation, Role
from storage.repositories import IdentityRepository, MemberRepository, OrganisationRepository
from storage.rooms import ManagedRoomRepository

ORG_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
# Matrix user ids (spec: user identifiers), with an optional port on the server name.
MATRIX_ID_RE = re.compile(r"^@[a-z0-9._=\-/+]{1,200}:[A-Za-z0-9.\-]{1,200}(:[0-9]{1,5})?$")
MAX_MATRIX_ID = 255  # the spec's limit, and the column's (PostgreSQL enforces it)
MAX_ORG_NAME = 200


@dataclass(frozen=True)
class MemberView:
    matrix_id: str
    organisation_key: str
    organisation_name: str
    role: Role
    dm_room_id: str | None
    # (known master key, unconfirmed new one) when read along (see MembershipService.find).
    identity_keys: tuple[str, str | None] | None = None

    @property
    def has_dm(self) -> bool:
        return self.dm_room_id is not None


@dataclass(frozen=True)
class MemberChange:
    member: MemberView
    created: bool
    previous_organisation_key: str | None = None
    previous_role: Role | None = None


@dataclass(frozen=True)
class OrganisationView:
    key: str
    name: str
    member_count: int


def _view(member: Member) -> MemberView:
    return MemberView(
        matrix_id=member.matrix_id,
        organisation_key=member.organisation.key,
        organisation_name=member.organisation.name,
        role=Role(member.role),
        dm_room_id=member.dm_room_id,
    )


def parse_org_key(text: str) -> str:
    key = text.strip().lower()
    if not ORG_KEY_RE.match(key):
        raise UserError(
            f"'{text[:40]}' is geen geldige organisatiecode: gebruik 2 tot 32 kleine letters, "
            "cijfers of streepjes, zoals politie-mn."
        )
    return key


def parse_matrix_id(text: str) -> str:
    candidate = text.strip()
    if len(candidate) > MAX_MATRIX_ID or not MATRIX_ID_RE.match(candidate):
        raise UserError(
            f"'{candidate[:60]}' is geen Matrix-gebruikers-ID. Die ziet eruit als "
            "@naam:server.nl (kleine letters)."
        )
    return candidate


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        names = ", ".join(role.value for role in Role)
        raise UserError(f"'{text[:40]}' is geen rol. Kies uit: {names}.") from None


def parse_org_name(text: str) -> str:
    name = " ".join(text.split())
    if not name:
        raise UserError("Geef de organisatie een naam.")
    if len(name) > MAX_ORG_NAME:
        raise UserError(f"Die naam is te lang (maximaal {MAX_ORG_NAME} tekens).")
    if not name.isprintable():  # e.g. a NUL, which PostgreSQL cannot store in text
        raise UserError("Die naam bevat onzichtbare tekens; typ hem opnieuw.")
    return name


class MembershipService:
    def __init__(self, session: AsyncSession) -> None:
        self.organisations = OrganisationRepository(session)
        self.members = MemberRepository(session)

    async def add_organisation(
        self, key_text: str, name_text: str, now: datetime
    ) -> OrganisationView:
        key = parse_org_key(key_text)
        name = parse_org_name(name_text)
        existing = await self.organisations.get(key)
        if existing is not None:
            raise UserError(f"De organisatie {key} bestaat al ({existing.name}).")
        await self.organisations.add(key, name, now)
        return OrganisationView(key=key, name=name, member_count=0)

    async def list_organisations(self) -> Sequence[OrganisationView]:
        return [
            OrganisationView(key=org.key, name=org.name, member_count=count)
            for org, count in await self.organisations.list_with_member_counts()
        ]

    async def _organisation(self, key_text: str) -> Organisation:
        key = parse_org_key(key_text)
        organisation = await self.organisations.get(key)
        if organisation is None:
            raise UserError(
                f"De organisatie {key} bestaat niet. Voeg haar eerst toe (organisatie toevoegen)."
            )
        return organisation

    async def add_member(
        self,
        matrix_id_text: str,
        org_key_text: str,
        role_text: str,
        now: datetime,
        actor: str = "systeem",
    ) -> MemberChange:
        """Add a member, or move an existing member to another organisation or role
        (recorded in the audit log with who did it)."""
        matrix_id = parse_matrix_id(matrix_id_text)
        role = parse_role(role_text)
        organisation = await self._organisation(org_key_text)
        member = await self.members.get(matrix_id)
        await AuditRepository(self.members.session).add(now, "member_added", actor, None, {
            "member": matrix_id, "organisation": organisation.key, "role": role.value,
        })  # fmt: skip
        if member is None:
            created = await self.members.add(matrix_id, organisation, role, now)
            return MemberChange(member=_view(created), created=True)
        previous_key, previous_role = member.organisation.key, Role(member.role)
        if previous_key == organisation.key and previous_role == role:
            raise UserError(f"{matrix_id} is al {role.value} bij {organisation.key}.")
        if previous_role == Role.BEHEERDER and role != Role.BEHEERDER:
            await self._keep_one_beheerder(matrix_id)
        member.organisation = organisation
        member.role = role.value
        await self.members.session.flush()
        return MemberChange(
            member=_view(member),
            created=False,
            previous_organisation_key=previous_key,
            previous_role=previous_role,
        )

    async def remove_member(
        self, matrix_id_text: str, now: datetime, actor: str = "systeem"
    ) -> tuple[MemberView, int]:
        """Remove a member; access goes at once, also to the casus rooms (the bot removes
        them there). Returns the member and the number of casus rooms they lose."""
        matrix_id = parse_matrix_id(matrix_id_text)
        member = await self.members.get(matrix_id)
        if member is None:
            raise UserError(f"{matrix_id} staat niet op de ledenlijst.")
        if Role(member.role) == Role.BEHEERDER:
            await self._keep_one_beheerder(matrix_id)
        view = _view(member)
        await self.members.remove(member)
        await IdentityRepository(self.members.session).forget(matrix_id)
        rooms = await ManagedRoomRepository(self.members.session).revoke(matrix_id, now)
        await AuditRepository(self.members.session).add(now, "member_removed", actor, None, {
            "member": matrix_id, "organisation": view.organisation_key, "role": view.role.value,
            "casus_rooms": rooms,
        })  # fmt: skip
        return view, rooms

    async def _keep_one_beheerder(self, leaving: str) -> None:
        others = [
            m
            for m in await self.members.list()
            if m.role == Role.BEHEERDER.value and m.matrix_id != leaving
        ]
        if not others:
            raise UserError(
                "Dit is de laatste functioneel beheerder. Wijs eerst een andere beheerder aan."
            )

    async def list_members(self, org_key_text: str | None = None) -> Sequence[MemberView]:
        organisation = None if org_key_text is None else await self._organisation(org_key_text)
        return [_view(member) for member in await self.members.list(organisation)]

    async def with_role(self, role: Role) -> Sequence[MemberView]:
        return [_view(member) for member in await self.members.list() if member.role == role.value]

    async def find(self, matrix_id: str) -> MemberView | None:
        member = await self.members.summary(matrix_id)
        if member is None:
            return None
        return MemberView(
            matrix_id=member.matrix_id,
            organisation_key=member.organisation_key,
            organisation_name=member.organisation_name,
            role=Role(member.role),
            dm_room_id=member.dm_room_id,
            identity_keys=member.identity_keys,
        )

    async def organisation_names(self) -> Sequence[tuple[str, str]]:
        """(key, name) of every organisation, by key."""
        return await self.organisations.names()

    async def record_direct_room(self, matrix_id: str, room_id: str) -> bool:
        member = await self.members.get(matrix_id)
        if member is None:
            return False
        if member.dm_room_id != room_id:
            await self.members.set_dm_room(member, room_id)
        return True
