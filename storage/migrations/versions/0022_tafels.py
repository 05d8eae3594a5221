"""Tafels: the tafel a casus belongs to, the outcome its triage recorded (a tafel's own
word for one of the four effects), and what nazorg ex-gedetineerden keeps: the expected
release date (encrypted), when the procesregie was reminded of it, and the stoplicht per
leefgebied (encrypted JSON).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

COLUMNS = ("tafel", "triage_uitkomst", "vrijlating_op", "vrijlating_reminded_at", "zwaarte")


def upgrade() -> None:
    op.add_column(
        "aanmeldingen",
        sa.Column("tafel", sa.String(32), nullable=False, server_default="casusoverleg"),
    )
    op.add_column("aanmeldingen", sa.Column("triage_uitkomst", sa.String(48), nullable=True))
    op.add_column("aanmeldingen", sa.Column("vrijlating_op", sa.Text(), nullable=True))
    op.add_column(
        "aanmeldingen",
        sa.Column("vrijlating_reminded_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column("aanmeldingen", sa.Column("zwaarte", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("aanmeldingen") as batch:
        for column in COLUMNS:
            batch.drop_column(column)
