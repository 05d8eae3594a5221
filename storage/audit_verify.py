"""Checking the audit log: every entry's MAC, the links between entries, their numbers, and
the anchors kept outside the database. Each problem is a finding in Dutch, for
``casusbot audit verify`` and for the daily check (SECURITY.md says what this can and
cannot detect).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from storage.anchors import Anchor, AnchorRead
from storage.audit_chain import entry_mac, same, stamp
from storage.crypto import DataKeys
from storage.models import AuditEntry

PRUNED = "audit_pruned"


@dataclass(frozen=True)
class Manual:
    """An anchor someone kept (the managers' daily message): entry number and the start of
    its MAC."""

    seq: int
    code: str


@dataclass
class ChainCheck:
    count: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    findings: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.findings


@dataclass
class _Seen:
    seq: int
    mac: str
    key_id: str
    at: datetime
    valid: bool


def _valid(entry: AuditEntry, keys: DataKeys) -> bool | None:
    key = keys.audit_key(entry.key_id)
    if key is None:
        return None
    expected = entry_mac(
        key, entry.seq, entry.prev_hash, stamp(entry.at), entry.kind, entry.actor,
        entry.organisation, entry.role, entry.reference, entry.phase, entry.detail,
    )  # fmt: skip
    return same(expected, entry.entry_hash)


async def check_chain(
    entries: AsyncIterator[AuditEntry], keys: DataKeys, read: AnchorRead | None = None,
    manual: Sequence[Manual] = (),
) -> ChainCheck:  # fmt: skip
    """Walk the log in chain order; then hold it against the anchors."""
    result = ChainCheck()
    # Only the entries an anchor names are kept (the log may be long).
    wanted = {a.seq for a in read.anchors} if read is not None else set()
    wanted |= {m.seq for m in manual}
    seen: dict[int, _Seen] = {}
    previous: _Seen | None = None
    invalid_run: list[_Seen] = []
    first_kept = 1
    async for entry in entries:
        valid = _valid(entry, keys)
        if valid is None:
            result.findings.append(
                f"regel {entry.seq} is gesloten met een sleutel die ik niet heb ({entry.key_id})"
            )
            valid = False
        current = _Seen(entry.seq, entry.entry_hash, entry.key_id, entry.at, valid)
        result.count += 1
        if result.first_seq is None:
            result.first_seq = entry.seq
        if valid and entry.kind == PRUNED:
            first_kept = max(first_kept, int(json.loads(entry.detail).get("first_kept") or 1))
        if previous is not None:
            if entry.seq != previous.seq + 1:
                result.findings.append(_gap(previous.seq, entry.seq))
            elif valid and not same(entry.prev_hash, previous.mac):
                result.findings.append(
                    f"regel {entry.seq} hoort niet achter regel {previous.seq}: daartussen is "
                    "de keten onderbroken (regels verwijderd of ingevoegd)"
                )
        if valid:
            result.findings += _invalid(invalid_run)
            invalid_run = []
        else:
            invalid_run.append(current)
        if entry.seq in wanted:
            seen[entry.seq] = current
        previous = current
    result.findings += _invalid(invalid_run)
    result.last_seq = previous.seq if previous else None
    if result.first_seq is not None and result.first_seq > first_kept:
        missing = result.first_seq - first_kept
        result.findings.insert(0, (
            f"{_missing(missing, 'eerste')} (vóór regel {result.first_seq}; na de "
            f"bewaartermijn hoort het log te beginnen bij regel {first_kept})"
        ))  # fmt: skip
    if read is not None:
        result.findings += _against_anchors(read, seen, result.last_seq or 0)
    for kept in manual:
        result.findings += _against_manual(kept, seen, result.last_seq or 0)
    return result


def _missing(n: int, which: str = "") -> str:
    """'ontbreekt 1 regel' / 'ontbreken 3 regels', with 'de laatste' or 'de eerste'."""
    if which:
        return f"de {which} regel ontbreekt" if n == 1 else f"de {which} {n} regels ontbreken"
    return "ontbreekt 1 regel" if n == 1 else f"ontbreken {n} regels"


def _gap(before: int, after: int) -> str:
    missing = after - before - 1
    if missing > 0:
        return f"tussen regel {before} en regel {after} {_missing(missing)}"
    return f"regel {after} staat na regel {before}: de nummering klopt niet"


def _invalid(run: list[_Seen]) -> list[str]:
    """Entries in a row whose MAC does not hold: one is a changed entry; several are a
    chain rebuilt (or rewritten) without the key from the first of them on."""
    if not run:
        return []
    if len(run) == 1:
        return [f"regel {run[0].seq} is gewijzigd (van {stamp(run[0].at)[:19]} UTC)"]
    return [
        f"regel {run[0].seq} tot en met {run[-1].seq} zijn opnieuw berekend zonder de "
        f"sleutel: {len(run)} regels zijn gewijzigd of vervalst en niet te vertrouwen"
    ]


def _against_anchors(read: AnchorRead, seen: dict[int, _Seen], last: int) -> list[str]:
    findings = [f"regel {n} van het ankerbestand is vervalst of beschadigd" for n in read.forged]
    if read.unknown_key:
        n = len(read.unknown_key)
        findings.append(
            f"{'1 anker staat' if n == 1 else f'{n} ankers staan'} onder een sleutel die ik "
            "niet heb (van vóór een sleutelwissel): niet gecontroleerd"
        )
    newest: Anchor | None = max(read.anchors, key=lambda a: a.seq, default=None)
    if newest is not None and newest.seq > last:
        findings.append(
            f"{_missing(newest.seq - last, 'laatste')} sinds anker van "
            f"{newest.at:%Y-%m-%d %H:%M} UTC (het log gaat tot regel {last}, het anker tot "
            f"regel {newest.seq})"
        )
    for anchor in read.anchors:
        entry = seen.get(anchor.seq)
        if entry is not None and entry.key_id == anchor.key_id and not same(entry.mac, anchor.mac):
            findings.append(
                f"regel {anchor.seq} is niet meer wat het anker van {anchor.at:%Y-%m-%d %H:%M} "
                "UTC vastlegde: de keten is sindsdien herschreven"
            )
    return findings


def _against_manual(kept: Manual, seen: dict[int, _Seen], last: int) -> list[str]:
    if kept.seq > last:
        return [
            f"{_missing(kept.seq - last, 'laatste')} sinds het anker {kept.seq}:{kept.code} "
            f"(het log gaat tot regel {last})"
        ]
    entry = seen.get(kept.seq)
    if entry is not None and not entry.mac.startswith(kept.code.lower()):
        return [f"regel {kept.seq} is niet meer wat het anker {kept.seq}:{kept.code} vastlegde"]
    return []
