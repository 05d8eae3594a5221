"""A verrijking answer the procesregie recorded for a partner (received by phone or mail).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("verrijkingsverzoeken", sa.Column("received_via", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("verrijkingsverzoeken") as batch:
        batch.drop_column("received_via")
