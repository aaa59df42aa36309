"""The import's progress bar (on stderr) and its summary in words."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from followup_cli.render.plain import rich_colour

if TYPE_CHECKING:
    from followup_cli.importer import ImportSummary

CONFLICTS_SHOWN = 20  # a file from a new till can differ on every name; the count says all


@contextmanager
def progress_bar(show: bool, label: str) -> Iterator[Callable[[int, int], None] | None]:
    if not show:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True, **rich_colour(sys.stderr)),
        transient=True,
    ) as bar:
        task = bar.add_task(f"Reading {label}", total=None)

        def update(done: int, total: int) -> None:
            if total and done >= total:  # read; the set-based write takes about as long again
                bar.update(task, completed=done, total=total, description="Saving")
            else:
                bar.update(task, completed=done, total=total or None)

        yield update


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _stale(s: ImportSummary) -> str:
    if not s.followups_stale:
        return "0"
    through = f"; sales up to {s.stale_through} are history" if s.stale_through else ""
    return (
        f"{s.followups_stale} not scheduled, past their useful life{through}: recorded, no "
        "follow-ups (--catch-up schedules them)"
    )


def _elsewhere(s: ImportSummary) -> str:
    if not s.imported_elsewhere:
        return "0"
    more = ", ..." if s.imported_elsewhere > len(s.elsewhere_orders) else ""
    return (
        f"{s.imported_elsewhere}, not added again: the same order id, date and amount is already "
        f"recorded ({', '.join(s.elsewhere_orders)}{more})"
    )


def _counted(count: int, why: str) -> str:
    """A count and what it means; a zero is just 0."""
    return f"{count} ({why})" if count else "0"


MAX_UNUSED_SHOWN = 8  # a shop's export may carry dozens of columns nobody needs


def summary_text(s: ImportSummary) -> str:
    """The summary in words; every count is shown, so a zero is an answer too."""
    head = "Dry run, nothing was saved: would import" if s.dry_run else "Imported"
    refunds = f" and {_plural(s.refunds_imported, 'refund')}" if s.refunds_imported else ""
    lines = [
        f"{head} {_plural(s.sales_imported, 'sale')}{refunds} from {s.file} (source {s.source})."
    ]
    if s.followups_refunded:
        lines.append(
            f"  Refunded in full: {_plural(s.followups_refunded, 'pending thank-you')} skipped."
        )
    if s.encoding_note:
        lines.append(f"  Note: {s.encoding_note}.")
    if s.unused_columns:
        unread = ", ".join(repr(c) for c in s.unused_columns[:MAX_UNUSED_SHOWN])
        more = len(s.unused_columns) - MAX_UNUSED_SHOWN
        unread += f" and {more} more" if more > 0 else ""
        lines.append(f"  Not read: {unread} (--map FIELD=COLUMN reads one).")
    late = f" ({s.followups_late} late, due today)" if s.followups_late else ""
    not_scheduled = (
        f"; {s.followups_not_scheduled} not scheduled (no way to reach the contact)"
        if s.followups_not_scheduled
        else ""
    )
    changed = f" ({', '.join(s.changed_orders)}{', ...' if s.changed > len(s.changed_orders) else ''}; not overwritten)" if s.changed else ""  # fmt: skip
    if s.followups_no_address:
        not_scheduled += (
            f"; {_plural(s.followups_no_address, 'note')} not scheduled (no postal address)"
        )
    rejected = f" -> {s.rejects_path}" if s.rejected else ""
    if s.history:
        scheduled = "none: recorded as history (--history)"
    else:
        scheduled = f"{s.followups_scheduled}{late}{not_scheduled}"
    rows = [
        ("New contacts", str(s.new_contacts)),
        ("Matched contacts", str(s.matched_contacts)),
        ("Follow-ups scheduled", scheduled),
        (
            "Joined pending follow-ups",
            _counted(
                s.followups_joined,
                "a repeat customer's sale added to the follow-up already planned: once_per",
            ),
        ),
        (
            "Not needed by the rules",
            _counted(
                s.followups_not_needed,
                "a rule's min_amount, tags or customer; done recently (once_per); one note per"
                " sale",
            ),
        ),
        ("Too old to follow up", _stale(s)),
        ("Prospect follow-ups dropped", str(s.prospect_followups_dropped)),
        ("Already imported", str(s.already_imported)),
        ("Under another source", _elsewhere(s)),
        ("Changed since last import", f"{s.changed}{changed}"),
        ("Skipped, no email or phone", str(s.skipped_no_contact)),
        ("Suppressed (forgotten)", str(s.suppressed)),
        ("Duplicate rows", str(s.duplicate_rows)),
        ("Rows rejected", f"{s.rejected}{rejected}"),
        ("Conflicting names", str(s.conflicting_names)),
    ]
    width = max(len(label) for label, _ in rows) + 1
    lines += [f"  {label + ':':<{width}} {value}" for label, value in rows]
    shown = s.conflicts[:CONFLICTS_SHOWN]
    for c in shown:
        lines.append(
            f"  Not changed: {c.contact} has {c.field} {c.existing!r}; "
            f"order {c.order_id} says {c.imported!r}."
        )
    if s.conflict_count > len(shown):
        lines.append(
            f"  ... and {s.conflict_count - len(shown)} more differences not changed"
            f" (--json lists the first {len(s.conflicts)})."
        )
    return "\n".join(lines)
