"""Members' cryptographic identities: trust on first use, pause on change, beheerder confirms.

A member's cross-signing master key is remembered the first time it is seen. If another
key shows up, the account may have been taken over: the member is paused (no commands
handled, no case data sent) until a beheerder who is not that member confirms the new key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from handlers.directory import Directory
from handlers.errors import UserError
from handlers.house import House
from handlers.identifiers import parse_matrix_id
from handlers.incidenten.register import ap_question, record
from handlers.messages import Outgoing, text_notice
from handlers.outbox import IDENTITY_HELD
from handlers.texts import (
    IDENTITY_CONFIRMED_MEMBER,
    IDENTITY_PAUSED,
    identity_changed_member,
    identity_changed_report,
)
from handlers.vocabulary import IncidentSoort, Role
from storage.unit import Unit


@dataclass(frozen=True)
class IdentityCheck:
    """What to answer instead of handling the message; empty when the member may go on."""

    outgoing: Sequence[Outgoing]

    @property
    def blocked(self) -> bool:
        return bool(self.outgoing)


class IdentityService:
    def __init__(self, unit: Unit, house: House) -> None:
        self.unit = unit
        self.house = house
        self.identities = unit.identities

    async def check(
        self,
        matrix_id: str,
        room_id: str,
        seen_key: str | None,
        now: datetime,
        keys: tuple[str, str | None] | None,
    ) -> IdentityCheck:
        """``keys``: (known master key, unconfirmed new one) as read with the member in this
        unit of work (``MemberView.identity_keys``), None when no key is known yet."""
        if seen_key is None:
            # No cross-signing on this account (yet): nothing to compare; the first key
            # that does appear is remembered.
            if keys is not None and keys[1] is not None:
                return IdentityCheck([Outgoing(room_id, text_notice(IDENTITY_PAUSED))])
            return IdentityCheck(())
        if keys == (seen_key, None):
            return IdentityCheck(())  # the usual case: the key we know, nothing pending
        known = await self.identities.get(matrix_id)
        if known is None:
            await self.identities.remember(matrix_id, seen_key, now)
            return IdentityCheck(())
        if known.pending_master_key is not None:
            if known.pending_master_key != seen_key:
                await self.identities.mark_changed(known, seen_key, now)
            return IdentityCheck([Outgoing(room_id, text_notice(IDENTITY_PAUSED))])
        if known.master_key == seen_key:
            return IdentityCheck(())
        await self.identities.mark_changed(known, seen_key, now)
        outgoing = [Outgoing(room_id, text_notice(identity_changed_member()))]
        directory = Directory(self.unit, self.house)
        # A key change is usually a new phone, but may be a takeover: registered, so someone
        # decides (usually: not for the AP, confirmed with the member).
        incident = await record(self.unit, IncidentSoort.IDENTITEIT_GEWIJZIGD, now,
                                subject=matrix_id, detail={"what": "identity_changed"})  # fmt: skip
        report = identity_changed_report(await directory.person(matrix_id))
        report = report.followed_by(ap_question(incident, self.house.zone))
        outgoing += await directory.to_roles((Role.BEHEERDER,), report, exclude=matrix_id)
        return IdentityCheck(outgoing)

    async def confirm(
        self, matrix_id_text: str, confirmed_by: str | None, now: datetime
    ) -> Sequence[Outgoing]:
        """Accept a member's new key; held messages go out again. Returns notices to send."""
        matrix_id = parse_matrix_id(matrix_id_text)
        if confirmed_by == matrix_id:
            raise UserError(
                "Je kunt je eigen identiteit niet bevestigen; vraag een andere beheerder."
            )
        known = await self.identities.get(matrix_id)
        if known is None or known.pending_master_key is None:
            raise UserError(f"Er is geen gewijzigde identiteit van {matrix_id} te bevestigen.")
        await self.identities.confirm(known)
        await self.unit.outbox.release_held(now, IDENTITY_HELD)
        told = await Directory(self.unit, self.house).to_own_chat(
            matrix_id, text_notice(IDENTITY_CONFIRMED_MEMBER)
        )
        return [told] if told else []
