"""The ``casusbot`` command: run the bot, and the beheerder's tools (``bot/tool.py``).

``--config`` may stand before or after the subcommand (``casusbot run --config
config.toml`` and ``casusbot --config config.toml run`` are the same).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from bot import cijfers_tool, registers_tool
from bot.config import ConfigError
from bot.logs import setup_logging
from bot.tool import Tool
from handlers.errors import UserError
from handlers.rechten.register import DECISIONS
from handlers.rechten.service import CORRECTABLE, REASONS
from handlers.vocabulary import VerzoekSoort
from handlers.wording import NATIONAL
from storage import crypto

DEFAULT_CONFIG = Path(os.environ.get("CASUSBOT_CONFIG", "config.toml"))
CONFIG_HELP = "pad naar het configuratiebestand (standaard: config.toml of $CASUSBOT_CONFIG)"


def _parser() -> argparse.ArgumentParser:
    # Every (sub)command takes --config; given after the subcommand it wins, left out
    # there it does not overwrite what was given before it (SUPPRESS).
    config = argparse.ArgumentParser(add_help=False)
    config.add_argument("--config", type=Path, default=argparse.SUPPRESS, help=CONFIG_HELP)
    parser = argparse.ArgumentParser(
        prog="casusbot", description="Casusbot voor een Zorg- en Veiligheidshuis."
    )
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help=CONFIG_HELP)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMANDO")

    def command(
        into: argparse._SubParsersAction[argparse.ArgumentParser], name: str, text: str
    ) -> argparse.ArgumentParser:
        return into.add_parser(name, help=text, parents=[config])

    command(commands, "run", "de bot starten met een bestaande homeserver")
    db = command(commands, "db", "database")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTIE")
    command(db_commands, "upgrade", "het databaseschema bijwerken")

    org = command(commands, "org", "organisaties beheren")
    org_commands = org.add_subparsers(dest="org_command", required=True, metavar="ACTIE")
    org_add = command(org_commands, "add", "een organisatie toevoegen (of hernoemen)")
    org_add.add_argument("key", help="korte code, bv. politie-mn")
    org_add.add_argument("--name", required=True, help="volledige naam")
    org_rename = command(org_commands, "rename", "een organisatie een nieuwe naam geven")
    org_rename.add_argument("key")
    org_rename.add_argument("--name", required=True, help="de nieuwe naam")
    command(org_commands, "list", "alle organisaties")

    member = command(commands, "member", "leden beheren")
    member_commands = member.add_subparsers(dest="member_command", required=True, metavar="ACTIE")
    member_add = command(member_commands, "add", "een lid toevoegen of wijzigen")
    member_add.add_argument("matrix_id", help="@gebruiker:server")
    member_add.add_argument("--org", required=True, help="organisatiecode")
    member_add.add_argument("--role", required=True, help="partner, procesregisseur, ...")
    command(member_commands, "remove", "een lid verwijderen").add_argument("matrix_id")
    command(
        member_commands, "confirm-identity", "de nieuwe beveiligingssleutel van een lid bevestigen"
    ).add_argument("matrix_id")
    command(member_commands, "list", "alle leden").add_argument(
        "--org", help="alleen deze organisatie"
    )

    audit = command(
        commands, "audit", "het auditlog: wie deed of zag wat (voor beheer en privacyfunctionaris)"
    )
    audit.add_argument(
        "action",
        nargs="?",
        choices=["verify"],
        help="verify: de keten van het auditlog en de ankers controleren",
    )
    audit.add_argument(
        "--ankers", type=Path, help="het ankerbestand (standaard: audit.anchor_file)"
    )
    audit.add_argument("--anker", action="append", default=[], metavar="REGEL:CODE",
                       help="een anker uit het dagelijkse bericht aan de managers")  # fmt: skip
    audit.add_argument("--casus", help="alleen dit kenmerk (ZVH-2026-0042)")
    audit.add_argument("--member", help="alleen wat dit lid deed (@gebruiker:server)")
    audit.add_argument("--csv", action="store_true", help="als CSV (voor de privacyfunctionaris)")
    inzage = command(
        commands, "inzage", "alles wat over een persoon bewaard is (AVG art. 15), als document"
    )
    inzage.add_argument("--achternaam", required=True)
    inzage.add_argument("--geboortedatum", required=True, help="bijvoorbeeld 3-4-1990")
    inzage.add_argument("--uit", type=Path, default=Path("."), help="map voor de bestanden")
    correctie = command(commands, "correctie", "een persoonsgegeven verbeteren (art. 16)")
    correctie.add_argument("kenmerk")
    correctie.add_argument(
        "veld", help=f"{', '.join(CORRECTABLE)}, actie:NR of verrijking:ORGANISATIECODE"
    )
    correctie.add_argument("waarde")
    correctie.add_argument("--reden", required=True, choices=REASONS)
    verwijderen = command(commands, "verwijderen", "alles over een casus nu verwijderen (art. 17)")
    verwijderen.add_argument("kenmerk")
    verwijderen.add_argument("--reden", required=True, choices=REASONS)
    verzoeken = command(commands, "verzoeken", "het register van AVG-verzoeken en klachten")
    verzoeken.add_argument("--alle", action="store_true", help="ook de afgehandelde")
    verzoeken.add_argument("--csv", action="store_true", help="als CSV")
    verzoek = command(commands, "verzoek", "een AVG-verzoek registreren of afronden")
    verzoek_commands = verzoek.add_subparsers(dest="verzoek_command", required=True,
                                              metavar="ACTIE")  # fmt: skip
    nieuw = command(verzoek_commands, "nieuw", "een verzoek registreren")
    nieuw.add_argument("soort", choices=[s.value for s in VerzoekSoort])
    nieuw.add_argument("--betrokkene", required=True, help="naam en geboortedatum")
    nieuw.add_argument("--ontvangen", help="datum van ontvangst (standaard vandaag)")
    nieuw.add_argument("--kenmerk", help="de casus (nodig bij bezwaar)")
    nieuw.add_argument("--omschrijving", help="wat de betrokkene vraagt")
    besluit = command(verzoek_commands, "besluit", "een verzoek afronden of verlengen")
    besluit.add_argument("nummer", type=int)
    besluit.add_argument("besluit", choices=[*DECISIONS, "verlengen"])
    besluit.add_argument("--toelichting", help="het besluit, of de reden van verlengen")
    incidenten = command(commands, "incidenten", "het register van beveiligingsincidenten")
    incidenten.add_argument("--alle", action="store_true", help="ook die met een besluit")
    incidenten.add_argument("--csv", action="store_true", help="als CSV")
    cijfers = command(commands, "cijfers", "de cijfers van een jaar of kwartaal (zonder "
                      "persoonsgegevens, kleine aantallen als <5)")  # fmt: skip
    cijfers.add_argument("--jaar", type=int, help="standaard dit jaar")
    cijfers.add_argument("--kwartaal", type=int, choices=(1, 2, 3, 4))
    cijfers.add_argument("--csv", action="store_true", help="als CSV")
    cijfers.add_argument("--grafiek", type=Path, metavar="MAP", help="grafieken (PNG) hierin")
    keys = command(commands, "keys", "de datasleutel (versleuteling van persoonsgegevens)")
    key_commands = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTIE")
    command(key_commands, "generate", "een nieuwe datasleutel maken (naar stdout)")
    command(key_commands, "rotate", "alles opnieuw versleutelen met CASUSBOT_DATA_KEY (oude "
            "sleutels in CASUSBOT_DATA_KEY_PREVIOUS)")  # fmt: skip
    purge = command(
        commands, "purge", "bewaartermijnen: elke aanmelding en casus, en wanneer wat gebeurt"
    )
    purge.add_argument(
        "--dry-run", action="store_true", required=True,
        help="alleen laten zien (verwijderen doet de draaiende bot zelf)",
    )  # fmt: skip
    purge.add_argument("--csv", action="store_true", help="als CSV (voor de privacyfunctionaris)")
    return parser


def _run(config: Path) -> int:
    from bot.app import Application, run_until_signalled
    from bot.config_file import load_settings
    from bot.matrix.login import FatalTransportError

    settings = load_settings(config)
    setup_logging(settings.logging.level, settings.logging.format)
    try:
        asyncio.run(run_until_signalled(Application(settings)))
    except FatalTransportError as error:
        # One line the operator can act on (a refused login, an identity to restore).
        print(f"casusbot: kan niet starten: {error}", file=sys.stderr)
        return 1
    return 0


def _action(args: argparse.Namespace, tool: Tool) -> Callable[[], Coroutine[Any, Any, str]]:
    """The tool's coroutine for these arguments."""
    sub = {
        "db": getattr(args, "db_command", None), "org": getattr(args, "org_command", None),
        "member": getattr(args, "member_command", None),
        "verzoek": getattr(args, "verzoek_command", None),
    }.get(args.command)  # fmt: skip
    actions: dict[tuple[str, str | None], Callable[[], Coroutine[Any, Any, str]]] = {
        ("db", "upgrade"): tool.db_upgrade,
        ("org", "add"): lambda: tool.org_add(args.key, args.name),
        ("org", "rename"): lambda: tool.org_rename(args.key, args.name),
        ("org", "list"): tool.org_list,
        ("member", "add"): lambda: tool.member_add(args.matrix_id, args.org, args.role),
        ("member", "remove"): lambda: tool.member_remove(args.matrix_id),
        ("member", "confirm-identity"): lambda: tool.member_confirm(args.matrix_id),
        ("member", "list"): lambda: tool.member_list(args.org),
        ("purge", None): lambda: tool.purge_dry_run(args.csv),
        ("audit", None): lambda: (
            tool.audit_verify(args.ankers, args.anker)
            if args.action == "verify"
            else tool.audit(args.casus, args.member, args.csv)
        ),
        ("inzage", None): lambda: tool.inzage(args.achternaam, args.geboortedatum, args.uit),
        ("correctie", None): lambda: tool.correctie(
            args.kenmerk, args.veld, args.waarde, args.reden
        ),
        ("verwijderen", None): lambda: tool.verwijderen(args.kenmerk, args.reden),
        ("verzoeken", None): lambda: registers_tool.verzoeken(tool, args.alle, args.csv),
        ("verzoek", "nieuw"): lambda: registers_tool.verzoek_registreren(
            tool, args.soort, args.betrokkene, args.ontvangen, args.kenmerk, args.omschrijving
        ),
        ("verzoek", "besluit"): lambda: registers_tool.verzoek_besluit(
            tool, args.nummer, args.besluit, args.toelichting
        ),
        ("incidenten", None): lambda: registers_tool.incidenten(tool, args.alle, args.csv),
        ("cijfers", None): lambda: cijfers_tool.cijfers(
            tool, args.jaar, args.kwartaal, args.csv, args.grafiek
        ),
    }
    return actions[(args.command, sub)]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    words = NATIONAL
    try:
        if args.command == "run":
            return _run(args.config)
        elif args.command == "keys" and args.keys_command == "generate":
            print(crypto.generate_key())
        else:
            tool = Tool(args.config)
            words = tool.house.words
            if args.command == "keys":
                print(asyncio.run(tool.keys_rotate()))
                return 0
            # Commands that read personal data need the data key; organisations and
            # members work without.
            with contextlib.suppress(ConfigError):
                tool.install_data_keys()
            print(asyncio.run(_action(args, tool)()))
    except ConfigError as error:
        print(f"casusbot: configuratiefout: {error}", file=sys.stderr)
        return 2
    except UserError as error:
        print(f"casusbot: {error.shown(words)}", file=sys.stderr)
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
