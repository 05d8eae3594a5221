"""The ``casusbot`` command: run the bot, the demo, and the beheerder's member management."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import getpass
import io
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import (
    ConfigError,
    load_database_settings,
    load_retention_settings,
    load_settings,
)
from bot.logs import setup_logging
from handlers.beheer import describe_change, removed_text
from handlers.conversation.parsing import format_date, parse_dutch_date
from handlers.errors import UserError
from handlers.handover import hand_over
from handlers.identity import IdentityService
from handlers.membership import MembershipService, parse_matrix_id
from handlers.outbox import queue
from handlers.retention import plan
from handlers.rights import CORRECTABLE, REASONS, as_json, correct, delete_early, inzage
from handlers.triage import parse_reference
from scheduler.clock import SystemClock
from storage import crypto
from storage.casus import AuditRepository
from storage.db import Database

DEFAULT_CONFIG = Path(os.environ.get("CASUSBOT_CONFIG", "config.toml"))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="casusbot", description="Casusbot voor een Zorg- en Veiligheidshuis."
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG,
        help="pad naar het configuratiebestand (standaard: config.toml of $CASUSBOT_CONFIG)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMANDO")

    commands.add_parser("run", help="de bot starten met een bestaande homeserver")

    demo = commands.add_parser(
        "demo", help="lokale homeserver + bot + demogebruikers starten (alles in één keer)"
    )
    demo.add_argument("--state-dir", type=Path, default=Path("var/demo"))
    demo.add_argument("--port", type=int, default=8008)
    demo.add_argument(
        "--health-port", type=int, default=9464, help="poort voor /healthz en /metrics (0: vrij)"
    )
    demo.add_argument(
        "--once",
        action="store_true",
        help="alleen het gescripte gesprek spelen en daarna stoppen",
    )

    db = commands.add_parser("db", help="database")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTIE")
    db_commands.add_parser("upgrade", help="het databaseschema bijwerken")

    org = commands.add_parser("org", help="organisaties beheren")
    org_commands = org.add_subparsers(dest="org_command", required=True, metavar="ACTIE")
    org_add = org_commands.add_parser("add", help="een organisatie toevoegen")
    org_add.add_argument("key", help="korte code, bv. politie-mn")
    org_add.add_argument("--name", required=True, help="volledige naam")
    org_commands.add_parser("list", help="alle organisaties")

    member = commands.add_parser("member", help="leden beheren")
    member_commands = member.add_subparsers(dest="member_command", required=True, metavar="ACTIE")
    member_add = member_commands.add_parser("add", help="een lid toevoegen of wijzigen")
    member_add.add_argument("matrix_id", help="@gebruiker:server")
    member_add.add_argument("--org", required=True, help="organisatiecode")
    member_add.add_argument("--role", required=True, help="partner, procesregisseur, ...")
    member_remove = member_commands.add_parser("remove", help="een lid verwijderen")
    member_remove.add_argument("matrix_id")
    member_confirm = member_commands.add_parser(
        "confirm-identity", help="de nieuwe beveiligingssleutel van een lid bevestigen"
    )
    member_confirm.add_argument("matrix_id")
    audit = commands.add_parser(
        "audit", help="het auditlog: wie deed of zag wat (voor beheer en privacyfunctionaris)"
    )
    audit.add_argument("action", nargs="?", choices=["verify"],
                       help="verify: de hash-keten van het auditlog controleren")  # fmt: skip
    audit.add_argument("--casus", help="alleen dit kenmerk (ZVH-2026-0042)")
    audit.add_argument("--member", help="alleen wat dit lid deed (@gebruiker:server)")
    audit.add_argument("--csv", action="store_true", help="als CSV (voor de privacyfunctionaris)")
    inzage = commands.add_parser(
        "inzage", help="alles wat over een persoon bewaard is (AVG art. 15), als document"
    )
    inzage.add_argument("--achternaam", required=True)
    inzage.add_argument("--geboortedatum", required=True, help="bijvoorbeeld 3-4-1990")
    inzage.add_argument("--uit", type=Path, default=Path("."), help="map voor de bestanden")
    correctie = commands.add_parser("correctie", help="een persoonsgegeven verbeteren (art. 16)")
    correctie.add_argument("kenmerk")
    correctie.add_argument("veld", choices=CORRECTABLE)
    correctie.add_argument("waarde")
    correctie.add_argument("--reden", required=True, choices=REASONS)
    verwijderen = commands.add_parser(
        "verwijderen", help="alles over een casus nu verwijderen (art. 17)"
    )
    verwijderen.add_argument("kenmerk")
    verwijderen.add_argument("--reden", required=True, choices=REASONS)
    keys = commands.add_parser("keys", help="de datasleutel (versleuteling van persoonsgegevens)")
    key_commands = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTIE")
    key_commands.add_parser("generate", help="een nieuwe datasleutel maken (naar stdout)")
    key_commands.add_parser(
        "rotate", help="alles opnieuw versleutelen met CASUSBOT_DATA_KEY (oude sleutels in "
        "CASUSBOT_DATA_KEY_PREVIOUS)",
    )  # fmt: skip
    purge = commands.add_parser(
        "purge", help="bewaartermijnen: laten zien wat wanneer verwijderd wordt"
    )
    purge.add_argument(
        "--dry-run", action="store_true", required=True,
        help="alleen laten zien (verwijderen doet de draaiende bot zelf)",
    )  # fmt: skip
    member_list = member_commands.add_parser("list", help="alle leden")
    member_list.add_argument("--org", help="alleen deze organisatie")
    return parser


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join(lines)


async def _with_service(config: Path, action: Callable[[MembershipService], Awaitable[str]]) -> str:
    db = Database(load_database_settings(config).url)
    try:
        await db.migrate()
        async with db.transaction() as session:
            return await action(MembershipService(session))
    finally:
        await db.close()


def _management(args: argparse.Namespace) -> str:
    clock = SystemClock(ZoneInfo("Europe/Amsterdam"))

    async def org_add(service: MembershipService) -> str:
        view = await service.add_organisation(args.key, args.name, clock.now())
        return f"Organisatie {view.key} ({view.name}) is toegevoegd."

    async def org_list(service: MembershipService) -> str:
        views = await service.list_organisations()
        if not views:
            return "Er zijn nog geen organisaties."
        return _table(
            ("code", "naam", "leden"), [(v.key, v.name, str(v.member_count)) for v in views]
        )

    async def member_add(service: MembershipService) -> str:
        change = await service.add_member(
            args.matrix_id, args.org, args.role, clock.now(), actor=CLI_ACTOR
        )
        return describe_change(change)

    async def member_remove(service: MembershipService) -> str:
        view, rooms = await service.remove_member(args.matrix_id, clock.now(), actor=CLI_ACTOR)
        notes = await hand_over(service.members.session, view.matrix_id, view.organisation_key)
        return "\n".join([removed_text(view.matrix_id, view.organisation_key, rooms), *notes])

    async def member_confirm(service: MembershipService) -> str:
        session = service.members.session
        notices = await IdentityService(session).confirm(args.matrix_id, None, clock.now())
        await queue(session, notices, clock.now())
        return (
            f"De nieuwe sleutel van {args.matrix_id} is bevestigd; "
            "de bot laat het lid weten dat het weer verder kan."
        )

    async def member_list(service: MembershipService) -> str:
        views = await service.list_members(args.org)
        if not views:
            return "Geen leden gevonden."
        return _table(
            ("gebruiker", "organisatie", "rol", "chat met bot"),
            [
                (v.matrix_id, v.organisation_key, v.role.value, "ja" if v.has_dm else "nee")
                for v in views
            ],
        )

    actions: dict[tuple[str, str], Callable[[MembershipService], Awaitable[str]]] = {
        ("org", "add"): org_add,
        ("org", "list"): org_list,
        ("member", "add"): member_add,
        ("member", "remove"): member_remove,
        ("member", "confirm-identity"): member_confirm,
        ("member", "list"): member_list,
    }
    sub = args.org_command if args.command == "org" else args.member_command
    return asyncio.run(_with_service(args.config, actions[(args.command, sub)]))


def _run(config: Path) -> None:
    from bot.app import Application, run_until_signalled

    settings = load_settings(config)
    setup_logging(settings.logging.level, settings.logging.format)
    asyncio.run(run_until_signalled(Application(settings)))


def _purge_dry_run(config: Path) -> str:
    """What retention will do to which casus, and when; nothing is changed."""
    from bot.app import build_retention

    policy = build_retention(load_retention_settings(config))

    async def show() -> str:
        db = Database(load_database_settings(config).url)
        try:
            await db.migrate()
            async with db.session() as session:
                today = (
                    SystemClock(ZoneInfo("Europe/Amsterdam"))
                    .now()
                    .astimezone(ZoneInfo("Europe/Amsterdam"))
                    .date()
                )
                plans = await plan(session, today, policy)
        finally:
            await db.close()
        if not plans:
            return "Er is niets dat volgens de bewaartermijnen verwijderd moet worden."
        rows = [
            (p.reference, format_date(p.afgeschaald_on) if p.afgeschaald_on else "geen casus",
             format_date(p.clean_on) if p.clean_on else "—",
             format_date(p.delete_on) if p.delete_on else "—",
             ", ".join(p.now) or "niets")
            for p in plans
        ]  # fmt: skip
        return _table(("kenmerk", "afgeschaald", "opschonen", "verwijderen", "nu te doen"), rows)

    return asyncio.run(show())


# Who acted, for the audit log, when it was the command line: the operating-system user.
CLI_ACTOR = f"cli:{getpass.getuser()}"


def _rights(args: argparse.Namespace) -> str:
    """Inzage, correction and early deletion for one person, each audited."""

    async def act() -> str:
        db = Database(load_database_settings(args.config).url)
        now = SystemClock(ZoneInfo("Europe/Amsterdam")).now()
        try:
            await db.migrate()
            async with db.transaction() as session:
                if args.command == "correctie":
                    reference = await correct(session, args.kenmerk, args.veld, args.waarde,
                                              args.reden, CLI_ACTOR, now)  # fmt: skip
                    return f"{args.veld} van {reference} is verbeterd (vastgelegd in het auditlog)."
                if args.command == "verwijderen":
                    taken = await delete_early(session, args.kenmerk, args.reden, CLI_ACTOR, now)
                    return (
                        f"Alles over {args.kenmerk.upper()} is verwijderd; de bot neemt {taken} "
                        "berichten terug en heft de casuskamer op."
                    )
                born = parse_dutch_date(args.geboortedatum)
                result = await inzage(session, args.achternaam, born, CLI_ACTOR, now)
        finally:
            await db.close()
        args.uit.mkdir(parents=True, exist_ok=True)
        stem = args.uit / f"inzage-{now.astimezone(ZoneInfo('Europe/Amsterdam')):%Y%m%d-%H%M%S}"
        for suffix, text in ((".md", result.markdown), (".json", as_json(result))):
            path = stem.with_suffix(suffix)
            path.write_text(text, encoding="utf-8")
            os.chmod(path, 0o600)
        found = ", ".join(result.references) or "geen gegevens gevonden"
        return f"Inzage gemaakt ({found}): {stem}.md en {stem}.json (alleen voor jou leesbaar)."

    return asyncio.run(act())


AUDIT_COLUMNS = ("id", "moment", "wat", "wie", "organisatie", "rol", "kenmerk", "fase",
                 "details")  # fmt: skip


def _audit(args: argparse.Namespace) -> str:
    """The audit log, filtered, as a table or CSV; or a check of its hash chain."""

    async def read() -> str:
        db = Database(load_database_settings(args.config).url)
        try:
            await db.migrate()
            async with db.session() as session:
                audit = AuditRepository(session)
                if args.action == "verify":
                    broken = await audit.first_broken()
                    count = len(await audit.entries())
                    if broken is None:
                        return f"Het auditlog is intact ({count} regels)."
                    raise UserError(f"Het auditlog is aangetast vanaf regel {broken}.")
                reference = parse_reference(args.casus) if args.casus else None
                member = parse_matrix_id(args.member) if args.member else None
                entries = await audit.entries(reference, member)
        finally:
            await db.close()
        rows = [
            (str(e.id), e.at.astimezone(ZoneInfo("Europe/Amsterdam")).strftime("%Y-%m-%d %H:%M"),
             e.kind, e.actor, e.organisation or "", e.role or "", e.reference or "",
             e.phase or "", e.detail)
            for e in entries
        ]  # fmt: skip
        if args.csv:
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(AUDIT_COLUMNS)
            writer.writerows(rows)
            return out.getvalue().rstrip("\n")
        if not rows:
            return "Geen regels in het auditlog voor deze selectie."
        return _table(AUDIT_COLUMNS, rows)

    return asyncio.run(read())


def _keys(args: argparse.Namespace) -> str:
    if args.keys_command == "generate":
        return crypto.generate_key()
    config: Path = args.config

    async def rotate_all() -> str:
        from storage.keys import rotate

        settings = load_database_settings(config)
        crypto.install(settings.resolve_data_keys())
        db = Database(settings.url)
        try:
            await db.migrate()
            counts = await rotate(db)
        finally:
            await db.close()
        total = sum(counts.values())
        return (
            f"{total} waarden opnieuw versleuteld met sleutel {crypto.installed().primary_id}. "
            "Haal de oude sleutel nu weg uit CASUSBOT_DATA_KEY_PREVIOUS (bot en back-ups)."
        )

    return asyncio.run(rotate_all())


def _db_upgrade(config: Path) -> str:
    async def upgrade() -> str:
        db = Database(load_database_settings(config).url)
        try:
            await db.migrate()
            return f"Databaseschema is bijgewerkt (versie {await db.current_revision()})."
        finally:
            await db.close()

    return asyncio.run(upgrade())


def _install_data_keys(config: Path) -> None:
    """The data key, when configured: commands that read personal data need it; the others
    (organisations, members) work without."""
    with contextlib.suppress(ConfigError):
        crypto.install(load_database_settings(config).resolve_data_keys())


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command not in ("run", "demo"):
            _install_data_keys(args.config)
        if args.command == "run":
            _run(args.config)
        elif args.command == "demo":
            from bot.demo import run_demo

            setup_logging("WARNING", "text")
            return run_demo(args.state_dir, args.port, once=args.once, health_port=args.health_port)
        elif args.command == "db":
            print(_db_upgrade(args.config))
        elif args.command in ("inzage", "correctie", "verwijderen"):
            print(_rights(args))
        elif args.command == "audit":
            print(_audit(args))
        elif args.command == "keys":
            print(_keys(args))
        elif args.command == "purge":
            print(_purge_dry_run(args.config))
        else:
            print(_management(args))
    except ConfigError as error:
        print(f"casusbot: configuratiefout: {error}", file=sys.stderr)
        return 2
    except UserError as error:
        print(f"casusbot: {error.message}", file=sys.stderr)
        return 1
    except crypto.DataKeyError as error:
        print(f"casusbot: datasleutel: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        # Exceptions from the transport carry no personal data; still, print type and text only.
        logging.getLogger("casusbot").debug("fatal", exc_info=True)
        print(f"casusbot: gestopt: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
