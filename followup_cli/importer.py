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
import operator
import re
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from json.encoder import encode_basestring as _encode_json_string
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from followup_cli.enums import Channel, InteractionKind, Status
from followup_cli.errors import ImportFailed, InvalidInput
from followup_cli.privacy import suppression_hash
from followup_cli.scheduling import RuleSet, choose_channel, reachable_channels
from followup_cli.values import (
    EMAIL_RE,
    normalize_email,
    parse_amount,
    phone_key,
    split_csv_set,
)

if TYPE_CHECKING:
    import sqlite3

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
    conflicting_names: int = 0  # contacts whose name differs from the file's
    conflict_count: int = 0  # every difference found (name, email or phone)
    conflicts: list[Conflict] = field(default_factory=list)  # the first MAX_CONFLICTS_LISTED
    encoding_note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


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


# (bytes read, total bytes); called with (total, total) once the file is read, before the write.
ProgressCallback = Callable[[int, int], None]

MAX_CHANGED_LISTED = 20
MAX_CONFLICTS_LISTED = 100  # every conflict is counted; these many are shown
_BATCH = 5000
CACHE_LIMIT = 20_000  # parsed dates and phones remembered per import (a few MB at most)


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
        index: dict[str, int] = {}
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
            if not cells or (not cells[0].strip() and not any(c.strip() for c in cells)):
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
    validate = _Validator(columns, options, today)
    rows = 0
    insert = _inserter(conn, "import_row", ROW_COLUMNS)
    for line, cells in records:
        assert cells is not None
        rows += 1
        try:
            batch.append(validate(line, cells))
        except InvalidInput as exc:
            rejects.append(Reject(line, str(exc).rstrip("."), cells))
            continue
        if len(batch) >= _BATCH:
            insert(batch)
            batch.clear()
            if progress is not None:
                progress(source.binary.tell(), source.size)
    insert(batch)
    if progress is not None:  # all read: what follows is the write
        progress(source.size, source.size)
    return _Staged(header, signature, rows, rejects)


ROW_COLUMNS = (
    "line", "order_id", "occurred_on", "name", "email", "phone", "phone_key", "amount_cents",
    "items", "prefers", "fingerprint",
)  # fmt: skip
_CHANNELS = frozenset(c.value for c in Channel)
_PLAIN_AMOUNT = re.compile(r"(\d{1,11})(?:\.(\d\d))?")  # within parse_amount's limit


class _Validator:
    """One row's cells -> the staged tuple (ROW_COLUMNS), or InvalidInput saying why not.

    The hot loop of the import, so it is written for speed: one itemgetter picks the cells,
    and dates, emails and phones are parsed once per distinct value (a night's sales share a
    handful of dates, and a regular customer appears many times in a year of sales).
    """

    def __init__(self, columns: _Columns, options: ImportOptions, today: dt.date) -> None:
        self.width = width = len(columns.header)
        # Rows are padded to width + 1 cells, so a field with no column reads the blank cell
        # at index `width`; fields with several candidate columns (presets) use columns.get.
        self.pick = operator.itemgetter(*(columns.single.get(name, width) for name in FIELDS))
        self.fallbacks = [
            (FIELDS.index(name), name) for name, ix in columns.indices.items() if len(ix) > 1
        ]
        self.columns = columns
        self.options = options
        self.today = today
        self.dates: dict[str, str] = {}
        self.phones: dict[str, str] = {}

    def __call__(self, line: int, cells: list[str]) -> tuple[Any, ...]:
        width = self.width
        size = len(cells)
        if size <= width:
            cells = cells + [""] * (width + 1 - size)
        elif any(c.strip() for c in cells[width:]):
            raise InvalidInput(f"{size} fields but the header has {width} (an unquoted comma?)")
        values = [v.strip() or None for v in self.pick(cells)]
        for index, fallback in self.fallbacks:
            values[index] = self.columns.get(cells, fallback)
        order_id, raw_date, name, raw_email, phone, raw_amount, items, prefers = values
        if order_id is None:
            raise InvalidInput("no order id")
        if raw_date is None:
            raise InvalidInput("no date")
        occurred = self.dates.get(raw_date)
        if occurred is None:
            occurred = self._date(raw_date)
        amount = None
        if raw_amount is not None:
            plain = None if self.options.decimal_comma else _PLAIN_AMOUNT.fullmatch(raw_amount)
            if plain:
                amount = int(plain[1]) * 100 + (int(plain[2]) if plain[2] else 0)
            else:
                amount = parse_amount(raw_amount, decimal_comma=self.options.decimal_comma)
        email = None
        if raw_email is not None:
            email = raw_email.lower()  # what normalize_email does, without a call per row
            if not EMAIL_RE.match(email) or ".." in email:
                normalize_email(raw_email)  # raises with the message the core gives
        key = None
        if phone is not None:
            key = self.phones.get(phone)
            if key is None:
                if len(self.phones) > CACHE_LIMIT:
                    self.phones.clear()
                key = self.phones[phone] = _phone(phone, self.options.region)
        if prefers is not None:
            prefers = prefers.lower()
            if prefers not in _CHANNELS:
                raise InvalidInput(
                    f"unknown preferred channel {prefers!r} (use phone, email, text, mail or visit)"
                )
        if name is not None:
            name = " ".join(name.split())
        return (
            line, order_id, occurred, name, email, phone, key, amount, items, prefers,
            _fingerprint_of(occurred, name, email, key, amount, items),
        )  # fmt: skip

    def _date(self, raw: str) -> str:
        try:
            day = parse_sale_date(raw, self.options.dayfirst)
        except ValueError:
            raise InvalidInput(
                f"cannot read the date {raw!r} (expected e.g. 2025-05-11, 05/11/2025 or "
                "May 11, 2025)"
            ) from None
        if day > self.today:
            raise InvalidInput(f"the date {raw!r} is in the future")
        if len(self.dates) > CACHE_LIMIT:  # timestamps make every value distinct
            self.dates.clear()
        self.dates[raw] = occurred = day.isoformat()
        return occurred


