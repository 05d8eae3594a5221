"""Who may use the bot: organisations and members (the functioneel beheerder's work).

One service for both the command line and chat, so both validate the same way. Errors a
beheerder can make come back as :class:`UserError` with a Dutch message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from handlers.access import is_beheerder, leaves_no_beheerder
from handlers.directory import MemberView, record_direct_room
from handlers.errors import UserError
from handlers.identifiers import parse_matrix_id, parse_org_key, parse_org_name, parse_role
from handlers.vocabulary import AuditKind, Role
from handlers.wording import NATIONAL, Wording
from storage.models import Organisation
from storage.unit import Unit


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


class MembershipService:
    def __init__(self, unit: Unit) -> None:
        self.unit = unit
        self.organisations = unit.organisations
        self.members = unit.members

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

    async def rename_organisation(
        self, key_text: str, name_text: str, now: datetime, actor: str = "systeem"
    ) -> tuple[str, str]:
        """A new name for an organisation; returns (old name, new name)."""
        organisation = await self._organisation(key_text)
        name = parse_org_name(name_text)
        old = organisation.name
        if old != name:
            await self.organisations.rename(organisation, name)
            await self.unit.audit.add(now, AuditKind.ORGANISATION_RENAMED, actor, None, {
                "organisation": organisation.key,
            })  # fmt: skip
        return old, name

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
        words: Wording = NATIONAL,
    ) -> MemberChange:
        """Add a member, or move an existing member to another organisation or role
        (recorded in the audit log with who did it)."""
        matrix_id = parse_matrix_id(matrix_id_text)
        role = parse_role(role_text, words)
        organisation = await self._organisation(org_key_text)
        member = await self.members.get(matrix_id)
        await self.unit.audit.add(now, AuditKind.MEMBER_ADDED, actor, None, {
            "member": matrix_id, "organisation": organisation.key, "role": role.value,
        })  # fmt: skip
        if member is None:
            created = await self.members.add(matrix_id, organisation, role, now)
            return MemberChange(member=MemberView.of(created), created=True)
        previous_key, previous_role = member.organisation.key, member.role
        if previous_key == organisation.key and previous_role is role:
            raise UserError(f"{matrix_id} is al {words.role_word(role)} bij {organisation.key}.")
        await self._keep_one_beheerder(matrix_id, previous_role, role)
        await self.members.change(member, organisation, role)
        return MemberChange(
            member=MemberView.of(member),
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
        await self._keep_one_beheerder(matrix_id, member.role, None)
        view = MemberView.of(member)
        await self.members.remove(member)
        await self.unit.identities.forget(matrix_id)
        rooms = await self.unit.rooms.revoke(matrix_id, now)
        await self.unit.audit.add(now, AuditKind.MEMBER_REMOVED, actor, None, {
            "member": matrix_id, "organisation": view.organisation_key, "role": view.role.value,
            "casus_rooms": rooms,
        })  # fmt: skip
        return view, rooms

    async def _keep_one_beheerder(self, leaving: str, old: Role, new: Role | None) -> None:
        if not is_beheerder(old):
            return
        others = await self.members.others_with_role(Role.BEHEERDER, excluding=leaving)
        if leaves_no_beheerder(old, new, others):
            raise UserError(
                "Dit is de laatste functioneel beheerder. Wijs eerst een andere beheerder aan."
            )

    async def list_members(self, org_key_text: str | None = None) -> Sequence[MemberView]:
        organisation = None if org_key_text is None else await self._organisation(org_key_text)
        return [MemberView.of(member) for member in await self.members.list(organisation)]

    async def with_role(self, role: Role) -> Sequence[MemberView]:
        return [MemberView.of(member) for member in await self.members.list(role=role)]

    async def find(self, matrix_id: str) -> MemberView | None:
        summary = await self.members.summary(matrix_id)
        return None if summary is None else MemberView.of_summary(summary)

    async def organisation_names(self) -> Sequence[tuple[str, str]]:
        """(key, name) of every organisation, by key."""
        return await self.organisations.names()

    async def record_direct_room(self, matrix_id: str, room_id: str) -> bool:
        return await record_direct_room(self.unit, matrix_id, room_id)
