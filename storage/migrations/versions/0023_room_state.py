"""The rooms' state kept with the sync position (bot/matrix/snapshot.py): a restart
rebuilds the client's rooms from it instead of asking the homeserver for the full state
of every room. One row per room: its state events, encrypted (user ids, display names).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "room_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account", sa.String(255), nullable=False),
        sa.Column("room_id", sa.String(255), nullable=False),
        sa.Column("events", sa.Text(), nullable=False),
        sa.UniqueConstraint("account", "room_id"),
    )


def downgrade() -> None:
    op.drop_table("room_state")
