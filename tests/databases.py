"""Where the tests keep the bot's database: SQLite files, or a real PostgreSQL server.

Without ``CASUSBOT_TEST_DATABASE_URL`` every test database is a SQLite file in the test's
``tmp_path``. With it (``postgresql+asyncpg://user:password@host:port/postgres``, as
``scripts/with-postgres`` sets it) every test database is a fresh PostgreSQL database on
that server, dropped after the test. To save migrating each one, they are copied from a
template database migrated once per test run, from empty.

Also what tests read back: rows through plain SQL on either backend, and everything a
thief of the database would read.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from storage.db import Database
from storage.models import Base

SERVER_URL = os.environ.get("CASUSBOT_TEST_DATABASE_URL") or None
ON_POSTGRES = SERVER_URL is not None
if SERVER_URL is not None and make_url(SERVER_URL).get_backend_name() != "postgresql":
    raise RuntimeError("CASUSBOT_TEST_DATABASE_URL must be a postgresql+asyncpg:// URL")

T = TypeVar("T")


def run_apart(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` to the end on an event loop of its own (from sync or async code alike)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


def _on_server(database: str) -> str:
    assert SERVER_URL is not None
    return make_url(SERVER_URL).set(database=database).render_as_string(hide_password=False)


async def _administer(*statements: str) -> None:
    """CREATE/DROP DATABASE, which PostgreSQL refuses inside a transaction."""
    assert SERVER_URL is not None
    engine = create_async_engine(SERVER_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.exec_driver_sql(statement)
    finally:
        await engine.dispose()


async def _migrate(url: str) -> None:
    database = Database(url)
    try:
        await database.migrate()
    finally:
        await database.close()


class Template:
    """On PostgreSQL: one database migrated from empty, which test databases are copies of."""

    def __init__(self) -> None:
        self.name: str | None = None

    def get(self) -> str:
        if self.name is None:
            name = f"casusbot_template_{secrets.token_hex(4)}"
            run_apart(_administer(f"CREATE DATABASE {name}"))
            self.name = name
            run_apart(_migrate(_on_server(name)))
        return self.name

    def drop(self) -> None:
        if self.name is not None:
            run_apart(_administer(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)"))
            self.name = None


class Databases:
    """The databases of one test, by name: the same name gives the same database."""

    def __init__(self, directory: Path, template: Template) -> None:
        self.directory = directory
        self.template = template
        self.urls: dict[str, str] = {}

    def url(self, name: str = "casusbot", *, empty: bool = False) -> str:
        """The database ``name`` of this test; ``empty``: without any schema (PostgreSQL's
        are otherwise migrated already, which only saves time: every user migrates)."""
        if name not in self.urls:
            if ON_POSTGRES:
                database = f"casusbot_test_{secrets.token_hex(6)}"
                template = "template0" if empty else self.template.get()
                run_apart(_administer(f"CREATE DATABASE {database} TEMPLATE {template}"))
                self.urls[name] = _on_server(database)
            else:
                self.urls[name] = f"sqlite+aiosqlite:///{self.directory / f'{name}.db'}"
        return self.urls[name]

    def drop_all(self) -> None:
        """PostgreSQL: drop this test's databases (connections a test left open included)."""
        if ON_POSTGRES and self.urls:
            names = [make_url(url).database for url in self.urls.values()]
            run_apart(_administer(*(f"DROP DATABASE IF EXISTS {n} WITH (FORCE)" for n in names)))
        self.urls.clear()


async def rows(url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """The rows of one SQL statement (``:name`` parameters), committed, on either backend."""
    database = Database(url)
    try:
        async with database.engine.begin() as connection:
            result = await connection.execute(text(sql), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await database.close()


def rows_now(url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """:func:`rows` for a synchronous test (nothing else may hold the database meanwhile)."""
    return run_apart(rows(url, sql, **params))


async def stored_bytes(url: str) -> bytes:
    """What someone who copies the database without the data key gets to read.

    SQLite: the database file with its write-ahead log and free pages. PostgreSQL: every
    row of every table (the server's files are not the test's to read; values deleted
    there linger until vacuum, encrypted like everything personal).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database
        path = Path(parsed.database)
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    database = Database(url)
    dumped: list[str] = []
    try:
        async with database.engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                result = await connection.execute(text(f"SELECT * FROM {table.name}"))  # noqa: S608
                dumped.extend(repr(tuple(row)) for row in result)
    finally:
        await database.close()
    return "\n".join(dumped).encode()
