"""Another person of the household or family added to a casus (criterion 2 of Bijlage 2):
``persoon toevoegen KENMERK`` asks five short questions in the caller's own chat;
``persoon verwijderen KENMERK NR REDEN`` takes a person off who was added by mistake.

An addition reaches only those who already had the casus's personalia, each as minimised as
before: the procesregie the whole person; partners whose verrijking request is still open
the lookup fields; a casus room that had its invitation the fields the house allows. Every
disclosure is audited per person (``persoon2:voornaam``), never with a value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from handlers import feiten
from handlers.aanmelding.forms import birth_date, show_birth_date
from handlers.access import Caller, adds_person
from handlers.bezwaar import refuse_if_objected
from handlers.casusoverleg.service import CasusoverlegService
from handlers.conversation.choices import Option, yes_no_of
from handlers.conversation.form import Form, FormContext, FreeText, Step
from handlers.conversation.parsing import age_on, parse_text, refuse_bsn
from handlers.conversation.places import place_name
from handlers.conversation.service import FormSpec, Submission
from handlers.errors import UserError
from handlers.house import House
from handlers.messages import Bold, Notice, Outgoing, Paragraph, notice
from handlers.personen import Person, person, persons
from handlers.triage.service import TriageService
from handlers.triage.texts import person_line
from handlers.triage.verrijking import tell_open_requests
from handlers.vocabulary import AuditKind, Phase, TriageStatus
from storage.models import Aanmelding, Persoon
from storage.unit import Unit

FORM_NAME = "persoon"
# A household, not a neighbourhood.
MAX_PERSONS = 12
SAME = "zelfde"
SAME_WORDS = {"zelfde", "hetzelfde", "idem", "zelfde adres", "hetzelfde adres", "daar", "ook"}
# Why a person is taken off a casus (a code: the audit log holds no free text).
REMOVE_REASONS = {"onjuist": "onjuist toegevoegd", "dubbel": "dubbel",
                  "niet-betrokken": "niet (meer) betrokken"}  # fmt: skip


def _woonplaats(text: str, ctx: FormContext, answers: Mapping[str, Any]) -> str:
    """'ja' (or 'zelfde'): where the betrokkene lives; else the place named."""
    if yes_no_of(text) is True or text.strip().lower().rstrip(".") in SAME_WORDS:
        return SAME
    return place_name(parse_text(text, 100, "woonplaats"))


def _show_woonplaats(value: Any, ctx: FormContext) -> str:
    return "dezelfde als de betrokkene" if value == SAME else str(value)


PERSOON_FORM = Form(
    name=FORM_NAME,
    title="persoon toevoegen",
    edit_example="relatie",
    intro=(
        "Je voegt iemand uit het gezin of huishouden toe aan de casus. Ik vraag alleen wat "
        "nodig is om de persoon te herkennen; een BSN hoort er niet in."
    ),
    steps=(
        Step("relatie", "relatie", "Wie is deze persoon voor de betrokkene? Bijvoorbeeld "
             "partner, zoon, moeder of huisgenoot.", FreeText(60, "relatie")),
        Step("voornaam", "voornaam", "Wat is de voornaam?", FreeText(100)),
        Step("achternaam", "achternaam", "Wat is de achternaam (met tussenvoegsel)?",
             FreeText(100)),
        Step("geboortedatum", "geboortedatum", "Wat is de geboortedatum? Bijvoorbeeld "
             "3-4-2012.", birth_date, show=show_birth_date),
        Step("woonplaats", "woonplaats", "Woont deze persoon in dezelfde woonplaats als de "
             "betrokkene? Typ ja, of de woonplaats.", _woonplaats, show=_show_woonplaats),
    ),
    done_prompt="Klopt het? Typ bevestig om de persoon toe te voegen.",
)  # fmt: skip


class PersoonInput(BaseModel):
    """The person as a whole, validated once more before it is stored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    relatie: str
    voornaam: str
    achternaam: str
    geboortedatum: date
    woonplaats: str

    @field_validator("relatie", "voornaam", "achternaam", "woonplaats")
    @classmethod
    def _no_bsn(cls, value: str) -> str:
        refuse_bsn(value)
        return value


async def casus_for_person(
    unit: Unit, house: House, reference_text: str, caller: Caller
) -> Aanmelding:
    """The casus a person may be added to by this caller: open, and theirs to add to."""
    aanmelding = await TriageService(unit, house).find(reference_text)
    reference = aanmelding.reference
    if not adds_person(caller, aanmelding.aanmelder_organisation):
        raise UserError(f"Ik ken geen aanmelding met kenmerk {reference}.")
    if aanmelding.closed_on is not None or aanmelding.triage_status is TriageStatus.GEEN_CASUS:
        raise UserError(f"{reference} loopt niet meer: er kan niemand meer bij.")
    if len(aanmelding.personen) + 1 >= MAX_PERSONS:
        raise UserError(f"{reference} gaat al over {MAX_PERSONS} personen; meer kan niet.")
    await refuse_if_objected(unit, reference)
    return aanmelding


