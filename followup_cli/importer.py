"""Importing sales from a CSV (or JSON Lines) export: streaming, set-based, one transaction.

How it works, and why:
1. Pass 1 reads the file once, streaming, and validates every row (encoding, columns, dates,
   amounts, emails, phones). Good rows are staged into a TEMP table, bad rows are kept for the
   rejects file. Nothing in the database proper is touched yet, so a file that cannot be read
   "at all" fails before the first write.
2. The staged rows are grouped into sales (rows sharing an order id are one sale, as in a
   Shopify export), still in TEMP tables.
3. One write transaction (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL) matches
   contacts, creates the new ones, records the sales, drops prospect follow-ups and schedules the
   sale follow-ups with a handful of set-based statements. Killed at any moment, the database
   holds none of the file or all of it.

A sale's identity is (source, order id): importing the same file twice changes nothing.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from followup_cli.enums import Channel, InteractionKind, Status
from followup_cli.errors import ImportFailed, InvalidInput
from followup_cli.privacy import suppression_hash
from followup_cli.scheduling import RuleSet, choose_channel, reachable_channels
from followup_cli.values import normalize_email, parse_amount, phone_key, split_csv_set

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from followup_cli.db import Database

FIELDS = ("order_id", "date", "name", "email", "phone", "amount", "items", "prefers")
REQUIRED = ("order_id", "date")


def _norm_header(text: str) -> str:
    """``"Order ID"``, ``"order_id"`` and ``" ORDER-ID "`` all become ``"orderid"``."""
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


# Header aliases, in priority order (the first one present wins).
ALIASES: dict[str, tuple[str, ...]] = {
    "order_id": (
        "order_id", "order id", "order number", "order no", "order", "receipt",
        "receipt number", "receipt no", "invoice", "invoice number", "invoice no", "sale_id",
        "transaction id",
    ),
    "date": (
        "date", "order date", "sale date", "sold_at", "created_at", "paid_at", "purchase date",
        "purchased_at",
    ),
    "name": (
        "customer", "customer_name", "billing name", "name", "full name", "client",
        "client name",
    ),
    "email": ("email", "email address", "e-mail", "customer email"),
    "phone": (
        "phone", "phone number", "mobile", "mobile phone", "cell", "telephone", "tel",
        "billing phone",
    ),
    "amount": ("total", "amount", "order total", "grand total", "total price", "price"),
    "items": (
        "items", "item", "product", "products", "product name", "lineitem name", "description",
    ),
    "prefers": ("prefers", "preferred channel", "contact preference"),
}  # fmt: skip


@dataclass(frozen=True)
class Preset:
    """A ready column mapping for a known export; each field lists columns tried in order."""

    name: str
    description: str
    columns: dict[str, tuple[str, ...]]
    dayfirst: bool = False
    decimal_comma: bool = False


PRESETS: dict[str, Preset] = {
    "shopify": Preset(
        name="shopify",
        description="Shopify orders export (Orders > Export); one row per line item.",
        columns={
            "order_id": ("Name",),
            "date": ("Created at", "Paid at"),
            "name": ("Billing Name", "Shipping Name"),
            "email": ("Email",),
            "phone": ("Phone", "Billing Phone", "Shipping Phone"),
            "amount": ("Total",),
            "items": ("Lineitem name",),
        },
    ),
}
_SHOPIFY_HINT = {"name", "financialstatus", "lineitemname"}


# ---------------------------------------------------------------------------------------------
# Values


_ISO_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|UTC|[+-]\d{2}:?\d{2})?)?$"
)
_NUMERIC_RE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?:[ T].*)?$")


@lru_cache(maxsize=8192)
def parse_sale_date(text: str, dayfirst: bool = False) -> dt.date:
    """A sale date as exports write it; the date part as written (no time zone conversion).

    ISO forms and ``11/05/2025`` go through a regex (cheap); only the rest (``May 11, 2025``)
    reaches dateutil. ValueError says what was expected.
    """
    value = text.strip()
    match = _ISO_RE.match(value)
    if match:
        day = dt.date(int(match[1]), int(match[2]), int(match[3]))
    else:
        match = _NUMERIC_RE.match(value)
        if match:
            first, second, year = int(match[1]), int(match[2]), int(match[3])
            if year < 100:
                year += 2000
            month, mday = (second, first) if dayfirst else (first, second)
            day = dt.date(year, month, mday)
        else:
            if not re.search(r"\d{4}", value) or not re.search(r"[A-Za-z]{3}", value):
                raise ValueError(value)
            from dateutil import parser

            try:
                day = parser.parse(value, dayfirst=dayfirst, fuzzy=False).date()
            except (parser.ParserError, OverflowError) as exc:
                raise ValueError(value) from exc
    if not 1900 <= day.year <= 2199:
        raise ValueError(value)
    return day


_PHONE_SHAPE = re.compile(r"\+?[0-9 ().\-]+")
_NOT_DIGITS = str.maketrans("", "", " ().-+")
_NANP_AREA = frozenset("23456789")


def _nanp_key(text: str, region: str) -> str | None:
    """phone_key's answer for the common North American forms, without phonenumbers (~50x
    faster): ``(555) 010-0101``, ``555.010.0101``, ``1 555 010 0101``, ``+1 555 010 0101``.
    None means "ask phonenumbers" (tests/test_import.py checks both agree)."""
    if not _PHONE_SHAPE.fullmatch(text):
        return None
    digits = text.translate(_NOT_DIGITS)
    if len(digits) == 11 and digits[0] == "1" and digits[1] in _NANP_AREA:
        return "+" + digits if text[0] == "+" or region == "US" else None
    if len(digits) == 10 and digits[0] in _NANP_AREA and text[0] != "+" and region == "US":
        return "+1" + digits
    return None


def _phone(text: str, region: str) -> str:
    return _nanp_key(text, region) or phone_key(text, region)


# ---------------------------------------------------------------------------------------------
# Results


@dataclass
class Conflict:
    """An existing contact whose details differ from the imported ones (nothing overwritten)."""

    contact_id: int
    contact: str
    field: str
    existing: str
    imported: str
    order_id: str


@dataclass
class ImportSummary:
    """Everything the owner needs to know about one import, also printed as JSON."""

    file: str
    source: str
    encoding: str
    dry_run: bool = False
    rows: int = 0
    sales_imported: int = 0
    new_contacts: int = 0
    matched_contacts: int = 0
    followups_scheduled: int = 0
    followups_late: int = 0
    followups_not_scheduled: int = 0
    prospect_followups_dropped: int = 0
    already_imported: int = 0
    changed: int = 0
    changed_orders: list[str] = field(default_factory=list)
    skipped_no_contact: int = 0
    suppressed: int = 0
    duplicate_rows: int = 0
    rejected: int = 0
    rejects_path: str | None = None
    conflicts: list[Conflict] = field(default_factory=list)
    encoding_note: str | None = None

    @property
    def conflicting_names(self) -> int:
        return len({c.contact_id for c in self.conflicts if c.field == "name"})

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["conflicting_names"] = self.conflicting_names
        return data


@dataclass
class Reject:
    line: int
    reason: str
    cells: list[str]


@dataclass(frozen=True)
class ImportOptions:
    format: str | None = None  # csv or jsonl; None = from the file name (csv by default)
    preset: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False
    rejects: Path | None = None
    encoding: str = "auto"
    dayfirst: bool = False
    decimal_comma: bool = False
    source: str | None = None
    region: str = "US"


ProgressCallback = Callable[[int, int], None]  # (bytes read, total bytes)

MAX_CHANGED_LISTED = 20
_BATCH = 5000
CONTACT_BATCH = 20_000  # new contacts inserted per executemany
CACHE_LIMIT = 200_000  # normalised emails / phones remembered per import (memory bound)


# ---------------------------------------------------------------------------------------------
# Reading the file


@dataclass
class _Input:
    label: str  # how messages name the file
    path: Path | None  # None for stdin
    binary: IO[bytes]
    size: int


def _open_input(file: str) -> _Input:
    if file == "-":
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - stdin may be read twice (encoding)
        shutil.copyfileobj(sys.stdin.buffer, spool)
        size = spool.tell()
        spool.seek(0)
        return _Input("<stdin>", None, spool, size)
    path = Path(file).expanduser()
    if path.is_dir():
        raise ImportFailed(f"{path} is a folder; give the CSV file to import.")
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise ImportFailed(f"No file {path}.") from None
    except OSError as exc:
        raise ImportFailed(f"Cannot read {path}: {exc.strerror}.") from None
    return _Input(str(path), path, handle, path.stat().st_size)


def _bad_line(binary: IO[bytes], encoding: str) -> int:
    """The first line of the file that does not decode (the decoder reads ahead in chunks)."""
    binary.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    for number, raw in enumerate(binary, start=1):
        try:
            decoder.decode(raw)
        except UnicodeDecodeError:
            return number
    return 0


class _Columns:
    """Which cells of a row hold which field."""

    def __init__(self, header: list[str], options: ImportOptions, label: str) -> None:
        self.header = header
        normalized = [_norm_header(h) for h in header]
        index = {}
        for i, name in enumerate(normalized):
            index.setdefault(name, i)
        self.indices: dict[str, list[int]] = {}
        preset = None
        if options.preset:
            preset = PRESETS.get(options.preset.strip().lower())
            if preset is None:
                raise InvalidInput(
                    f"Unknown preset {options.preset!r}; known: {', '.join(sorted(PRESETS))}."
                )
        for name in FIELDS:
            if name in options.mapping:
                column = options.mapping[name]
                if _norm_header(column) not in index:
                    raise ImportFailed(
                        f"{label}: --map {name}={column}: there is no column {column!r}; "
                        f"the columns are {_listing(header)}."
                    )
                self.indices[name] = [index[_norm_header(column)]]
                continue
            candidates = preset.columns.get(name, ()) if preset else ALIASES[name]
            found = [index[_norm_header(c)] for c in candidates if _norm_header(c) in index]
            if found:
                self.indices[name] = found if preset else found[:1]
        missing = [name for name in REQUIRED if name not in self.indices]
        if missing:
            hint = ""
            if preset is None and set(normalized) >= _SHOPIFY_HINT:
                hint = " This looks like a Shopify export: try --preset shopify."
            example = " ".join(f"--map {m}=COLUMN" for m in missing)
            raise ImportFailed(
                f"{label}, line 1: no {' or '.join(missing)} column; the columns are "
                f"{_listing(header)}. Say which column to use with {example} "
                f"(e.g. --map {missing[0]}={header[0] if header else 'COLUMN'}).{hint}"
            )

        # (field, its single column) for the usual case; fields with several candidate
        # columns (presets) go through get().
        self.single = {n: ix[0] for n, ix in self.indices.items() if len(ix) == 1}

    def get(self, row: list[str], name: str) -> str | None:
        for i in self.indices.get(name, ()):
            if i < len(row):
                value = row[i].strip()
                if value:
                    return value
        return None


def _listing(header: Sequence[str]) -> str:
    shown = ", ".join(repr(h) for h in header[:30])
    return shown + (", ..." if len(header) > 30 else "") if header else "(none)"


@dataclass
class _Staged:
    """Pass 1's result."""

    header: list[str]
    signature: str
    rows: int
    rejects: list[Reject]


