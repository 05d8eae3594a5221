"""A database error says what went wrong, never which values: not in its text, not in the
exceptions chained to it, which is what a logged traceback shows (SECURITY.md)."""

from __future__ import annotations

import traceback
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import DBAPIError

from storage.db import Database
from storage.models import Member, Organisation

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
SECRET = "geheim-waarde"


def logged(error: BaseException) -> str:
    return "".join(traceback.format_exception(error))


async def test_a_duplicate_key_does_not_name_the_key(db: Database) -> None:
    async with db.transaction() as unit:
        unit.session.add(Organisation(key=SECRET, name="Eerste", created_at=NOW))
    with pytest.raises(DBAPIError) as caught:
        async with db.transaction() as unit:
            unit.session.add(Organisation(key=SECRET, name="Tweede", created_at=NOW))
    assert SECRET not in logged(caught.value)
    assert "INSERT INTO organisations" in logged(caught.value), "the statement is kept"


async def test_a_value_of_the_wrong_kind_is_not_repeated(db: Database) -> None:
    with pytest.raises(DBAPIError) as caught:
        async with db.transaction() as unit:
            unit.session.add(Member(
                matrix_id="@iemand:x.nl", organisation_id=SECRET, role="partner", created_at=NOW
            ))  # fmt: skip
    assert SECRET not in logged(caught.value)


async def test_a_missing_value_does_not_show_the_rest_of_the_row(db: Database) -> None:
    with pytest.raises(DBAPIError) as caught:
        async with db.transaction() as unit:
            unit.session.add(Member(
                matrix_id=f"@{SECRET}:x.nl", organisation_id=None, role="partner", created_at=NOW
            ))  # fmt: skip
    assert SECRET not in logged(caught.value)
