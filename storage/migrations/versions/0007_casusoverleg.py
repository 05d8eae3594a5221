"""Casusoverleg: overleggen, plan-van-aanpak actions, managed rooms, the audit log.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

AWARE = sa.DateTime(timezone=True)


def _casus() -> sa.ForeignKey:
    return sa.ForeignKey("aanmeldingen.id", ondelete="CASCADE")


def upgrade() -> None:
    with op.batch_alter_table("aanmeldingen") as batch:
        batch.add_column(sa.Column("procesregisseur", sa.String(255), nullable=True))
        batch.add_column(sa.Column("casusregisseur", sa.String(255), nullable=True))
        batch.add_column(sa.Column("client_informant", sa.Text(), nullable=True))
        batch.add_column(sa.Column("afschaling_criteria", sa.Text(), nullable=True))
        batch.add_column(sa.Column("afgeschaald_on", sa.Date(), nullable=True))
    op.create_table(
        "overleggen",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("aanmelding_id", sa.Integer(), _casus(), nullable=False, index=True),
        sa.Column("scheduled_at", AWARE, nullable=False, index=True),
        sa.Column("locatie", sa.String(500), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("planned_by", sa.String(255), nullable=False),
        sa.Column("created_at", AWARE, nullable=False),
        sa.Column("reminded_at", AWARE, nullable=True),
    )
    op.create_table(
        "pva_acties",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("aanmelding_id", sa.Integer(), _casus(), nullable=False, index=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("wat", sa.Text(), nullable=False),
        sa.Column("organisation_key", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(255), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("done_at", AWARE, nullable=True),
        sa.Column("requested_deadline", sa.Date(), nullable=True),
        sa.Column("requested_by", sa.String(255), nullable=True),
        sa.Column("created_at", AWARE, nullable=False),
        sa.Column("reminded_at", AWARE, nullable=True),
        sa.UniqueConstraint("aanmelding_id", "number"),
    )
    op.create_table(
        "managed_rooms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("members", sa.Text(), nullable=False),
        sa.Column("room_id", sa.String(255), nullable=True, index=True),
        sa.Column("invited", sa.Text(), nullable=False),
        sa.Column("applied_name", sa.String(255), nullable=True),
        sa.Column("applied_topic", sa.String(255), nullable=True),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("create_attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(64), nullable=True),
        sa.Column("updated_at", AWARE, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", AWARE, nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("reference", sa.String(32), nullable=True, index=True),
        sa.Column("detail", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    for table in ("audit_log", "managed_rooms", "pva_acties", "overleggen"):
        op.drop_table(table)
    with op.batch_alter_table("aanmeldingen") as batch:
        for column in (
            "afgeschaald_on", "afschaling_criteria", "client_informant",
            "casusregisseur", "procesregisseur",
        ):  # fmt: skip
            batch.drop_column(column)
