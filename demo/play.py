"""``python -m demo``: a local homeserver, the bot and scripted demo members, in one command.

Everything lives in ``--state-dir`` (default ``var/demo``), so running it again reuses the
same homeserver, accounts and bot device. The scripted members play a short conversation
over real E2EE and the transcript shows what each of them received; then the bot keeps
running for anyone who wants to log in with Element (unless ``--once``).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
from pathlib import Path

from bot.app import Application
from bot.config import Settings
from bot.config_file import load_settings
from demo.cast import BOT_LOCALPART, DEMO_PASSWORD, HOUSE_NAME, USERS, mxid
from demo.devserver import LocalSynapse
from demo.scenario import Transcript, play
from handlers.beheer.members import MembershipService
from handlers.errors import UserError
from scheduler.clock import OffsetClock, SystemClock
from storage import crypto
from storage.crypto import generate_key
from storage.db import Database


def _secrets(state_dir: Path) -> dict[str, str]:
    file = state_dir / "secrets.json"
    values = {"bot_password": secrets.token_urlsafe(24), "pickle_key": secrets.token_urlsafe(32)}
    if file.exists():
        loaded: dict[str, str] = json.loads(file.read_text(encoding="utf-8"))
        if "data_key" in loaded:
            return loaded
        values = loaded  # from before encryption at rest: add a data key
    values["data_key"] = generate_key()
    file.write_text(json.dumps(values), encoding="utf-8")
    os.chmod(file, 0o600)
    return values


def _write_config(state_dir: Path, synapse: LocalSynapse, bot_user: str, health_port: int) -> Path:
    """A config file for the demo bot, so it can also be run with ``casusbot run``."""
    config = state_dir / "config.toml"
    config.write_text(
        f"""# Written by `python -m demo`. Secrets come from secrets.json via the environment:
#   CASUSBOT_MATRIX_PASSWORD, CASUSBOT_PICKLE_KEY and CASUSBOT_DATA_KEY
[matrix]
homeserver_url = "{synapse.url}"
user_id = "{bot_user}"
device_name = "casusbot demo"
store_path = "{state_dir / "crypto"}"

[database]
url = "sqlite+aiosqlite:///{state_dir / "casusbot.db"}"

[house]
name = "{HOUSE_NAME}"

[health]
port = {health_port}

[audit]
anchor_file = "{state_dir / "audit-anchors"}"
""",
        encoding="utf-8",
    )
    return config


async def _seed(settings: Settings) -> None:
    db = Database(settings.database.url)
    clock = SystemClock(settings.house.zone)
    try:
        await db.migrate()
        async with db.transaction() as unit:
            service = MembershipService(unit)
            known = {org.key for org in await service.list_organisations()}
            for user in USERS:
                if user.organisation and user.organisation not in known:
                    await service.add_organisation(
                        user.organisation, user.organisation_name, clock.now()
                    )
                    known.add(user.organisation)
                if user.role is not None and await service.find(mxid(user.localpart)) is None:
                    await service.add_member(
                        mxid(user.localpart), user.organisation, user.role, clock.now()
                    )
    except UserError as error:
        raise RuntimeError(error.message) from None
    finally:
        await db.close()


async def _demo(state_dir: Path, port: int, once: bool, health_port: int) -> int:
    synapse = LocalSynapse(state_dir / "synapse", port=port)
    print(f"Lokale homeserver starten op {synapse.url} …")
    await asyncio.to_thread(synapse.start)
    app: Application | None = None
    try:
        values = _secrets(state_dir)
        bot_user = await asyncio.to_thread(
            synapse.register, BOT_LOCALPART, values["bot_password"], True
        )
        for user in USERS:
            await asyncio.to_thread(synapse.register, user.localpart, DEMO_PASSWORD)
        config = _write_config(state_dir, synapse, bot_user, health_port)
        environ = {
            "CASUSBOT_MATRIX_PASSWORD": values["bot_password"],
            "CASUSBOT_PICKLE_KEY": values["pickle_key"],
            "CASUSBOT_DATA_KEY": values["data_key"],
        }
        settings = load_settings(config, environ)
        crypto.install(settings.database.resolve_data_keys())
        await _seed(settings)
        clock = OffsetClock(settings.house.zone)
        app = Application(settings, clock)
        await app.start()
        print(f"Casusbot draait als {bot_user}.")

        transcript = Transcript()
        await play(state_dir, synapse, bot_user, transcript, app, clock)
        ok = transcript.summary()
        if once:
            return 0 if ok else 1
        # Back to the present for whoever tries it by hand.
        await app.stop()
        app = None
        app = Application(settings)
        await app.start()
        _print_instructions(synapse, bot_user)
        await _wait_for_signal()
        return 0 if ok else 1
    finally:
        if app is not None:
            await app.stop()
        await asyncio.to_thread(synapse.stop)


def _print_instructions(synapse: LocalSynapse, bot_user: str) -> None:
    print(f"\nProbeer het zelf, bijvoorbeeld met Element Desktop (homeserver {synapse.url}):")
    for user in USERS:
        print(f"  {user.localpart:<15} wachtwoord {DEMO_PASSWORD}  ({user.label})")
    print(f"Start een chat met {bot_user} en typ 'hulp'. Stoppen: Ctrl-C.")


async def _wait_for_signal() -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    print("\nStoppen …")


def run_demo(state_dir: Path, port: int, once: bool, health_port: int = 9464) -> int:
    state_dir = state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    return asyncio.run(_demo(state_dir, port, once, health_port))
