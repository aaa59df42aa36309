"""Opening the database: engine, SQLite pragmas, transactions, migrations on open, backups.

SQLite is set up for one owner and one nightly job writing the same file:
- WAL, so readers never block the writer and the writer never blocks readers;
- a busy timeout, so a second writer waits instead of failing with "database is locked";
- every write transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock up front,
  so two writers never deadlock upgrading a read lock (Python's sqlite3 legacy transaction
  handling is switched off, as SQLAlchemy's SQLite dialect documentation describes);
- sessions do not expire objects on commit, so rendering after a commit never opens a new
  transaction behind the user's back.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from followup_cli.config import sqlite_path
from followup_cli.errors import DatabaseError, InvalidInput
from followup_cli.files import create_private

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlmodel import Session

# The newest migration; kept as a constant so opening an up-to-date database needs no Alembic
# import (tests check it equals Alembic's head).
SCHEMA_REVISION = "0004"
KNOWN_REVISIONS = ("0001", "0002", "0003", "0004")
BUSY_TIMEOUT_MS = 30_000
SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True)
class UpgradeNotice:
    """What opening the database did to an older schema; the CLI says it once."""

    from_revision: str
    to_revision: str
    backup: Path | None


def _check_sqlite_file(path: Path) -> bool:
    """Fail early and clearly on a path that cannot hold a database. True if the file exists."""
    if path.is_dir():
        raise DatabaseError(f"Database path {path} is a directory; give a file path with --db.")
    if path.exists():
        try:
            with path.open("rb") as fh:
                header = fh.read(16)
        except OSError as exc:
            raise DatabaseError(f"Cannot read the database {path}: {exc.strerror}.") from None
        if header and header != SQLITE_HEADER:
            raise DatabaseError(f"{path} is not a SQLite database; check --db or FOLLOWUP_DB.")
        if not _writable(path):
            raise DatabaseError(f"The database {path} is read-only; check its permissions.")
        return bool(header)
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise DatabaseError(f"Cannot create {path}: {parent} is not a folder.")
    try:
        create_private(path)
    except OSError as exc:
        raise DatabaseError(f"Cannot create the database {path}: {exc.strerror}.") from None
    return False


def _writable(path: Path) -> bool:
    import os

    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _sqlite_revision(path: Path) -> str | None:
    """The Alembic revision stored in a SQLite file, read with the standard library only."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            tables = {
                row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if "alembic_version" not in tables:
                if tables:
                    raise DatabaseError(
                        f"{path} is a SQLite database, but not a followup one; "
                        "check --db or FOLLOWUP_DB."
                    )
                return None
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
            return row[0] if row else None
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"Cannot open {path}: {exc}.") from None


def _set_pragmas(con: sqlite3.Connection, busy_timeout_ms: int) -> None:
    """The per-connection settings every SQLite connection that writes uses."""
    con.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("PRAGMA secure_delete = ON")  # erased data is zeroed on disk


