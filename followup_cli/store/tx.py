"""The one database handle domain code takes: ``Tx``, a transaction running portable SQL.

Two implementations, chosen by ``Database`` and never named by domain code:
- ``SqliteTx`` on the standard library's ``sqlite3`` (the everyday commands start without
  SQLAlchemy: the agenda and ``done`` are run many times a day);
- ``PostgresTx`` on a SQLAlchemy connection over psycopg, for a team's shared database.
Every dialect difference of a runtime query lives in this package.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import suppress
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, RootTransaction

    from followup_cli.store.journal import Journal

SORT_CACHE_KIB = 4096  # the page cache while an index is sorted: SQLite's sort takes as much


def _utc(value: dt.datetime) -> dt.datetime:
    """An instant in UTC (a naive value is taken to be UTC already)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _plain(value: Any) -> Any:
    """A parameter as SQLite stores it, the way SQLAlchemy's SQLite types write it: a
    timestamp as UTC wall time (SQLite has no zones), a date as ISO text."""
    if isinstance(value, dt.datetime):
        return _utc(value).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value.isoformat() if isinstance(value, dt.date) else value


def _plain_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: _plain(v) for k, v in (params or {}).items()}


Params = Mapping[str, Any] | None


def _pg_params(params: Params) -> dict[str, Any]:
    """Timestamps go to PostgreSQL's timestamptz columns as aware UTC instants, so the
    session's time zone never shifts them."""
    return {k: _utc(v) if isinstance(v, dt.datetime) else v for k, v in (params or {}).items()}


