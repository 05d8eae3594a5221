"""Triage and verrijking (DOMAIN.md phase 2): the procesregie weighs an aanmelding.

Data minimisation is the point of this module:
- the procesregie (procesregisseurs and procesondersteuners) sees the full aanmelding, in the
  procesregie room or their direct chats, and the partners' answers;
- a partner organisation asked for verrijking gets only what it needs to look the person up:
  reference, naam, geboortedatum and woonplaats; never the problem description or what
  other partners answered;
- ``geen casus`` deletes the aanmelding and all answers at once (rows, not flags), keeping
  only an anonymous record (date, organisation, outcome) for the yearly figures.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.conversation.parsing import format_date
from handlers.errors import UserError
from handlers.membership import MembershipService, MemberView
from handlers.messages import (
    KEEP,
    Block,
    Bold,
    Code,
    Notice,
    Outgoing,
    Paragraph,
    Table,
    notice,
)
from storage.casus import AuditRepository
from storage.models import Aanmelding, Role, Verrijkingsverzoek
from storage.repositories import (
    AanmeldingRepository,
    TriageOutcomeRepository,
    VerrijkingRepository,
)
from storage.rooms import SentMessageRepository

REFERENCE = re.compile(r"^[A-Za-z]{2,6}-\d{4}-\d{4,6}$")
CRITERIA_LABELS = {
    "veiligheid": "veiligheidsproblematiek",
    "systeem": "impact op systeem/leefomgeving",
    "ketens": "meerdere ketens nodig",
    "multiproblem": "multiproblem",
}
OUTCOME_LABELS = {
    "geen-casus": "geen casus voor het ZVH",
    "onduidelijk": "nog onduidelijk",
    "casus-zonder-overleg": "casus, geen casusoverleg nodig",
    "casusoverleg": "casus voor casusoverleg",
}
REGIE_ROLES = (Role.PROCESREGISSEUR, Role.PROCESONDERSTEUNER)
# What a partner asked for verrijking sees (lookup_view).
LOOKUP_FIELDS = ("voornaam", "achternaam", "geboortedatum", "woonplaats")


def parse_reference(text: str) -> str:
    cleaned = text.strip().upper()
    if not REFERENCE.match(cleaned):
        raise UserError(f"'{text[:30]}' is geen kenmerk. Een kenmerk ziet eruit als ZVH-2026-0042.")
    return cleaned


@dataclass(frozen=True)
class TriageConfig:
    house_name: str = "het ZVH"
    procesregie_room: str | None = None
    standard_partners: tuple[str, ...] = ("om", "politie", "reclassering")
    minor_partners: tuple[str, ...] = ("rvdk",)
    contacts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    answer_working_days: int = 3


def full_view(aanmelding: Aanmelding, org_names: Mapping[str, str]) -> list[Block]:
    """The whole aanmelding, for the procesregie only."""
    partners = json.loads(aanmelding.betrokken_partners)
    criteria = json.loads(aanmelding.criteria)
    minor = " (minderjarig)" if aanmelding.minderjarig else ""
    rows = [
        ("aanmelder", org_names.get(aanmelding.aanmelder_organisation,
                                    aanmelding.aanmelder_organisation)),
        ("gemeente", aanmelding.gemeente),
        ("urgentie", aanmelding.urgentie + (f": {aanmelding.spoed_reden}"
                                            if aanmelding.spoed_reden else "")),
        ("criteria", ", ".join(CRITERIA_LABELS.get(c, c) for c in criteria) or "geen"),
        ("naam", f"{aanmelding.voornaam} {aanmelding.achternaam}"),
        ("aliassen", aanmelding.aliassen or "—"),
        ("geboortedatum", format_date(aanmelding.geboortedatum) + minor),
        ("adres", " ".join(p for p in (aanmelding.adres, aanmelding.postcode) if p) or "—"),
        ("woonplaats", aanmelding.woonplaats),
        ("probleemstelling", aanmelding.probleemstelling),
        ("doel", aanmelding.doel),
        ("betrokken partners", ", ".join(org_names.get(k, k) for k in partners) or "geen"),
        ("contactpersoon", aanmelding.contactpersoon),
    ]  # fmt: skip
    return [Table(("veld", "waarde"), tuple(rows))]


def lookup_view(aanmelding: Aanmelding) -> list[Block]:
    """The minimum a partner needs to look the person up, and nothing more."""
    return [Table(("veld", "waarde"), (
        ("naam", f"{aanmelding.voornaam} {aanmelding.achternaam}"),
        ("geboortedatum", format_date(aanmelding.geboortedatum)),
        ("woonplaats", aanmelding.woonplaats),
    ))]  # fmt: skip


class TriageService:
    def __init__(self, session: AsyncSession, config: TriageConfig) -> None:
        self.session = session
        self.config = config
        self.aanmeldingen = AanmeldingRepository(session)
        self.requests = VerrijkingRepository(session)
        self.members = MembershipService(session)

    async def find(self, reference_text: str) -> Aanmelding:
        reference = parse_reference(reference_text)
        aanmelding = await self.aanmeldingen.by_reference(reference)
        if aanmelding is None:
            raise UserError(f"Ik ken geen aanmelding met kenmerk {reference}.")
        if aanmelding.cleaned_at is not None:
            raise UserError(
                f"Het dossier {reference} is volgens de bewaartermijn opgeschoond: alleen het "
                "kenmerk en de data zijn er nog."
            )
        return aanmelding

    async def find_in_triage(self, reference_text: str) -> Aanmelding:
        aanmelding = await self.find(reference_text)
        if aanmelding.triage_status not in ("open", "onduidelijk"):
            raise UserError(
                f"Over {aanmelding.reference} is al besloten: "
                f"{OUTCOME_LABELS.get(aanmelding.triage_status, aanmelding.triage_status)}."
            )
        return aanmelding

    async def org_names(self) -> dict[str, str]:
        return dict(await self.members.organisation_names())

    # --- who hears what ---------------------------------------------------------------

    async def regie_members(self) -> list[MemberView]:
        return [m for role in REGIE_ROLES for m in await self.members.with_role(role)]

    async def to_procesregie(self, text: Notice, sensitive: bool = True) -> list[Outgoing]:
        """To the procesregie room, or (without one) each regie member's direct chat."""
        regie = await self.regie_members()
        if self.config.procesregie_room:
            audience = frozenset(m.matrix_id for m in regie)
            return [Outgoing(self.config.procesregie_room, text, sensitive, audience)]
        return [
            Outgoing(m.dm_room_id, text, sensitive, frozenset({m.matrix_id}))
            for m in regie
            if m.dm_room_id
        ]

    async def contacts(self, organisation_key: str) -> list[MemberView]:
        """Who answers for an organisation: its configured contacts, else its partners."""
        configured = self.config.contacts.get(organisation_key)
        members = await self.members.list_members(organisation_key)
        if configured:
            return [m for m in members if m.matrix_id in configured]
        return [m for m in members if m.role == Role.PARTNER]

    # --- the triage prompt ------------------------------------------------------------

    async def suggested_partners(self, aanmelding: Aanmelding) -> list[str]:
        """Default organisations to ask: named partners, the municipality, the standard set."""
        names = await self.org_names()
        wanted = list(json.loads(aanmelding.betrokken_partners))
        municipality = aanmelding.gemeente.strip().lower()
        wanted += [
            key
            for key, name in names.items()
            if name.lower() in (municipality, f"gemeente {municipality}")
        ]
        wanted += list(self.config.standard_partners)
        if aanmelding.minderjarig:
            wanted += list(self.config.minor_partners)
        seen: list[str] = []
        for key in wanted:
            if key in names and key not in seen and key != aanmelding.aanmelder_organisation:
                seen.append(key)
        return seen

    async def announce(self, aanmelding: Aanmelding) -> list[Outgoing]:
        names = await self.org_names()
        suggested = await self.suggested_partners(aanmelding)
        spoed = " — SPOED" if aanmelding.urgentie == "spoed" else ""
        text = notice(
            Paragraph(Bold(f"Nieuwe aanmelding {aanmelding.reference}"), spoed),
            *full_view(aanmelding, names),
            Paragraph(
                "Verrijking vragen aan ",
                ", ".join(names[k] for k in suggested) or "niemand (nog geen partners bekend)",
                ": typ ", Code(f"verrijk {aanmelding.reference} standaard"),
                ", of kies zelf met ", Code(f"verrijk {aanmelding.reference}"), ".",
            ),
        )  # fmt: skip
        return await self.to_procesregie(text)

    # --- verrijking -------------------------------------------------------------------

    async def disclosed(
        self, actor: str, reference: str, purpose: str, fields: Sequence[str],
        recipients: Sequence[str], now: datetime,
    ) -> None:  # fmt: skip
        """Every disclosure of personal data goes to the audit log (names, never values)."""
        await AuditRepository(self.session).add(now, "disclosure", actor, reference, {
            "purpose": purpose, "fields": list(fields), "recipients": sorted(recipients),
        }, phase="triage")  # fmt: skip

    async def ask(
        self, aanmelding: Aanmelding, keys: Sequence[str], now: datetime, actor: str
    ) -> tuple[list[str], list[Outgoing]]:
        """Ask organisations for verrijking. Returns the newly asked keys and the messages."""
        names = await self.org_names()
        asked: list[str] = []
        outgoing: list[Outgoing] = []
        unreachable: list[str] = []
        for key in keys:
            existing = await self.requests.get(aanmelding.id, key)
            if existing is not None and existing.status != "ingetrokken":
                continue
            if existing is None:
                await self.requests.add(aanmelding.id, key, now)
            else:
                existing.status, existing.asked_at = "open", now
            asked.append(key)
            reachable = [c for c in await self.contacts(key) if c.dm_room_id]
            if not reachable:
                unreachable.append(names.get(key, key))
            for contact in reachable:
                assert contact.dm_room_id is not None
                text = self._request_text(aanmelding, names.get(key, key), len(reachable) > 1)
                audience = frozenset({contact.matrix_id})
                outgoing.append(Outgoing(contact.dm_room_id, text, True, audience))
            if reachable:
                recipients = [c.matrix_id for c in reachable]
                await self.disclosed(actor, aanmelding.reference, "verrijking-verzoek",
                                     LOOKUP_FIELDS, recipients, now)  # fmt: skip
        if unreachable:
            outgoing += await self.to_procesregie(notice(Paragraph(
                f"Let op: {', '.join(unreachable)} heeft geen contactpersoon die een chat met "
                f"mij heeft. Vraag de verrijking voor {aanmelding.reference} buiten de bot om, "
                "of laat een contactpersoon een chat met mij starten."
            )), sensitive=False)  # fmt: skip
        return asked, outgoing

    def _request_text(self, aanmelding: Aanmelding, organisation: str, colleagues: bool) -> Notice:
        return notice(
            Paragraph(Bold(f"Verzoek om informatie — {aanmelding.reference}")),
            Paragraph(
                f"{self.config.house_name} beoordeelt een aanmelding en vraagt {organisation} "
                "of deze persoon bekend is:"
            ),
            *lookup_view(aanmelding),
            Paragraph(
                "Is deze persoon bij jullie bekend? Zo ja: wat is relevant voor de triage? "
                "Typ ", Code(f"beantwoord {aanmelding.reference}"), " om te antwoorden.",
                " Je collega's kregen dit verzoek ook; het eerste antwoord telt."
                if colleagues else "",
            ),
        )  # fmt: skip

    async def state(self, aanmelding: Aanmelding) -> Notice:
        names = await self.org_names()
        rows = []
        for request in await self.requests.for_aanmelding(aanmelding.id):
            rows.append(
                (
                    names.get(request.organisation_key, request.organisation_key),
                    _request_state(request),
                )
            )
        status = OUTCOME_LABELS.get(aanmelding.triage_status, "nog niet besloten")
        blocks: list[Block] = [Paragraph(Bold(f"Triage {aanmelding.reference}"), f" — {status}")]
        if aanmelding.open_vraag:
            blocks.append(Paragraph("Open vraag: ", aanmelding.open_vraag))
        if rows:
            blocks.append(Table(("organisatie", "verrijking"), tuple(rows)))
            answered = [
                r
                for r in await self.requests.for_aanmelding(aanmelding.id)
                if r.status == "beantwoord" and r.bekend
            ]
            for request in answered:
                blocks.append(
                    Paragraph(
                        Bold(names.get(request.organisation_key, request.organisation_key)),
                        ": ",
                        request.informatie or "",
                        " (mag vooraf gedeeld worden)" if request.delen_vooraf else "",
                    )
                )
        else:
            blocks.append(Paragraph("Er is nog niemand om verrijking gevraagd."))
        return notice(*blocks)

    # --- outcomes ---------------------------------------------------------------------

    async def _withdraw(self, aanmelding: Aanmelding) -> list[Outgoing]:
        """Tell the contacts of organisations still asked that the request is withdrawn."""
        outgoing: list[Outgoing] = []
        for request in await self.requests.for_aanmelding(aanmelding.id):
            if request.status != "open":
                continue
            request.status = "ingetrokken"
            for contact in await self.contacts(request.organisation_key):
                if contact.dm_room_id:
                    outgoing.append(Outgoing(contact.dm_room_id, notice(Paragraph(
                        f"Het verzoek om informatie over {aanmelding.reference} is ingetrokken; "
                        "je hoeft niet meer te antwoorden."
                    ))))  # fmt: skip
        return outgoing

    async def _close(
        self, aanmelding: Aanmelding, outcome: str, now: datetime, today: date
    ) -> list[Outgoing]:
        """Record a final outcome (also anonymously, for the figures) and withdraw what is
        still asked."""
        aanmelding.triage_status = outcome
        aanmelding.decided_at = now
        await TriageOutcomeRepository(self.session).add(
            today, aanmelding.aanmelder_organisation, outcome
        )
        return await self._withdraw(aanmelding)

    async def _aanmelder(self, aanmelding: Aanmelding, text: Notice) -> list[Outgoing]:
        member = await self.members.find(aanmelding.aanmelder_matrix_id)
        if member is None or member.dm_room_id is None:
            return []
        return [Outgoing(member.dm_room_id, text, True, frozenset({member.matrix_id}))]

    async def decide_geen_casus(
        self, aanmelding: Aanmelding, advies: str, now: datetime, today: date
    ) -> list[Outgoing]:
        reference = aanmelding.reference
        outgoing = await self._aanmelder(aanmelding, notice(
            Paragraph(Bold(f"Uitkomst triage {reference}: geen casus voor het ZVH.")),
            Paragraph("Advies van de procesregie: ", advies),
            Paragraph("De gegevens van deze aanmelding zijn bij het ZVH verwijderd."),
        ))  # fmt: skip
        outgoing += await self._close(aanmelding, "geen-casus", now, today)
        # Personal data goes at the decision (DOMAIN.md phase 2): the rows themselves, and
        # what the bot said about it so far (the aanmelding, the requests, the answers).
        await self.aanmeldingen.delete(aanmelding)
        await SentMessageRepository(self.session).request_redaction(reference)
        outgoing += await self.to_procesregie(notice(Paragraph(
            f"{reference}: geen casus. Het advies is naar de aanmelder gestuurd en alle "
            "persoonsgegevens van de aanmelding en de verrijking zijn verwijderd."
        )), sensitive=False)  # fmt: skip
        # These last messages stay: the casus they would belong to is gone.
        return [replace(item, reference=KEEP) for item in outgoing]

    async def decide_onduidelijk(
        self, aanmelding: Aanmelding, vraag: str, now: datetime
    ) -> list[Outgoing]:
        aanmelding.triage_status = "onduidelijk"
        aanmelding.open_vraag = vraag
        outgoing = await self._aanmelder(aanmelding, notice(
            Paragraph(Bold(f"Triage {aanmelding.reference}: er is meer informatie nodig.")),
            Paragraph("Vraag van de procesregie: ", vraag),
            Paragraph("Je kunt de procesregisseur rechtstreeks antwoorden; de aanmelding "
                      "komt op de volgende triage terug."),
        ))  # fmt: skip
        outgoing += await self.to_procesregie(notice(Paragraph(
            f"{aanmelding.reference}: nog onduidelijk; blijft op de triage-agenda."
        )), sensitive=False)  # fmt: skip
        return outgoing

    async def decide_zonder_overleg(
        self, aanmelding: Aanmelding, now: datetime, today: date
    ) -> list[Outgoing]:
        outgoing = await self._close(aanmelding, "casus-zonder-overleg", now, today)
        outgoing += await self._aanmelder(aanmelding, notice(Paragraph(
            f"Uitkomst triage {aanmelding.reference}: het ZVH pakt dit op zonder casusoverleg. "
            "De procesregisseur neemt contact met je op om het samen verder te brengen."
        )))  # fmt: skip
        outgoing += await self.to_procesregie(notice(Paragraph(
            f"{aanmelding.reference}: casus zonder casusoverleg, vastgelegd."
        )), sensitive=False)  # fmt: skip
        return outgoing

    async def decide_casusoverleg(
        self,
        aanmelding: Aanmelding,
        doel: str,
        themas: str,
        partners: Sequence[str],
        now: datetime,
        today: date,
    ) -> list[Outgoing]:
        aanmelding.overleg_doel = doel
        aanmelding.overleg_themas = themas
        aanmelding.overleg_partners = json.dumps(list(partners))
        names = await self.org_names()
        outgoing = await self._close(aanmelding, "casusoverleg", now, today)
        outgoing += await self._aanmelder(aanmelding, notice(Paragraph(
            f"Uitkomst triage {aanmelding.reference}: de casus komt in een casusoverleg. "
            "Je krijgt een uitnodiging zodra de datum bekend is."
        )))  # fmt: skip
        outgoing += await self.to_procesregie(notice(
            Paragraph(Bold(f"{aanmelding.reference}: casus voor casusoverleg.")),
            Table(("", ""), (
                ("doel", doel), ("thema's", themas),
                ("deelnemers", ", ".join(names.get(k, k) for k in partners)),
            )),
        ))  # fmt: skip
        return outgoing


def _request_state(request: Verrijkingsverzoek) -> str:
    if request.status == "beantwoord":
        return "beantwoord: " + ("bekend" if request.bekend else "niet bekend")
    if request.status == "ingetrokken":
        return "ingetrokken"
    return "nog geen antwoord" + (" (herinnerd)" if request.reminded_at else "")
