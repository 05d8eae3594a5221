"""Every casus ends: how and why it closed, when it was last confirmed needed, the 'nog
nodig?' and undecided reminders, and an anonymous record of every close for the figures.

Existing rows get their dates: an afgeschaalde casus is closed on its afschaling day. A
running casus needs no column for its clock: its last activity is read from its overleggen
and actions. No row is deleted here.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

AWARE = sa.DateTime(timezone=True)
COLUMNS = (
    ("closed_on", sa.Date()),
    ("closed_route", sa.String(16)),
    ("closed_outcome", sa.String(32)),
    ("evaluation", sa.String(16)),
    ("still_needed_at", AWARE),
    ("stale_asked_at", AWARE),
    ("stale_escalated_at", AWARE),
    ("undecided_reminded_at", AWARE),
)


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column("aanmeldingen", sa.Column(name, type_, nullable=True))
    op.execute(
        "UPDATE aanmeldingen SET closed_on = afgeschaald_on, closed_route = 'afgeschaald' "
        "WHERE afgeschaald_on IS NOT NULL"
    )
    op.create_table(
        "closures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("organisation_key", sa.String(32), nullable=False),
        sa.Column("route", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("evaluation", sa.String(16), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("closures")
    with op.batch_alter_table("aanmeldingen") as batch:
        for name, _ in COLUMNS:
            batch.drop_column(name)
