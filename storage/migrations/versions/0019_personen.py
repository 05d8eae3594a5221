"""Several persons per casus: the household or family a casus concerns, numbered from 2 (the
aanmelding's betrokkene is person 1), each with their own informing record.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "personen",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "aanmelding_id",
            sa.Integer(),
            sa.ForeignKey("aanmeldingen.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("relatie", sa.Text(), nullable=False),
        sa.Column("voornaam", sa.Text(), nullable=False),
        sa.Column("achternaam", sa.Text(), nullable=False),
        sa.Column("geboortedatum", sa.Text(), nullable=False),
        sa.Column("minderjarig", sa.Boolean(), nullable=False),
        sa.Column("woonplaats", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(255), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lookup_hash", sa.String(64), nullable=True),
        sa.Column("informed_on", sa.Date(), nullable=True),
        sa.Column("informed_by", sa.String(255), nullable=True),
        sa.Column("inform_postponed_until", sa.Date(), nullable=True),
        sa.Column("inform_postponed_reason", sa.Text(), nullable=True),
        sa.UniqueConstraint("aanmelding_id", "number"),
    )
    op.create_index("ix_personen_aanmelding_id", "personen", ["aanmelding_id"])
    op.create_index("ix_personen_lookup_hash", "personen", ["lookup_hash"])


def downgrade() -> None:
    op.drop_table("personen")
