"""Triage (DOMAIN.md phase 2): the procesregie weighs an aanmelding and decides.

Data minimisation is the point of this phase:
- the procesregie (procesregisseurs and procesondersteuners) sees the full aanmelding, in the
  procesregie room or their direct chats, and the partners' answers;
- a partner organisation asked for verrijking gets only what it needs to look the person up
  (``handlers/triage/verrijking.py``);
- ``geen casus`` deletes the aanmelding and all answers at once (rows, not flags), keeping
  only an anonymous record (date, organisation, outcome) for the yearly figures.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime

from handlers import feiten
from handlers.directory import Directory
from handlers.errors import UserError
from handlers.house import House
from handlers.identifiers import parse_reference
from handlers.messages import Block, Bold, Notice, Outgoing, Paragraph, Table, notice
from handlers.personen import any_minor
from handlers.tafels import NATIONAL_OUTCOMES
from handlers.triage.texts import announcement, decision_label, request_state
from handlers.vocabulary import AuditKind, Phase, TriageStatus, VerrijkingStatus
from storage.models import Aanmelding, Verrijkingsverzoek
from storage.unit import Unit


class TriageService:
    def __init__(self, unit: Unit, house: House) -> None:
        self.unit = unit
        self.house = house
        self.directory = Directory(unit, house)

    async def find(self, reference_text: str) -> Aanmelding:
        reference = parse_reference(reference_text)
        aanmelding = await self.unit.aanmeldingen.by_reference(reference)
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
        if not aanmelding.triage_status.undecided:
            raise UserError(
                f"Over {aanmelding.reference} is al besloten: "
                f"{decision_label(aanmelding, self.house)}."
            )
        return aanmelding

    async def org_names(self) -> dict[str, str]:
        return await self.directory.organisation_names()

    # --- the triage prompt ------------------------------------------------------------

    async def gemeente_of(self, aanmelding: Aanmelding) -> str | None:
        """The gemeente concerned as a partner organisation of the house, if it is one."""
        municipality = aanmelding.gemeente.strip().lower()
        for key, name in (await self.org_names()).items():
            if name.lower() in (municipality, f"gemeente {municipality}"):
                return key
        return None

    async def unheard_gemeente(self, aanmelding: Aanmelding) -> tuple[str, str] | None:
        """The gemeente concerned (key, name) when it has not answered yet: it is always
        consulted (Gelderland-Midden art. 1.8 and 13.2a). None when it answered, filed the
        aanmelding itself, or is no partner the bot knows."""
        key = await self.gemeente_of(aanmelding)
        if key is None or key == aanmelding.aanmelder_organisation:
            return None
        request = await self.unit.verrijking.get(aanmelding.id, key)
        if request is not None and request.status is VerrijkingStatus.BEANTWOORD:
            return None
        return key, (await self.org_names())[key]

    async def suggested_partners(self, aanmelding: Aanmelding) -> list[str]:
        """Default organisations to ask: named partners, the municipality, the standard set
        (the tafel's, within its partner set)."""
        names = await self.org_names()
        triage, tafel = self.house.triage_for(aanmelding.tafel), self.house.tafel(aanmelding.tafel)
        wanted = list(json.loads(aanmelding.betrokken_partners))
        if (gemeente := await self.gemeente_of(aanmelding)) is not None:
            wanted.append(gemeente)
        wanted += list(triage.standard_partners)
        if any_minor(aanmelding):
            wanted += list(triage.minor_partners)
        seen: list[str] = []
        for key in wanted:
            if (key in names and key not in seen and tafel.in_set(key)
                    and key != aanmelding.aanmelder_organisation):  # fmt: skip
                seen.append(key)
        return seen

    async def announce(self, aanmelding: Aanmelding) -> list[Outgoing]:
        names = await self.org_names()
        tafel = self.house.words.tafel(aanmelding.tafel) if self.house.tafels.several else ""
        text = announcement(aanmelding, names, await self.suggested_partners(aanmelding), tafel)
        return await self.directory.to_procesregie(text, aanmelding.reference)

    async def disclosed(
        self, actor: str, reference: str, purpose: str, fields: Sequence[str],
        recipients: Sequence[str], now: datetime,
    ) -> None:  # fmt: skip
        """Every disclosure of personal data goes to the audit log (names, never values)."""
        await self.unit.audit.add(now, AuditKind.DISCLOSURE, actor, reference, {
            "purpose": purpose, "fields": list(fields), "recipients": sorted(recipients),
        }, phase=Phase.TRIAGE)  # fmt: skip

    async def state(self, aanmelding: Aanmelding) -> Notice:
        names = await self.org_names()
        requests = await self.unit.verrijking.for_aanmelding(aanmelding.id)
        rows = [(names.get(r.organisation_key, r.organisation_key), request_state(r))
                for r in requests]  # fmt: skip
        words = self.house.words
        status = decision_label(aanmelding, self.house)
        blocks: list[Block] = [
            Paragraph(Bold(f"{words.triage.title} {aanmelding.reference}"), f" — {status}")
        ]
        if aanmelding.open_vraag:
            blocks.append(Paragraph("Open vraag: ", aanmelding.open_vraag))
        if rows:
            blocks.append(Table(("organisatie", "verrijking"), tuple(rows)))
            for request in requests:
                if request.status is VerrijkingStatus.BEANTWOORD and request.bekend:
                    blocks.append(Paragraph(
                        Bold(names.get(request.organisation_key, request.organisation_key)),
                        ": ", request.informatie or "",
                        " (mag vooraf gedeeld worden)" if request.delen_vooraf else "",
                    ))  # fmt: skip
        else:
            blocks.append(Paragraph("Er is nog niemand om verrijking gevraagd."))
        return notice(*blocks)

    async def agenda_rows(self) -> list[tuple[Aanmelding, Sequence[Verrijkingsverzoek]]]:
        return [
            (aanmelding, await self.unit.verrijking.for_aanmelding(aanmelding.id))
            for aanmelding in await self.unit.aanmeldingen.in_triage()
        ]

    # --- outcomes ---------------------------------------------------------------------

    async def withdraw(self, aanmelding: Aanmelding) -> list[Outgoing]:
        """Tell the contacts of organisations still asked that the request is withdrawn."""
        outgoing: list[Outgoing] = []
        for request in await self.unit.verrijking.for_aanmelding(aanmelding.id):
            if request.status is not VerrijkingStatus.OPEN:
                continue
            request.status = VerrijkingStatus.INGETROKKEN
            outgoing += await self.directory.to_contacts(request.organisation_key, notice(
                Paragraph(
                    f"Het verzoek om informatie over {aanmelding.reference} is ingetrokken; "
                    "je hoeft niet meer te antwoorden."
                )
            ), tafel=aanmelding.tafel)  # fmt: skip
        return outgoing

    async def _close(
        self, aanmelding: Aanmelding, outcome: TriageStatus, now: datetime, today: date
    ) -> list[Outgoing]:
        """Record a final outcome (also anonymously, for the figures) and withdraw what is
        still asked."""
        aanmelding.triage_status = outcome
        aanmelding.decided_at = now
        feiten.besloten(self.unit, aanmelding, outcome, today, self.house.zone)
        return await self.withdraw(aanmelding)

    def _own_label(self, aanmelding: Aanmelding) -> str:
        """The tafel's own word for the outcome being recorded ("ZSM-advies — "), or ""."""
        besluit = self.house.tafel(aanmelding.tafel).outcome(aanmelding.triage_uitkomst or "")
        if besluit is None or besluit in NATIONAL_OUTCOMES:
            return ""
        return f"{self.house.words.fill(besluit.label)} — "

    async def _aanmelder(self, aanmelding: Aanmelding, text: Notice) -> list[Outgoing]:
        told = await self.directory.to_own_chat(
            aanmelding.aanmelder_matrix_id, text, aanmelding.reference, sensitive=True
        )
        return [told] if told else []

    async def decide_geen_casus(
        self, aanmelding: Aanmelding, advies: str, now: datetime, today: date
    ) -> list[Outgoing]:
        reference, w, own = aanmelding.reference, self.house.words, self._own_label(aanmelding)
        outgoing = await self._aanmelder(aanmelding, notice(
            Paragraph(Bold(f"Uitkomst {w.triage} {reference}: {own}geen casus voor {w.huis}.")),
            Paragraph(f"Advies van de {w.procesregie}: ", advies),
            Paragraph(f"De gegevens van deze aanmelding zijn bij {w.huis} verwijderd."),
        ))  # fmt: skip
        outgoing += await self._close(aanmelding, TriageStatus.GEEN_CASUS, now, today)
        # Personal data goes at the decision (DOMAIN.md phase 2): the rows themselves, and
        # what the bot said about it so far (the aanmelding, the requests, the answers).
        await self.unit.aanmeldingen.delete(aanmelding)
        await self.unit.sent.request_redaction(reference)
        outgoing += await self.directory.to_procesregie(notice(Paragraph(
            f"{reference}: {own}geen casus. Het advies is naar de aanmelder gestuurd en alle "
            "persoonsgegevens van de aanmelding en de verrijking zijn verwijderd."
        )), None, sensitive=False)  # fmt: skip
        # These last messages stay: the casus they would belong to is gone.
        return [item.kept() for item in outgoing]

    async def decide_onduidelijk(
        self, aanmelding: Aanmelding, vraag: str, now: datetime
    ) -> list[Outgoing]:
        aanmelding.triage_status = TriageStatus.ONDUIDELIJK
        aanmelding.open_vraag = vraag
        w = self.house.words
        outgoing = await self._aanmelder(aanmelding, notice(
            Paragraph(Bold(f"{w.triage.title} {aanmelding.reference}: er is meer informatie "
                           "nodig.")),
            Paragraph(f"Vraag van de {w.procesregie}: ", vraag),
            Paragraph(f"Je kunt de {w.procesregisseur} rechtstreeks antwoorden; de aanmelding "
                      f"komt op de volgende {w.triage} terug."),
        ))  # fmt: skip
        outgoing += await self.directory.to_procesregie(notice(Paragraph(
            f"{aanmelding.reference}: nog onduidelijk; blijft op de {w.triage}-agenda."
        )), None, sensitive=False)  # fmt: skip
        return outgoing

    async def decide_zonder_overleg(
        self, aanmelding: Aanmelding, now: datetime, today: date
    ) -> list[Outgoing]:
        outgoing = await self._close(aanmelding, TriageStatus.ZONDER_OVERLEG, now, today)
        w, own = self.house.words, self._own_label(aanmelding)
        outgoing += await self._aanmelder(aanmelding, notice(Paragraph(
            f"Uitkomst {w.triage} {aanmelding.reference}: {own}{w.huis} pakt dit op zonder "
            f"{w.casusoverleg}. De {w.procesregisseur} neemt contact met je op om het samen "
            "verder te brengen."
        )))  # fmt: skip
        outgoing += await self.directory.to_procesregie(notice(Paragraph(
            f"{aanmelding.reference}: {own}casus zonder {w.casusoverleg}, vastgelegd."
        )), None, sensitive=False)  # fmt: skip
        return outgoing

    async def decide_casusoverleg(
        self, aanmelding: Aanmelding, doel: str, themas: str, partners: Sequence[str],
        now: datetime, today: date,
    ) -> list[Outgoing]:  # fmt: skip
        aanmelding.overleg_doel = doel
        aanmelding.overleg_themas = themas
        aanmelding.overleg_partners = json.dumps(list(partners))
        names = await self.org_names()
        outgoing = await self._close(aanmelding, TriageStatus.CASUSOVERLEG, now, today)
        w, own = self.house.words, self._own_label(aanmelding)
        outgoing += await self._aanmelder(aanmelding, notice(Paragraph(
            f"Uitkomst {w.triage} {aanmelding.reference}: {own}de casus komt in een "
            f"{w.casusoverleg}. Je krijgt een uitnodiging zodra de datum bekend is."
        )))  # fmt: skip
        outgoing += await self.directory.to_procesregie(notice(
            Paragraph(Bold(f"{aanmelding.reference}: {own}casus voor {w.casusoverleg}.")),
            Table(("", ""), (
                ("doel", doel), ("thema's", themas),
                ("deelnemers", ", ".join(names.get(k, k) for k in partners)),
            )),
        ), aanmelding.reference)  # fmt: skip
        return outgoing
