"""The audit log's chain keyed: every entry gets its number in the chain and an HMAC under a
key derived from the data key (not in the database), replacing the plain SHA-256 chain
that anyone could recompute. The old chain is checked first; if it was already broken,
that is written into the log as an incident, so the upgrade hides nothing.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from storage import crypto
from storage.audit_chain import GENESIS, entry_hash, entry_mac, stamp

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

COLUMNS = "id, at, kind, actor, organisation, role, reference, phase, detail, prev_hash, entry_hash"


def _moment(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("key_id", sa.String(8), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT {COLUMNS} FROM audit_log ORDER BY id")).all()  # noqa: S608
    broken_at = None
    previous_hash: str | None = None
    for row in rows:
        row_id, at, kind, actor, organisation, role, reference, phase, detail, prev, stored = row
        expected = entry_hash(
            prev, stamp(_moment(at)), kind, actor, organisation, role, reference, phase, detail
        )
        linked = previous_hash is None or prev == previous_hash
        if broken_at is None and (stored != expected or not linked):
            broken_at = row_id
        previous_hash = stored
    keys = crypto.installed()
    key = keys.audit_key()
    assert key is not None
    previous = GENESIS
    entries = [tuple(row) for row in rows]
    if broken_at is not None:
        # The old chain did not hold: say so in the new one, where it cannot be removed.
        detail = json.dumps({"what": "audit_chain_broken_before_upgrade", "from": broken_at})
        at = datetime.now(UTC)
        result = bind.execute(
            sa.text(
                "INSERT INTO audit_log (at, kind, actor, reference, detail, prev_hash, "
                "entry_hash) VALUES (:at, 'incident', 'casusbot', NULL, :d, '', '') RETURNING id"
            ),
            {"at": at, "d": detail},
        )
        new_id = result.scalar_one()
        entries.append((new_id, at, "incident", "casusbot", None, None, None, None, detail, "", ""))
    for seq, (
        row_id,
        at,
        kind,
        actor,
        organisation,
        role,
        reference,
        phase,
        detail,
        *_,
    ) in enumerate(entries, start=1):
        mac = entry_mac(
            key, seq, previous, stamp(_moment(at)), kind, actor, organisation, role,
            reference, phase, detail,
        )  # fmt: skip
        bind.execute(
            sa.text(
                "UPDATE audit_log SET seq = :s, prev_hash = :p, entry_hash = :h, key_id = :k "
                "WHERE id = :id"
            ),
            {"s": seq, "p": previous, "h": mac, "k": keys.primary_id, "id": row_id},
        )
        previous = mac
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("key_id", existing_type=sa.String(8), nullable=False)
        batch.create_unique_constraint("uq_audit_log_seq", ["seq"])


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint("uq_audit_log_seq", type_="unique")
        batch.drop_column("key_id")
        batch.drop_column("seq")
