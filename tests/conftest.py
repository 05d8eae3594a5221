"""Fixtures: one real Synapse per test session; bots, E2EE members and databases per test."""

from __future__ import annotations

import base64
import itertools
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.app import Application
from bot.config import Settings
from bot.config_file import settings_from_mapping
from demo.devserver import LocalSynapse
from demo.scripted import ScriptedMember
from handlers.beheer.members import MembershipService
from scheduler.clock import Clock, SystemClock
from storage import crypto
from storage.db import Database
from tests.databases import ON_POSTGRES, Databases, Template, rows, stored_bytes

PASSWORD = "test-password-123"
_counter = itertools.count()
# One data key for the whole test process (the key is installed per process); subprocesses
# and the command line get it from the environment.
TEST_DATA_KEY = base64.urlsafe_b64encode(b"casusbot-test-data-key-32-bytes!").decode()
os.environ["CASUSBOT_DATA_KEY"] = TEST_DATA_KEY
crypto.install(crypto.DataKeys(crypto.parse_key(TEST_DATA_KEY)))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, leave out what is about SQLite itself (each says why in its marker)."""
    if not ON_POSTGRES:
        return
    left_out = [item for item in items if item.get_closest_marker("sqlite_only")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("sqlite_only")]


@pytest.fixture(scope="session")
def database_template() -> Iterator[Template]:
    template = Template()
    yield template
    template.drop()


@pytest.fixture
def databases(tmp_path: Path, database_template: Template) -> Iterator[Databases]:
    """This test's databases: SQLite files, or fresh PostgreSQL databases (tests/databases.py)."""
    created = Databases(tmp_path, database_template)
    yield created
    created.drop_all()


@pytest.fixture
async def db(databases: Databases) -> AsyncIterator[Database]:
    """A migrated database of this test alone."""
    database = Database(databases.url("unit"))
    await database.migrate()
    yield database
    await database.close()


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSynapse]:
    server = LocalSynapse(tmp_path_factory.mktemp("synapse"))
    server.start()
    yield server
    server.stop()


def unique_localpart(prefix: str) -> str:
    return f"{prefix}{next(_counter)}-{secrets.token_hex(3)}"


@dataclass
class BotHarness:
    """A bot with its own account, database and crypto store, startable more than once."""

    synapse: LocalSynapse
    directory: Path
    user_id: str
    database_url: str
    extra_config: dict[str, Any] = field(default_factory=dict)
    # Environment the bot starts with (secrets that never go in the file).
    extra_env: dict[str, str] = field(default_factory=dict)
    clock: Clock | None = None  # a FrozenClock to travel in time
    running: Application | None = None

    def config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "matrix": {
                "homeserver_url": self.synapse.url,
                "user_id": self.user_id,
                "password": PASSWORD,
                "store_path": str(self.directory / "crypto"),
                "pickle_key": "test-pickle-key-0123456789",
                "sync_timeout_seconds": 5,
            },
            "database": {"url": self.database_url},
            "house": {"name": "Zorg- en Veiligheidshuis Testregio"},
            "health": {"port": 0},  # any free port: several bots may run at once
            "audit": {"anchor_file": str(self.directory / "audit-anchors")},
        }
        for section, values in self.extra_config.items():
            config.setdefault(section, {}).update(values)
        return config

    @property
    def settings(self) -> Settings:
        return settings_from_mapping(
            self.config(), environ={"CASUSBOT_DATA_KEY": TEST_DATA_KEY, **self.extra_env}
        )

    async def rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        """Rows straight from the bot's database (plain SQL, ``:name`` parameters)."""
        return await rows(self.database_url, sql, **params)

    async def stored_bytes(self) -> bytes:
        """What a copy of the bot's database shows without the data key."""
        return await stored_bytes(self.database_url)

    async def start(self) -> Application:
        assert self.running is None, "bot already running"
        app = Application(self.settings, self.clock)
        await app.start()
        self.running = app
        return app

    async def stop(self) -> None:
        if self.running is not None:
            app, self.running = self.running, None
            await app.stop()

    async def seed(self, members: dict[str, tuple[str, str]]) -> None:
        """Add members: {matrix_id: (organisation key, role)}; organisations are created."""
        db = Database(self.settings.database.url)
        clock = SystemClock(self.settings.house.zone)
        try:
            await db.migrate()
            async with db.transaction() as unit:
                service = MembershipService(unit)
                known = {org.key for org in await service.list_organisations()}
                for matrix_id, (org, role) in members.items():
                    if org not in known:
                        await service.add_organisation(org, f"Organisatie {org}", clock.now())
                        known.add(org)
                    await service.add_member(matrix_id, org, role, clock.now())
        finally:
            await db.close()


@pytest.fixture
async def bot(
    synapse: LocalSynapse, tmp_path: Path, databases: Databases
) -> AsyncIterator[BotHarness]:
    localpart = unique_localpart("casusbot")
    user_id = synapse.register(localpart, PASSWORD)
    harness = BotHarness(
        synapse=synapse,
        directory=tmp_path / "bot",
        user_id=user_id,
        database_url=databases.url("casusbot"),
    )
    yield harness
    await harness.stop()


MemberFactory = Callable[[str], Awaitable[ScriptedMember]]


@pytest.fixture
async def member_factory(synapse: LocalSynapse, tmp_path: Path) -> AsyncIterator[MemberFactory]:
    started: list[ScriptedMember] = []

    async def make(prefix: str) -> ScriptedMember:
        localpart = unique_localpart(prefix)
        user_id = synapse.register(localpart, PASSWORD)
        member = ScriptedMember(synapse.url, user_id, PASSWORD, tmp_path / "members" / localpart)
        await member.start()
        started.append(member)
        return member

    yield make
    for member in started:
        await member.close()
