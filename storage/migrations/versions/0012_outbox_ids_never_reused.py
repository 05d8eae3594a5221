"""Outbox: message ids are never used twice (SQLite AUTOINCREMENT).

Sent messages are deleted, and SQLite gives a new row the highest id in the table plus
one, so after the table had emptied the next message got the id of one just sent. The
outbox sender refers to messages by id a moment after they left the table (recording a
delivery, a retry); with a reused id that reference hit the new message: a reply was
deleted unsent (seen in the integration tests under load). PostgreSQL's sequences never
hand out an id twice: nothing to do there.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # The table is rebuilt (ids and rows kept); the id counter starts at the highest id.
    with op.batch_alter_table(
        "outbox", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ):
        pass


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "outbox", recreate="always", table_kwargs={"sqlite_autoincrement": False}
    ):
        pass
