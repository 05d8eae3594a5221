"""Database engine, sessions and schema migrations (Alembic, run programmatically)."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection, ExceptionContext, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import sqlite_driver
from storage.deferred import DeferredWrites, Writer
from storage.unit import Unit

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
IMMEDIATE = "casusbot_sqlite_immediate"
# PostgreSQL: the transaction-level advisory lock every write transaction takes (an
# arbitrary constant; advisory locks are per database, so other databases are unaffected).
WRITE_LOCK = 0x636173757362  # "casusb"
# Like SQLite's busy_timeout: a writer waiting longer than this fails instead of hanging.
LOCK_TIMEOUT_MS = 5000


class Database:
    """One engine and its session factory; ``session()`` opens a unit of work."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.is_postgresql = parsed.get_backend_name() == "postgresql"
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        options: dict[str, Any] = {}
        if self.is_postgresql:
            options = {
                # Read committed, whatever the server's default: each statement after the
                # write lock then sees everything committed before it (see transaction()).
                "isolation_level": "READ COMMITTED",
                "pool_pre_ping": True,  # survive a server restart between transactions
                "connect_args": {"server_settings": {"lock_timeout": str(LOCK_TIMEOUT_MS)}},
            }
        if self.is_sqlite and parsed.get_driver_name() == "aiosqlite":
            module = sqlite_driver.dbapi_module()
            if module is not None:
                options["module"] = module  # one thread hand-off per statement
        # hide_parameters: SQL errors must not carry the values (personal data) into logs.
        self.engine: AsyncEngine = create_async_engine(url, hide_parameters=True, **options)
        if self.is_postgresql:
            event.listen(self.engine.sync_engine, "handle_error", _scrub_postgresql_error)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
        self.session = async_sessionmaker(self.engine, expire_on_commit=False)
        # This process's writers queue here, first come first served, before they ask the
        # database for its write lock (see _writer_turn).
        self._turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self.deferred = DeferredWrites()
        self.deferred.bind(self._write_deferred)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Unit]:
        """A unit of work that only reads (no write lock, nothing committed)."""
        async with self.session() as session:
            yield Unit(session)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Unit]:
        """One unit of work, committed at the end (rolled back on an exception).

        Write transactions run one at a time, on every database: jobs read what is due and
        then record what they did, and two runs at once must not both send (a reminder,
        a case number, a job slot). On SQLite that is ``BEGIN IMMEDIATE``; on PostgreSQL a
        transaction-level advisory lock, taken first (see :func:`_take_write_lock`).

        When the work deleted personal data (its effects say so), the write-ahead log is
        scrubbed right after the commit, so the old copies go too.
        """
        async with self._writer_turn(), self.session() as session:
            unit = Unit(session)
            batches: list[tuple[Writer, list[Any]]] = []
            written = False
            try:
                # SQLite: take the write lock up front (BEGIN IMMEDIATE). A transaction that
                # reads first and writes later would otherwise fail at once with "database
                # is locked" when another connection wrote in between, instead of waiting.
                async with session.begin():
                    await self._lock_for_writing(session)
                    if self.deferred.ride_along:  # bookkeeping that waited (storage/deferred.py)
                        batches = self.deferred.take()
                        for writer, items in batches:
                            await writer(unit, items)
                    written = True
                    yield unit
            except BaseException:
                if batches:  # not committed: they wait for the next transaction
                    self.deferred.failed(batches, writers_failed=not written)
                raise
            self.deferred.committed(batches)
            if unit.effects.scrub:
                await self.scrub()

    @asynccontextmanager
    async def _writer_turn(self) -> AsyncIterator[None]:
        """Wait for this process's previous writers to finish, in order of arrival.

        SQLite's busy handler lets a waiting writer sleep in growing steps (up to 100 ms)
        and try again, so the write lock often stood free while writers slept: with 50
        conversations at once a write transaction held the lock ~5 ms and waited ~70 ms
        for it (bench/RESULTS.md). Queued here, the next writer starts the moment the
        previous one commits, and waiting writers hold no pooled connection. The
        database's own lock still guards against other processes (the command line).
        After LOCK_TIMEOUT_MS the writer goes ahead anyway and the database decides, as
        it did without this queue: a writer nested in another's transaction fails after
        the timeout instead of hanging.
        """
        loop = asyncio.get_running_loop()
        turn = self._turns.get(loop)
        if turn is None:
            turn = self._turns[loop] = asyncio.Lock()
        mine = True
        if not turn.locked():
            await turn.acquire()  # nobody writing: no timer needed
        else:
            try:
                await asyncio.wait_for(turn.acquire(), LOCK_TIMEOUT_MS / 1000)
            except TimeoutError:
                mine = False
        try:
            yield
        finally:
            if mine:
                turn.release()

    async def _lock_for_writing(self, session: AsyncSession) -> None:
        connection = await session.connection(execution_options={IMMEDIATE: True})
        if self.is_postgresql:
            await _take_write_lock(connection)

    async def _write_deferred(self, everything: bool) -> None:
        """Deferred bookkeeping in a transaction of its own (nothing else came along)."""
        async with self._writer_turn(), self.session() as session:
            batches: list[tuple[Writer, list[Any]]] = []
            try:
                async with session.begin():
                    await self._lock_for_writing(session)
                    batches = self.deferred.take(everything)
                    for writer, items in batches:
                        await writer(Unit(session), items)
            except BaseException:
                if batches:
                    self.deferred.failed(batches, writers_failed=True)
                raise
            self.deferred.succeeded_alone(batches)

    async def migrate(self) -> None:
        """Upgrade the schema to the newest migration."""
        async with self.engine.begin() as connection:
            if self.is_postgresql:
                await _take_write_lock(connection)  # two processes starting at once
            await connection.run_sync(_upgrade)

    async def current_revision(self) -> str | None:
        async with self.engine.connect() as connection:
            return await connection.run_sync(_current_revision)

    async def scrub(self) -> None:
        """Push deleted content out of SQLite's write-ahead log and empty it.

        With secure_delete the database pages are zeroed, but the WAL still holds older
        copies of changed pages until a checkpoint truncates it. Call after deleting
        personal data. A no-op on PostgreSQL, whose files are the server's: deleted rows
        stay there until vacuum reuses the space (their personal values encrypted).
        """
        if not self.is_sqlite:
            return
        async with self.engine.connect() as connection:
            await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.exec_driver_sql("SELECT 1")
        except Exception:  # any driver error means "not reachable"
            return False
        return True

    async def close(self) -> None:
        await self.deferred.close()
        await self.engine.dispose()


