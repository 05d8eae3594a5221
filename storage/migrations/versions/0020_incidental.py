"""Incidental participants: organisations invited to one casusoverleg only.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("overleggen", sa.Column("incidental", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("overleggen") as batch:
        batch.drop_column("incidental")