def make_engine(url: str) -> Engine:
    """An engine with the pragmas and transaction handling described in the module docstring."""
    from sqlalchemy import create_engine, event

    if sqlite_path(url) is None and not url.startswith("sqlite"):
        try:
            return create_engine(url, pool_pre_ping=True)
        except Exception as exc:  # a missing driver, a malformed URL
            raise DatabaseError(f"Cannot use database URL {url!r}: {exc}") from None

    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        _set_pragmas(dbapi_connection, BUSY_TIMEOUT_MS)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        readonly = conn.get_execution_options().get("followup_readonly", False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


class Database:
    """One database, opened (and upgraded if needed) once per command."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = sqlite_path(url)
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.url)
        return self._engine

    @classmethod
    def open(cls, url: str, *, upgrade: bool = True) -> tuple[Database, UpgradeNotice | None]:
        """Open ``url``, creating it or upgrading its schema (after a backup) as needed."""
        db = cls(url)
        notice = db.ensure_schema() if upgrade else None
        return db, notice

    def revision(self) -> str | None:
        if self.path is not None:
            return _sqlite_revision(self.path) if self.path.exists() else None
        from sqlalchemy import inspect, text

        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def ensure_schema(self) -> UpgradeNotice | None:
        """Create a new database, or upgrade an older one after writing a backup beside it."""
        existed = _check_sqlite_file(self.path) if self.path is not None else True
        current = self.revision() if existed else None
        if current == SCHEMA_REVISION:
            return None
        if current is not None and current not in KNOWN_REVISIONS:
            raise DatabaseError(
                f"The database is at schema {current!r}, newer than this followup "
                f"({SCHEMA_REVISION}); upgrade followup."
            )
        backup = None
        if current is not None and self.path is not None:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            backup = self.path.with_name(f"{self.path.name}.before-{SCHEMA_REVISION}-{stamp}")
            self.backup_to(backup)
        self.upgrade()
        if current is None:
            return None
        return UpgradeNotice(current, SCHEMA_REVISION, backup)

    def upgrade(self) -> None:
        """Run the Alembic migrations to head in one transaction (all or nothing)."""
        from followup_cli.migrations import upgrade_to_head

        try:
            upgrade_to_head(self.engine)
        except DatabaseError:
            raise
        except Exception as exc:
            raise DatabaseError(
                f"Upgrading the database failed and was rolled back; nothing changed: {exc}"
            ) from exc

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any error.

        ``write=False`` begins a plain (deferred) transaction, so reports and exports never
        take the write lock.
        """
        from sqlalchemy.exc import DataError, OperationalError
        from sqlmodel import Session

        bind = self.engine if write else self.engine.execution_options(followup_readonly=True)
        session = Session(bind, expire_on_commit=False)
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            raise translate_operational_error(exc) from exc
        except DataError as exc:  # PostgreSQL refuses some values SQLite stores (NUL bytes)
            session.rollback()
            raise InvalidInput(f"The database cannot store that value: {exc.orig}") from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def rows(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Run one read query written in portable SQL with ``:name`` parameters.

        On SQLite this goes straight through the standard ``sqlite3`` module: the agenda is
        read many times a day, and skipping SQLAlchemy's import halves its start-up.
        Dates come back as ISO text on SQLite and as dates elsewhere; callers accept both.
        """
        return [row for batch in self.batches(sql, params) for row in batch]

    def batches(
        self,
        sql: str,
        params: Mapping[str, Any],
        batch_size: int = 5000,
        *,
        mmap_bytes: int = 0,
    ) -> Iterator[list[tuple[Any, ...]]]:
        """Stream one read query in batches, holding one batch in memory at a time.

        ``mmap_bytes`` reads a SQLite file through a memory map of at most that size (faster
        for large scans with random lookups; mapped pages count as resident memory).
        """
        if self.path is not None:
            try:
                con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
            except sqlite3.Error as exc:
                raise translate_operational_error(exc) from None
            try:
                if mmap_bytes:
                    con.execute(f"PRAGMA mmap_size = {int(mmap_bytes)}")
                cursor = con.execute(sql, _plain_params(params))
                while batch := cursor.fetchmany(batch_size):
                    yield batch
            except sqlite3.Error as exc:
                raise translate_operational_error(exc) from None
            finally:
                con.close()
            return
        from sqlalchemy import text

        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=batch_size).execute(
                text(sql), dict(params)
            )
            for partition in result.partitions(batch_size):
                yield [tuple(row) for row in partition]

    @contextmanager
    def transaction(self, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Iterator[Tx]:
        """One write transaction for portable SQL with ``:name`` parameters (see ``Tx``).

        Committed on success, rolled back on any error. On SQLite it runs on the standard
        ``sqlite3`` module with the engine's pragmas and ``BEGIN IMMEDIATE``, so the everyday
        writes (done, snooze, skip) start without importing SQLAlchemy.
        """
        if self.path is not None:
            with _sqlite_transaction(self.path, busy_timeout_ms) as tx:
                yield tx
            return
        from sqlalchemy.exc import DataError, OperationalError

        try:
            with self.engine.begin() as conn:
                yield ConnectionTx(conn)
        except OperationalError as exc:
            raise translate_operational_error(exc) from exc
        except DataError as exc:  # PostgreSQL refuses some values SQLite stores (NUL bytes)
            raise InvalidInput(f"The database cannot store that value: {exc.orig}") from None

    def backup_to(self, target: Path) -> Path:
        """A consistent copy through SQLite's online backup API, safe while others write."""
        if self.path is None:
            raise DatabaseError("Backups are for SQLite databases; use pg_dump for PostgreSQL.")
        if target.exists() and target.is_dir():
            target = target / f"{self.path.stem}-{dt.datetime.now():%Y%m%d-%H%M%S}.db"
        try:
            create_private(target)
            source = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
            dest = sqlite3.connect(target)
            try:
                source.backup(dest)
            finally:
                dest.close()
                source.close()
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseError(f"Cannot write the backup {target}: {exc}") from None
        return target

    def compact(self) -> None:
        """Rewrite the file without free pages and empty the WAL, so erased rows leave no trace."""
        if self.path is None:
            return
        self.dispose()
        try:
            con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            try:
                con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                con.execute("VACUUM")
                con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                con.close()
        except sqlite3.Error as exc:
            raise translate_operational_error(exc) from None

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def _plain(value: Any) -> Any:
    """A parameter as SQLite stores it, the way SQLAlchemy's SQLite types write it."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value.isoformat() if isinstance(value, dt.date) else value


def _plain_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: _plain(v) for k, v in (params or {}).items()}


class Tx(Protocol):
    """A write transaction running portable SQL with ``:name`` parameters.

    Dates come back as ISO text on SQLite and as dates elsewhere; callers accept both.
    ``insert`` runs an ``INSERT ... RETURNING id`` (SQLite 3.35+, PostgreSQL).
    """

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]: ...

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> int: ...

    def insert(self, sql: str, params: Mapping[str, Any] | None = None) -> int: ...


class SqliteTx:
    """``Tx`` on a standard-library sqlite3 connection inside ``BEGIN IMMEDIATE``."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self._con = con

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return self._con.execute(sql, _plain_params(params)).fetchall()

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> int:
        return self._con.execute(sql, _plain_params(params)).rowcount

    def insert(self, sql: str, params: Mapping[str, Any] | None = None) -> int:
        return int(self._con.execute(sql, _plain_params(params)).fetchall()[0][0])


@contextmanager
def _sqlite_transaction(path: Path, busy_timeout_ms: int) -> Iterator[Tx]:
    try:
        con = sqlite3.connect(path, timeout=busy_timeout_ms / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        raise translate_operational_error(exc) from None
    try:
        _set_pragmas(con, busy_timeout_ms)
        con.execute("BEGIN IMMEDIATE")
        try:
            yield SqliteTx(con)
        except BaseException:
            if con.in_transaction:
                with suppress(sqlite3.Error):
                    con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
    except sqlite3.Error as exc:
        raise translate_operational_error(exc) from exc
    finally:
        con.close()


class _TextTx:
    """``Tx`` over SQLAlchemy ``text()``; subclasses say which connection runs it."""

    _sqlite = False

    def _run(self, sql: str, params: Mapping[str, Any] | None) -> Any:
        raise NotImplementedError

    def _params(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        # sqlite3's default date adapter is deprecated: hand it text, as SQLAlchemy's types do
        return _plain_params(params) if self._sqlite else dict(params or {})

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._run(sql, params)]

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> int:
        return int(self._run(sql, params).rowcount)

    def insert(self, sql: str, params: Mapping[str, Any] | None = None) -> int:
        return int(self._run(sql, params).scalar_one())


class ConnectionTx(_TextTx):
    """``Tx`` on a SQLAlchemy connection already inside a transaction (``engine.begin()``)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._sqlite = conn.dialect.name == "sqlite"

    def _run(self, sql: str, params: Mapping[str, Any] | None) -> Any:
        from sqlalchemy import text

        return self._conn.execute(text(sql), self._params(params))


_CHANGES_ROWS = re.compile(r"\s*(?:UPDATE|DELETE\s+FROM)\s+(\w+)", re.IGNORECASE)


class SessionTx(_TextTx):
    """``Tx`` inside an open ORM session, so ORM callers share the SQL code paths.

    Use it as a context manager. On entry it flushes the session, so the SQL sees every
    pending ORM change. On a clean exit, objects of the tables it updated or deleted from are
    re-read now (rows that are gone are expunged): sessions keep objects after commit, and a
    lazily expired object would fail when rendered after the session closes.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        self._sqlite = session.connection().dialect.name == "sqlite"
        self._changed: set[str] = set()

    def __enter__(self) -> SessionTx:
        self._session.flush()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None and self._changed:
            self._reread()

    def _run(self, sql: str, params: Mapping[str, Any] | None) -> Any:
        from sqlalchemy import text

        changes = _CHANGES_ROWS.match(sql)
        if changes:
            self._changed.add(changes.group(1).lower())
        return self._session.connection().execute(text(sql), self._params(params))

    def _reread(self) -> None:
        from sqlalchemy import inspect

        for obj in list(self._session.identity_map.values()):
            table = getattr(type(obj), "__table__", None)
            if table is None or table.name not in self._changed:
                continue
            key = inspect(obj).identity
            if self._session.get(type(obj), key, populate_existing=True) is None:
                self._session.expunge(obj)  # deleted by the SQL: keeps the values it had


def translate_operational_error(exc: Exception) -> DatabaseError:
    """Turn a driver error into one line that says what to do."""
    message = str(getattr(exc, "orig", exc))
    if "locked" in message or "busy" in message:
        return DatabaseError(
            "The database is busy: another followup command is writing. Try again in a minute."
        )
    if "disk is full" in message or "disk I/O" in message:
        return DatabaseError(f"Cannot write the database: {message}. Free some disk space.")
    if "readonly" in message or "read-only" in message:
        return DatabaseError("The database is read-only; check the file's permissions.")
    return DatabaseError(f"Database error: {message}")


def restore_backup(db: Database, source: Path) -> Path:
    """Put a backup in place of ``db``: the current file is backed up first, then overwritten
    page by page through the backup API (so open readers see either the old or the new one).
    """
    if db.path is None:
        raise DatabaseError("Restore is for SQLite databases; use pg_restore for PostgreSQL.")
    if not source.is_file():
        raise DatabaseError(f"No backup file at {source}.")
    if _sqlite_revision(source) is None:
        raise DatabaseError(f"{source} is an empty database, not a followup backup.")
    _check_sqlite_file(db.path)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    saved = db.backup_to(db.path.with_name(f"{db.path.name}.before-restore-{stamp}"))
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dest = sqlite3.connect(db.path, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            src.backup(dest)
        finally:
            dest.close()
            src.close()
    except sqlite3.Error as exc:
        raise DatabaseError(f"Restore failed; the database was left as it was: {exc}") from None
    Database(db.url).ensure_schema()  # a backup from an older version is upgraded now
    return saved
