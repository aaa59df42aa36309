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

A sale's identity is (source, order id): importing the same file twice changes nothing, and
an order id already recorded under another source, same day and amount, is that sale: it is
reported, not added again.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from followup_cli.enums import Status
from followup_cli.errors import ImportFailed, InvalidInput
from followup_cli.importer.read import ImportOptions, Input, ProgressCallback, bad_line, open_input
from followup_cli.importer.resolve import resolve_contacts, suppress
from followup_cli.importer.schedule import schedule
from followup_cli.importer.stage import Staged, create_stage, group_sales, stage
from followup_cli.importer.summary import (
    MAX_CHANGED_LISTED,
    Conflict,
    ImportSummary,
    default_rejects,
    write_rejects,
)
from followup_cli.importer.validate import parse_sale_date
from followup_cli.scheduling import RuleSet
from followup_cli.store.sql.followups import cancel_refunded_sql
from followup_cli.store.sql.importer import (
    ADDRESS_SQL,
    BOUGHT_SQL,
    CHANGED_ORDERS_SQL,
    DROP_STAGE,
    ELSEWHERE_SQL,
    LAST_INTERACTION_ID_SQL,
    MATCHED_CONTACTS_SQL,
    NEW_REFUNDS,
    OTHER_SOURCES_SQL,
    PROSPECTS_SQL,
    REFUNDS_COUNT_SQL,
    STATE_COUNTS_SQL,
    interactions_sql,
    sales_sql,
)

if TYPE_CHECKING:
    from followup_cli.store import Tx

__all__ = [
    "Conflict",
    "ImportOptions",
    "ImportSummary",
    "ProgressCallback",
    "parse_sale_date",
    "run_import",
]


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
    from followup_cli.scheduling import MANUAL

    if options.source is not None and options.source.strip() == MANUAL:
        raise InvalidInput(
            f"--source {MANUAL}: that name is kept for sales logged by hand"
            " (`followup log sale --ref`); choose another, e.g. --source till."
        )
    encodings = ["utf-8-sig", "cp1252"] if options.encoding == "auto" else [options.encoding]
    try:  # a text encoding: not rot13 or zlib, which Python refuses only given some bytes
        b"a".decode(encodings[0])
    except UnicodeDecodeError:
        pass  # UTF-16 and friends: a text encoding all the same
    except LookupError:
        raise InvalidInput(
            f"Unknown encoding {options.encoding!r}; try utf-8, cp1252 or latin-1."
        ) from None
    source = open_input(file)
    try:
        summary = _stage_file(tx, source, encodings, options, today, progress)
    finally:
        source.binary.close()
    # BEGIN IMMEDIATE (and an advisory lock on PostgreSQL): waits politely for another writer.
    tx.restart(write=True, exclusive=True)
    _write(tx, summary, options, rules, today, now)
    if options.dry_run:
        tx.discard()
    for statement in DROP_STAGE:  # a pooled PostgreSQL connection outlives the import
        tx.execute(statement)
    return summary


def _stage_file(
    tx: Tx,
    source: Input,
    encodings: list[str],
    options: ImportOptions,
    today: dt.date,
    progress: ProgressCallback | None,
) -> ImportSummary:
    """Pass 1 and the grouping, in TEMP tables; a file that is not UTF-8 is read again as
    cp1252 (Excel's) before giving up, naming the line that does not decode."""
    staged: Staged | None = None
    note = None
    for attempt, encoding in enumerate(encodings):
        create_stage(tx)
        try:
            staged = stage(tx, source, encoding, options, today, progress)
        except UnicodeError:  # a byte that does not decode; UTF-16 without its BOM
            line = bad_line(source.binary, encoding)
            if attempt + 1 < len(encodings):
                note = f"{source.label} is not UTF-8 (line {line}); read it as {encodings[attempt + 1]}"
                continue
            shown = "UTF-8 or cp1252" if options.encoding == "auto" else encoding
            raise ImportFailed(
                f"{source.label}, line {line}: cannot decode the file as {shown}. "
                "Save it as CSV UTF-8, or say its encoding, e.g. --encoding "
                "cp1252 or --encoding latin-1. Nothing was imported."
            ) from None
        duplicates = group_sales(tx)
        break
    assert staged is not None
    summary = ImportSummary(
        file=source.label,
        source=_source_name(options),
        encoding="utf-8" if encoding == "utf-8-sig" else encoding,
        dry_run=options.dry_run,
        rows=staged.rows,
        duplicate_rows=duplicates,
        rejected=len(staged.rejects),
        encoding_note=note,
        # a preset reads the columns it knows; the rest of a shop's export is expected
        unused_columns=[] if options.preset else staged.unused,
    )
    path = options.rejects or default_rejects(source)
    if staged.rejects:
        write_rejects(path, staged.header, staged.rejects)
        summary.rejects_path = str(path)
    elif not options.dry_run and path.is_file() and not path.is_symlink():
        path.unlink()  # an earlier run's rejects: this file has none, and it would mislead
    return summary


# The source of an import without --source or a preset: one name, whatever the file's
# columns, so an export that gains a column never imports its sales again (migration 0006).
DEFAULT_SOURCE = "import"


def _source_name(options: ImportOptions) -> str:
    if options.source:
        return options.source.strip()
    if options.preset:
        return options.preset.strip().lower()
    return DEFAULT_SOURCE


def _write(
    tx: Tx,
    summary: ImportSummary,
    options: ImportOptions,
    rules: RuleSet,
    today: dt.date,
    now: dt.datetime,
) -> None:
    """The write transaction: a handful of set-based statements."""
    tx.execute(OTHER_SOURCES_SQL, {"source": summary.source})
    tx.execute(sales_sql(tx.date_of("x.occurred_on")), {"source": summary.source})
    summary.suppressed = suppress(tx, options.secret, today)
    counts = tx.one(STATE_COUNTS_SQL)
    assert counts is not None
    old, elsewhere, same, no_contact = counts
    summary.already_imported, summary.skipped_no_contact = int(same), int(no_contact)
    summary.imported_elsewhere = int(elsewhere)
    if summary.imported_elsewhere:
        listed = tx.rows(ELSEWHERE_SQL, {"limit": MAX_CHANGED_LISTED})
        summary.elsewhere_orders = [f"{order} ({source})" for order, source in listed]
    summary.changed = int(old) - int(same)
    if summary.changed:
        changed = tx.rows(CHANGED_ORDERS_SQL, {"limit": MAX_CHANGED_LISTED})
        summary.changed_orders = [r[0] for r in changed]
    resolve_contacts(tx, summary, today)
    summary.matched_contacts = int(tx.value(MATCHED_CONTACTS_SQL))
    before = int(tx.value(LAST_INTERACTION_ID_SQL))
    recorded = {"before": before, "source": summary.source, "now": now}
    imported = tx.execute(
        interactions_sql(tx.date_of("s.occurred_on")),
        recorded,
    )
    summary.refunds_imported = int(tx.value(REFUNDS_COUNT_SQL, recorded))
    summary.sales_imported = imported - summary.refunds_imported
    for statement in ADDRESS_SQL:
        tx.execute(statement)
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
    if options.history:
        summary.history = True
    else:
        schedule(tx, summary, rules, today, before, now, catch_up=options.catch_up)
    if summary.refunds_imported:  # after scheduling: a sale and its refund in one file
        summary.followups_refunded = tx.execute(
            cancel_refunded_sql(NEW_REFUNDS),
            {**recorded, "today": today, "skipped": Status.SKIPPED.value,
             "pending": Status.PENDING.value},
        )  # fmt: skip
