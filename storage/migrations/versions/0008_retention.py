"""Retention and reminders: sent messages to redact, cleaned files, action reminders.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

AWARE = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("pva_acties") as batch:
        batch.drop_column("reminded_at")
        batch.add_column(
            sa.Column("reminders_sent", sa.String(32), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("escalated_at", AWARE, nullable=True))
        batch.add_column(sa.Column("deadline_set_at", AWARE, nullable=True))
    op.execute("UPDATE pva_acties SET deadline_set_at = created_at")
    with op.batch_alter_table("pva_acties") as batch:
        batch.alter_column("deadline_set_at", existing_type=AWARE, nullable=False)
    with op.batch_alter_table("aanmeldingen") as batch:
        batch.alter_column("geboortedatum", existing_type=sa.Date(), nullable=True)
        batch.add_column(sa.Column("cleaned_at", AWARE, nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("reference", sa.String(32), nullable=True))
    op.create_table(
        "sent_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(32), nullable=False, index=True),
        sa.Column("room_id", sa.String(255), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("sent_at", AWARE, nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sent_messages")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("reference")
    with op.batch_alter_table("aanmeldingen") as batch:
        batch.drop_column("cleaned_at")
        batch.alter_column("geboortedatum", existing_type=sa.Date(), nullable=False)
    with op.batch_alter_table("pva_acties") as batch:
        batch.drop_column("deadline_set_at")
        batch.drop_column("escalated_at")
        batch.drop_column("reminders_sent")
        batch.add_column(sa.Column("reminded_at", AWARE, nullable=True))
