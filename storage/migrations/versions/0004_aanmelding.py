"""Conversations in progress, aanmeldingen and case reference counters.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("matrix_id", sa.String(255), nullable=False),
        sa.Column("room_id", sa.String(255), nullable=False),
        sa.Column("form", sa.String(64), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("matrix_id", "room_id"),
    )
    op.create_index("ix_conversations_updated_at", "conversations", ["updated_at"])
    op.create_table(
        "reference_counters",
        sa.Column("prefix", sa.String(8), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("last", sa.Integer(), nullable=False),
    )
    op.create_table(
        "aanmeldingen",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(32), nullable=False, unique=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("aanmelder_matrix_id", sa.String(255), nullable=False),
        sa.Column("aanmelder_organisation", sa.String(32), nullable=False),
        sa.Column("voornaam", sa.String(100), nullable=False),
        sa.Column("achternaam", sa.String(100), nullable=False),
        sa.Column("aliassen", sa.String(300), nullable=True),
        sa.Column("geboortedatum", sa.Date(), nullable=False),
        sa.Column("minderjarig", sa.Boolean(), nullable=False),
        sa.Column("adres", sa.String(200), nullable=True),
        sa.Column("postcode", sa.String(7), nullable=True),
        sa.Column("woonplaats", sa.String(100), nullable=False),
        sa.Column("gemeente", sa.String(100), nullable=False),
        sa.Column("probleemstelling", sa.Text(), nullable=False),
        sa.Column("doel", sa.Text(), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("betrokken_partners", sa.Text(), nullable=False),
        sa.Column("urgentie", sa.String(16), nullable=False),
        sa.Column("spoed_reden", sa.Text(), nullable=True),
        sa.Column("contactpersoon", sa.String(300), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("aanmeldingen")
    op.drop_table("reference_counters")
    op.drop_index("ix_conversations_updated_at", table_name="conversations")
    op.drop_table("conversations")
