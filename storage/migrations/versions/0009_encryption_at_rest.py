"""Personal data at rest: encrypted columns (AES-GCM) and a keyed lookup hash.

Existing plaintext values are encrypted with the data key the bot (or `casusbot db
upgrade`) runs with; without a key this migration refuses to run on a database that
holds personal data.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage import crypto

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The columns this migration encrypts (a frozen list: later migrations add their own).
COLUMNS: dict[str, tuple[str, ...]] = {
    "aanmeldingen": (
        "voornaam", "achternaam", "aliassen", "geboortedatum", "adres", "postcode",
        "woonplaats", "gemeente", "probleemstelling", "doel", "spoed_reden", "contactpersoon",
        "open_vraag", "overleg_doel", "overleg_themas", "client_informant",
        "afschaling_criteria",
    ),
    "verrijkingsverzoeken": ("informatie",),
    "conversations": ("state",),
    "outbox": ("plain", "html"),
    "overleggen": ("locatie",),
    "pva_acties": ("wat",),
}  # fmt: skip


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("aanmeldingen") as batch:
        batch.add_column(sa.Column("lookup_hash", sa.String(64), nullable=True))
        batch.create_index("ix_aanmeldingen_lookup_hash", ["lookup_hash"])
    # The lookup hash from the plaintext, before it is encrypted.
    rows = bind.execute(sa.text(
        "SELECT id, achternaam, geboortedatum FROM aanmeldingen WHERE geboortedatum IS NOT NULL"
    )).all()  # fmt: skip
    for row_id, achternaam, geboortedatum in rows:
        keys = crypto.installed()
        bind.execute(
            sa.text("UPDATE aanmeldingen SET lookup_hash = :h WHERE id = :id"),
            {"h": keys.lookup_hash(achternaam, str(geboortedatum)), "id": row_id},
        )
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, type_=sa.Text())
        for column in columns:
            values = bind.execute(sa.text(
                f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL"  # noqa: S608
            )).all()  # fmt: skip
            for row_id, value in values:
                if str(value).startswith(crypto.PREFIX + ":"):
                    continue
                bind.execute(
                    sa.text(f"UPDATE {table} SET {column} = :v WHERE id = :id"),  # noqa: S608
                    {"v": crypto.installed().encrypt(str(value)), "id": row_id},
                )


def downgrade() -> None:
    raise NotImplementedError("decrypting personal data back to plaintext is not supported")
