"""Rights of the betrokkene (AVG art. 15-17), exercised through a beheerder (command line).

- inzage: everything held on one person, found by achternaam and geboortedatum through
  the keyed lookup hash (no plaintext name index), as a readable Markdown document and
  as JSON;
- correction of one field of an aanmelding, with a reason;
- early deletion of everything about a casus (as retention would), with a reason.
Each is written to the audit log (which fields, never the values).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from handlers.conversation.parsing import format_date, parse_birth_date, parse_text
from handlers.errors import UserError
from handlers.identifiers import parse_reference
from handlers.retention.service import erase
from handlers.vocabulary import AuditKind, VerrijkingStatus
from storage.models import Aanmelding
from storage.unit import Unit

# Fields a beheerder may correct, and how the new value is read.
CORRECTABLE = ("voornaam", "achternaam", "aliassen", "geboortedatum", "adres", "postcode",
               "woonplaats", "gemeente")  # fmt: skip
# Why a correction or early deletion happened: a code, so the audit log stays free of
# personal data (a free-text reason would invite names).
REASONS = ("verzoek-betrokkene", "onjuist", "dubbel", "onrechtmatig")
PERSONALIA = ("voornaam", "achternaam", "aliassen", "geboortedatum", "adres", "postcode",
              "woonplaats", "gemeente")  # fmt: skip


@dataclass(frozen=True)
class Inzage:
    references: list[str]
    markdown: str
    data: dict[str, Any]


async def inzage(
    unit: Unit, achternaam: str, geboortedatum: date, actor: str, now: datetime
) -> Inzage:
    """Everything held on the person; logged (references only)."""
    found = await unit.aanmeldingen.of_person(achternaam, geboortedatum)
    cases = [await _case(unit, aanmelding) for aanmelding in found]
    references = [a.reference for a in found]
    await unit.audit.add(now, AuditKind.INZAGE, actor, None, {
        "references": references, "found": len(references),
    })  # fmt: skip
    data = {"gemaakt_op": now.isoformat(), "casussen": cases}
    return Inzage(references, _markdown(cases, now), data)


async def _case(unit: Unit, aanmelding: Aanmelding) -> dict[str, Any]:
    overleggen = await unit.overleggen.for_casus(aanmelding.id)
    return {
        "kenmerk": aanmelding.reference,
        "aangemeld_op": aanmelding.submitted_at.date().isoformat(),
        "aangemeld_door": aanmelding.aanmelder_organisation,
        "personalia": {
            field: (value.isoformat() if isinstance(value, date) else value)
            for field in PERSONALIA
            if (value := getattr(aanmelding, field)) not in (None, "")
        },
        "probleemstelling": aanmelding.probleemstelling,
        "doel": aanmelding.doel,
        "uitkomst_triage": aanmelding.triage_status,
        "verrijking": [
            {"organisatie": r.organisation_key, "bekend": r.bekend, "informatie": r.informatie}
            for r in await unit.verrijking.for_aanmelding(aanmelding.id)
            if r.status is VerrijkingStatus.BEANTWOORD
        ],
        "casusoverleggen": [
            {"wanneer": o.scheduled_at.isoformat(), "status": o.status} for o in overleggen
        ],
        "plan_van_aanpak": [
            {
                "nr": a.number,
                "wat": a.wat,
                "organisatie": a.organisation_key,
                "deadline": a.deadline.isoformat(),
                "stand": a.status,
            }
            for a in await unit.acties.for_casus(aanmelding.id)
        ],
        "afgesloten": {
            "op": aanmelding.closed_on.isoformat(),
            "hoe": aanmelding.closed_route,
            "uitkomst": aanmelding.closed_outcome,
        }
        if aanmelding.closed_on
        else None,
    }


def _markdown(cases: list[dict[str, Any]], now: datetime) -> str:
    lines = [
        "# Inzage: gegevens bij het Zorg- en Veiligheidshuis",
        "",
        f"Gemaakt op {format_date(now.date())}. Dit zijn alle gegevens die de casusbot over "
        "deze persoon bewaart (AVG art. 15).",
        "",
    ]
    if not cases:
        lines.append("Er zijn geen gegevens over deze persoon gevonden.")
    for case in cases:
        lines += [f"## {case['kenmerk']}", "",
                  f"- aangemeld op {case['aangemeld_op']} door {case['aangemeld_door']}",
                  f"- uitkomst triage: {case['uitkomst_triage']}"]  # fmt: skip
        if closed := case["afgesloten"]:
            lines.append(f"- {closed['hoe']} op {closed['op']} ({closed['uitkomst']})")
        lines += ["", "### Personalia", ""]
        lines += [f"- {field}: {value}" for field, value in case["personalia"].items()]
        lines += ["", "### Aanmelding", "", f"- probleemstelling: {case['probleemstelling']}",
                  f"- doel: {case['doel']}"]  # fmt: skip
        if case["verrijking"]:
            lines += ["", "### Informatie van partners", ""]
            lines += [
                f"- {v['organisatie']}: {'bekend' if v['bekend'] else 'niet bekend'}"
                + (f" — {v['informatie']}" if v["informatie"] else "")
                for v in case["verrijking"]
            ]
        if case["casusoverleggen"]:
            lines += ["", "### Casusoverleggen", ""]
            lines += [f"- {o['wanneer'][:16]} ({o['status']})" for o in case["casusoverleggen"]]
        if case["plan_van_aanpak"]:
            lines += ["", "### Plan van aanpak", ""]
            lines += [f"- {a['nr']}. {a['wat']} — {a['organisatie']}, deadline {a['deadline']}"
                      f" ({a['stand']})" for a in case["plan_van_aanpak"]]  # fmt: skip
        lines.append("")
    return "\n".join(lines)


def as_json(result: Inzage) -> str:
    return json.dumps(result.data, ensure_ascii=False, indent=2)


async def correct(
    unit: Unit, reference_text: str, field: str, value: str, reason: str, actor: str,
    now: datetime, today: date,
) -> str:  # fmt: skip
    """Correct one personal field of an aanmelding; the reason goes to the audit log."""
    aanmelding = await _find(unit, reference_text)
    if field not in CORRECTABLE:
        raise UserError(f"Corrigeren kan voor: {', '.join(CORRECTABLE)}.")
    _check_reason(reason)
    if field == "geboortedatum":
        setattr(aanmelding, field, parse_birth_date(value, today))
    else:
        setattr(aanmelding, field, parse_text(value, 300, field) if value.strip() else None)
    unit.aanmeldingen.rehash(aanmelding)
    await unit.audit.add(now, AuditKind.CORRECTED, actor, aanmelding.reference, {
        "fields": [field], "reason": reason,
    })  # fmt: skip
    return aanmelding.reference


async def delete_early(
    unit: Unit, reference_text: str, reason: str, actor: str, now: datetime
) -> int:
    """Everything about the casus goes now (AVG art. 17); returns the messages taken back."""
    aanmelding = await _find(unit, reference_text)
    _check_reason(reason)
    taken_back = await erase(unit, [aanmelding], now)
    await unit.audit.add(now, AuditKind.DELETED_EARLY, actor, aanmelding.reference, {
        "reason": reason, "messages_taken_back": taken_back,
    })  # fmt: skip
    return taken_back


def _check_reason(reason: str) -> None:
    if reason not in REASONS:
        raise UserError(f"Geef een reden: {', '.join(REASONS)}.")


async def _find(unit: Unit, reference_text: str) -> Aanmelding:
    reference = parse_reference(reference_text)
    aanmelding = await unit.aanmeldingen.by_reference(reference)
    if aanmelding is None or aanmelding.cleaned_at is not None:
        raise UserError(f"Ik ken geen (niet-opgeschoond) dossier met kenmerk {reference}.")
    return aanmelding
