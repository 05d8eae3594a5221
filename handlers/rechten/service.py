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

from handlers.conversation.parsing import age_on, format_date, parse_birth_date, parse_text
from handlers.errors import UserError
from handlers.house import House
from handlers.identifiers import parse_reference
from handlers.personen import person
from handlers.retention.service import erase
from handlers.triage.texts import outcome_label
from handlers.vocabulary import DEFAULT_TAFEL, AuditKind, Role, VerrijkingStatus
from handlers.wording import Wording, cap
from storage.models import Aanmelding, Persoon
from storage.unit import Unit

# Every stored field a beheerder may correct (AVG art. 16), besides an action's text
# ("actie:2"), a partner's verrijking ("verrijking:politie") and another person's field
# ("persoon:2:voornaam").
CORRECTABLE = ("voornaam", "achternaam", "aliassen", "geboortedatum", "adres", "postcode",
               "woonplaats", "gemeente", "probleemstelling", "doel", "contactpersoon",
               "spoed_reden", "open_vraag", "overleg_doel", "overleg_themas",
               "client_informant", "afschaling_criteria")  # fmt: skip
PER_ROW = ("actie", "verrijking", "persoon")
# Why a correction or early deletion happened: a code, so the audit log stays free of
# personal data (a free-text reason would invite names).
REASONS = ("verzoek-betrokkene", "onjuist", "dubbel", "onrechtmatig")
PERSONALIA = ("voornaam", "achternaam", "aliassen", "geboortedatum", "adres", "postcode",
              "woonplaats", "gemeente")  # fmt: skip
# What is held on another person of a casus (person 2 and on); correctable as
# "persoon:2:voornaam".
PERSOON_FIELDS = ("relatie", "voornaam", "achternaam", "geboortedatum", "woonplaats")


@dataclass(frozen=True)
class Inzage:
    references: list[str]
    markdown: str
    data: dict[str, Any]


async def inzage(
    unit: Unit, achternaam: str, geboortedatum: date, actor: str, now: datetime,
    house: House | None = None,
) -> Inzage:  # fmt: skip
    """Everything held on the person, in the house's words; logged (references only)."""
    house = house or House()
    words = house.words
    found = await unit.aanmeldingen.of_person(achternaam, geboortedatum)
    cases = [await _case(unit, aanmelding, number) for aanmelding, number in found]
    for case in cases:
        # Under which privacy protocol the tafel processes it (e.g. Radicalisering's own).
        case["privacyprotocol"] = house.tafel(case["tafel"]).privacy_protocol or None
    references = list(dict.fromkeys(a.reference for a, _ in found))
    await unit.audit.add(now, AuditKind.INZAGE, actor, None, {
        "references": references, "found": len(references),
    })  # fmt: skip
    data = {"gemaakt_op": now.isoformat(), "casussen": cases}
    return Inzage(references, _markdown(cases, now, words), data)


