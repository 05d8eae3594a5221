"""Audit log: the actor's organisation and role, the legal phase, and a hash chain.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

from storage.audit_chain import GENESIS, entry_hash, stamp

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("organisation", sa.String(32), nullable=True))
        batch.add_column(sa.Column("role", sa.String(32), nullable=True))
        batch.add_column(sa.Column("phase", sa.String(16), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("entry_hash", sa.String(64), nullable=False, server_default=""))
        batch.create_index("ix_audit_log_actor", ["actor"])
    bind = op.get_bind()
    previous = GENESIS
    rows = bind.execute(sa.text(
        "SELECT id, at, kind, actor, reference, detail FROM audit_log ORDER BY id"
    )).all()  # fmt: skip
    for row_id, at, kind, actor, reference, detail in rows:
        moment = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
        digest = entry_hash(
            previous, stamp(moment), kind, actor, None, None, reference, None, detail
        )
        bind.execute(
            sa.text("UPDATE audit_log SET prev_hash = :p, entry_hash = :h WHERE id = :id"),
            {"p": previous, "h": digest, "id": row_id},
        )
        previous = digest


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index("ix_audit_log_actor")
        for column in ("entry_hash", "prev_hash", "phase", "role", "organisation"):
            batch.drop_column(column)
