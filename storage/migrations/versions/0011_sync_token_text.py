"""The sync position's token as text: homeservers set no length on it.

PostgreSQL enforces VARCHAR lengths (SQLite does not): a Synapse with many stream writers
hands out tokens that may outgrow 255 characters, and the bot could not save its position.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_position") as batch:
        batch.alter_column("next_batch", existing_type=sa.String(255), type_=sa.Text())


def downgrade() -> None:
    with op.batch_alter_table("sync_position") as batch:
        batch.alter_column("next_batch", existing_type=sa.Text(), type_=sa.String(255))
