"""`followup import`: load tonight's sales export, then say what happened in one summary."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from followup_cli.cli.common import database, now, rules, settings, today
from followup_cli.errors import ExitCode, InvalidInput

if TYPE_CHECKING:
    from followup_cli.importer import ImportSummary


app = typer.Typer(rich_markup_mode=None)  # top-level commands; the root adds them

PROGRESS_MIN_BYTES = 1_000_000  # smaller files import faster than a bar can be drawn
CONFLICTS_SHOWN = 20  # a file from a new till can differ on every name; the count says all


def _mapping(values: list[str] | None) -> dict[str, str]:
    from followup_cli.importer import FIELDS

    mapping: dict[str, str] = {}
    for item in values or []:
        name, sep, column = item.partition("=")
        name = name.strip().lower()
        if not sep or not column.strip():
            raise InvalidInput(f"--map {item!r}: write FIELD=COLUMN, e.g. --map date=Sold.")
        if name not in FIELDS:
            raise InvalidInput(f"--map {item!r}: unknown field {name!r}; use one of {', '.join(FIELDS)}.")  # fmt: skip
        mapping[name] = column.strip()
    return mapping


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[
        str,
        typer.Argument(
            help="The CSV (or JSON Lines) file of sales, or - for stdin.", metavar="FILE|-"
        ),
    ],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="csv or jsonl (default: from the file name, else csv)."),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option("--preset", help="A ready column mapping for a known export: shopify."),
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="Use COLUMN for FIELD (order_id, date, name, email, phone, amount, items, "
            "prefers); repeatable. Example: --map date='Sold on'.",
            metavar="FIELD=COLUMN",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Do everything but save; print the same summary.")
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects",
            help="Where to write rejected rows (default: NAME.rejects.csv next to the file).",
            metavar="PATH",
        ),
    ] = None,
    encoding: Annotated[
        str,
        typer.Option(
            "--encoding",
            help="The file's encoding (default: auto = UTF-8 with or without BOM, else cp1252).",
            metavar="ENC",
        ),
    ] = "auto",
    dayfirst: Annotated[
        bool, typer.Option("--dayfirst", help="Read 11/05/2025 as 11 May (default: Nov 5).")
    ] = False,
    decimal_comma: Annotated[
        bool, typer.Option("--decimal-comma", help="Read 1.299,50 and 12,50 as amounts.")
    ] = False,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            help="Name of the system the orders come from; order ids are unique per source "
            "(default: the preset, else the file's header signature).",
            metavar="NAME",
        ),
    ] = None,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress", help="Progress bar (default: on a terminal, big files)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Import sales from a CSV export: contacts matched or created, follow-ups scheduled.

    The whole file is one transaction and importing it again changes nothing.
    Bad rows go to a rejects file and the command exits 5.

    Example: followup import orders_export.csv --preset shopify
    """
    from followup_cli.importer import ImportOptions, run_import

    if fmt is not None and fmt.lower() not in ("csv", "jsonl"):
        raise InvalidInput(f"--format {fmt!r}: use csv or jsonl.")
    options = ImportOptions(
        format=fmt.lower() if fmt else None,
        preset=preset,
        mapping=_mapping(mapping),
        dry_run=dry_run,
        rejects=rejects,
        encoding=encoding.strip().lower() or "auto",
        dayfirst=dayfirst,
        decimal_comma=decimal_comma,
        source=source,
        region=settings().phone_region,
    )
    size = Path(file).stat().st_size if file != "-" and Path(file).is_file() else 0
    show = progress if progress is not None else sys.stderr.isatty() and size > PROGRESS_MIN_BYTES
    db = database(ctx)
    with _progress_bar(show, file) as callback:
        summary = run_import(
            db, file, options=options, rules=rules(), today=today(), now=now(),
            progress=callback,
        )  # fmt: skip
    if as_json:
        typer.echo(json.dumps(summary.to_json(), indent=2, ensure_ascii=False))
    else:
        typer.echo(_render(summary))
    if summary.rejected:
        typer.echo(
            f"Error: {summary.rejected} row{'s were' if summary.rejected != 1 else ' was'} "
            f"rejected; see {summary.rejects_path}.",
            err=True,
        )
        raise typer.Exit(ExitCode.IMPORT_REJECTS)


@contextmanager
def _progress_bar(show: bool, label: str) -> Iterator[Callable[[int, int], None] | None]:
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
        console=Console(stderr=True),
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


def _render(s: ImportSummary) -> str:
    """The summary in words; every count is shown, so a zero is an answer too."""
    head = "Dry run, nothing was saved: would import" if s.dry_run else "Imported"
    lines = [f"{head} {_plural(s.sales_imported, 'sale')} from {s.file} (source {s.source})."]
    if s.encoding_note:
        lines.append(f"  Note: {s.encoding_note}.")
    late = f" ({s.followups_late} late, due today)" if s.followups_late else ""
    not_scheduled = (
        f"; {s.followups_not_scheduled} not scheduled (no way to reach the contact)"
        if s.followups_not_scheduled
        else ""
    )
    changed = f" ({', '.join(s.changed_orders)}{', ...' if s.changed > len(s.changed_orders) else ''}; not overwritten)" if s.changed else ""  # fmt: skip
    rejected = f" -> {s.rejects_path}" if s.rejected else ""
    rows = [
        ("New contacts", str(s.new_contacts)),
        ("Matched contacts", str(s.matched_contacts)),
        ("Follow-ups scheduled", f"{s.followups_scheduled}{late}{not_scheduled}"),
        ("Prospect follow-ups dropped", str(s.prospect_followups_dropped)),
        ("Already imported", str(s.already_imported)),
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