# ---------------------------------------------------------------------------------------------
# SQL. Dates are ISO text on SQLite (and cast by PostgreSQL). The write phase builds one TEMP
# table of sales, each already classified (new, old, no-contact) and matched to its existing
# contact with the unique indexes on contact.email, contact.phone_key and
# interaction(source, external_id); tests/test_import.py checks the query plans.

STAGE_COLUMNS = (
    "line INTEGER PRIMARY KEY, order_id TEXT NOT NULL, occurred_on TEXT NOT NULL, name TEXT,"
    " email TEXT, phone TEXT, phone_key TEXT, amount_cents BIGINT, items TEXT, prefers TEXT,"
    " fingerprint TEXT NOT NULL"
)
STAGE_TABLES = (
    "import_row", "import_multi", "import_multi_row", "import_merged", "import_sale",
    "import_hash", "import_dup_email", "import_dup_key", "import_dup_contact", "import_person",
    "import_reach", "import_bought",
    "import_due", "import_rule",
)  # fmt: skip
STAGE_DDL = (
    f"CREATE TEMP TABLE import_row ({STAGE_COLUMNS})",
    "CREATE TEMP TABLE import_multi (order_id TEXT PRIMARY KEY)",
    f"CREATE TEMP TABLE import_multi_row (seq INTEGER PRIMARY KEY, {STAGE_COLUMNS.replace(' PRIMARY KEY', '')})",
    f"CREATE TEMP TABLE import_merged ({STAGE_COLUMNS})",
    f"CREATE TEMP TABLE import_sale ({STAGE_COLUMNS}, state TEXT NOT NULL,"
    " old_fingerprint TEXT, contact_id INTEGER, person_line INTEGER)",
    "CREATE TEMP TABLE import_bought (contact_id INTEGER PRIMARY KEY, occurred_on TEXT NOT NULL)",
)  # fmt: skip
DROP_STAGE = tuple(f"DROP TABLE IF EXISTS {table}" for table in STAGE_TABLES)

_COPIED = ", ".join(ROW_COLUMNS)
# Each sale: already imported ('old', with the fingerprint it was imported with), without
# any way to reach the customer ('no-contact'), or 'new' with the id of the existing contact
# it belongs to (by email, else by phone; NULL for a new person).
SALES_SQL = (
    f"INSERT INTO import_sale ({_COPIED}, state, old_fingerprint, contact_id)"
    f" SELECT {', '.join('x.' + c for c in ROW_COLUMNS)},"
    " CASE WHEN i.id IS NOT NULL THEN 'old'"
    " WHEN x.email IS NULL AND x.phone_key IS NULL THEN 'no-contact' ELSE 'new' END,"
    " i.fingerprint,"
    " CASE WHEN i.id IS NULL THEN COALESCE("
    "(SELECT c.id FROM contact c WHERE c.email = x.email),"
    " (SELECT c.id FROM contact c WHERE c.phone_key = x.phone_key)) END"
    f" FROM (SELECT {_COPIED} FROM import_row"
    " WHERE order_id NOT IN (SELECT order_id FROM import_multi)"
    f" UNION ALL SELECT {_COPIED} FROM import_merged) x"
    " LEFT JOIN interaction i ON i.source = :source AND i.external_id = x.order_id"
    " AND i.kind = 'sale'"
)
HASH_DDL = (
    "CREATE TEMP TABLE import_hash (line INTEGER PRIMARY KEY, email_hash TEXT, phone_hash TEXT)"
)
SUPPRESSED_SQL = (
    "UPDATE import_sale SET state = 'suppressed', contact_id = NULL WHERE line IN ("
    " SELECT h.line FROM import_hash h WHERE"
    " EXISTS (SELECT 1 FROM suppression s WHERE s.key_hash = h.email_hash)"
    " OR EXISTS (SELECT 1 FROM suppression s WHERE s.key_hash = h.phone_hash))"
)
# The sale's contact: the existing one it matched, else the one created for it just before.
CONTACT_OF_SALE = (
    "COALESCE(s.contact_id, (SELECT p.contact_id FROM import_person p"
    " WHERE p.line = COALESCE(s.person_line, s.line)))"
)
INTERACTIONS_SQL = (
    "INSERT INTO interaction (contact_id, kind, occurred_on, amount_cents, items, note,"
    f" source, external_id, fingerprint, created_at) SELECT {CONTACT_OF_SALE}, :kind,"
    " s.occurred_on, s.amount_cents, s.items, NULL, :source, s.order_id, s.fingerprint, :now"
    " FROM import_sale s WHERE s.state = 'new' ORDER BY s.line"
)


