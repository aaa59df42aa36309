"""Read-only peeks at the database for shell completion.

Completion runs on every Tab, so it must be quick and harmless: a SQLite file is opened with
``mode=ro`` on the standard ``sqlite3`` module and a PostgreSQL database in a read-only
session on psycopg (no SQLAlchemy either way); nothing is ever created or migrated, and any
problem (no database yet, an older schema, a busy writer, an unreachable server) means
nothing to complete rather than an error under the owner's cursor.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from followup_cli.config import sqlite_path
from followup_cli.store.sql.completion import (
    CONTACT_BY_ID_SQL,
    CONTACTS_BY_EMAIL_SQL,
    CONTACTS_BY_PHONE_SQL,
    NAMES_SQL,
    PENDING_SQL,
)

LIMIT = 50  # a shell shows no more than a screenful anyway
WAIT_S = 0.2  # a writer holding the file: give up, do not hang the Tab key


@contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    uri = f"file:{quote(str(path))}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, timeout=WAIT_S)) as con:
        yield con


Queries = list[tuple[str, dict[str, Any]]]


def _rows(url: str, queries: Queries) -> list[tuple[Any, ...]]:
    path = sqlite_path(url)
    if path is None:
        return _postgres_rows(url, queries) if url.startswith("postgresql") else []
    if not path.is_file():
        return []  # no database yet: complete nothing, create nothing
    try:
        with _read_only(path) as con:
            return [
                row
                for sql, params in queries
                for row in con.execute(sql, {**params, "limit": LIMIT}).fetchall()
            ]
    except sqlite3.Error:
        return []


_NAMED = re.compile(r"(?<![:\w]):(\w+)")


def _postgres_rows(url: str, queries: Queries) -> list[tuple[Any, ...]]:
    """A team's database, through psycopg alone (SQLAlchemy would add 0.3 s to every Tab),
    in a read-only session whose statements give up after ``WAIT_S``."""
    try:
        import psycopg
    except ImportError:  # installed without the postgres extra
        return []
    conninfo = "postgresql://" + url.split("://", 1)[1]
    limits = f"-c default_transaction_read_only=on -c statement_timeout={int(WAIT_S * 1000)}"
    try:
        with psycopg.connect(conninfo, connect_timeout=2, options=limits) as con:
            return [
                tuple(row)
                for sql, params in queries
                # psycopg's placeholders: :name -> %(name)s
                for row in con.execute(
                    _NAMED.sub(r"%(\1)s", sql), {**params, "limit": LIMIT}
                ).fetchall()
            ]
    except psycopg.Error:
        return []


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _prefix(text: str) -> dict[str, str]:
    """The index range of the values that start with ``text``."""
    return {"lo": text, "hi": text + "\U0010ffff"}


PHONE_START = set("+(0123456789")


Found = tuple[int, str, str | None, str | None, int]


def contacts(url: str, typed: str, folded: str) -> list[Found]:
    """Contacts whose name (``folded``: as ``name_key`` holds it), email, phone or id
    starts with what was typed: (id, name, email, phone, how many contacts have that name).
    A name shared by several comes once, with the first of them."""
    queries: list[tuple[str, dict[str, Any]]] = []
    if folded or not typed:
        queries.append((NAMES_SQL, _prefix(folded)))
    if typed:
        queries.append((CONTACTS_BY_EMAIL_SQL, _prefix(typed.lower())))
    if typed[:1] in PHONE_START:
        queries.append((CONTACTS_BY_PHONE_SQL, {"like": _like(typed)}))
    if typed.isdigit():
        queries.append((CONTACT_BY_ID_SQL, {"id": int(typed)}))
    return [
        (int(r[0]), str(r[1]), r[2], r[3], int(r[4]) if len(r) > 4 else 1)
        for r in _rows(url, queries)
    ]


def pending(url: str, typed: str) -> list[tuple[int, str, str, str, str]]:
    """Pending follow-ups whose id starts with what was typed, soonest due first:
    (id, contact name, purpose, channel, due date as ISO text)."""
    return [
        (int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]))
        for r in _rows(url, [(PENDING_SQL, {"typed": _like(typed)})])
    ]