class Tx(ABC):
    """The one database handle domain code takes: a transaction running portable SQL.

    SQL uses ``:name`` parameters. Dates come back as ISO text on SQLite and as dates on
    PostgreSQL; the row types in ``store.rows`` accept both. ``Database.transaction`` opens
    one: committed when its ``with`` block ends normally, rolled back on any error; a read
    transaction (``Database.reading``) never takes the write lock until ``restart`` asks for
    it (the import stages its file first, then writes).
    """

    # True when no other session can write while this transaction is open (SQLite's
    # BEGIN IMMEDIATE); PostgreSQL lets other sessions add rows meanwhile.
    sole_writer: bool
    # The operation this command's writes are recorded as (``store.journal``); None for
    # writes nobody can undo (migrations, the store's own tests).
    journal: Journal | None = None
    _writing = False

    def begin(self, *, write: bool, exclusive: bool = False) -> None:
        """Start a transaction; ``exclusive`` also takes the import lock where the write lock
        is not already exclusive (PostgreSQL). A write transaction joins the journal."""
        self._begin(write=write, exclusive=exclusive)
        self._writing = write
        if write and self.journal is not None:
            self.journal.start(self)

    def commit(self) -> None:
        if self._writing and self.journal is not None:
            self.journal.finish(self)
        self._commit()

    @abstractmethod
    def _begin(self, *, write: bool, exclusive: bool) -> None: ...

    @abstractmethod
    def _commit(self) -> None: ...

    @abstractmethod
    def journal_into(self, operation_id: int | None, marks: Mapping[str, int]) -> None:
        """Point the journal's triggers at ``operation_id`` (None: stop recording)."""

    @abstractmethod
    def own_rows_sql(self) -> str:
        """A condition (`` AND ...``) keeping only rows this transaction wrote, or ""."""

    @abstractmethod
    def restore_row(
        self, table: str, row: Mapping[str, Any], *, where: str = "", params: Params = None
    ) -> None:
        """Write a row the journal kept (JSON-decoded): UPDATE the row ``where`` selects, or
        INSERT it when ``where`` is empty."""

    @abstractmethod
    def rollback(self) -> None: ...

    def restart(self, *, write: bool, exclusive: bool = False) -> None:
        """Commit what was done so far and begin again, e.g. as a writer."""
        self.commit()
        self.begin(write=write, exclusive=exclusive)

    def discard(self) -> None:
        """Roll back what was done so far (a dry run) and go on reading."""
        self.rollback()
        self.begin(write=False)

    @abstractmethod
    def date_of(self, expr: str) -> str:
        """SQL that reads ``expr`` (ISO text) as a date, as the table's DATE column takes it."""

    def build_indexes(self, statements: Sequence[str]) -> None:
        """Run CREATE INDEX statements over a table just filled (one sort each, cheaper than
        keeping the index up row by row)."""
        for statement in statements:
            self.execute(statement)

    @abstractmethod
    def rows(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        """Every row of a (small) query."""

    def one(self, sql: str, params: Params = None) -> tuple[Any, ...] | None:
        """The first row, or None."""
        found = self.rows(sql, params)
        return found[0] if found else None

    def value(self, sql: str, params: Params = None) -> Any:
        """The first column of the first row, or None."""
        row = self.one(sql, params)
        return None if row is None else row[0]

    @abstractmethod
    def execute(self, sql: str, params: Params = None) -> int:
        """Run a statement; the number of rows it changed."""

    def insert(self, sql: str, params: Params = None) -> int:
        """Run an ``INSERT ... RETURNING id`` (SQLite 3.35+, PostgreSQL); the new id."""
        return int(self.rows(sql, params)[0][0])

    @abstractmethod
    def executemany(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """One statement for each parameter mapping of ``rows``."""

    @abstractmethod
    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        """Bulk insert of plain tuples in ``columns`` order (the import's hot path)."""

    @abstractmethod
    def iter(
        self, sql: str, params: Params = None, batch_size: int = 5000
    ) -> Iterator[tuple[Any, ...]]:
        """Stream a large query row by row, holding one batch in memory at a time."""

    @abstractmethod
    def batches(
        self, sql: str, params: Params = None, batch_size: int = 5000
    ) -> Iterator[list[tuple[Any, ...]]]:
        """Stream a large query in lists of at most ``batch_size`` rows."""


class WriterWait(NamedTuple):
    """How a command waits for the write lock another command holds (an import holds it for
    as long as its write takes): in steps, reporting each, up to ``patience_s`` in all."""

    patience_s: float
    report: Callable[[float], None]  # seconds waited so far
    step_s: float = 1.0


def _busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


class SqliteTx(Tx):
    """``Tx`` on a standard-library sqlite3 connection (no SQLAlchemy on the everyday path)."""

    sole_writer = True

    def __init__(self, con: sqlite3.Connection, wait: WriterWait | None = None) -> None:
        self._con = con  # isolation_level=None: transactions are begun here, explicitly
        self._wait = wait

    def _begin(self, *, write: bool, exclusive: bool) -> None:
        # BEGIN IMMEDIATE takes the write lock up front, so two writers never deadlock
        # upgrading a read lock; it excludes every other writer already.
        if not write:
            self._con.execute("BEGIN")
        elif self._wait is None:
            self._con.execute("BEGIN IMMEDIATE")
        else:
            self._begin_waiting(self._wait)

    def _begin_waiting(self, wait: WriterWait) -> None:
        (timeout,) = self._con.execute("PRAGMA busy_timeout").fetchone()
        self._con.execute(f"PRAGMA busy_timeout = {int(wait.step_s * 1000)}")
        waited = 0.0
        try:
            while True:
                try:
                    self._con.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    waited += wait.step_s
                    if not _busy(exc) or waited >= wait.patience_s:
                        raise
                    wait.report(waited)
        finally:
            self._con.execute(f"PRAGMA busy_timeout = {int(timeout)}")

    def _commit(self) -> None:
        self._con.execute("COMMIT")

    def journal_into(self, operation_id: int | None, marks: Mapping[str, int]) -> None:
        self._con.execute("DELETE FROM journal_now")
        if operation_id is not None:
            self._con.executemany(
                "INSERT INTO journal_now (table_name, operation_id, mark) VALUES (?, ?, ?)",
                [(table, operation_id, mark) for table, mark in marks.items()],
            )

    def own_rows_sql(self) -> str:
        return ""  # the only writer: every row above the mark is this transaction's

    def restore_row(
        self, table: str, row: Mapping[str, Any], *, where: str = "", params: Params = None
    ) -> None:
        from followup_cli.store.journal import check_names

        names = check_names(dict(row))
        values = {f"v_{name}": row[name] for name in names}
        if where:
            assignments = ", ".join(f"{name} = :v_{name}" for name in names)
            sql = f"UPDATE {table} SET {assignments} WHERE {where}"
        else:
            marks = ", ".join(f":v_{name}" for name in names)
            sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"
        self._con.execute(sql, {**values, **(params or {})})

    def rollback(self) -> None:
        if self._con.in_transaction:
            self._con.execute("ROLLBACK")

    def date_of(self, expr: str) -> str:
        return expr  # SQLite stores dates as ISO text already

    def build_indexes(self, statements: Sequence[str]) -> None:
        """SQLite's sort may hold as much memory as the page cache (64 MB for an import):
        the cache is made small for the sort, so a million rows sort on disk."""
        (cache,) = self._con.execute("PRAGMA main.cache_size").fetchone()
        self._con.execute(f"PRAGMA main.cache_size = -{SORT_CACHE_KIB}")
        try:
            super().build_indexes(statements)
        finally:
            self._con.execute(f"PRAGMA main.cache_size = {int(cache)}")

    def rows(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        return self._con.execute(sql, _plain_params(params)).fetchall()

    def execute(self, sql: str, params: Params = None) -> int:
        return self._con.execute(sql, _plain_params(params)).rowcount

    def executemany(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self._con.executemany(sql, [_plain_params(row) for row in rows])

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        if rows:  # qmark tuples: SQLite's cheapest bulk path
            marks = ", ".join("?" * len(columns))
            self._con.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
            )

    def iter(
        self, sql: str, params: Params = None, batch_size: int = 5000
    ) -> Iterator[tuple[Any, ...]]:
        cursor = self._con.execute(sql, _plain_params(params))
        try:
            for row in cursor:  # noqa: UP028 - `yield from` closes the cursor itself, unguarded
                yield row
        finally:
            # A list abandoned by an error may be collected after its connection closed,
            # which released the cursor already: closing it again printed a traceback.
            with suppress(sqlite3.ProgrammingError):
                cursor.close()

    def batches(
        self, sql: str, params: Params = None, batch_size: int = 5000
    ) -> Iterator[list[tuple[Any, ...]]]:
        cursor = self._con.execute(sql, _plain_params(params))
        try:
            while batch := cursor.fetchmany(batch_size):
                yield batch
        finally:
            with suppress(sqlite3.ProgrammingError):  # as in ``iter``
                cursor.close()


class PostgresTx(Tx):
    """``Tx`` on a SQLAlchemy connection inside ``engine.begin()`` (psycopg underneath)."""

    sole_writer = False
    IMPORT_LOCK = 7411  # an advisory lock: one import at a time

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._transaction: RootTransaction | None = None

    def _begin(self, *, write: bool, exclusive: bool) -> None:
        self._transaction = self._conn.begin()
        if exclusive:
            self.execute(f"SELECT pg_advisory_xact_lock({self.IMPORT_LOCK})")

    def _commit(self) -> None:
        if self._transaction is not None:
            self._transaction.commit()

    def journal_into(self, operation_id: int | None, marks: Mapping[str, int]) -> None:
        # Transaction-local: concurrent sessions each record into their own operation.
        self.execute(
            "SELECT set_config('followup.operation', :operation, true)",
            {"operation": "" if operation_id is None else str(operation_id)},
        )

    def own_rows_sql(self) -> str:
        return " AND xmin = pg_current_xact_id()::xid"  # not another session's rows

    def restore_row(
        self, table: str, row: Mapping[str, Any], *, where: str = "", params: Params = None
    ) -> None:
        import json

        from followup_cli.store.journal import check_names

        names = ", ".join(check_names(dict(row)))
        kept = f"jsonb_populate_record(NULL::{table}, CAST(:kept AS jsonb))"
        if where:
            sql = f"UPDATE {table} SET ({names}) = (SELECT {names} FROM {kept}) WHERE {where}"
        else:
            sql = f"INSERT INTO {table} ({names}) SELECT {names} FROM {kept}"
        self.execute(sql, {**(params or {}), "kept": json.dumps(dict(row))})

    def rollback(self) -> None:
        if self._transaction is not None and self._transaction.is_active:
            self._transaction.rollback()

    def date_of(self, expr: str) -> str:
        return f"CAST({expr} AS DATE)"

    def _run(self, sql: str, params: Params, **options: Any) -> Any:
        from sqlalchemy import text

        statement = text(sql).execution_options(**options) if options else text(sql)
        return self._conn.execute(statement, _pg_params(params))

    def rows(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._run(sql, params)]

    def execute(self, sql: str, params: Params = None) -> int:
        return int(self._run(sql, params).rowcount)

    def executemany(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        from sqlalchemy import text

        if rows:  # SQLAlchemy takes an empty parameter list as one empty row
            self._conn.execute(text(sql), [_pg_params(row) for row in rows])

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        names = ", ".join(":" + c for c in columns)
        self.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({names})",
            [dict(zip(columns, row, strict=True)) for row in rows],
        )

    def _streamed(self, batch_size: int) -> dict[str, Any]:
        """A server-side cursor (rows arrive as they are read) needs a transaction; on an
        autocommit connection the rows are read at once."""
        if self._conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return {}
        return {"stream_results": True, "yield_per": batch_size}

    def iter(
        self, sql: str, params: Params = None, batch_size: int = 5000
    ) -> Iterator[tuple[Any, ...]]:
        for row in self._run(sql, params, **self._streamed(batch_size)):
            yield tuple(row)

    def batches(
        self, sql: str, params: Params = None, batch_size: int = 5000
    ) -> Iterator[list[tuple[Any, ...]]]:
        result = self._run(sql, params, **self._streamed(batch_size))
        for partition in result.partitions(batch_size):
            yield [tuple(row) for row in partition]
