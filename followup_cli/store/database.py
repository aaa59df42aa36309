"""Opening the database: pragmas, transactions, migrations on open, backups.

SQLite is set up for one owner and one nightly job writing the same file:
- WAL, so readers never block the writer and the writer never blocks readers;
- a busy timeout, so a second writer waits instead of failing with "database is locked";
- every write transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock up front,
  so two writers never deadlock upgrading a read lock (Python's sqlite3 legacy transaction
  handling is switched off: ``isolation_level=None``, and we issue BEGIN ourselves).
SQLAlchemy is used for PostgreSQL and for Alembic's migrations only, never on SQLite's
everyday path.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from followup_cli.config import sqlite_path
from followup_cli.errors import DatabaseError, InvalidInput
from followup_cli.files import PRIVATE_MODE, create_private
from followup_cli.store.tx import PostgresTx, SqliteTx, Tx, WriterWait

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from followup_cli.store.journal import Journal

# The newest migration; kept as a constant so opening an up-to-date database needs no Alembic
# import (tests check it equals Alembic's head).
SCHEMA_REVISION = "0011"
KNOWN_REVISIONS = (
    "0001",
    "0002",
    "0003",
    "0004",
    "0005",
    "0006",
    "0007",
    "0008",
    "0009",
    "0010",
    "0011",
)
BUSY_TIMEOUT_MS = 30_000
SQLITE_HEADER = b"SQLite format 3\x00"
# A big import touches index pages all over a 1M-row database: a 64 MiB page cache (SQLite's
# default is 2 MiB) keeps them; the TEMP tables are read in order and need little.
BULK_CACHE_KIB = 65536
BULK_TEMP_CACHE_KIB = 8192


class UpgradeNotice(NamedTuple):
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


def _make_private(path: Path) -> bool:
    """A database (and its -wal and -shm) that others can read becomes the owner's only
    (0600), as every file followup creates is; True if that changed anything."""
    changed = False
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            mode = file.stat().st_mode & 0o777
        except FileNotFoundError:
            continue
        if mode & 0o077:
            try:
                os.chmod(file, PRIVATE_MODE)
            except OSError:
                continue  # not ours to change: it stays as it is
            changed = True
    return changed


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def file_mark(path: Path) -> int | None:
    """The stamp ``Database.set_file_mark`` left on a SQLite file; None if it cannot be read."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return int(con.execute("PRAGMA user_version").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return None


