"""The registers: AVG requests (with bezwaar) and security incidents.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

AWARE = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "verzoeken",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("soort", sa.String(16), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("registered_at", AWARE, nullable=False),
        sa.Column("registered_by", sa.String(255), nullable=False),
        sa.Column("handler", sa.String(255), nullable=True),
        sa.Column("organisation_key", sa.String(32), nullable=True),
        sa.Column("reference", sa.String(32), nullable=True),
        sa.Column("betrokkene", sa.Text(), nullable=True),
        sa.Column("omschrijving", sa.Text(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("extended_reason", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("decided_at", AWARE, nullable=True),
        sa.Column("decided_by", sa.String(255), nullable=True),
        sa.Column("reminded_at", AWARE, nullable=True),
        sa.Column("escalated_at", AWARE, nullable=True),
        sa.Column("cleaned_at", AWARE, nullable=True),
    )
    op.create_index("ix_verzoeken_reference", "verzoeken", ["reference"])
    op.create_table(
        "incidenten",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", AWARE, nullable=False),
        sa.Column("soort", sa.String(32), nullable=False),
        sa.Column("reported_by", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(255), nullable=True),
        sa.Column("reference", sa.String(32), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("ap_besluit", sa.String(16), nullable=True),
        sa.Column("ap_reason", sa.Text(), nullable=True),
        sa.Column("ap_decided_at", AWARE, nullable=True),
        sa.Column("ap_decided_by", sa.String(255), nullable=True),
        sa.Column("reminded_at", AWARE, nullable=True),
        sa.Column("cleaned_at", AWARE, nullable=True),
    )
    op.create_index("ix_incidenten_at", "incidenten", ["at"])


def downgrade() -> None:
    op.drop_index("ix_incidenten_at", "incidenten")
    op.drop_table("incidenten")
    op.drop_index("ix_verzoeken_reference", "verzoeken")
    op.drop_table("verzoeken")
