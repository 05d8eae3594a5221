"""Organisations, members, handled events and the sync position.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("matrix_id", sa.String(255), nullable=False, unique=True),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisations.id"),
            nullable=False,
        ),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("dm_room_id", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "handled_events",
        sa.Column("event_id", sa.String(255), primary_key=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_handled_events_handled_at", "handled_events", ["handled_at"])
    op.create_table(
        "sync_position",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account", sa.String(255), nullable=False, unique=True),
        sa.Column("next_batch", sa.String(255), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sync_position")
    op.drop_index("ix_handled_events_handled_at", table_name="handled_events")
    op.drop_table("handled_events")
    op.drop_table("members")
    op.drop_table("organisations")