async def _case(unit: Unit, aanmelding: Aanmelding, number: int) -> dict[str, Any]:
    """The casus as it concerns person ``number``: their own personalia and informing
    record, the casus's shared texts, and how many others it concerns (not who)."""
    overleggen = await unit.overleggen.for_casus(aanmelding.id)
    me: Aanmelding | Persoon = person(aanmelding, number).row
    fields = PERSONALIA if isinstance(me, Aanmelding) else PERSOON_FIELDS
    return {
        "kenmerk": aanmelding.reference,
        "aangemeld_op": aanmelding.submitted_at.date().isoformat(),
        "aangemeld_door": aanmelding.aanmelder_organisation,
        "personalia": {
            field: (value.isoformat() if isinstance(value, date) else value)
            for field in fields
            if (value := getattr(me, field)) not in (None, "")
        },
        "andere_personen_in_casus": len(aanmelding.personen),
        "probleemstelling": aanmelding.probleemstelling,
        "doel": aanmelding.doel,
        "doel_casusoverleg": aanmelding.overleg_doel,
        "themas_casusoverleg": aanmelding.overleg_themas,
        "wie_informeert_betrokkene": aanmelding.client_informant,
        "betrokkene_geinformeerd_op": me.informed_on.isoformat() if me.informed_on else None,
        "informeren_uitgesteld_tot": (
            me.inform_postponed_until.isoformat() if me.inform_postponed_until else None
        ),
        "ontvangers": await _recipients(unit, aanmelding.reference),
        "uitkomst_triage": aanmelding.triage_status,
        "tafel": aanmelding.tafel,
        "uitkomst_tafel": aanmelding.triage_uitkomst,
        # Nazorg: the betrokkene's expected release and the stoplicht (theirs alone).
        "verwachte_vrijlating": (
            aanmelding.vrijlating_op.isoformat()
            if aanmelding.vrijlating_op and isinstance(me, Aanmelding)
            else None
        ),
        "zwaarte": (
            json.loads(aanmelding.zwaarte)
            if aanmelding.zwaarte and isinstance(me, Aanmelding)
            else {}
        ),
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


async def _recipients(unit: Unit, reference: str) -> list[dict[str, Any]]:
    """Everyone who received the casus's data, from the audit log: organisation and role
    (as they are now; no names), when, for what, which fields."""
    known: dict[str, tuple[str, str] | None] = {}
    rows = []
    for entry in await unit.audit.disclosures(reference):
        detail = json.loads(entry.detail)
        for who in detail.get("recipients", []):
            if who not in known:
                summary = await unit.members.summary(who)
                known[who] = (summary.organisation_name, summary.role.value) if summary else None
            found = known[who]
            rows.append({
                "wanneer": entry.at.isoformat(),
                "organisatie": found[0] if found else "onbekend (geen lid meer)",
                "rol": found[1] if found else None,
                "waarvoor": detail.get("purpose"),
                "velden": detail.get("fields", []),
            })  # fmt: skip
    return rows


def _markdown(cases: list[dict[str, Any]], now: datetime, words: Wording) -> str:
    """The document for the betrokkene, in the house's words (the JSON keeps its keys)."""
    lines = [
        f"# Inzage: gegevens bij {words.house_name}",
        "",
        f"Gemaakt op {format_date(now.date())}. Dit zijn alle gegevens die de casusbot over "
        "deze persoon bewaart (AVG art. 15).",
        "",
    ]
    if not cases:
        lines.append("Er zijn geen gegevens over deze persoon gevonden.")
    for case in cases:
        own = dict(words.outcome_labels).get(case.get("uitkomst_tafel") or "")
        lines += [f"## {case['kenmerk']}", "",
                  f"- aangemeld op {case['aangemeld_op']} door {case['aangemeld_door']}",
                  f"- uitkomst {words.triage}: "
                  + (own or outcome_label(case["uitkomst_triage"], words))]  # fmt: skip
        if case.get("tafel") and case["tafel"] != DEFAULT_TAFEL:
            lines.append(f"- tafel: {words.tafel(case['tafel'])}")
        if case.get("privacyprotocol"):
            lines.append(f"- verwerkt volgens: {case['privacyprotocol']}")
        if case.get("verwachte_vrijlating"):
            lines.append(f"- verwachte vrijlating: {case['verwachte_vrijlating']}")
        if case.get("zwaarte"):
            lines.append("- zwaarte-indicatie: " + ", ".join(
                f"{gebied} {kleur}" for gebied, kleur in case["zwaarte"].items()
            ))  # fmt: skip
        if closed := case["afgesloten"]:
            lines.append(f"- {closed['hoe']} op {closed['op']} ({closed['uitkomst']})")
        lines += ["", "### Personalia", ""]
        lines += [f"- {field}: {value}" for field, value in case["personalia"].items()]
        if others := case["andere_personen_in_casus"]:
            lines.append(f"- deze casus gaat ook over {others} andere "
                         f"{'persoon' if others == 1 else 'personen'}; hun gegevens staan niet "
                         "in dit overzicht")  # fmt: skip
        lines += ["", "### Aanmelding", "", f"- probleemstelling: {case['probleemstelling']}",
                  f"- doel: {case['doel']}"]  # fmt: skip
        for key, label in (
            ("doel_casusoverleg", f"doel van {words.casusoverleg.de}"),
            ("themas_casusoverleg", "thema's"),
            ("wie_informeert_betrokkene", "wie informeert de betrokkene"),
            ("betrokkene_geinformeerd_op", "geïnformeerd op"),
            ("informeren_uitgesteld_tot", "informeren uitgesteld tot"),
        ):
            if case[key]:
                lines.append(f"- {label}: {case[key]}")  # fmt: skip
        if case["ontvangers"]:
            lines += ["", "### Wie de gegevens ontving", ""]
            lines += [f"- {r['wanneer'][:16]}: {r['organisatie']}"
                      + (f" ({words.role_word(Role(r['rol']))})" if r["rol"] else "")
                      + f", voor {r['waarvoor']}: {', '.join(r['velden'])}"
                      for r in case["ontvangers"]]  # fmt: skip
        if case["verrijking"]:
            lines += ["", "### Informatie van partners", ""]
            lines += [
                f"- {v['organisatie']}: {'bekend' if v['bekend'] else 'niet bekend'}"
                + (f" — {v['informatie']}" if v["informatie"] else "")
                for v in case["verrijking"]
            ]
        if case["casusoverleggen"]:
            lines += ["", f"### {cap(words.casusoverleg.plural)}", ""]
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
    """Correct one stored field of a casus; the reason goes to the audit log."""
    aanmelding = await _find(unit, reference_text)
    kind, _, key = field.partition(":")
    if kind in PER_ROW and key:
        _check_reason(reason)
        await _correct_row(unit, aanmelding, kind, key, value, today)
        await unit.audit.add(now, AuditKind.CORRECTED, actor, aanmelding.reference, {
            "fields": [field], "reason": reason,
        })  # fmt: skip
        return aanmelding.reference
    if field not in CORRECTABLE:
        raise UserError(f"Corrigeren kan voor: {', '.join(CORRECTABLE)}, actie:NR, "
                        "verrijking:ORGANISATIECODE en persoon:NR:VELD.")  # fmt: skip
    _check_reason(reason)
    if field == "geboortedatum":
        aanmelding.geboortedatum = parse_birth_date(value, today)
        aanmelding.minderjarig = age_on(aanmelding.geboortedatum, today) < 18
    else:
        setattr(
            aanmelding,
            field,
            parse_text(value, 300 if field in PERSONALIA else 2000, field)
            if value.strip()
            else None,
        )
    unit.aanmeldingen.rehash(aanmelding)
    await unit.audit.add(now, AuditKind.CORRECTED, actor, aanmelding.reference, {
        "fields": [field], "reason": reason,
    })  # fmt: skip
    return aanmelding.reference


async def _correct_row(
    unit: Unit, aanmelding: Aanmelding, kind: str, key: str, value: str, today: date
) -> None:
    if kind == "persoon":
        _correct_person(unit, aanmelding, key, value, today)
        return
    text = parse_text(value, 1000, kind)
    if kind == "actie":
        number = int(key) if key.isdigit() else -1
        found = [a for a in await unit.acties.for_casus(aanmelding.id) if a.number == number]
        if not found:
            raise UserError(f"{aanmelding.reference} heeft geen actie {key}.")
        found[0].wat = text
        return
    answers = [
        r
        for r in await unit.verrijking.for_aanmelding(aanmelding.id)
        if r.organisation_key == key and r.status is VerrijkingStatus.BEANTWOORD
    ]
    if not answers:
        raise UserError(f"{aanmelding.reference} heeft geen verrijking van {key}.")
    answers[0].informatie = text


def _correct_person(unit: Unit, aanmelding: Aanmelding, key: str, value: str, today: date) -> None:
    """'2:voornaam': a field of another person of the casus (none may be emptied)."""
    number, _, field = key.partition(":")
    if not number.isdigit() or int(number) < 2 or field not in PERSOON_FIELDS:
        raise UserError(f"Corrigeren van een andere persoon: persoon:NR:VELD, met NR vanaf 2 en "
                        f"VELD een van {', '.join(PERSOON_FIELDS)}.")  # fmt: skip
    row = person(aanmelding, int(number)).row
    assert isinstance(row, Persoon)
    if field == "geboortedatum":
        row.geboortedatum = parse_birth_date(value, today)
        row.minderjarig = age_on(row.geboortedatum, today) < 18
    else:
        setattr(row, field, parse_text(value, 300, field))
    unit.aanmeldingen.rehash(row)


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
