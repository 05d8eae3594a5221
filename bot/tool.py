"""The beheerder's and privacy officer's command line: what each ``casusbot`` subcommand
does. ``bot/cli.py`` reads the arguments; this opens the database (in one place), works in
a unit of work, and returns the Dutch text to print.
"""

from __future__ import annotations

import csv
import getpass
import io
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from pathlib import Path

from bot.config import Settings
from bot.config_file import load_tool_settings
from bot.wiring import build_house
from handlers.beheer.handover import hand_over
from handlers.beheer.members import MembershipService
from handlers.beheer.texts import describe_change, removed_text
from handlers.casusoverleg.service import CasusoverlegService
from handlers.conversation.parsing import format_date, parse_dutch_date
from handlers.errors import UserError
from handlers.house import House
from handlers.identifiers import parse_matrix_id, parse_reference
from handlers.identity import IdentityService
from handlers.outbox import queue
from handlers.rechten.service import as_json, correct, delete_early, inzage
from handlers.retention.service import fates
from scheduler.clock import SystemClock
from storage import crypto
from storage.anchors import AnchorFile
from storage.audit_verify import Manual, check_chain
from storage.db import Database
from storage.unit import Unit

# Who acted, for the audit log, when it was the command line: the operating-system user.
CLI_ACTOR = f"cli:{getpass.getuser()}"
DRY_RUN_COLUMNS = ("kenmerk", "stand", "opschonen", "verwijderen", "nog nodig?", "nu te doen")
AUDIT_COLUMNS = ("id", "moment", "wat", "wie", "organisatie", "rol", "kenmerk", "fase",
                 "details")  # fmt: skip


