"""Messages that reach people: whether a queued message notifies (m.text) and whom it
mentions; members' display names (shown instead of their Matrix ids); messages with a BSN
the member was asked to delete.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

AWARE = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column(
        "outbox", sa.Column("notify", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("outbox", sa.Column("mentions", sa.Text(), nullable=True))
    op.add_column("members", sa.Column("display_name", sa.Text(), nullable=True))
    op.create_table(
        "withdrawn_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("room_id", sa.String(255), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False, unique=True),
        sa.Column("sender", sa.String(255), nullable=False),
        sa.Column("asked_at", AWARE, nullable=False),
        sa.Column("reminded_at", AWARE, nullable=True),
        sa.Column("taken_at", AWARE, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("withdrawn_messages")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("display_name")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("mentions")
        batch.drop_column("notify")
