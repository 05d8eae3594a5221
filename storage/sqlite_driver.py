"""aiosqlite for SQLAlchemy with one thread hand-off per statement instead of four.

aiosqlite runs each SQLite call in its own thread and hands the result back to the event
loop. SQLAlchemy's adapter makes a call for every step of a statement (create a cursor,
execute, fetch the rows, close the cursor), and each hand-off costs the loop ~80 µs of
CPU on a small VM, while SQLite itself needs a few µs for the bot's statements: the
hand-offs were most of the bot's CPU per message (bench/RESULTS.md). This module keeps
aiosqlite and its thread, and SQLAlchemy's dialect, but runs the whole statement in one
call in that thread: execute, fetch every row, read the cursor's description, row count
and last row id, close. The rows were fetched eagerly before too (SQLAlchemy's adapter
buffers them); server-side cursors (streaming) keep the stock behaviour.

It leans on two internals that SQLAlchemy's own adapter uses as well: aiosqlite's
``Connection._execute`` (queue a function for its thread) and ``_conn`` (the sqlite3
connection). When either is missing, :func:`dbapi_module` returns ``None`` and the stock
adapter is used (slower, equally correct); ``tests/test_sqlite_driver.py`` fails then, so
an upgrade that breaks this is noticed.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

_Result = tuple[Any, list[Any], int, int | None]


def _run(connection: sqlite3.Connection, many: bool, operation: str, parameters: Any) -> _Result:
    """In aiosqlite's thread: the whole statement, start to finish."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneCallCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose execute is a single call into aiosqlite's thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # Not the parent's __init__: that opens an aiosqlite cursor (a hand-off of its own).
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._rows = collections.deque()
        self._soft_closed_memoized = EMPTY_DICT
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    async def _async_soft_close(self) -> None:
        return None  # nothing is open in the thread between statements

    def close(self) -> None:
        self._rows.clear()

    def _call(self, many: bool, operation: Any, parameters: Any) -> None:
        connection: Any = self._connection
        try:
            result: _Result = await_(
                connection._execute(_run, connection._conn, many, operation, parameters)
            )
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._description, rows, self._rowcount, self._lastrowid = result
        self._rows = collections.deque(rows)

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._call(False, operation, parameters)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._call(True, operation, seq_of_parameters)


class OneCallConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneCallCursor  # type: ignore[assignment]  # a subclass; mypy disagrees

    def _idle(self) -> bool:
        """No transaction open in SQLite: commit and rollback have nothing to do (sqlite3
        checks the same before it acts). Read here without a hand-off: nothing runs on
        this connection meanwhile (SQLAlchemy uses it from one task at a time)."""
        connection: Any = self._connection
        raw = connection._connection
        return raw is not None and not raw.in_transaction

    def rollback(self) -> None:
        # The pool rolls back every connection it gets back, and a read never opens a
        # transaction in SQLite: most of these would be a hand-off that does nothing.
        if not self._idle():
            super().rollback()

    def commit(self) -> None:
        if not self._idle():
            super().commit()


class OneCallDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The aiosqlite DBAPI shim of SQLAlchemy, handing out :class:`OneCallConnection`."""

    def connect(self, *arg: Any, **kw: Any) -> OneCallConnection:
        connection = self.aiosqlite.connect(*arg, **kw)
        thread = getattr(connection, "_thread", None)
        if thread is not None:
            thread.daemon = True  # as SQLAlchemy's shim: never block the exit
        return OneCallConnection(self, await_(connection))


def dbapi_module() -> OneCallDBAPI | None:
    """The module to give ``create_async_engine(module=...)``, or None for the stock one."""
    if not all(hasattr(aiosqlite.Connection, name) for name in ("_execute", "_conn")):
        return None
    return OneCallDBAPI(aiosqlite, sqlite3)
