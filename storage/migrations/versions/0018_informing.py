"""Informing the betrokkene (AVG art. 13/14): when and by whom, or until when and why it is
postponed, and when the bot last asked about it.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

AWARE = sa.DateTime(timezone=True)
COLUMNS = (
    ("informed_on", sa.Date()),
    ("informed_by", sa.String(255)),
    ("inform_postponed_until", sa.Date()),
    ("inform_postponed_reason", sa.Text()),
    ("inform_reminded_at", AWARE),
)


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("aanmeldingen", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("aanmeldingen") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
