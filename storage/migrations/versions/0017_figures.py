"""Figures: one table of anonymous facts (aanmelding filed, triage decision, first overleg,
action done, casus closed) replaces the two earlier ones (triage_outcomes, closures), whose
rows it takes over; and the outbox can carry an (encrypted) attachment, for the charts.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feiten",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("soort", sa.String(16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("tafel", sa.String(32), nullable=False),
        sa.Column("organisation_key", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("route", sa.String(16), nullable=True),
        sa.Column("evaluation", sa.String(16), nullable=True),
        sa.Column("days", sa.Integer(), nullable=True),
    )
    op.create_index("ix_feiten_day", "feiten", ["day"])
    op.execute(
        "INSERT INTO feiten (soort, day, tafel, organisation_key, outcome) "
        "SELECT 'besloten', decided_on, 'casusoverleg', organisation_key, outcome "
        "FROM triage_outcomes ORDER BY id"
    )
    op.execute(
        "INSERT INTO feiten (soort, day, tafel, organisation_key, outcome, route, evaluation) "
        "SELECT 'afgesloten', closed_on, 'casusoverleg', organisation_key, outcome, route, "
        "evaluation FROM closures ORDER BY id"
    )
    op.drop_table("triage_outcomes")
    op.drop_table("closures")
    op.add_column("outbox", sa.Column("attachment", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("attachment")
    op.create_table(
        "closures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("organisation_key", sa.String(32), nullable=False),
        sa.Column("route", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("evaluation", sa.String(16), nullable=False),
    )
    op.create_table(
        "triage_outcomes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("organisation_key", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
    )
    op.execute(
        "INSERT INTO triage_outcomes (decided_on, organisation_key, outcome) "
        "SELECT day, organisation_key, outcome FROM feiten WHERE soort = 'besloten'"
    )
    op.execute(
        "INSERT INTO closures (closed_on, organisation_key, route, outcome, evaluation) "
        "SELECT day, organisation_key, route, outcome, evaluation FROM feiten "
        "WHERE soort = 'afgesloten'"
    )
    op.drop_index("ix_feiten_day", "feiten")
    op.drop_table("feiten")