async def _take_write_lock(connection: AsyncConnection) -> None:
    """PostgreSQL's BEGIN IMMEDIATE: wait for the write lock, held until commit or rollback.

    One lock for all write transactions, as on SQLite, rather than SELECT ... FOR UPDATE
    per row: several jobs decide on rows that do not exist yet (a job slot, the year's
    first case number) and row locks cannot guard an absent row; and a unit of work is
    a context manager whose body cannot be replayed after a serialization failure. One
    writer at a time also commits rows in the order of their ids, which the outbox (sent
    by id, per room) and the audit log's hash chain rely on. The bot writes little, so
    this costs nothing noticeable. Under read committed each statement after the lock
    sees what the previous holder committed.
    """
    await connection.execute(select(func.pg_advisory_xact_lock(WRITE_LOCK)))


def _scrub_postgresql_error(context: ExceptionContext) -> None:
    """Keep what went wrong, drop the values PostgreSQL and asyncpg put in error texts.

    Unlike SQLite's, their messages carry data: DETAIL lines ("Key (matrix_id)=(...)",
    "Failing row contains (...)") and asyncpg's "invalid input for query argument $1:
    <value>". hide_parameters only hides SQLAlchemy's own list of the values, so the
    driver's text is replaced by the error's class and SQLSTATE, and the driver's own
    exception is cut from the chain a logged traceback shows. Lost connections keep their
    text (it holds no data, and telling them apart relies on it).
    """
    error = context.original_exception
    if context.is_disconnect or not isinstance(error, Exception):
        return
    driver = getattr(error, "orig", None) or error
    sqlstate = getattr(driver, "sqlstate", None)
    text = type(driver).__name__ + (f" (SQLSTATE {sqlstate})" if sqlstate else "")
    error.args = (text,)
    if hasattr(error, "detail"):
        setattr(error, "detail", None)  # noqa: B010 (not every driver error has one)
    error.__cause__ = error.__context__ = None
    error.__suppress_context__ = True
    wrapped = context.sqlalchemy_exception
    if wrapped is not None:  # built from the driver's text already
        wrapped.args = (f"({type(error).__module__}.{type(error).__name__}) {text}",)


def _sqlite_begin(connection: Connection) -> None:
    """Emit BEGIN ourselves (the driver's own transaction handling is off)."""
    immediate = connection.get_execution_options().get(IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event start transactions (see _sqlite_begin), so a write
    # transaction can take its lock up front; the driver would only BEGIN before a write.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Overwrite deleted content with zeros: deleted personal data must not linger in free
    # pages or the write-ahead log of the database file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(LOCK_TIMEOUT_MS)}")
    cursor.close()


def _alembic_config(connection: Connection) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(_alembic_config(connection), "head")


def _current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()