def _cursor(conn: Connection) -> sqlite3.Cursor | None:
    """A cursor of the driver's own connection on SQLite (the bulk paths skip SQLAlchemy's
    per-row parameter handling, which costs more than SQLite's work); None elsewhere."""
    if not _is_sqlite(conn):
        return None
    return conn.connection.driver_connection.cursor()  # type: ignore[union-attr,no-any-return]


def _inserter(
    conn: Connection, table: str, columns: Sequence[str]
) -> Callable[[list[tuple[Any, ...]]], None]:
    """Bulk insert of plain tuples: qmark executemany on SQLite, SQLAlchemy Core elsewhere."""
    cursor = _cursor(conn)
    if cursor is not None:
        statement = (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        )

        def insert(rows: list[tuple[Any, ...]]) -> None:
            if rows:
                cursor.executemany(statement, rows)

        return insert
    from sqlalchemy import text as sql

    text = sql(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
    )

    def insert_core(rows: list[tuple[Any, ...]]) -> None:
        if rows:  # SQLAlchemy treats an empty parameter list as one empty row
            conn.execute(text, [dict(zip(columns, row, strict=True)) for row in rows])

    return insert_core


def _insert(
    conn: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    _inserter(conn, table, columns)(rows)


def _select(conn: Connection, statement: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """A (small) read as a list of plain tuples."""
    return list(_iter_select(conn, statement, params))


def _iter_select(
    conn: Connection, statement: str, params: dict[str, Any]
) -> Iterator[tuple[Any, ...]]:
    """A read as plain tuples, row by row (on SQLite without SQLAlchemy's Row objects)."""
    cursor = _cursor(conn)
    if cursor is not None:
        try:
            yield from cursor.execute(statement, params)
        finally:
            cursor.close()
        return
    from sqlalchemy import text as sql

    for row in conn.execute(sql(statement).execution_options(stream_results=True), params):
        yield tuple(row)  # a server-side cursor: PostgreSQL sends rows as they are read


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
    """Stored with each imported sale to spot a changed order; the format must never change.

    It is the SHA-256 of ``json.dumps([occurred_on, name, email, key, amount, items],
    ensure_ascii=False)``, built by hand (a third of the cost; tests check they agree).
    """
    enc = _encode_json_string
    text = (
        f"[{enc(occurred_on)}, {'null' if name is None else enc(name)},"
        f" {'null' if email is None else enc(email)}, {'null' if key is None else enc(key)},"
        f" {'null' if amount is None else int(amount)}, {'null' if items is None else enc(items)}]"
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _group_sales(conn: Connection) -> int:
    """Rows sharing an order id become one sale: first non-empty value of each field, the
    distinct items joined in file order, the total taken once. Returns exact duplicate rows.

    Most orders are one row, and stay in import_row; only orders spanning several rows are
    read back (in order id order, a page at a time) and merged into import_merged in Python.
    """
    from sqlalchemy import text as sql

    conn.execute(
        sql(
            "INSERT INTO import_multi (order_id) SELECT order_id FROM import_row"
            " GROUP BY order_id HAVING COUNT(*) > 1"
        )
    )
    conn.execute(
        sql(
            f"INSERT INTO import_multi_row (seq, {_COPIED}) SELECT ROW_NUMBER() OVER"
            f" (ORDER BY order_id, line), {_COPIED} FROM import_row"
            " WHERE order_id IN (SELECT order_id FROM import_multi)"
        )
    )
    insert = _inserter(conn, "import_merged", ROW_COLUMNS)
    keys = ("name", "email", "phone", "phone_key", "amount_cents", "prefers")  # first non-empty
    duplicates = 0
    batch: list[tuple[Any, ...]] = []
    current: dict[str, Any] | None = None
    items: list[str] = []
    seen_rows: set[tuple[Any, ...]] = set()

    def flush() -> None:
        assert current is not None
        current["items"] = ", ".join(items) if items else None
        current["fingerprint"] = _fingerprint(current)
        batch.append(tuple(current[c] for c in ROW_COLUMNS))
        if len(batch) >= _BATCH:
            insert(batch)
            batch.clear()

    after = 0
    columns = ROW_COLUMNS[:-1]
    while True:  # paged, so memory stays flat however big the file
        rows = _select(
            conn,
            f"SELECT seq, {', '.join(columns)} FROM import_multi_row WHERE seq > :after"
            " ORDER BY seq LIMIT :limit",
            {"after": after, "limit": _BATCH},
        )
        if not rows:
            break
        after = rows[-1][0]
        for row in rows:
            record = dict(zip(columns, row[1:], strict=True))
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
            signature = row[2:]
            if signature in seen_rows:
                duplicates += 1
            seen_rows.add(signature)
            if record["items"] and record["items"] not in items:
                items.append(record["items"])
    if current is not None:
        flush()
    insert(batch)
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
    from followup_cli.followups import MANUAL

    if options.source is not None and options.source.strip() == MANUAL:
        raise InvalidInput(
            f"--source {MANUAL}: that name is kept for sales logged by hand"
            " (`followup log sale --ref`); choose another, e.g. --source till."
        )
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
IMPORT_TEMP_CACHE_KIB = 8192


@contextmanager
def _big_cache(conn: Connection) -> Iterator[None]:
    """A 64 MiB page cache while importing (SQLite's default is 2 MiB): matching 100k sales
    against 200k contacts and adding follow-ups to a 1M-row table touches pages all over the
    indexes, and re-reading them from the OS dominated the write. The TEMP tables are read in
    order and need little."""
    if not _is_sqlite(conn):
        yield
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    (previous,) = raw.execute("PRAGMA main.cache_size").fetchone()
    (previous_temp,) = raw.execute("PRAGMA temp.cache_size").fetchone()
    raw.execute(f"PRAGMA main.cache_size = -{IMPORT_CACHE_KIB}")
    raw.execute(f"PRAGMA temp.cache_size = -{IMPORT_TEMP_CACHE_KIB}")
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

    sqlite = _is_sqlite(conn)

    def run(statement: str, **params: Any) -> Any:
        return conn.execute(sql(statement), params)

    if not sqlite:
        run("SELECT pg_advisory_xact_lock(7411)")  # one import at a time on PostgreSQL
    run(SALES_SQL, source=summary.source)
    summary.suppressed = _suppress(conn)
    old, same, no_contact = run(
        "SELECT COALESCE(SUM(CASE WHEN state = 'old' THEN 1 ELSE 0 END), 0),"
        " COALESCE(SUM(CASE WHEN state = 'old' AND old_fingerprint = fingerprint"
        " THEN 1 ELSE 0 END), 0),"
        " COALESCE(SUM(CASE WHEN state = 'no-contact' THEN 1 ELSE 0 END), 0) FROM import_sale"
    ).one()
    summary.already_imported, summary.skipped_no_contact = int(same), int(no_contact)
    summary.changed = int(old) - int(same)
    if summary.changed:
        changed = run(
            "SELECT order_id FROM import_sale WHERE state = 'old'"
            " AND (old_fingerprint IS NULL OR old_fingerprint <> fingerprint)"
            " ORDER BY line LIMIT :limit",
            limit=MAX_CHANGED_LISTED,
        ).all()
        summary.changed_orders = [r[0] for r in changed]
    _resolve_contacts(conn, summary, today)
    summary.matched_contacts = int(
        run(
            "SELECT COUNT(DISTINCT contact_id) FROM import_sale"
            " WHERE state = 'new' AND contact_id IS NOT NULL"
        ).scalar_one()
    )
    (before,) = run("SELECT COALESCE(MAX(id), 0) FROM interaction").one()
    summary.sales_imported = run(
        INTERACTIONS_SQL.replace("s.occurred_on,", "CAST(s.occurred_on AS DATE),")
        if not sqlite
        else INTERACTIONS_SQL,
        kind=InteractionKind.SALE.value,
        source=summary.source,
        now=_stamp(now, sqlite),
    ).rowcount
    # A prospect who buys no longer needs "still interested?" follow-ups (as `log sale` does).
    # Only contacts that existed before the import can have any.
    run(BOUGHT_SQL)
    summary.prospect_followups_dropped = run(
        PROSPECTS_SQL,
        skipped=Status.SKIPPED.value,
        pending=Status.PENDING.value,
        today=today.isoformat() if sqlite else today,
        true=True,
    ).rowcount
    _schedule(conn, summary, rules, today, int(before), now)


# Each existing contact's first sale in the file, keyed by contact: the prospect update
# below looks it up once per follow-up (a lookup in import_sale itself was a scan each time).
BOUGHT_SQL = (
    "INSERT INTO import_bought (contact_id, occurred_on) SELECT s.contact_id, s.occurred_on"
    " FROM import_sale s JOIN (SELECT contact_id, MIN(line) AS line FROM import_sale"
    " WHERE state = 'new' AND contact_id IS NOT NULL GROUP BY contact_id) f ON f.line = s.line"
)
PROSPECTS_SQL = (
    "UPDATE followup SET status = :skipped, completed_on = :today,"
    " note = 'Bought on ' || (SELECT b.occurred_on FROM import_bought b"
    " WHERE b.contact_id = followup.contact_id)"
    " WHERE status = :pending AND until_sale = :true"
    " AND contact_id IN (SELECT contact_id FROM import_bought)"
)


def _stamp(now: dt.datetime, sqlite: bool) -> Any:
    """created_at as each database stores it (SQLAlchemy's format on SQLite)."""
    return now.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now


def _suppress(conn: Connection) -> int:
    """Sales of forgotten people (their email or phone hash is in `suppression`) are skipped.

    The hashes cost more than the rest of a row, so they are computed only when somebody has
    been forgotten, and only for the sales that would otherwise be imported."""
    from sqlalchemy import text as sql

    if conn.execute(sql("SELECT 1 FROM suppression LIMIT 1")).first() is None:
        return 0
    conn.execute(sql(HASH_DDL))
    insert = _inserter(conn, "import_hash", ("line", "email_hash", "phone_hash"))
    after = 0
    while True:
        rows = _select(
            conn,
            "SELECT line, email, phone_key FROM import_sale WHERE state = 'new' AND line > :after"
            " ORDER BY line LIMIT :limit",
            {"after": after, "limit": _BATCH},
        )
        if not rows:
            break
        after = rows[-1][0]
        insert(
            [
                (
                    line,
                    suppression_hash("email", email) if email else None,
                    suppression_hash("phone", key) if key else None,
                )
                for line, email, key in rows
            ]
        )
    return int(conn.execute(sql(SUPPRESSED_SQL)).rowcount)


@dataclass
class _Owner:
    """Who a sale belongs to while contacts are resolved: an existing contact (``cid``) or a
    person this import creates (``line``: their first row), with what they hold so far."""

    cid: int | None
    line: int | None
    name: str | None
    email: str | None
    key: str | None
    phone: str | None = None
    prefers: str | None = None


class _Contacts:
    """Resolves the contact of every new sale exactly as if the rows were imported one at a
    time, in file order: a row belongs to the contact with its email, else the one with its
    phone, else to a new person; whoever it belongs to gains a missing email or phone that
    nobody else has; a different name, email or phone of an existing contact is reported,
    never written.

    Rows can only affect each other through a shared email, phone or matched contact, so only
    those ("linked" rows) are walked in Python; every other row is settled with set-based SQL:
    memory and time grow with the repeat customers of the file, not with its size.
    """

    def __init__(self, conn: Connection, summary: ImportSummary) -> None:
        self.conn = conn
        self.summary = summary
        self.reported: set[tuple[int, str, str]] = set()
        self.named: set[int] = set()
        self.listed: list[tuple[int, Conflict]] = []  # (line, conflict), at most the cap each
        self.emails: dict[int, str] = {}  # existing contact id -> the email it gains
        self.phones: dict[int, tuple[str, str]] = {}  # -> (phone, key) it gains

    def report(self, line: int, owner: _Owner, what: str, old: str, new: str, order: str) -> None:
        assert owner.cid is not None and owner.name is not None
        if (owner.cid, what, new) in self.reported:
            return
        self.reported.add((owner.cid, what, new))
        self.summary.conflict_count += 1
        if what == "name":
            self.named.add(owner.cid)
        if len(self.listed) < MAX_CONFLICTS_LISTED:  # each group's first, in file order
            label = f"{owner.name} (#{owner.cid})"
            self.listed.append((line, Conflict(owner.cid, label, what, old, new, order)))

    def offer(
        self, owner: _Owner, line: int, row: tuple[Any, ...], email_free: bool, key_free: bool
    ) -> None:
        """A row's details offered to the contact it belongs to."""
        name, email, phone, key, order = row
        existing = owner.cid is not None
        if existing and name and owner.name and not _same_name(name, owner.name):
            self.report(line, owner, "name", owner.name, name, order)
        if email and owner.email is None:
            if email_free:
                owner.email = email
                if existing:
                    self.emails[owner.cid] = email  # type: ignore[index]
        elif email and owner.email != email and existing:
            self.report(line, owner, "email", owner.email or "", email, order)
        if key and owner.key is None:
            if key_free:
                owner.phone, owner.key = phone, key
                if existing:
                    self.phones[owner.cid] = (phone, key)  # type: ignore[index]
        elif key and owner.key != key and existing:
            self.report(line, owner, "phone", owner.key or "", key, order)


LINKED_DDL = (
    "CREATE TEMP TABLE import_person (line INTEGER PRIMARY KEY, name TEXT, email TEXT,"
    " phone TEXT, phone_key TEXT, prefers TEXT NOT NULL, contact_id INTEGER)",
    "CREATE TEMP TABLE import_dup_email (email TEXT PRIMARY KEY)",
    "CREATE TEMP TABLE import_dup_key (phone_key TEXT PRIMARY KEY)",
    "CREATE TEMP TABLE import_dup_contact (contact_id INTEGER PRIMARY KEY)",
    "INSERT INTO import_dup_email (email) SELECT email FROM import_sale"
    " WHERE state = 'new' AND email IS NOT NULL GROUP BY email HAVING COUNT(*) > 1",
    "INSERT INTO import_dup_key (phone_key) SELECT phone_key FROM import_sale"
    " WHERE state = 'new' AND phone_key IS NOT NULL GROUP BY phone_key HAVING COUNT(*) > 1",
    "INSERT INTO import_dup_contact (contact_id) SELECT contact_id FROM import_sale"
    " WHERE state = 'new' AND contact_id IS NOT NULL GROUP BY contact_id HAVING COUNT(*) > 1",
)
# Never NULL, so NOT LINKED means "a row on its own". Rows matched to one contact through
# different details are linked too: that contact can gain nothing, but a difference both report
# must be listed with the first of them, so they are taken in file order together.
LINKED = (
    "(s.email IS NOT NULL AND s.email IN (SELECT email FROM import_dup_email)"
    " OR s.phone_key IS NOT NULL AND s.phone_key IN (SELECT phone_key FROM import_dup_key)"
    " OR s.contact_id IS NOT NULL AND s.contact_id IN (SELECT contact_id FROM import_dup_contact))"
)


def _resolve_contacts(conn: Connection, summary: ImportSummary, today: dt.date) -> None:
    """Every new sale's contact (see ``_Contacts``); creates the new ones, fills gaps."""
    from sqlalchemy import text as sql

    for statement in LINKED_DDL:
        conn.execute(sql(statement))
    contacts = _Contacts(conn, summary)
    # A row on its own with no contact is a new person of its own.
    conn.execute(
        sql(
            "INSERT INTO import_person (line, name, email, phone, phone_key, prefers)"
            " SELECT s.line, COALESCE(s.name, s.email, s.phone), s.email, s.phone, s.phone_key,"
            " COALESCE(s.prefers, CASE WHEN s.email IS NOT NULL AND s.phone_key IS NULL"
            " THEN 'email' ELSE 'phone' END) FROM import_sale s"
            f" WHERE s.state = 'new' AND s.contact_id IS NULL AND NOT {LINKED}"
        )
    )
    # A row on its own matched to an existing contact: no other row offers its details. Its
    # email is nobody else's (it would have matched that contact first); its phone may be
    # another contact's, read in the same query (k).
    for cid, cname, cemail, ckey, line, name, email, phone, key, order, holder in _iter_select(
        conn,
        "SELECT c.id, c.name, c.email, c.phone_key, s.line, s.name, s.email, s.phone,"
        " s.phone_key, s.order_id, k.id FROM import_sale s JOIN contact c ON c.id = s.contact_id"
        " LEFT JOIN contact k ON k.phone_key = s.phone_key"
        f" WHERE s.state = 'new' AND NOT {LINKED} AND ("
        " (s.name IS NOT NULL AND s.name <> c.name)"
        " OR (s.email IS NOT NULL AND (c.email IS NULL OR c.email <> s.email))"
        " OR (s.phone_key IS NOT NULL AND (c.phone_key IS NULL OR c.phone_key <> s.phone_key)))"
        " ORDER BY s.line",
        {},
    ):
        owner = _Owner(cid, None, cname, cemail, ckey)
        row = (name, email, phone, key, order)
        contacts.offer(owner, line, row, email_free=True, key_free=holder is None)
    singles = contacts.listed
    contacts.listed = []
    _walk_linked(conn, contacts)
    listed = sorted(singles + contacts.listed, key=lambda item: item[0])
    summary.conflicts = [conflict for _, conflict in listed[:MAX_CONFLICTS_LISTED]]
    summary.conflicting_names = len(contacts.named)
    _update_many(
        conn, "UPDATE contact SET email = :e WHERE id = :id",
        [{"e": e, "id": cid} for cid, e in contacts.emails.items()],
    )  # fmt: skip
    _update_many(
        conn, "UPDATE contact SET phone = :p, phone_key = :k WHERE id = :id",
        [{"p": p, "k": k, "id": cid} for cid, (p, k) in contacts.phones.items()],
    )  # fmt: skip
    sqlite = _is_sqlite(conn)
    summary.new_contacts = int(
        conn.execute(
            sql(
                "INSERT INTO contact (name, email, phone, phone_key, prefers, tags,"
                " phone_invalid, do_not_contact, opted_out_channels, created_on)"
                " SELECT name, email, phone, phone_key, prefers, '', :false, :false, '', :today"
                " FROM import_person ORDER BY line"
            ),
            {"false": False, "today": today.isoformat() if sqlite else today},
        ).rowcount
    )
    conn.execute(
        sql(
            "UPDATE import_person SET contact_id = COALESCE("
            "(SELECT c.id FROM contact c WHERE c.email = import_person.email),"
            " (SELECT c.id FROM contact c WHERE c.phone_key = import_person.phone_key))"
        )
    )


WALK_SQL = (
    "SELECT s.line, s.name, s.email, s.phone, s.phone_key, s.prefers, s.order_id,"
    " c.id, c.name, c.email, c.phone_key, p.id, p.name, p.email, p.phone_key"
    " FROM import_sale s LEFT JOIN contact c ON c.email = s.email"
    " LEFT JOIN contact p ON p.phone_key = s.phone_key"
    f" WHERE s.state = 'new' AND {LINKED} ORDER BY s.line"
)


def _walk_linked(conn: Connection, contacts: _Contacts) -> None:
    """The linked rows, one at a time in file order (see ``_Contacts``). Each row arrives with
    the existing contacts that hold its email and its phone, read in the same query."""
    rows = _iter_select(conn, WALK_SQL, {})
    by_email: dict[str, _Owner] = {}  # every email seen so far, with who holds it
    by_key: dict[str, _Owner] = {}
    existing: dict[int, _Owner] = {}
    people: list[_Owner] = []
    owners: list[dict[str, Any]] = []

    def known(cid: int | None, name: str, email: str | None, key: str | None) -> _Owner | None:
        if cid is None:
            return None
        owner = existing.get(cid)
        if owner is None:
            owner = existing[cid] = _Owner(cid, None, name, email, key)
            if email:
                by_email[email] = owner
            if key:
                by_key[key] = owner
        return owner

    for line, name, email, phone, key, prefers, order, *holders in rows:
        of_email = known(*holders[:4]) if email else None
        of_key = known(*holders[4:]) if key else None
        owner = (by_email.get(email) if email else None) or of_email
        if owner is None and key:
            owner = by_key.get(key) or of_key
        if owner is None:
            default = Channel.EMAIL.value if email and not key else Channel.PHONE.value
            owner = _Owner(None, line, name or email or phone, None, None, None, prefers or default)
            people.append(owner)
        email_free = bool(email) and email not in by_email
        key_free = bool(key) and key not in by_key
        contacts.offer(owner, line, (name, email, phone, key, order), email_free, key_free)
        if email and owner.email == email:
            by_email[email] = owner
        if key and owner.key == key:
            by_key[key] = owner
        owners.append({"line": line, "cid": owner.cid, "person": owner.line})
    _insert(
        conn,
        "import_person",
        ("line", "name", "email", "phone", "phone_key", "prefers"),
        [(p.line, p.name, p.email, p.phone, p.key, p.prefers) for p in people],
    )
    _update_many(
        conn,
        "UPDATE import_sale SET contact_id = :cid, person_line = :person WHERE line = :line",
        owners,
    )


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def _update_many(conn: Connection, statement: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    cursor = _cursor(conn)
    if cursor is not None:
        try:
            cursor.executemany(statement, rows)
        finally:
            cursor.close()
        return
    from sqlalchemy import text as sql

    conn.execute(sql(statement), rows)


_PROFILE = (
    "COALESCE(c.prefers, '')",
    "CASE WHEN c.email IS NOT NULL AND c.email <> '' THEN 1 ELSE 0 END",
    "CASE WHEN c.phone IS NOT NULL AND c.phone <> '' AND NOT c.phone_invalid THEN 1 ELSE 0 END",
    "CASE WHEN c.do_not_contact THEN 1 ELSE 0 END",
    "COALESCE(c.opted_out_channels, '')",
)
# A contact's reach profile as one string, so the follow-up insert finds its channel with one
# index lookup (joining on the five parts made SQLite try every profile for every sale).
_PROFILE_KEY = " || '|' || ".join(_PROFILE)


def _profile_key(prefers: str, has_email: int, has_phone: int, dnc: int, opted: str) -> str:
    """What ``_PROFILE_KEY`` evaluates to in SQL."""
    return f"{prefers}|{has_email}|{has_phone}|{dnc}|{opted}"


def _new_sales(sqlite: bool) -> str:
    """The sales just inserted (ids above ``:before``) with their contacts. On SQLite nobody
    else can have written meanwhile (the transaction holds the write lock) and the id range
    alone keeps the scan in id order; on PostgreSQL another session may add a sale meanwhile
    (`log sale`), so the source and this import's timestamp are checked too."""
    where = "i.id > :before" + ("" if sqlite else " AND i.source = :source AND i.created_at = :now")
    return f" FROM interaction i JOIN contact c ON c.id = i.contact_id WHERE {where}"


SCHEDULE_DDL = (  # DATE, as interaction.occurred_on, so SQLite can join on the key
    "CREATE TEMP TABLE import_reach (profile TEXT NOT NULL, rule_no INTEGER NOT NULL,"
    " channel TEXT NOT NULL, PRIMARY KEY (profile, rule_no))",
    "CREATE TEMP TABLE import_due (occurred_on DATE NOT NULL, rule_no INTEGER NOT NULL,"
    " due_on DATE NOT NULL, PRIMARY KEY (occurred_on, rule_no))",
    "CREATE TEMP TABLE import_rule (rule_no INTEGER PRIMARY KEY, rule TEXT NOT NULL,"
    " purpose TEXT NOT NULL, priority INTEGER NOT NULL, until_sale BOOLEAN NOT NULL)",
)


def followups_sql(sqlite: bool) -> str:
    """Every follow-up of the new sales in one INSERT ... SELECT: the due date by the sale's
    date, the channel by the contact's reach profile, both looked up by key."""
    joins = (
        " JOIN import_due d ON d.occurred_on = i.occurred_on"
        f" JOIN import_reach r ON r.profile = {_PROFILE_KEY} AND r.rule_no = d.rule_no"
        " JOIN import_rule u ON u.rule_no = d.rule_no WHERE"
    )
    return (
        "INSERT INTO followup (contact_id, interaction_id, rule, purpose, channel, due_on,"
        " priority, status, outcome, completed_on, attempts, until_sale, note, created_on)"
        " SELECT i.contact_id, i.id, u.rule, u.purpose, r.channel, d.due_on, u.priority,"
        " :pending, NULL, NULL, 0, u.until_sale, NULL, :today"
        + _new_sales(sqlite).replace(" WHERE", joins)
        + " ORDER BY i.id, d.rule_no"
    )


def _schedule(
    conn: Connection,
    summary: ImportSummary,
    rules: RuleSet,
    today: dt.date,
    before: int,
    now: dt.datetime,
) -> None:
    """The sale cadence rules, exactly as followups.apply_rules computes them, set-based.

    The channel depends only on a contact's reach profile (preferred channel, has an email,
    has a usable phone, do-not-contact, opted-out channels) and the due date only on the sale
    date. One grouped read of the new sales gives the few distinct (date, profile) pairs and
    their counts; Python computes channels and due dates for those (and the late and
    unreachable counts), and ``followups_sql`` inserts the follow-ups joined against them.
    """
    from sqlalchemy import text as sql

    sale_rules = rules.for_kind(InteractionKind.SALE)
    if not sale_rules:
        return
    sqlite = _is_sqlite(conn)
    params = {"before": before, "source": summary.source, "now": _stamp(now, sqlite)}
    # Counted in Python, not with GROUP BY: a sort of a million sales would hold tens of MB.
    groups = Counter(
        _iter_select(
            conn, f"SELECT i.occurred_on, {', '.join(_PROFILE)}{_new_sales(sqlite)}", params
        )
    )
    reach: dict[str, list[str | None]] = {}
    due: dict[Any, list[dt.date]] = {}
    for (day, prefers, has_email, has_phone, dnc, opted), count in groups.items():
        key = _profile_key(prefers, has_email, has_phone, dnc, opted)
        channels = reach.get(key)
        if channels is None:
            usable = reachable_channels(
                email="x" if has_email else None,
                phone="x" if has_phone else None,
                phone_invalid=False,
                do_not_contact=bool(dnc),
                opted_out=split_csv_set(opted),
            )
            channels = [choose_channel(r.channels, prefers, usable) for r in sale_rules]
            reach[key] = channels
        dates = due.get(day)
        if dates is None:
            sold = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
            due[day] = dates = [rules.calendar.apply(sold, r.after) for r in sale_rules]
        for channel, on in zip(channels, dates, strict=True):
            if channel is None:
                summary.followups_not_scheduled += count
            elif on < today:
                summary.followups_late += count
    for statement in SCHEDULE_DDL:
        conn.execute(sql(statement))

    def day_value(day: dt.date) -> Any:
        return day.isoformat() if sqlite else day

    _insert(
        conn,
        "import_reach",
        ("profile", "rule_no", "channel"),
        [
            (key, number, channel)
            for key, channels in reach.items()
            for number, channel in enumerate(channels)
            if channel is not None
        ],
    )
    _insert(
        conn,
        "import_due",
        ("occurred_on", "rule_no", "due_on"),
        [
            (day, number, day_value(max(on, today)))
            for day, dates in due.items()
            for number, on in enumerate(dates)
        ],
    )
    _insert(
        conn,
        "import_rule",
        ("rule_no", "rule", "purpose", "priority", "until_sale"),
        [(n, r.name, r.purpose, r.priority, r.until_sale) for n, r in enumerate(sale_rules)],
    )
    summary.followups_scheduled += conn.execute(
        sql(followups_sql(sqlite)),
        {**params, "pending": Status.PENDING.value, "today": day_value(today)},
    ).rowcount
