"""Pass 1: every row validated into the TEMP table import_row, then orders spanning several
rows grouped into one sale."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from followup_cli.errors import ImportFailed, InvalidInput
from followup_cli.importer.columns import Columns
from followup_cli.importer.read import ImportOptions, Input, ProgressCallback, Unreadable, records
from followup_cli.importer.summary import Reject
from followup_cli.importer.validate import Validator, fingerprint
from followup_cli.store.sql.importer import (
    DROP_STAGE,
    MERGED_COLUMNS,
    MULTI_PAGE_SQL,
    MULTI_ROWS_SQL,
    MULTI_SQL,
    ROW_COLUMNS,
    STAGE_DDL,
)

if TYPE_CHECKING:
    from followup_cli.store import Tx


BATCH = 5000


@dataclass
class Staged:
    """Pass 1's result."""

    header: list[str]
    rows: int
    rejects: list[Reject]
    unused: list[str]  # columns no field reads


def stage(
    tx: Tx,
    source: Input,
    encoding: str,
    options: ImportOptions,
    today: dt.date,
    progress: ProgressCallback | None,
) -> Staged:
    """Pass 1: decode, validate and stage every row into the TEMP table import_row."""
    fmt = options.format or ("jsonl" if source.label.endswith((".jsonl", ".ndjson")) else "csv")
    nul = fmt == "jsonl" or _holds_nul(source)  # JSON writes it as \u0000
    stream = io.TextIOWrapper(source.binary, encoding=encoding, newline="")
    try:
        return _stage_rows(tx, source, stream, fmt, options, today, progress, nul)
    finally:
        stream.detach()  # keep the file open: a second attempt re-reads it


def _stage_rows(
    tx: Tx,
    source: Input,
    stream: IO[str],
    fmt: str,
    options: ImportOptions,
    today: dt.date,
    progress: ProgressCallback | None,
    nul: bool,
) -> Staged:
    rejects: list[Reject] = []
    batch: list[tuple[Any, ...]] = []
    found = records(stream, fmt, source.label)
    first = next(found, None)
    if first is None:
        raise ImportFailed(f"{source.label} is empty: expected a header line and sales.")
    assert not isinstance(first[1], Unreadable)
    header = [h.strip() for h in first[1]]
    columns = Columns(header, options, source.label)
    validate = Validator(columns, options, today, nul=nul)
    rows = 0
    for line, cells in found:
        rows += 1
        if isinstance(cells, Unreadable):
            rejects.append(Reject(line, cells.reason, [cells.text]))
            continue
        try:
            batch.append(validate(line, cells))
        except InvalidInput as exc:
            rejects.append(Reject(line, str(exc).rstrip("."), cells))
            continue
        if len(batch) >= BATCH:
            tx.insert_rows("import_row", ROW_COLUMNS, batch)
            batch.clear()
            if progress is not None:
                progress(source.binary.tell(), source.size)
    tx.insert_rows("import_row", ROW_COLUMNS, batch)
    if progress is not None:  # all read: what follows is the write
        progress(source.size, source.size)
    return Staged(header, rows, rejects, columns.unused)


def _holds_nul(source: Input) -> bool:
    """Whether a NUL byte is anywhere in the file: one fast search of the bytes, so the rows
    of the usual file are not each searched for one."""
    binary = source.binary
    binary.seek(0)
    found = any(b"\x00" in chunk for chunk in iter(lambda: binary.read(1 << 20), b""))
    binary.seek(0)
    return found


def create_stage(tx: Tx) -> None:
    for statement in (*DROP_STAGE, *STAGE_DDL):
        tx.execute(statement)


def group_sales(tx: Tx) -> int:
    """Rows sharing an order id become one sale: first non-empty value of each field, the
    distinct items joined in file order, the total taken once. Returns exact duplicate rows.

    Most orders are one row, and stay in import_row; only orders spanning several rows are
    read back (in order id order, a page at a time) and merged into import_merged in Python.
    """
    tx.execute(MULTI_SQL)
    tx.execute(MULTI_ROWS_SQL)
    keys = ("name", "email", "phone", "phone_key", "amount_cents", "prefers", "address")
    duplicates = 0
    batch: list[tuple[Any, ...]] = []
    current: dict[str, Any] | None = None
    items: list[str] = []
    seen_rows: set[tuple[Any, ...]] = set()

    def flush() -> None:
        assert current is not None
        current["items"] = ", ".join(items) if items else None
        current["fingerprint"] = fingerprint(current)
        batch.append(tuple(current[c] for c in ROW_COLUMNS))
        if len(batch) >= BATCH:
            tx.insert_rows("import_merged", ROW_COLUMNS, batch)
            batch.clear()

    after = 0
    while True:  # paged, so memory stays flat however big the file
        rows = tx.rows(MULTI_PAGE_SQL, {"after": after, "limit": BATCH})
        if not rows:
            break
        after = rows[-1][0]
        for row in rows:
            record = dict(zip(MERGED_COLUMNS, row[1:], strict=True))
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
