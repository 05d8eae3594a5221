"""Rotating the data key: every encrypted value is rewritten under the primary key.

Run with the new key as CASUSBOT_DATA_KEY and the old one(s) in CASUSBOT_DATA_KEY_PREVIOUS,
while the bot runs with the same pair: it reads both, so nothing is unreadable at any
moment. Rows are rewritten in small committed batches; a second run finds nothing left.
The lookup hashes (inzage) are recomputed under the new key as well, and the audit log's
chain is checked and MAC'd anew under it.
"""

from __future__ import annotations

from sqlalchemy import Text, select, type_coerce, update

from storage.audit_chain import GENESIS, entry_mac, same, stamp
from storage.crypto import PREFIX, DataKeys, EncryptedDate, EncryptedText, installed
from storage.db import Database
from storage.models import Aanmelding, Base, Persoon

BATCH = 200


def encrypted_columns() -> dict[str, list[str]]:
    """Table → its encrypted columns, from the models."""
    found: dict[str, list[str]] = {}
    for table in Base.metadata.sorted_tables:
        columns = [c.name for c in table.columns
                   if isinstance(c.type, (EncryptedText, EncryptedDate))]  # fmt: skip
        if columns:
            found[table.name] = columns
    return found


async def rotate(db: Database) -> dict[str, int]:
    """Rewrite what is not under the primary key; returns rewritten values per table."""
    keys = installed()
    counts: dict[str, int] = {}
    for name, columns in encrypted_columns().items():
        table = Base.metadata.tables[name]
        last_id = 0
        while True:
            async with db.transaction() as unit:
                session = unit.session
                rows = (await session.execute(
                    select(table.c.id, *(type_coerce(table.c[c], Text()) for c in columns))
                    .where(table.c.id > last_id).order_by(table.c.id).limit(BATCH)
                )).all()  # fmt: skip
                for row_id, *values in rows:
                    changes = {
                        column: _rewrap(keys, value)
                        for column, value in zip(columns, values, strict=True)
                        if value is not None and DataKeys.key_of(value) != keys.primary_id
                    }
                    if changes:
                        # type_coerce: the values are already encrypted; no second layer.
                        await session.execute(
                            update(table)
                            .where(table.c.id == row_id)
                            .values(
                                {table.c[c]: type_coerce(v, Text()) for c, v in changes.items()}
                            )
                        )
                        counts[name] = counts.get(name, 0) + len(changes)
            if len(rows) < BATCH:
                break
            last_id = rows[-1][0]
    await _rehash(db, keys)
    resealed = await reseal_audit(db, keys)
    if resealed:
        counts["audit_log"] = resealed
    return counts


async def reseal_audit(db: Database, keys: DataKeys) -> int:
    """Put the audit log's chain under the primary key: every entry checked under the key
    it was made with, then MAC'd anew, in one transaction (the chain is one piece: an entry's
    MAC covers the one before). Refused when the chain does not hold: a rotation must not
    whitewash tampering. Returns the entries rewritten."""
    key = keys.audit_key()
    assert key is not None
    rewritten = 0
    async with db.transaction() as unit:
        audit = unit.audit
        previous: str | None = None
        new_previous = GENESIS
        for entry in await audit.entries():
            old_key = keys.audit_key(entry.key_id)
            content = (stamp(entry.at), entry.kind, entry.actor, entry.organisation,
                       entry.role, entry.reference, entry.phase, entry.detail)  # fmt: skip
            holds = old_key is not None and same(
                entry_mac(old_key, entry.seq, entry.prev_hash, *content), entry.entry_hash
            ) and (previous is None or same(entry.prev_hash, previous))  # fmt: skip
            if not holds:
                raise AuditChainBroken(entry.seq)
            previous = entry.entry_hash
            new_mac = entry_mac(key, entry.seq, new_previous, *content)
            if new_mac != entry.entry_hash or new_previous != entry.prev_hash:
                entry.prev_hash, entry.entry_hash = new_previous, new_mac
                entry.key_id = keys.primary_id
                rewritten += 1
            new_previous = new_mac
    return rewritten


class AuditChainBroken(Exception):
    """The audit log does not hold; it is not resealed under a new key."""

    def __init__(self, seq: int) -> None:
        super().__init__(f"audit chain broken at entry {seq}")
        self.seq = seq


async def _rehash(db: Database, keys: DataKeys) -> None:
    async with db.transaction() as unit:
        people: list[Aanmelding | Persoon] = [
            *(await unit.session.execute(select(Aanmelding))).scalars(),
            *(await unit.session.execute(select(Persoon))).scalars(),
        ]
        for person in people:
            if person.geboortedatum is not None:
                person.lookup_hash = keys.lookup_hash(
                    person.achternaam, person.geboortedatum.isoformat()
                )


def _rewrap(keys: DataKeys, stored: str) -> str:
    if not stored.startswith(PREFIX + ":"):
        raise ValueError("unencrypted value in an encrypted column")
    return keys.encrypt(keys.decrypt(stored))
