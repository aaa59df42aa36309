"""What an import did, in figures, and the rejects file for the rows it refused."""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from followup_cli.errors import ImportFailed
from followup_cli.importer.read import Input

MAX_CHANGED_LISTED = 20


MAX_CONFLICTS_LISTED = 100  # every conflict is counted; these many are shown


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
    refunds_imported: int = 0  # rows with a negative total: money given back
    followups_refunded: int = 0  # pending thank-yous of sales refunded in full
    new_contacts: int = 0
    matched_contacts: int = 0
    followups_scheduled: int = 0
    followups_late: int = 0
    followups_not_scheduled: int = 0  # no way to reach the contact by the rule's channels
    followups_no_address: int = 0  # a note for a contact without a postal address
    followups_joined: int = 0  # added to a pending follow-up (a rule's once_per)
    followups_not_needed: int = 0  # a rule's conditions, once_per, one note per sale
    followups_stale: int = 0  # past their rule's useful life: the sale is history
    stale_through: str | None = None  # the last sale day whose follow-ups were all too old
    history: bool = False  # --history: recorded, nothing scheduled
    prospect_followups_dropped: int = 0
    already_imported: int = 0
    # the same order id, date and amount under another source: that sale, not added again
    imported_elsewhere: int = 0
    elsewhere_orders: list[str] = field(default_factory=list)  # "1001 (till)", the first 20
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
    unused_columns: list[str] = field(default_factory=list)  # columns (JSON keys) not read

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Reject:
    line: int
    reason: str
    cells: list[str]


def default_rejects(source: Input) -> Path:
    if source.path is None:
        from followup_cli.config import app_dir

        return app_dir() / "stdin.rejects.csv"
    return source.path.with_name(f"{source.path.stem}.rejects.csv")


def write_rejects(path: Path, header: list[str], rejects: list[Reject]) -> None:
    """The original rows, plus the line they came from and why they were refused (0600)."""
    from followup_cli.files import formula_safe, open_private

    width = max([len(header), *(len(r.cells) for r in rejects)])
    extra = [f"(extra {n})" for n in range(1, width - len(header) + 1)]  # unquoted commas
    try:
        with open_private(path, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([*header, *extra, "line", "reason"])
            for reject in rejects:
                cells = reject.cells + [""] * (width - len(reject.cells))
                # The cells are untrusted and the file opens in a spreadsheet: formula-safe.
                safe = [formula_safe(cell) for cell in cells]
                writer.writerow([*safe, reject.line, formula_safe(reject.reason)])
    except OSError as exc:
        raise ImportFailed(
            f"Cannot write the rejects file {path}: {exc.strerror}; choose one with --rejects."
        ) from None