def _records(text: IO[str], fmt: str, label: str) -> Iterator[tuple[int, list[str] | None]]:
    """(line, cells) for each record; the header first (as cells), blank records skipped."""
    if fmt == "jsonl":
        header: list[str] | None = None
        for number, line in enumerate(text, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ImportFailed(
                    f"{label}, line {number}: not JSON ({exc.msg}); is this a CSV file? "
                    "Try --format csv."
                ) from None
            if not isinstance(obj, dict):
                raise ImportFailed(f"{label}, line {number}: expected a JSON object per line.")
            if header is None:
                header = list(obj)
                yield 1, header
            cells = ["" if obj.get(k) is None else str(obj.get(k)) for k in header]
            yield number, cells
        return
    reader = csv.reader(text)
    last = 0
    try:
        for cells in reader:
            start, last = last + 1, reader.line_num
            if not cells or not any(c.strip() for c in cells):
                continue
            yield start, cells
    except csv.Error as exc:
        raise ImportFailed(
            f"{label}, line {reader.line_num}: not a readable CSV file ({exc}). "
            "Check that it is a CSV export (not a spreadsheet file), or try --encoding cp1252."
        ) from None


def _stage(
    conn: Connection,
    source: _Input,
    encoding: str,
    options: ImportOptions,
    today: dt.date,
    progress: ProgressCallback | None,
) -> _Staged:
    """Pass 1: decode, validate and stage every row into the TEMP table import_row."""
    source.binary.seek(0)
    fmt = options.format or ("jsonl" if source.label.endswith((".jsonl", ".ndjson")) else "csv")
    stream = io.TextIOWrapper(source.binary, encoding=encoding, newline="")
    try:
        return _stage_rows(conn, source, stream, fmt, options, today, progress)
    finally:
        stream.detach()  # keep the file open: a second attempt re-reads it


def _stage_rows(
    conn: Connection,
    source: _Input,
    stream: IO[str],
    fmt: str,
    options: ImportOptions,
    today: dt.date,
    progress: ProgressCallback | None,
) -> _Staged:
    rejects: list[Reject] = []
    batch: list[tuple[Any, ...]] = []
    records = _records(stream, fmt, source.label)
    first = next(records, None)
    if first is None:
        raise ImportFailed(f"{source.label} is empty: expected a header line and sales.")
    header = [h.strip() for h in first[1] or []]
    columns = _Columns(header, options, source.label)
    signature = "csv-" + hashlib.sha1("|".join(_norm_header(h) for h in header).encode()).hexdigest()[:8]  # fmt: skip
    channels = {c.value for c in Channel}
    validate = _Validator(columns, options, today, channels)
    rows = 0
    width = len(header)
    for line, cells in records:
        assert cells is not None
        rows += 1
        try:
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                raise InvalidInput(
                    f"{len(cells)} fields but the header has {width} (an unquoted comma?)"
                )
            batch.append(validate(line, cells))
        except InvalidInput as exc:
            rejects.append(Reject(line, str(exc).rstrip("."), cells))
            continue
        if len(batch) >= _BATCH:
            _insert(conn, "import_row", ROW_COLUMNS, batch)
            batch.clear()
            if progress is not None:
                progress(source.binary.tell(), source.size)
    if batch:
        _insert(conn, "import_row", ROW_COLUMNS, batch)
    return _Staged(header, signature, rows, rejects)


ROW_COLUMNS = (
    "line", "order_id", "occurred_on", "name", "email", "phone", "phone_key", "amount_cents",
    "items", "prefers", "fingerprint", "email_hash", "phone_hash",
)  # fmt: skip


class _Validator:
    """One row's cells -> the staged tuple (ROW_COLUMNS), or InvalidInput saying why not.

    The hot loop of the import: plain tuples, per-import caches for phones and emails (a
    customer appears many times in a year of sales), hashes computed once per row here.
    """

    def __init__(
        self, columns: _Columns, options: ImportOptions, today: dt.date, channels: set[str]
    ) -> None:
        self.plan = [(name, columns.single.get(name, -1)) for name in FIELDS]
        self.columns = columns
        self.options = options
        self.today = today
        self.channels = channels
        self.phones: dict[str, str] = {}
        self.emails: dict[str, str | None] = {}

    def __call__(self, line: int, cells: list[str]) -> tuple[Any, ...]:
        size = len(cells)
        values: list[str | None] = []
        for name, i in self.plan:
            if i >= 0:
                value = cells[i].strip() if i < size else ""
                values.append(value or None)
            else:
                values.append(self.columns.get(cells, name))
        order_id, raw_date, name, raw_email, phone, raw_amount, items, prefers = values
        if order_id is None:
            raise InvalidInput("no order id")
        if raw_date is None:
            raise InvalidInput("no date")
        options = self.options
        try:
            day = parse_sale_date(raw_date, options.dayfirst)
        except ValueError:
            raise InvalidInput(
                f"cannot read the date {raw_date!r} (expected e.g. 2025-05-11, 05/11/2025 or "
                "May 11, 2025)"
            ) from None
        if day > self.today:
            raise InvalidInput(f"the date {raw_date!r} is in the future")
        amount = parse_amount(raw_amount, decimal_comma=options.decimal_comma)
        if len(self.emails) > CACHE_LIMIT:  # bounded: a year of distinct customers is big
            self.emails.clear()
        if len(self.phones) > CACHE_LIMIT:
            self.phones.clear()
        email = None
        if raw_email:
            email = self.emails.get(raw_email)
            if email is None:
                email = self.emails[raw_email] = normalize_email(raw_email)
        key = None
        if phone:
            key = self.phones.get(phone)
            if key is None:
                key = self.phones[phone] = _phone(phone, options.region)
        if prefers is not None:
            prefers = prefers.lower()
            if prefers not in self.channels:
                raise InvalidInput(
                    f"unknown preferred channel {prefers!r} (use phone, email, text, mail or visit)"
                )
        if name:
            name = " ".join(name.split())
        occurred = day.isoformat()
        return (
            line, order_id, occurred, name, email, phone, key, amount, items, prefers,
            _fingerprint_of(occurred, name, email, key, amount, items),
            suppression_hash("email", email) if email else None,
            suppression_hash("phone", key) if key else None,
        )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# SQL. Dates are ISO text on SQLite (and cast by PostgreSQL); the lookups below all use the
# unique indexes on contact.email, contact.phone_key, interaction(source, external_id) and
# suppression.key_hash (tests/test_import.py checks the query plans).

STAGE_DDL = (
    "CREATE TEMP TABLE import_row (line INTEGER PRIMARY KEY, order_id TEXT NOT NULL,"
    " occurred_on TEXT NOT NULL, name TEXT, email TEXT, phone TEXT, phone_key TEXT,"
    " amount_cents BIGINT, items TEXT, prefers TEXT, fingerprint TEXT NOT NULL,"
    " email_hash TEXT, phone_hash TEXT)",
    "CREATE INDEX import_row_order ON import_row (order_id, line)",
    "CREATE TEMP TABLE import_multi (order_id TEXT PRIMARY KEY)",
    "CREATE TEMP TABLE import_sale (line INTEGER PRIMARY KEY, order_id TEXT NOT NULL UNIQUE,"
    " occurred_on TEXT NOT NULL, name TEXT, email TEXT, phone TEXT, phone_key TEXT,"
    " amount_cents BIGINT, items TEXT, prefers TEXT, fingerprint TEXT NOT NULL,"
    " email_hash TEXT, phone_hash TEXT, state TEXT NOT NULL DEFAULT 'new',"
    " old_fingerprint TEXT, contact_id INTEGER, new_contact INTEGER NOT NULL DEFAULT 0,"
    " interaction_id INTEGER)",
    "CREATE INDEX import_sale_contact ON import_sale (contact_id, state, line)",
    "CREATE INDEX import_sale_state ON import_sale (state, line)",
)
DROP_STAGE = (
    "DROP TABLE IF EXISTS import_sale",
    "DROP TABLE IF EXISTS import_multi",
    "DROP TABLE IF EXISTS import_row",
)

EXISTING_SQL = (
    "UPDATE import_sale SET old_fingerprint = (SELECT i.fingerprint FROM interaction i"
    " WHERE i.source = :source AND i.external_id = import_sale.order_id AND i.kind = 'sale'),"
    " state = 'old' WHERE EXISTS (SELECT 1 FROM interaction i WHERE i.source = :source"
    " AND i.external_id = import_sale.order_id AND i.kind = 'sale')"
)
SUPPRESSED_SQL = (
    "UPDATE import_sale SET state = 'suppressed' WHERE state = 'new' AND ("
    " EXISTS (SELECT 1 FROM suppression s WHERE s.key_hash = import_sale.email_hash)"
    " OR EXISTS (SELECT 1 FROM suppression s WHERE s.key_hash = import_sale.phone_hash))"
)
NO_CONTACT_SQL = (
    "UPDATE import_sale SET state = 'no-contact'"
    " WHERE state = 'new' AND email IS NULL AND phone_key IS NULL"
)
MATCH_EMAIL_SQL = (
    "UPDATE import_sale SET contact_id = (SELECT c.id FROM contact c"
    " WHERE c.email = import_sale.email)"
    " WHERE state = 'new' AND contact_id IS NULL AND email IS NOT NULL"
)
MATCH_PHONE_SQL = (
    "UPDATE import_sale SET contact_id = (SELECT c.id FROM contact c"
    " WHERE c.phone_key = import_sale.phone_key)"
    " WHERE state = 'new' AND contact_id IS NULL AND phone_key IS NOT NULL"
)


def _insert(
    conn: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Bulk insert of plain tuples: qmark executemany on SQLite, SQLAlchemy Core elsewhere."""
    if not rows:  # SQLAlchemy treats an empty parameter list as one empty row
        return
    if _is_sqlite(conn):
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES"
                f" ({', '.join('?' * len(columns))})",
                rows,
            )
        finally:
            cursor.close()
        return
    from sqlalchemy import text as sql

    statement = sql(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
    )
    conn.execute(statement, [dict(zip(columns, row, strict=True)) for row in rows])


def _executemany(conn: Connection, statement: Any, rows: list[dict[str, Any]]) -> None:
    """Bulk insert; on SQLite straight through the driver (SQLAlchemy's per-row parameter
    processing costs more than SQLite's insert itself)."""
    if not rows:
        return
    if _is_sqlite(conn):
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(statement.text, rows)
        finally:
            cursor.close()
    else:
        conn.execute(statement, rows)


def _select(conn: Connection, statement: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """A read of the TEMP tables as plain tuples (on SQLite without SQLAlchemy's Row objects)."""
    if _is_sqlite(conn):
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            return cursor.execute(statement, params).fetchall()  # type: ignore[no-any-return]
        finally:
            cursor.close()
    from sqlalchemy import text as sql

    return [tuple(row) for row in conn.execute(sql(statement), params)]


def _create_stage(conn: Connection) -> None:
    from sqlalchemy import text as sql

    for statement in (*DROP_STAGE, *STAGE_DDL):
        conn.execute(sql(statement))


def _fingerprint(sale: dict[str, Any]) -> str:
    return _fingerprint_of(
        *(sale[k] for k in ("occurred_on", "name", "email", "phone_key", "amount_cents", "items"))
    )


def _fingerprint_of(
    occurred_on: str, name: str | None, email: str | None, key: str | None,
    amount: int | None, items: str | None,
) -> str:  # fmt: skip
    """Stored with each imported sale to spot a changed order; the format must never change."""
    data = [occurred_on, name, email, key, amount, items]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()[:32]


def _group_sales(conn: Connection) -> int:
    """Rows sharing an order id become one sale: first non-empty value of each field, the
    distinct items joined in file order, the total taken once. Returns exact duplicate rows.

    Most orders are one row: those are copied in one INSERT ... SELECT (their fingerprint and
    hashes were computed while staging); only orders spanning several rows go through Python.
    """
    from sqlalchemy import text as sql

    conn.execute(
        sql(
            "INSERT INTO import_multi (order_id) SELECT order_id FROM import_row"
            " GROUP BY order_id HAVING COUNT(*) > 1"
        )
    )
    copied = ", ".join(c for c in ROW_COLUMNS)
    conn.execute(
        sql(
            f"INSERT INTO import_sale ({copied}) SELECT {copied} FROM import_row r"
            " WHERE NOT EXISTS (SELECT 1 FROM import_multi m WHERE m.order_id = r.order_id)"
        )
    )

    insert = sql(
        "INSERT INTO import_sale (line, order_id, occurred_on, name, email, phone, phone_key,"
        " amount_cents, items, prefers, fingerprint, email_hash, phone_hash) VALUES (:line,"
        " :order_id, :occurred_on, :name, :email, :phone, :phone_key, :amount_cents, :items,"
        " :prefers, :fingerprint, :email_hash, :phone_hash)"
    )
    keys = ("name", "email", "phone", "phone_key", "amount_cents", "prefers")  # first non-empty
    duplicates = 0
    batch: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    items: list[str] = []
    seen_rows: set[tuple[Any, ...]] = set()

    def flush() -> None:
        assert current is not None
        current["items"] = ", ".join(items) if items else None
        current["fingerprint"] = _fingerprint(current)
        current["email_hash"] = (
            suppression_hash("email", current["email"]) if current["email"] else None
        )
        current["phone_hash"] = (
            suppression_hash("phone", current["phone_key"]) if current["phone_key"] else None
        )
        batch.append(current)
        if len(batch) >= _BATCH:
            _executemany(conn, insert, batch)
            batch.clear()

    after: tuple[str, int] = ("", 0)
    columns = ("line", "order_id", "occurred_on", *keys[:4], "amount_cents", "items", "prefers")
    while True:  # paged by (order_id, line), so memory stays flat however big the file
        rows = _select(
            conn,
            "SELECT r.line, r.order_id, r.occurred_on, r.name, r.email, r.phone, r.phone_key,"
            " r.amount_cents, r.items, r.prefers FROM import_row r"
            " JOIN import_multi m ON m.order_id = r.order_id"
            " WHERE (r.order_id, r.line) > (:order_id, :line) ORDER BY r.order_id, r.line"
            " LIMIT :limit",
            {"order_id": after[0], "line": after[1], "limit": _BATCH},
        )
        if not rows:
            break
        after = (rows[-1][1], rows[-1][0])
        for row in rows:
            record = dict(zip(columns, row, strict=True))
            if current is None or record["order_id"] != current["order_id"]:
                if current is not None:
                    flush()
                current = record
                items = []
                seen_rows = set()
            else:
                for key in keys:
                    if current[key] is None and record[key] is not None:
                        current[key] = record[key]
            signature = row[1:]
            if signature in seen_rows:
                duplicates += 1
            seen_rows.add(signature)
            if record["items"] and record["items"] not in items:
                items.append(record["items"])
    if current is not None:
        flush()
    if batch:
        _executemany(conn, insert, batch)
    return duplicates


# ---------------------------------------------------------------------------------------------
# The import


def run_import(
    db: Database,
    file: str,
    *,
    options: ImportOptions,
    rules: RuleSet,
    today: dt.date,
    now: dt.datetime | None = None,
    progress: ProgressCallback | None = None,
) -> ImportSummary:
    """Import one file of sales in one transaction; see the module docstring."""
    source = _open_input(file)
    try:
        return _run(db, source, options, rules, today, now, progress)
    finally:
        source.binary.close()


def _run(
    db: Database,
    source: _Input,
    options: ImportOptions,
    rules: RuleSet,
    today: dt.date,
    now: dt.datetime | None,
    progress: ProgressCallback | None,
) -> ImportSummary:
    from sqlalchemy.exc import OperationalError

    from followup_cli.db import translate_operational_error

    encodings = ["utf-8-sig", "cp1252"] if options.encoding == "auto" else [options.encoding]
    try:
        codecs.lookup(encodings[0])
    except LookupError:
        raise InvalidInput(
            f"Unknown encoding {options.encoding!r}; try utf-8, cp1252 or latin-1."
        ) from None
    engine = db.engine
    with engine.connect() as conn, _big_cache(conn):
        try:
            conn.execution_options(followup_readonly=True)  # staging: TEMP tables only
            staged: _Staged | None = None
            note = None
            for attempt, encoding in enumerate(encodings):
                with conn.begin():
                    _create_stage(conn)
                    try:
                        staged = _stage(conn, source, encoding, options, today, progress)
                    except UnicodeDecodeError:
                        line = _bad_line(source.binary, encoding)
                        if attempt + 1 < len(encodings):
                            note = (
                                f"{source.label} is not UTF-8 (line {line}); "
                                f"read it as {encodings[attempt + 1]}"
                            )
                            continue
                        shown = "UTF-8 or cp1252" if options.encoding == "auto" else encoding
                        raise ImportFailed(
                            f"{source.label}, line {line}: cannot decode the file as {shown}. "
                            "Save it as CSV UTF-8, or say its encoding, e.g. --encoding "
                            "cp1252 or --encoding latin-1. Nothing was imported."
                        ) from None
                    duplicates = _group_sales(conn)
                    break
            assert staged is not None
            used = encoding
            summary = ImportSummary(
                file=source.label,
                source=_source_name(options, staged.signature),
                encoding="utf-8" if used == "utf-8-sig" else used,
                dry_run=options.dry_run,
                rows=staged.rows,
                duplicate_rows=duplicates,
                rejected=len(staged.rejects),
                encoding_note=note,
            )
            if staged.rejects:
                path = options.rejects or _default_rejects(source)
                _write_rejects(path, staged.header, staged.rejects)
                summary.rejects_path = str(path)
            conn.execution_options(followup_readonly=False)
            transaction = conn.begin()  # BEGIN IMMEDIATE: waits politely for another writer
            try:
                _write(conn, summary, rules, today, now or dt.datetime.now(dt.UTC))
                if options.dry_run:
                    transaction.rollback()
                else:
                    transaction.commit()
            except BaseException:
                if transaction.is_active:
                    transaction.rollback()
                raise
        except OperationalError as exc:
            raise translate_operational_error(exc) from exc
        finally:
            _drop_stage(conn)
    return summary


IMPORT_CACHE_KIB = 65536


@contextmanager
def _big_cache(conn: Connection) -> Iterator[None]:
    """A 64 MiB page cache while importing (SQLite's default is 2 MiB): matching 100k sales
    against 200k contacts and adding follow-ups to a 1M-row table touches pages all over the
    indexes, and re-reading them from the OS dominated the write."""
    if not _is_sqlite(conn):
        yield
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    (previous,) = raw.execute("PRAGMA main.cache_size").fetchone()
    (previous_temp,) = raw.execute("PRAGMA temp.cache_size").fetchone()
    raw.execute(f"PRAGMA main.cache_size = -{IMPORT_CACHE_KIB}")
    raw.execute(f"PRAGMA temp.cache_size = -{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        try:
            raw.execute(f"PRAGMA main.cache_size = {int(previous)}")
            raw.execute(f"PRAGMA temp.cache_size = {int(previous_temp)}")
        except Exception:  # the connection is being invalidated anyway
            pass


def _drop_stage(conn: Connection) -> None:
    from sqlalchemy import text as sql

    try:
        if conn.in_transaction():
            conn.rollback()
        for statement in DROP_STAGE:
            conn.execute(sql(statement))
        conn.commit()
    except Exception:  # the connection is going away anyway; TEMP tables go with it
        conn.invalidate()


def _source_name(options: ImportOptions, signature: str) -> str:
    if options.source:
        return options.source.strip()
    if options.preset:
        return options.preset.strip().lower()
    return signature


def _default_rejects(source: _Input) -> Path:
    if source.path is None:
        from followup_cli.config import app_dir

        return app_dir() / "stdin.rejects.csv"
    return source.path.with_name(f"{source.path.stem}.rejects.csv")


def _write_rejects(path: Path, header: list[str], rejects: list[Reject]) -> None:
    """The original rows, plus the line they came from and why they were refused (0600)."""
    from followup_cli.files import open_private

    try:
        with open_private(path, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([*header, "line", "reason"])
            for reject in rejects:
                cells = reject.cells + [""] * (len(header) - len(reject.cells))
                writer.writerow([*cells, reject.line, reject.reason])
    except OSError as exc:
        raise ImportFailed(
            f"Cannot write the rejects file {path}: {exc.strerror}; choose one with --rejects."
        ) from None


def _is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def _write(
    conn: Connection, summary: ImportSummary, rules: RuleSet, today: dt.date, now: dt.datetime
) -> None:
    """The write transaction: a handful of set-based statements."""
    from sqlalchemy import text as sql

    def run(statement: str, **params: Any) -> Any:
        return conn.execute(sql(statement), params)

    if not _is_sqlite(conn):
        run("SELECT pg_advisory_xact_lock(7411)")  # one import at a time on PostgreSQL
    run(EXISTING_SQL, source=summary.source)
    summary.already_imported = run(
        "SELECT COUNT(*) FROM import_sale WHERE state = 'old' AND old_fingerprint = fingerprint"
    ).scalar_one()
    changed = run(
        "SELECT order_id FROM import_sale WHERE state = 'old'"
        " AND (old_fingerprint IS NULL OR old_fingerprint <> fingerprint) ORDER BY line"
    ).all()
    summary.changed = len(changed)
    summary.changed_orders = [r[0] for r in changed[:MAX_CHANGED_LISTED]]
    summary.suppressed = run(SUPPRESSED_SQL).rowcount
    summary.skipped_no_contact = run(NO_CONTACT_SQL).rowcount
    run(MATCH_EMAIL_SQL)
    run(MATCH_PHONE_SQL)
    summary.matched_contacts = run(
        "SELECT COUNT(DISTINCT contact_id) FROM import_sale"
        " WHERE state = 'new' AND contact_id IS NOT NULL"
    ).scalar_one()
    summary.new_contacts = _create_contacts(conn, today)
    run(
        "UPDATE import_sale SET new_contact = 1"
        " WHERE state = 'new' AND contact_id IS NULL"
    )  # fmt: skip
    run(MATCH_EMAIL_SQL)
    run(MATCH_PHONE_SQL)
    _complete_contacts(conn, summary)
    summary.sales_imported = run(
        "INSERT INTO interaction (contact_id, kind, occurred_on, amount_cents, items, note,"
        " source, external_id, fingerprint, created_at) SELECT contact_id, :kind,"
        f" {'occurred_on' if _is_sqlite(conn) else 'CAST(occurred_on AS DATE)'},"
        " amount_cents, items, NULL, :source, order_id, fingerprint, :now FROM import_sale"
        " WHERE state = 'new' ORDER BY line",
        kind=InteractionKind.SALE.value,
        source=summary.source,
        now=now.strftime("%Y-%m-%d %H:%M:%S.%f") if _is_sqlite(conn) else now,
    ).rowcount
    run(
        "UPDATE import_sale SET interaction_id = (SELECT i.id FROM interaction i"
        " WHERE i.source = :source AND i.external_id = import_sale.order_id AND i.kind = 'sale')"
        " WHERE state = 'new'",
        source=summary.source,
    )
    # A prospect who buys no longer needs "still interested?" follow-ups (as `log sale` does).
    summary.prospect_followups_dropped = run(
        "UPDATE followup SET status = :skipped, completed_on = :today,"
        " note = 'Bought on ' || (SELECT s.occurred_on FROM import_sale s"
        " WHERE s.contact_id = followup.contact_id AND s.state = 'new' ORDER BY s.line LIMIT 1)"
        " WHERE status = :pending AND until_sale = :true AND contact_id IN"
        " (SELECT s.contact_id FROM import_sale s WHERE s.state = 'new')",
        skipped=Status.SKIPPED.value,
        pending=Status.PENDING.value,
        today=today.isoformat() if _is_sqlite(conn) else today,
        true=True,
    ).rowcount
    _schedule(conn, summary, rules, today)


def _create_contacts(conn: Connection, today: dt.date) -> int:
    """One new contact per new person: sales sharing an email (else a phone) are one person.

    People are small lists (name, email, phone, phone key, prefers) read from a cursor and
    inserted in batches, so a file of a million new customers stays within a few hundred MB.
    """
    people: list[list[Any]] = []
    by_email: dict[str, list[Any]] = {}
    by_phone: dict[str, list[Any]] = {}
    rows = _iter_select(
        conn,
        "SELECT name, email, phone, phone_key, prefers FROM import_sale"
        " WHERE state = 'new' AND contact_id IS NULL ORDER BY line",
    )
    for name, email, phone, key, prefers in rows:
        person = (by_email.get(email) if email else None) or (by_phone.get(key) if key else None)
        if person is None:
            default = Channel.EMAIL.value if email and not key else Channel.PHONE.value
            person = [name or email or phone, None, None, None, prefers or default]
            people.append(person)
        if email and person[1] is None and email not in by_email:
            person[1] = email
            by_email[email] = person
        if key and person[3] is None and key not in by_phone:
            person[2], person[3] = phone, key
            by_phone[key] = person
    by_email.clear()
    by_phone.clear()
    created = today.isoformat() if _is_sqlite(conn) else today
    columns = (
        "name", "email", "phone", "phone_key", "prefers", "tags", "phone_invalid",
        "do_not_contact", "opted_out_channels", "created_on",
    )  # fmt: skip
    for start in range(0, len(people), CONTACT_BATCH):
        batch = [(*p, "", False, False, "", created) for p in people[start : start + CONTACT_BATCH]]
        _insert(conn, "contact", columns, batch)
    return len(people)


def _iter_select(conn: Connection, statement: str) -> Iterator[tuple[Any, ...]]:
    """Like ``_select``, but row by row from the cursor instead of one list of every row."""
    if _is_sqlite(conn):
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            yield from cursor.execute(statement)
        finally:
            cursor.close()
        return
    from sqlalchemy import text as sql

    for row in conn.execute(sql(statement)):
        yield tuple(row)


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def _complete_contacts(conn: Connection, summary: ImportSummary) -> None:
    """Existing contacts gain a missing email or phone; differences are reported, not written."""
    from sqlalchemy import text as sql

    rows = conn.execute(
        sql(
            "SELECT c.id, c.name, c.email, c.phone_key, s.name, s.email, s.phone, s.phone_key,"
            " s.order_id FROM import_sale s JOIN contact c ON c.id = s.contact_id"
            " WHERE s.state = 'new' AND s.new_contact = 0 AND ("
            " (s.name IS NOT NULL AND s.name <> c.name)"
            " OR (s.email IS NOT NULL AND (c.email IS NULL OR c.email <> s.email))"
            " OR (s.phone_key IS NOT NULL AND (c.phone_key IS NULL OR c.phone_key <> s.phone_key)))"
            " ORDER BY s.line"
        )
    ).all()
    reported: set[tuple[int, str, str]] = set()
    filled: dict[int, dict[str, Any]] = {}

    def report(cid: int, name: str, what: str, old: str, new: str, order: str) -> None:
        if (cid, what, new) not in reported:
            reported.add((cid, what, new))
            summary.conflicts.append(Conflict(cid, f"{name} (#{cid})", what, old, new, order))

    for cid, cname, cemail, ckey, name, email, phone, key, order in rows:
        mine = filled.setdefault(cid, {})
        if name and not _same_name(name, cname):
            report(cid, cname, "name", cname, name, order)
        current_email = cemail or mine.get("email")
        if email and current_email is None:
            taken = conn.execute(
                sql("SELECT id FROM contact WHERE email = :e"), {"e": email}
            ).first()
            if taken is None:
                mine["email"] = email
                conn.execute(
                    sql("UPDATE contact SET email = :e WHERE id = :id"), {"e": email, "id": cid}
                )
        elif email and current_email != email:
            report(cid, cname, "email", current_email, email, order)
        current_key = ckey or mine.get("phone_key")
        if key and current_key is None:
            taken = conn.execute(
                sql("SELECT id FROM contact WHERE phone_key = :k"), {"k": key}
            ).first()
            if taken is None:
                mine["phone_key"] = key
                conn.execute(
                    sql("UPDATE contact SET phone = :p, phone_key = :k WHERE id = :id"),
                    {"p": phone, "k": key, "id": cid},
                )
        elif key and current_key != key:
            report(cid, cname, "phone", current_key, key, order)


_PROFILE = (
    "COALESCE(c.prefers, '')",
    "CASE WHEN c.email IS NOT NULL AND c.email <> '' THEN 1 ELSE 0 END",
    "CASE WHEN c.phone IS NOT NULL AND c.phone <> '' AND NOT c.phone_invalid THEN 1 ELSE 0 END",
    "CASE WHEN c.do_not_contact THEN 1 ELSE 0 END",
    "COALESCE(c.opted_out_channels, '')",
)
_REACH_COLUMNS = ("prefers", "has_email", "has_phone", "dnc", "opted")


def _schedule(conn: Connection, summary: ImportSummary, rules: RuleSet, today: dt.date) -> None:
    """The sale cadence rules, exactly as followups.apply_rules computes them, set-based.

    The channel depends only on a contact's reach profile (preferred channel, has an email,
    has a usable phone, do-not-contact, opted-out channels) and the due date only on the sale
    date: both are computed in Python for the few distinct values, stored in two small TEMP
    tables, and the follow-ups are inserted with one INSERT ... SELECT joined against them.
    """
    from sqlalchemy import text as sql

    sale_rules = rules.for_kind(InteractionKind.SALE)
    if not sale_rules:
        return
    sqlite = _is_sqlite(conn)
    profiles = _select(
        conn,
        f"SELECT DISTINCT {', '.join(_PROFILE)} FROM import_sale s"
        " JOIN contact c ON c.id = s.contact_id WHERE s.state = 'new'",
        {},
    )
    reach: list[tuple[Any, ...]] = []
    for prefers, has_email, has_phone, dnc, opted in profiles:
        usable = reachable_channels(
            email="x" if has_email else None,
            phone="x" if has_phone else None,
            phone_invalid=False,
            do_not_contact=bool(dnc),
            opted_out=split_csv_set(opted),
        )
        for number, rule in enumerate(sale_rules):
            channel = choose_channel(rule.channels, prefers, usable)
            reach.append((number, prefers, has_email, has_phone, dnc, opted, channel))
    days = [r[0] for r in _select(
        conn, "SELECT DISTINCT occurred_on FROM import_sale WHERE state = 'new'", {}
    )]  # fmt: skip
    plan: list[tuple[Any, ...]] = []
    for day in days:
        text = day if isinstance(day, str) else day.isoformat()
        for number, rule in enumerate(sale_rules):
            due = rules.calendar.apply(dt.date.fromisoformat(text), rule.after)
            late = due < today
            plan.append((number, text, max(due, today).isoformat(), 1 if late else 0))
    for statement in (
        "DROP TABLE IF EXISTS import_reach",
        "DROP TABLE IF EXISTS import_due",
        "CREATE TEMP TABLE import_reach (rule_no INTEGER NOT NULL, prefers TEXT, has_email"
        " INTEGER, has_phone INTEGER, dnc INTEGER, opted TEXT, channel TEXT)",
        "CREATE TEMP TABLE import_due (rule_no INTEGER NOT NULL, occurred_on TEXT NOT NULL,"
        " due_on TEXT NOT NULL, late INTEGER NOT NULL, PRIMARY KEY (occurred_on, rule_no))",
        "CREATE TEMP TABLE import_rule (rule_no INTEGER PRIMARY KEY, rule TEXT NOT NULL,"
        " purpose TEXT NOT NULL, priority INTEGER NOT NULL, until_sale BOOLEAN NOT NULL)",
    ):
        if statement.startswith("CREATE TEMP TABLE import_rule"):
            conn.execute(sql("DROP TABLE IF EXISTS import_rule"))
        conn.execute(sql(statement))
    _insert(conn, "import_reach", ("rule_no", *_REACH_COLUMNS, "channel"), reach)
    _insert(conn, "import_due", ("rule_no", "occurred_on", "due_on", "late"), plan)
    _insert(
        conn,
        "import_rule",
        ("rule_no", "rule", "purpose", "priority", "until_sale"),
        [(n, r.name, r.purpose, r.priority, r.until_sale) for n, r in enumerate(sale_rules)],
    )
    joins = (
        " FROM import_sale s JOIN contact c ON c.id = s.contact_id"
        " JOIN import_reach r ON "
        + " AND ".join(
            f"r.{col} = {expr}" for col, expr in zip(_REACH_COLUMNS, _PROFILE, strict=True)
        )
        + " JOIN import_due d ON d.occurred_on = s.occurred_on AND d.rule_no = r.rule_no"
        " JOIN import_rule u ON u.rule_no = r.rule_no"
        " WHERE s.state = 'new'"
    )
    late, not_scheduled = _select(
        conn,
        "SELECT COALESCE(SUM(CASE WHEN r.channel IS NOT NULL THEN d.late ELSE 0 END), 0),"
        " COALESCE(SUM(CASE WHEN r.channel IS NULL THEN 1 ELSE 0 END), 0)" + joins,
        {},
    )[0]
    due = "d.due_on" if sqlite else "CAST(d.due_on AS DATE)"
    created = "'" + today.isoformat() + "'" if sqlite else f"DATE '{today.isoformat()}'"
    summary.followups_scheduled += conn.execute(
        sql(
            "INSERT INTO followup (contact_id, interaction_id, rule, purpose, channel, due_on,"
            " priority, status, outcome, completed_on, attempts, until_sale, note, created_on)"
            f" SELECT s.contact_id, s.interaction_id, u.rule, u.purpose, r.channel, {due},"
            f" u.priority, :pending, NULL, NULL, 0, u.until_sale, NULL, {created}"
            + joins
            + " AND r.channel IS NOT NULL ORDER BY s.line, r.rule_no"
        ),
        {"pending": Status.PENDING.value},
    ).rowcount
    summary.followups_late += int(late)
    summary.followups_not_scheduled += int(not_scheduled)
    for table in ("import_reach", "import_due", "import_rule"):
        conn.execute(sql(f"DROP TABLE IF EXISTS {table}"))
