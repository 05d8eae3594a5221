"""The beheerder's organisation and member management (shared by CLI and chat)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.beheer.members import MembershipService
from handlers.errors import UserError
from handlers.vocabulary import Role
from storage.db import Database
from storage.unit import Unit

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


async def test_add_and_list_organisations_and_members(db: Database) -> None:
    async with db.session() as session, session.begin():
        service = MembershipService(Unit(session))
        await service.add_organisation("Politie-MN", "Politie  Midden-Nederland", NOW)
        await service.add_organisation("om", "Openbaar Ministerie", NOW)
        change = await service.add_member("@j.jansen:politie.nl", "politie-mn", "Partner", NOW)
        assert change.created
    async with db.session() as session:
        service = MembershipService(Unit(session))
        orgs = await service.list_organisations()
        assert [(o.key, o.name, o.member_count) for o in orgs] == [
            ("om", "Openbaar Ministerie", 0),
            ("politie-mn", "Politie Midden-Nederland", 1),
        ]
        members = await service.list_members()
        assert [(m.matrix_id, m.organisation_key, m.role) for m in members] == [
            ("@j.jansen:politie.nl", "politie-mn", Role.PARTNER)
        ]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (("add_organisation", "p", "Naam"), "geen geldige organisatiecode"),
        (("add_organisation", "politie", "   "), "Geef de organisatie een naam"),
        (("add_organisation", "politie", "x" * 201), "te lang"),
        (("add_organisation", "om", "Open\x00baar"), "onzichtbare tekens"),
        (("add_member", "jansen", "politie", "partner"), "geen Matrix-gebruikers-ID"),
        (("add_member", f"@{'j' * 200}:{'x' * 60}.nl", "politie", "partner"), "geen Matrix"),
        (("add_member", "@j:politie.nl", "politie", "baas"), "geen rol. Kies uit: partner"),
        (("add_member", "@j:politie.nl", "brandweer", "partner"), "bestaat niet"),
        (("remove_member", "@niemand:politie.nl"), "staat niet op de ledenlijst"),
    ],
)
async def test_mistakes_get_a_dutch_explanation(
    db: Database, call: tuple[str, ...], message: str
) -> None:
    async with db.session() as session, session.begin():
        service = MembershipService(Unit(session))
        await service.add_organisation("politie", "Politie", NOW)
    async with db.session() as session, session.begin():
        service = MembershipService(Unit(session))
        name, *args = call
        method = getattr(service, name)
        with pytest.raises(UserError, match=message):
            await method(*args, NOW)


async def test_duplicate_organisation_is_refused(db: Database) -> None:
    async with db.session() as session, session.begin():
        service = MembershipService(Unit(session))
        await service.add_organisation("om", "Openbaar Ministerie", NOW)
        with pytest.raises(UserError, match="bestaat al"):
            await service.add_organisation("OM", "Ander", NOW)


async def test_existing_member_is_moved_and_the_change_reported(db: Database) -> None:
    async with db.session() as session, session.begin():
        service = MembershipService(Unit(session))
        await service.add_organisation("zvh", "ZVH", NOW)
        await service.add_organisation("gemeente", "Gemeente", NOW)
        await service.add_member("@a:zvh.nl", "zvh", "beheerder", NOW)
        await service.add_member("@b:zvh.nl", "zvh", "partner", NOW)
        change = await service.add_member("@b:zvh.nl", "gemeente", "procesregisseur", NOW)
        assert not change.created
        assert change.previous_organisation_key == "zvh"
        assert change.previous_role == Role.PARTNER
        assert change.member.role == Role.PROCESREGISSEUR
        with pytest.raises(UserError, match="is al procesregisseur"):
            await service.add_member("@b:zvh.nl", "gemeente", "procesregisseur", NOW)


async def test_the_last_beheerder_cannot_be_removed_or_demoted(db: Database) -> None:
    async with db.session() as session, session.begin():
        service = MembershipService(Unit(session))
        await service.add_organisation("zvh", "ZVH", NOW)
        await service.add_member("@a:zvh.nl", "zvh", "beheerder", NOW)
        with pytest.raises(UserError, match="laatste functioneel beheerder"):
            await service.remove_member("@a:zvh.nl", NOW)
        with pytest.raises(UserError, match="laatste functioneel beheerder"):
            await service.add_member("@a:zvh.nl", "zvh", "partner", NOW)
        await service.add_member("@b:zvh.nl", "zvh", "beheerder", NOW)
        removed, rooms = await service.remove_member("@a:zvh.nl", NOW)
        assert rooms == 0
        assert removed.matrix_id == "@a:zvh.nl"
        assert await service.find("@a:zvh.nl") is None


async def test_database_errors_do_not_carry_the_values(db: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    from storage.models import Organisation

    async with db.session() as session, session.begin():
        session.add(Organisation(key="dubbel", name="Eerste", created_at=NOW))
    with pytest.raises(IntegrityError) as caught:
        async with db.session() as session, session.begin():
            session.add(Organisation(key="dubbel", name="Geheime Naam", created_at=NOW))
    assert "Geheime Naam" not in str(caught.value)
