"""Triage: the outcome on the aanmelding, verrijkingsverzoeken, anonymous outcomes, job slots.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("aanmeldingen") as batch:
        batch.add_column(
            sa.Column("triage_status", sa.String(32), nullable=False, server_default="open")
        )
        batch.add_column(sa.Column("open_vraag", sa.Text(), nullable=True))
        batch.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("overleg_doel", sa.Text(), nullable=True))
        batch.add_column(sa.Column("overleg_themas", sa.Text(), nullable=True))
        batch.add_column(sa.Column("overleg_partners", sa.Text(), nullable=True))
    op.create_table(
        "verrijkingsverzoeken",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "aanmelding_id",
            sa.Integer(),
            sa.ForeignKey("aanmeldingen.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("organisation_key", sa.String(32), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("answered_by", sa.String(255), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bekend", sa.Boolean(), nullable=True),
        sa.Column("informatie", sa.Text(), nullable=True),
        sa.Column("delen_vooraf", sa.Boolean(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("aanmelding_id", "organisation_key"),
    )
    op.create_index(
        "ix_verrijkingsverzoeken_aanmelding_id", "verrijkingsverzoeken", ["aanmelding_id"]
    )
    op.create_table(
        "triage_outcomes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("organisation_key", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
    )
    op.create_table(
        "job_slots",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("last_slot", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_slots")
    op.drop_table("triage_outcomes")
    op.drop_index("ix_verrijkingsverzoeken_aanmelding_id", table_name="verrijkingsverzoeken")
    op.drop_table("verrijkingsverzoeken")
    with op.batch_alter_table("aanmeldingen") as batch:
        for column in (
            "overleg_partners",
            "overleg_themas",
            "overleg_doel",
            "decided_at",
            "open_vraag",
            "triage_status",
        ):
            batch.drop_column(column)