def _sqlite_revision(path: Path, *, immutable: bool = False) -> str | None:
    """The Alembic revision stored in a SQLite file, read with the standard library only.

    ``immutable`` reads a file nobody is writing (a backup) without creating -wal or -shm
    files beside it."""
    mode = "ro&immutable=1" if immutable else "ro"
    try:
        con = sqlite3.connect(f"file:{path}?mode={mode}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
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
    """A SQLAlchemy engine: for Alembic's migrations, and for PostgreSQL's ``Tx``. On SQLite it
    sets the same pragmas and ``BEGIN IMMEDIATE`` as the ``sqlite3`` path."""
    from sqlalchemy import create_engine, event

    if sqlite_path(url) is None and not url.startswith("sqlite"):
        try:
            return create_engine(url, pool_pre_ping=True)
        except Exception as exc:  # a missing driver, a malformed URL
            raise DatabaseError(f"Cannot use database URL {masked(url)!r}: {masked(exc)}") from None

    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        _set_pragmas(dbapi_connection, BUSY_TIMEOUT_MS)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:  # the engine only migrates: it always writes
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """One database, opened (and upgraded if needed) once per command."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = sqlite_path(url)
        self._engine: Engine | None = None
        # What this command's writes are journaled as (None: not journaled, e.g. in tests
        # of the store itself); set by the CLI once it knows the command.
        self.journal: Journal | None = None
        # How a write waits for another command's write lock; None: the busy timeout only.
        self.writer_wait: WriterWait | None = None
        self.tightened = False  # opening it made a file others could read private

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

        try:
            with self.engine.connect() as conn:
                if not inspect(conn).has_table("alembic_version"):
                    return None
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception as exc:  # an unreachable server, a missing database, a wrong password
            raise _translated(exc) from None

    def ensure_schema(self) -> UpgradeNotice | None:
        """Create a new database, or upgrade an older one after writing a backup beside it."""
        existed = _check_sqlite_file(self.path) if self.path is not None else True
        if existed and self.path is not None:
            self.tightened = _make_private(self.path)
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
            backup = self.backup_to(backup, unique=True)
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
    def transaction(
        self,
        *,
        write: bool = True,
        bulk: bool = False,
        mmap_bytes: int = 0,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    ) -> Iterator[Tx]:
        """One transaction: committed on success, rolled back on any error.

        On SQLite it runs on the standard ``sqlite3`` module, so the everyday commands start
        without importing SQLAlchemy. ``write=False`` begins a plain ``BEGIN``: reports and
        exports never take the write lock. ``bulk`` gives SQLite the large page cache a big
        import needs; ``mmap_bytes`` reads through a memory map of at most that size (faster
        for large scans with random lookups; mapped pages count as resident memory).
        """
        with self._open(bulk, mmap_bytes, busy_timeout_ms) as tx:
            try:
                tx.begin(write=write)
                try:
                    yield tx
                except BaseException:
                    with suppress(Exception):  # the error that got us here is the one to report
                        tx.rollback()
                    raise
                tx.commit()
            except Exception as exc:
                raise _translated(exc) from None

    def reading(self, *, bulk: bool = False, mmap_bytes: int = 0) -> AbstractContextManager[Tx]:
        """A read transaction (see ``transaction``)."""
        return self.transaction(write=False, bulk=bulk, mmap_bytes=mmap_bytes)

    @contextmanager
    def _open(self, bulk: bool, mmap_bytes: int, busy_timeout_ms: int) -> Iterator[Tx]:
        if self.path is None:
            try:
                with self.engine.connect() as conn:
                    tx: Tx = PostgresTx(conn)
                    tx.journal = self.journal
                    yield tx
            except Exception as exc:
                raise _translated(exc) from None
            return
        try:
            con = sqlite3.connect(self.path, timeout=busy_timeout_ms / 1000, isolation_level=None)
            _set_pragmas(con, busy_timeout_ms)
            if bulk:
                con.execute(f"PRAGMA main.cache_size = -{BULK_CACHE_KIB}")
                con.execute(f"PRAGMA temp.cache_size = -{BULK_TEMP_CACHE_KIB}")
            if mmap_bytes:
                con.execute(f"PRAGMA mmap_size = {int(mmap_bytes)}")
        except sqlite3.Error as exc:
            raise translate_operational_error(exc) from None
        try:
            tx = SqliteTx(con, self.writer_wait)
            tx.journal = self.journal
            yield tx
        finally:
            con.close()

    def backup_to(self, target: Path, *, unique: bool = False) -> Path:
        """A consistent copy through SQLite's online backup API, safe while others write.

        Nothing is ever overwritten: an existing file or symlink at ``target`` is refused (or,
        with ``unique``, the copy takes the next free name, ``-2``, ``-3``...), and so is the
        database itself. The copy is written beside ``target`` under a temporary name and
        linked into place only when complete, so a failed or killed backup leaves nothing
        that looks like one.
        """
        if self.path is None:
            raise DatabaseError("Backups are for SQLite databases; use pg_dump for PostgreSQL.")
        if target.is_dir():
            target = target / f"{self.path.stem}-{dt.datetime.now():%Y%m%d-%H%M%S}.db"
        if target.exists() and self.path.exists() and os.path.samefile(target, self.path):
            raise DatabaseError(f"{target} is the database itself; choose another file.")
        temporary = target.with_name(f".{target.name}.{os.getpid()}.partial")
        try:
            create_private(temporary, exclusive=True)
            source = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
            dest = sqlite3.connect(temporary)
            try:
                source.backup(dest)
            finally:
                dest.close()
                source.close()
            return _link_free(temporary, target, unique)
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseError(f"Cannot write the backup {target}: {exc}") from None
        finally:
            for leftover in (temporary, Path(f"{temporary}-journal")):
                leftover.unlink(missing_ok=True)

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

    def set_file_mark(self, value: int) -> None:
        """Stamp a SQLite file (``PRAGMA user_version``), e.g. as a demo that may be replaced."""
        if self.path is not None:
            with self.transaction() as tx:
                tx.execute(f"PRAGMA user_version = {int(value)}")

    def automatic_backups(self) -> list[Path]:
        """The copies followup itself made beside the file (before an upgrade or a restore)."""
        import glob

        if self.path is None:
            return []
        return sorted(self.path.parent.glob(f"{glob.escape(self.path.name)}.before-*"))

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def _translated(exc: Exception) -> Exception:
    """A driver error as one line that says what to do; anything else unchanged."""
    if isinstance(exc, sqlite3.Error):
        return translate_operational_error(exc)
    if "sqlalchemy" not in sys.modules:
        return exc
    from sqlalchemy.exc import DataError, OperationalError

    if isinstance(exc, OperationalError):
        return translate_operational_error(exc)
    if isinstance(exc, DataError):  # PostgreSQL refuses some values SQLite stores (NUL bytes)
        return InvalidInput(f"The database cannot store that value: {exc.orig}")
    return exc


def _link_free(written: Path, target: Path, unique: bool) -> Path:
    """Give the finished copy its name without ever replacing a file (a hard link fails if
    the name is taken, where a rename would overwrite)."""
    for number in range(1, 1000):
        name = target if number == 1 else target.with_name(f"{target.stem}-{number}{target.suffix}")
        try:
            os.link(written, name)
            return name
        except FileExistsError:
            if not unique:
                raise DatabaseError(
                    f"{target} exists already; backups never overwrite anything, so choose "
                    "a new name (or a folder)."
                ) from None
    raise DatabaseError(f"No free name for a backup beside {target}.")


_PASSWORD = re.compile(r"(\w+://[^:/@\s]*:)[^@\s]*@|(password=)\S+", re.IGNORECASE)


def masked(text: object) -> str:
    """A message or URL without the password in it, and on one line (a driver's message can
    run over several, and quote the rows it was given)."""
    first = (str(text).strip().splitlines() or [""])[0]
    return _PASSWORD.sub(
        lambda m: (m.group(1) or m.group(2)) + "***" + ("@" if m.group(1) else ""), first
    )


def translate_operational_error(exc: Exception) -> DatabaseError:
    """Turn a driver error into one line that says what to do."""
    message = masked(getattr(exc, "orig", exc))
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
    with source.open("rb") as fh:
        header = fh.read(16)
    if header and header != SQLITE_HEADER:
        raise DatabaseError(f"{source} is not a SQLite file, so not a followup backup.")
    revision = _sqlite_revision(source, immutable=True) if header else None
    if revision is None:
        raise DatabaseError(f"{source} is an empty database, not a followup backup.")
    if revision not in KNOWN_REVISIONS:
        raise DatabaseError(
            f"{source} is at schema {revision!r}, which this followup cannot open (a newer "
            "followup's, or another program's); nothing was replaced."
        )
    _check_sqlite_file(db.path)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    saved = db.backup_to(db.path.with_name(f"{db.path.name}.before-restore-{stamp}"), unique=True)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro&immutable=1", uri=True)
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