def added_notice(aanmelding: Aanmelding, one: Person, by: str) -> Notice:
    """To the procesregie: the whole person (they see the whole aanmelding)."""
    return notice(
        Paragraph(Bold(f"Persoon toegevoegd aan {aanmelding.reference}"), f" door {by}"),
        Paragraph(f"Persoon {one.number}: ", person_line(one)),
    )  # fmt: skip


async def add(submission: Submission, house: House) -> list[Outgoing]:
    """Store the person; tell who already had the casus's personalia, minimised."""
    unit, caller, now = submission.unit, submission.caller, submission.now
    aanmelding = await casus_for_person(unit, house, submission.reference, caller)
    try:
        data = PersoonInput.model_validate(dict(submission.answers))
    except (ValidationError, UserError):
        raise UserError(
            "Er klopt iets niet in je antwoorden; pas ze aan met wijzig <veld>."
        ) from None
    woonplaats = aanmelding.woonplaats if data.woonplaats == SAME else data.woonplaats
    row = unit.aanmeldingen.add_person(aanmelding, Persoon(
        number=0, relatie=data.relatie, voornaam=data.voornaam, achternaam=data.achternaam,
        geboortedatum=data.geboortedatum, woonplaats=woonplaats,
        minderjarig=age_on(data.geboortedatum, submission.today) < 18,
        added_by=caller.matrix_id, added_at=now,
    ))  # fmt: skip
    one = person(aanmelding, row.number)
    reference = aanmelding.reference
    feiten.persoon(unit, aanmelding, row, submission.today)
    fields = [one.audit_name(f) for f in PersoonInput.model_fields]
    await unit.audit.add(now, AuditKind.PERSON_ADDED, caller.matrix_id, reference,
                         {"person": one.number, "fields": fields},
                         phase=Phase.AANMELDING)  # fmt: skip
    triage = TriageService(unit, house)
    by = (await triage.directory.person(caller.matrix_id)).name
    # The relatie is the member's own words: taken back with the casus, like the answers.
    outgoing = [Outgoing(submission.room_id, notice(Paragraph(
        f"Toegevoegd aan {reference}: persoon {one.number} ({one.relatie}). De "
        f"{house.words.procesregie} weet het; wie de casus al kende, hoort het ook."
    )), True, frozenset({caller.matrix_id}), reference)]  # fmt: skip
    outgoing += await triage.directory.to_procesregie(added_notice(aanmelding, one, by), reference)
    regie = [m.matrix_id for m in await triage.directory.regie()]
    await triage.disclosed(caller.matrix_id, reference, "persoon-toegevoegd", fields, regie, now)
    outgoing += await tell_open_requests(triage, aanmelding, one, now, caller.matrix_id)
    if aanmelding.triage_status is TriageStatus.CASUSOVERLEG:
        overleg = CasusoverlegService(unit, house)
        outgoing += await overleg.person_added(aanmelding, one, caller.matrix_id, now)
    return outgoing


async def remove(
    unit: Unit, house: House, reference_text: str, number: int, reden: str, caller: Caller,
    now: datetime,
) -> str:  # fmt: skip
    """Take a person off the casus (a mistake, a double): the row goes; returns the reply."""
    aanmelding = await TriageService(unit, house).find(reference_text)
    if reden not in REMOVE_REASONS:
        raise UserError(f"Geef een reden: {', '.join(REMOVE_REASONS)}.")
    if number == 1:
        raise UserError("Persoon 1 is de betrokkene zelf; die kan er niet af. Is de hele "
                        f"aanmelding onjuist, dan sluit de {house.words.procesregie} hem "
                        "af.")  # fmt: skip
    row = person(aanmelding, number).row
    assert isinstance(row, Persoon)
    aanmelding.personen.remove(row)
    await unit.audit.add(now, AuditKind.PERSON_REMOVED, caller.matrix_id, aanmelding.reference,
                         {"person": number, "reason": reden})  # fmt: skip
    left = len(persons(aanmelding))
    return (f"Persoon {number} is van {aanmelding.reference} gehaald "
            f"({REMOVE_REASONS[reden]}); de casus gaat nu over {left} "
            f"{'persoon' if left == 1 else 'personen'}.")  # fmt: skip


async def _options(unit: Unit, subject: str | None) -> Mapping[str, Sequence[Option]]:
    return {}


def form_spec(house: House) -> FormSpec:
    async def submit(submission: Submission) -> list[Outgoing]:
        return await add(submission, house)

    prompts = house.prompts.get(PERSOON_FORM.name, {})
    return FormSpec(PERSOON_FORM.with_prompts(prompts), _options, submit)
