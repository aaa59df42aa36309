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
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from json.encoder import encode_basestring as _encode_json_string
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from followup_cli.enums import Channel, InteractionKind, Status
from followup_cli.errors import ImportFailed, InvalidInput
from followup_cli.privacy import suppression_hash
from followup_cli.scheduling import Reach, RuleSet, opted_out_set, plan_followups
from followup_cli.values import (
    normalize_email,
    parse_amount,
    phone_key,
)

if TYPE_CHECKING:
    from followup_cli.store import Tx

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
CACHE_LIMIT = 20_000  # parsed dates remembered per import (a few MB at most)


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
    tx: Tx,
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
        return _stage_rows(tx, source, stream, fmt, options, today, progress)
    finally:
        stream.detach()  # keep the file open: a second attempt re-reads it


def _stage_rows(
    tx: Tx,
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
    for line, cells in records:
        assert cells is not None
        rows += 1
        try:
            batch.append(validate(line, cells))
        except InvalidInput as exc:
            rejects.append(Reject(line, str(exc).rstrip("."), cells))
            continue
        if len(batch) >= _BATCH:
            tx.insert_rows("import_row", ROW_COLUMNS, batch)
            batch.clear()
            if progress is not None:
                progress(source.binary.tell(), source.size)
    tx.insert_rows("import_row", ROW_COLUMNS, batch)
    if progress is not None:  # all read: what follows is the write
        progress(source.size, source.size)
    return _Staged(header, signature, rows, rejects)


ROW_COLUMNS = (
    "line", "order_id", "occurred_on", "name", "email", "phone", "phone_key", "amount_cents",
    "items", "prefers", "fingerprint",
)  # fmt: skip
_CHANNELS = frozenset(c.value for c in Channel)


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
        amount = parse_amount(raw_amount, decimal_comma=self.options.decimal_comma)
        email = normalize_email(raw_email)
        key = None if phone is None else phone_key(phone, self.options.region)
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


def interactions_sql(occurred_on: str) -> str:
    """The new sales, in file order; ``occurred_on`` is the staged text as a date."""
    return (
        "INSERT INTO interaction (contact_id, kind, occurred_on, amount_cents, items, note,"
        f" source, external_id, fingerprint, created_at) SELECT {CONTACT_OF_SALE}, :kind,"
        f" {occurred_on}, s.amount_cents, s.items, NULL, :source, s.order_id, s.fingerprint,"
        " :now FROM import_sale s WHERE s.state = 'new' ORDER BY s.line"
    )


def _create_stage(tx: Tx) -> None:
    for statement in (*DROP_STAGE, *STAGE_DDL):
        tx.execute(statement)


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


def _group_sales(tx: Tx) -> int:
    """Rows sharing an order id become one sale: first non-empty value of each field, the
    distinct items joined in file order, the total taken once. Returns exact duplicate rows.

    Most orders are one row, and stay in import_row; only orders spanning several rows are
    read back (in order id order, a page at a time) and merged into import_merged in Python.
    """
    tx.execute(
        "INSERT INTO import_multi (order_id) SELECT order_id FROM import_row"
        " GROUP BY order_id HAVING COUNT(*) > 1"
    )
    tx.execute(
        f"INSERT INTO import_multi_row (seq, {_COPIED}) SELECT ROW_NUMBER() OVER"
        f" (ORDER BY order_id, line), {_COPIED} FROM import_row"
        " WHERE order_id IN (SELECT order_id FROM import_multi)"
    )
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
            tx.insert_rows("import_merged", ROW_COLUMNS, batch)
            batch.clear()

    after = 0
    columns = ROW_COLUMNS[:-1]
    while True:  # paged, so memory stays flat however big the file
        rows = tx.rows(
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
    tx.insert_rows("import_merged", ROW_COLUMNS, batch)
    return duplicates


# ---------------------------------------------------------------------------------------------
# The import


def run_import(
    tx: Tx,
    file: str,
    *,
    options: ImportOptions,
    rules: RuleSet,
    today: dt.date,
    now: dt.datetime,
    progress: ProgressCallback | None = None,
) -> ImportSummary:
    """Import one file of sales; see the module docstring.

    ``tx`` is a read transaction (``Database.reading(bulk=True)``): the file is staged in
    TEMP tables without the write lock, then ``tx`` restarts as the one write transaction.
    """
    from followup_cli.followups import MANUAL

    if options.source is not None and options.source.strip() == MANUAL:
        raise InvalidInput(
            f"--source {MANUAL}: that name is kept for sales logged by hand"
            " (`followup log sale --ref`); choose another, e.g. --source till."
        )
    encodings = ["utf-8-sig", "cp1252"] if options.encoding == "auto" else [options.encoding]
    try:
        codecs.lookup(encodings[0])
    except LookupError:
        raise InvalidInput(
            f"Unknown encoding {options.encoding!r}; try utf-8, cp1252 or latin-1."
        ) from None
    source = _open_input(file)
    try:
        summary = _stage_file(tx, source, encodings, options, today, progress)
    finally:
        source.binary.close()
    # BEGIN IMMEDIATE (and an advisory lock on PostgreSQL): waits politely for another writer.
    tx.restart(write=True, exclusive=True)
    _write(tx, summary, rules, today, now)
    if options.dry_run:
        tx.discard()
    for statement in DROP_STAGE:  # a pooled PostgreSQL connection outlives the import
        tx.execute(statement)
    return summary


def _stage_file(
    tx: Tx,
    source: _Input,
    encodings: list[str],
    options: ImportOptions,
    today: dt.date,
    progress: ProgressCallback | None,
) -> ImportSummary:
    """Pass 1 and the grouping, in TEMP tables; a file that is not UTF-8 is read again as
    cp1252 (Excel's) before giving up, naming the line that does not decode."""
    staged: _Staged | None = None
    note = None
    for attempt, encoding in enumerate(encodings):
        _create_stage(tx)
        try:
            staged = _stage(tx, source, encoding, options, today, progress)
        except UnicodeDecodeError:
            line = _bad_line(source.binary, encoding)
            if attempt + 1 < len(encodings):
                note = f"{source.label} is not UTF-8 (line {line}); read it as {encodings[attempt + 1]}"
                continue
            shown = "UTF-8 or cp1252" if options.encoding == "auto" else encoding
            raise ImportFailed(
                f"{source.label}, line {line}: cannot decode the file as {shown}. "
                "Save it as CSV UTF-8, or say its encoding, e.g. --encoding "
                "cp1252 or --encoding latin-1. Nothing was imported."
            ) from None
        duplicates = _group_sales(tx)
        break
    assert staged is not None
    summary = ImportSummary(
        file=source.label,
        source=_source_name(options, staged.signature),
        encoding="utf-8" if encoding == "utf-8-sig" else encoding,
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
    return summary


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


def _write(
    tx: Tx, summary: ImportSummary, rules: RuleSet, today: dt.date, now: dt.datetime
) -> None:
    """The write transaction: a handful of set-based statements."""
    tx.execute(SALES_SQL, {"source": summary.source})
    summary.suppressed = _suppress(tx)
    counts = tx.one(
        "SELECT COALESCE(SUM(CASE WHEN state = 'old' THEN 1 ELSE 0 END), 0),"
        " COALESCE(SUM(CASE WHEN state = 'old' AND old_fingerprint = fingerprint"
        " THEN 1 ELSE 0 END), 0),"
        " COALESCE(SUM(CASE WHEN state = 'no-contact' THEN 1 ELSE 0 END), 0) FROM import_sale"
    )
    assert counts is not None
    old, same, no_contact = counts
    summary.already_imported, summary.skipped_no_contact = int(same), int(no_contact)
    summary.changed = int(old) - int(same)
    if summary.changed:
        changed = tx.rows(
            "SELECT order_id FROM import_sale WHERE state = 'old'"
            " AND (old_fingerprint IS NULL OR old_fingerprint <> fingerprint)"
            " ORDER BY line LIMIT :limit",
            {"limit": MAX_CHANGED_LISTED},
        )
        summary.changed_orders = [r[0] for r in changed]
    _resolve_contacts(tx, summary, today)
    summary.matched_contacts = int(
        tx.value(
            "SELECT COUNT(DISTINCT contact_id) FROM import_sale"
            " WHERE state = 'new' AND contact_id IS NOT NULL"
        )
    )
    before = int(tx.value("SELECT COALESCE(MAX(id), 0) FROM interaction"))
    summary.sales_imported = tx.execute(
        interactions_sql(tx.date_of("s.occurred_on")),
        {"kind": InteractionKind.SALE.value, "source": summary.source, "now": now},
    )
    # A prospect who buys no longer needs "still interested?" follow-ups (as `log sale` does).
    # Only contacts that existed before the import can have any.
    tx.execute(BOUGHT_SQL)
    summary.prospect_followups_dropped = tx.execute(
        PROSPECTS_SQL,
        {
            "skipped": Status.SKIPPED.value,
            "pending": Status.PENDING.value,
            "today": today,
            "true": True,
        },
    )
    _schedule(tx, summary, rules, today, before, now)


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


def _suppress(tx: Tx) -> int:
    """Sales of forgotten people (their email or phone hash is in `suppression`) are skipped.

    The hashes cost more than the rest of a row, so they are computed only when somebody has
    been forgotten, and only for the sales that would otherwise be imported."""
    if tx.one("SELECT 1 FROM suppression LIMIT 1") is None:
        return 0
    tx.execute(HASH_DDL)
    after = 0
    while True:
        rows = tx.rows(
            "SELECT line, email, phone_key FROM import_sale WHERE state = 'new' AND line > :after"
            " ORDER BY line LIMIT :limit",
            {"after": after, "limit": _BATCH},
        )
        if not rows:
            break
        after = rows[-1][0]
        tx.insert_rows(
            "import_hash",
            ("line", "email_hash", "phone_hash"),
            [
                (
                    line,
                    suppression_hash("email", email) if email else None,
                    suppression_hash("phone", key) if key else None,
                )
                for line, email, key in rows
            ],
        )
    return tx.execute(SUPPRESSED_SQL)


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

    def __init__(self, summary: ImportSummary) -> None:
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


def _resolve_contacts(tx: Tx, summary: ImportSummary, today: dt.date) -> None:
    """Every new sale's contact (see ``_Contacts``); creates the new ones, fills gaps."""
    for statement in LINKED_DDL:
        tx.execute(statement)
    contacts = _Contacts(summary)
    # A row on its own with no contact is a new person of its own.
    tx.execute(
        "INSERT INTO import_person (line, name, email, phone, phone_key, prefers)"
        " SELECT s.line, COALESCE(s.name, s.email, s.phone), s.email, s.phone, s.phone_key,"
        " COALESCE(s.prefers, CASE WHEN s.email IS NOT NULL AND s.phone_key IS NULL"
        " THEN 'email' ELSE 'phone' END) FROM import_sale s"
        f" WHERE s.state = 'new' AND s.contact_id IS NULL AND NOT {LINKED}"
    )
    # A row on its own matched to an existing contact: no other row offers its details. Its
    # email is nobody else's (it would have matched that contact first); its phone may be
    # another contact's, read in the same query (k).
    for cid, cname, cemail, ckey, line, name, email, phone, key, order, holder in tx.iter(
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
    _walk_linked(tx, contacts)
    listed = sorted(singles + contacts.listed, key=lambda item: item[0])
    summary.conflicts = [conflict for _, conflict in listed[:MAX_CONFLICTS_LISTED]]
    summary.conflicting_names = len(contacts.named)
    tx.executemany(
        "UPDATE contact SET email = :e WHERE id = :id",
        [{"e": e, "id": cid} for cid, e in contacts.emails.items()],
    )
    tx.executemany(
        "UPDATE contact SET phone = :p, phone_key = :k WHERE id = :id",
        [{"p": p, "k": k, "id": cid} for cid, (p, k) in contacts.phones.items()],
    )
    summary.new_contacts = tx.execute(
        "INSERT INTO contact (name, email, phone, phone_key, prefers, created_on)"
        " SELECT name, email, phone, phone_key, prefers, :today FROM import_person ORDER BY line",
        {"today": today},
    )
    tx.execute(
        "UPDATE import_person SET contact_id = COALESCE("
        "(SELECT c.id FROM contact c WHERE c.email = import_person.email),"
        " (SELECT c.id FROM contact c WHERE c.phone_key = import_person.phone_key))"
    )


WALK_SQL = (
    "SELECT s.line, s.name, s.email, s.phone, s.phone_key, s.prefers, s.order_id,"
    " c.id, c.name, c.email, c.phone_key, p.id, p.name, p.email, p.phone_key"
    " FROM import_sale s LEFT JOIN contact c ON c.email = s.email"
    " LEFT JOIN contact p ON p.phone_key = s.phone_key"
    f" WHERE s.state = 'new' AND {LINKED} ORDER BY s.line"
)


def _walk_linked(tx: Tx, contacts: _Contacts) -> None:
    """The linked rows, one at a time in file order (see ``_Contacts``). Each row arrives with
    the existing contacts that hold its email and its phone, read in the same query."""
    rows = tx.iter(WALK_SQL)
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
    tx.insert_rows(
        "import_person",
        ("line", "name", "email", "phone", "phone_key", "prefers"),
        [(p.line, p.name, p.email, p.phone, p.key, p.prefers) for p in people],
    )
    tx.executemany(
        "UPDATE import_sale SET contact_id = :cid, person_line = :person WHERE line = :line",
        owners,
    )


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


# What decides a contact's channels (``scheduling.Reach``), read as plain values: whether they
# have an email and a phone on file, not the details themselves, so a night's sales fall into
# a handful of profiles.
_PROFILE = (
    "COALESCE(c.prefers, '')",
    "CASE WHEN c.email IS NOT NULL AND c.email <> '' THEN 1 ELSE 0 END",
    "CASE WHEN c.phone IS NOT NULL AND c.phone <> '' THEN 1 ELSE 0 END",
    "CASE WHEN c.phone_invalid THEN 1 ELSE 0 END",
    "CASE WHEN c.do_not_contact THEN 1 ELSE 0 END",
    "COALESCE(c.opted_out_channels, '')",
)
# The profile as one string, so the follow-up insert finds its channel with one index lookup
# (joining on the parts made SQLite try every profile for every sale).
_PROFILE_KEY = " || '|' || ".join(_PROFILE)


def _profile_key(profile: Sequence[Any]) -> str:
    """What ``_PROFILE_KEY`` evaluates to in SQL."""
    return "|".join(str(part) for part in profile)


def _reach(profile: Sequence[Any]) -> Reach:
    prefers, has_email, has_phone, phone_invalid, dnc, opted = profile
    return Reach(
        prefers=prefers,
        has_email=bool(has_email),
        has_phone=bool(has_phone),
        phone_invalid=bool(phone_invalid),
        do_not_contact=bool(dnc),
        opted_out=opted_out_set(opted),
    )


def _new_sales(sole_writer: bool, joins: str = "") -> str:
    """The sales just inserted (ids above ``:before``) with their contacts. When the
    transaction is the only writer (SQLite's write lock) the id range alone finds them and
    keeps the scan in id order; otherwise (PostgreSQL) another session may log a sale
    meanwhile, so the source and this import's timestamp are checked too."""
    where = "i.id > :before" + (
        "" if sole_writer else " AND i.source = :source AND i.created_at = :now"
    )
    return f" FROM interaction i JOIN contact c ON c.id = i.contact_id{joins} WHERE {where}"


SCHEDULE_DDL = (  # DATE, as interaction.occurred_on, so SQLite can join on the key
    "CREATE TEMP TABLE import_reach (profile TEXT NOT NULL, rule_no INTEGER NOT NULL,"
    " channel TEXT NOT NULL, PRIMARY KEY (profile, rule_no))",
    "CREATE TEMP TABLE import_due (occurred_on DATE NOT NULL, rule_no INTEGER NOT NULL,"
    " due_on DATE NOT NULL, PRIMARY KEY (occurred_on, rule_no))",
    "CREATE TEMP TABLE import_rule (rule_no INTEGER PRIMARY KEY, rule TEXT NOT NULL,"
    " purpose TEXT NOT NULL, priority INTEGER NOT NULL, until_sale BOOLEAN NOT NULL)",
)


def followups_sql(sole_writer: bool) -> str:
    """Every follow-up of the new sales in one INSERT ... SELECT: the due date by the sale's
    date, the channel by the contact's reach profile, both looked up by key."""
    return (
        "INSERT INTO followup (contact_id, interaction_id, rule, purpose, channel, due_on,"
        " priority, until_sale, created_on)"
        " SELECT i.contact_id, i.id, u.rule, u.purpose, r.channel, d.due_on, u.priority,"
        " u.until_sale, :today"
        + _new_sales(
            sole_writer,
            " JOIN import_due d ON d.occurred_on = i.occurred_on"
            f" JOIN import_reach r ON r.profile = {_PROFILE_KEY} AND r.rule_no = d.rule_no"
            " JOIN import_rule u ON u.rule_no = d.rule_no",
        )
        + " ORDER BY i.id, d.rule_no"
    )


def _schedule(
    tx: Tx,
    summary: ImportSummary,
    rules: RuleSet,
    today: dt.date,
    before: int,
    now: dt.datetime,
) -> None:
    """The sale cadence rules, planned by ``scheduling.plan_followups`` (as for `log sale`)
    and inserted set-based.

    The channel depends only on a contact's reach profile and the due date only on the sale
    date. One grouped read of the new sales gives the few distinct (date, profile) pairs and
    their counts; the planner plans each pair once, and ``followups_sql`` inserts the
    follow-ups joined against the channels and dates it chose.
    """
    sale_rules = rules.for_kind(InteractionKind.SALE)
    if not sale_rules:
        return
    params = {"before": before, "source": summary.source, "now": now}
    # Counted in Python, not with GROUP BY: a sort of a million sales would hold tens of MB.
    groups = Counter(
        tx.iter(f"SELECT i.occurred_on, {', '.join(_PROFILE)}{_new_sales(tx.sole_writer)}", params)
    )
    reach: dict[str, list[str | None]] = {}
    due: dict[Any, list[dt.date]] = {}
    for (day, *profile), count in groups.items():
        sold = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
        plan = plan_followups(_reach(profile), InteractionKind.SALE, sold, rules, today)
        reach.setdefault(_profile_key(profile), [p.channel for p in plan])
        due.setdefault(day, [p.due_on for p in plan])
        for planned in plan:
            if planned.channel is None:
                summary.followups_not_scheduled += count
            elif planned.late:
                summary.followups_late += count
    for statement in SCHEDULE_DDL:
        tx.execute(statement)
    tx.executemany(
        "INSERT INTO import_reach (profile, rule_no, channel) VALUES (:profile, :rule, :channel)",
        [
            {"profile": key, "rule": number, "channel": channel}
            for key, channels in reach.items()
            for number, channel in enumerate(channels)
            if channel is not None
        ],
    )
    tx.executemany(
        "INSERT INTO import_due (occurred_on, rule_no, due_on) VALUES (:day, :rule, :due)",
        [
            {"day": day, "rule": number, "due": on}
            for day, dates in due.items()
            for number, on in enumerate(dates)
        ],
    )
    tx.executemany(
        "INSERT INTO import_rule (rule_no, rule, purpose, priority, until_sale)"
        " VALUES (:rule, :name, :purpose, :priority, :until_sale)",
        [
            {
                "rule": n,
                "name": r.name,
                "purpose": r.purpose,
                "priority": r.priority,
                "until_sale": r.until_sale,
            }
            for n, r in enumerate(sale_rules)
        ],
    )
    summary.followups_scheduled += tx.execute(
        followups_sql(tx.sole_writer),
        {**params, "today": today},
    )