def csv_text(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().rstrip("\n")


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join(lines)


def parse_anchor(text: str) -> Manual:
    """'1234:3f2a9c1e7b5d0a11' as the managers' daily message gives it."""
    seq, _, code = text.strip().partition(":")
    if not seq.isdigit() or len(code) < 8 or any(c not in "0123456789abcdefABCDEF" for c in code):
        raise UserError(
            f"'{text[:40]}' is geen anker: schrijf REGEL:CODE, bijvoorbeeld 1234:3f2a9c1e."
        )
    return Manual(int(seq), code.lower())


def _write_private(stem: Path, texts: dict[str, str]) -> None:
    """Files only the user who runs the command can read (they hold personal data)."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    for suffix, text in texts.items():
        path = stem.with_suffix(suffix)
        path.write_text(text, encoding="utf-8")
        os.chmod(path, 0o600)


class Tool:
    """The configuration, the clock in the house's zone, and the database."""

    def __init__(self, config: Path) -> None:
        self.settings: Settings = load_tool_settings(config)
        self.house: House = build_house(self.settings)
        self.clock = SystemClock(self.house.zone)

    @property
    def now(self) -> datetime:
        return self.clock.now()

    @property
    def today(self) -> date:
        return self.now.astimezone(self.house.zone).date()

    def local(self, moment: datetime) -> str:
        return moment.astimezone(self.house.zone).strftime("%Y-%m-%d %H:%M")

    def install_data_keys(self) -> None:
        crypto.install(self.settings.database.resolve_data_keys())

    @asynccontextmanager
    async def database(self) -> AsyncIterator[Database]:
        """The database, migrated to the newest schema, closed afterwards. The data key is
        needed for nearly everything: personal data and names are encrypted, and every
        audit entry is MAC'd under a key derived from it."""
        self.install_data_keys()
        db = Database(self.settings.database.url)
        try:
            await db.migrate()
            yield db
        finally:
            await db.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Unit]:
        async with self.database() as db:
            async with db.transaction() as unit:
                yield unit
            if unit.effects.audited:
                await self._anchor(db)

    async def _anchor(self, db: Database) -> None:
        """What the command line wrote into the audit log is anchored at once, as the bot
        does after its own entries."""
        async with db.reading() as unit:
            head = await unit.audit.head()
        if head is None:
            return
        try:
            AnchorFile(self.settings.audit.anchor_file).append(
                crypto.installed(), self.now, head.seq, head.mac, head.key_id
            )
        except OSError as error:
            print(f"Let op: het auditanker is niet bijgeschreven ({error.strerror}).")

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Unit]:
        async with self.database() as db, db.reading() as unit:
            yield unit

    # --- organisations and members ----------------------------------------------------

    async def org_add(self, key: str, name: str) -> str:
        """Add an organisation; one that exists under this code gets the new name."""
        async with self.transaction() as unit:
            service = MembershipService(unit)
            if await unit.organisations.get(key.strip().lower()) is not None:
                old, new = await service.rename_organisation(key, name, self.now, CLI_ACTOR)
                if old == new:
                    return f"Organisatie {key.lower()} heet al {new}."
                return f"Organisatie {key.lower()} heette {old} en heet nu {new}."
            view = await service.add_organisation(key, name, self.now)
        return f"Organisatie {view.key} ({view.name}) is toegevoegd."

    async def org_rename(self, key: str, name: str) -> str:
        async with self.transaction() as unit:
            old, new = await MembershipService(unit).rename_organisation(
                key, name, self.now, CLI_ACTOR
            )
        return f"Organisatie {key.lower()} heette {old} en heet nu {new}."

    async def org_list(self) -> str:
        async with self.reading() as unit:
            views = await MembershipService(unit).list_organisations()
        if not views:
            return "Er zijn nog geen organisaties."
        return table(
            ("code", "naam", "leden"), [(v.key, v.name, str(v.member_count)) for v in views]
        )

    async def member_add(self, matrix_id: str, organisation: str, role: str) -> str:
        async with self.transaction() as unit:
            change = await MembershipService(unit).add_member(
                matrix_id, organisation, role, self.now, actor=CLI_ACTOR, words=self.house.words
            )
            # A new contact of a participating organisation joins its running casussen now.
            told = await CasusoverlegService(unit, self.house).refresh_members(self.now)
            await queue(unit, told, self.now)
        return describe_change(change, self.house.words)

    async def member_remove(self, matrix_id: str) -> str:
        async with self.transaction() as unit:
            view, rooms = await MembershipService(unit).remove_member(
                matrix_id, self.now, actor=CLI_ACTOR
            )
            notes = await hand_over(unit, self.house.words, view.matrix_id, view.organisation_key)
        return "\n".join([removed_text(view.matrix_id, view.organisation_key, rooms), *notes])

    async def member_confirm(self, matrix_id: str) -> str:
        async with self.transaction() as unit:
            told = await IdentityService(unit, self.house).confirm(matrix_id, None, self.now)
            await queue(unit, told, self.now)
        return (
            f"De nieuwe sleutel van {matrix_id} is bevestigd; "
            "de bot laat het lid weten dat het weer verder kan."
        )

    async def member_list(self, organisation: str | None) -> str:
        async with self.reading() as unit:
            views = await MembershipService(unit).list_members(organisation)
        if not views:
            return "Geen leden gevonden."
        return table(
            ("gebruiker", "organisatie", "rol", "chat met bot"),
            [(v.matrix_id, v.organisation_key, self.house.words.role_word(v.role),
              "ja" if v.has_dm else "nee")
             for v in views],
        )  # fmt: skip

    # --- retention, rights and the audit log -------------------------------------------

    async def purge_dry_run(self, as_csv: bool = False) -> str:
        """Every aanmelding and casus, and when its personal data goes (or, for a running
        casus, when the bot next asks whether it is still needed); nothing is changed."""
        async with self.reading() as unit:
            found = await fates(unit, self.house, self.today)
        if not found:
            return "Er zijn geen aanmeldingen of casussen."

        def day(value: date | None) -> str:
            if value is None:
                return "—"
            return value.isoformat() if as_csv else format_date(value)

        rows = [
            (f.reference, f.status, day(f.clean_on), day(f.delete_on),
             f"{f.step} {day(f.ask_on)}" if f.ask_on else "—", ", ".join(f.now) or "niets")
            for f in found
        ]  # fmt: skip
        return (csv_text if as_csv else table)(DRY_RUN_COLUMNS, rows)

    async def correctie(self, kenmerk: str, veld: str, waarde: str, reden: str) -> str:
        async with self.transaction() as unit:
            reference = await correct(
                unit, kenmerk, veld, waarde, reden, CLI_ACTOR, self.now, self.today
            )
        return f"{veld} van {reference} is verbeterd (vastgelegd in het auditlog)."

    async def verwijderen(self, kenmerk: str, reden: str) -> str:
        async with self.transaction() as unit:
            taken = await delete_early(unit, kenmerk, reden, CLI_ACTOR, self.now)
        return (
            f"Alles over {kenmerk.upper()} is verwijderd; de bot neemt {taken} "
            "berichten terug en heft de casuskamer op."
        )

    async def inzage(self, achternaam: str, geboortedatum: str, uit: Path) -> str:
        born = parse_dutch_date(geboortedatum)
        now = self.now
        async with self.transaction() as unit:
            result = await inzage(unit, achternaam, born, CLI_ACTOR, now, self.house)
        stem = uit / f"inzage-{now.astimezone(self.house.zone):%Y%m%d-%H%M%S}"
        _write_private(stem, {".md": result.markdown, ".json": as_json(result)})
        found = ", ".join(result.references) or "geen gegevens gevonden"
        return f"Inzage gemaakt ({found}): {stem}.md en {stem}.json (alleen voor jou leesbaar)."

    async def audit_verify(self, anchors: Path | None, kept: Sequence[str]) -> str:
        """Check the audit log's chain, and hold it against the anchors outside the database
        (the anchor file, and anchors kept from the managers' daily message)."""
        manual = [parse_anchor(text) for text in kept]
        path = anchors or self.settings.audit.anchor_file
        async with self.reading() as unit:
            keys = crypto.installed()
            read = AnchorFile(path).read(keys) if path.exists() else None
            check = await check_chain(unit.audit.chain(), keys, read, manual)
        if not check.intact:
            raise UserError(
                "Het auditlog is aangetast:\n" + "\n".join(f"- {f}" for f in check.findings)
            )
        text = f"Het auditlog is intact ({check.count} regels"
        text += f", tot en met regel {check.last_seq})." if check.last_seq else ")."
        if read is None:
            return text + (
                f"\nLet op: geen ankerbestand op {path}; of er aan het eind regels zijn "
                "verwijderd, kan ik zo niet zien. Geef het met --ankers."
            )
        newest = max(read.anchors, key=lambda a: a.seq, default=None)
        if newest is not None:
            text += (f" Het nieuwste anker ({newest.at:%Y-%m-%d %H:%M} UTC, regel "
                     f"{newest.seq}) klopt.")  # fmt: skip
        return text

    async def audit(self, casus: str | None, member: str | None, as_csv: bool) -> str:
        """The audit log, filtered, as a table or CSV."""
        async with self.reading() as unit:
            reference = parse_reference(casus) if casus else None
            actor = parse_matrix_id(member) if member else None
            entries = await unit.audit.entries(reference, actor)
        rows = [
            (str(e.id), self.local(e.at), e.kind, e.actor, e.organisation or "", e.role or "",
             e.reference or "", e.phase or "", e.detail)
            for e in entries
        ]  # fmt: skip
        if as_csv:
            return csv_text(AUDIT_COLUMNS, rows)
        if not rows:
            return "Geen regels in het auditlog voor deze selectie."
        return table(AUDIT_COLUMNS, rows)

    # --- the database and the data key -------------------------------------------------

    async def db_upgrade(self) -> str:
        async with self.database() as db:
            return f"Databaseschema is bijgewerkt (versie {await db.current_revision()})."

    async def keys_rotate(self) -> str:
        from storage.keys import AuditChainBroken, rotate

        self.install_data_keys()
        async with self.database() as db:
            try:
                counts = await rotate(db)
            except AuditChainBroken as broken:
                raise UserError(
                    f"Het auditlog is aangetast (regel {broken.seq}); de persoonsgegevens zijn "
                    "opnieuw versleuteld, maar de keten zet ik niet onder de nieuwe sleutel. "
                    "Zoek uit wat er gebeurd is (casusbot audit verify) en draai dit opnieuw."
                ) from None
            await self._anchor(db)
        sealed = counts.pop("audit_log", 0)
        total = sum(counts.values())
        return (
            f"{total} waarden opnieuw versleuteld en {sealed} auditregels opnieuw verzegeld "
            f"met sleutel {crypto.installed().primary_id}. "
            "Haal de oude sleutel nu weg uit CASUSBOT_DATA_KEY_PREVIOUS (bot en back-ups)."
        )
