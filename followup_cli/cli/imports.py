"""`followup import`: load tonight's sales export, then say what happened in one summary."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from followup_cli import config
from followup_cli.cli import completion
from followup_cli.cli.common import database, fire, now, rules, settings, today
from followup_cli.errors import ExitCode, InvalidInput
from followup_cli.render import events, plain

if TYPE_CHECKING:
    pass


app = typer.Typer(rich_markup_mode=None)  # top-level commands; the root adds them

PROGRESS_MIN_BYTES = 1_000_000  # smaller files import faster than a bar can be drawn


def _mapping(values: list[str] | None) -> dict[str, str]:
    from followup_cli.importer.columns import FIELDS

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
        typer.Option(
            "--preset",
            help="A ready column mapping for a known export: shopify.",
            autocompletion=completion.presets,
        ),
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="Use COLUMN for FIELD (order_id, date, name, email, phone, amount, items, "
            "prefers, and the postal address: address, address2, city, region, postcode, "
            "country); repeatable. Example: --map date='Sold on'.",
            metavar="FIELD=COLUMN",
        ),
    ] = None,
    history: Annotated[
        bool,
        typer.Option(
            "--history", help="Record the sales as history: no follow-ups (last year's sales)."
        ),
    ] = False,
    catch_up: Annotated[
        bool,
        typer.Option(
            "--catch-up",
            help="Schedule follow-ups too old to be useful anyway (due today), instead of skipping them.",
        ),
    ] = False,
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
            '(default: the preset, else "import"); an order id already imported under '
            "another source on the same day for the same amount is reported, not added.",
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
        history=history,
        catch_up=catch_up,
        rejects=rejects,
        encoding=encoding.strip().lower() or "auto",
        dayfirst=dayfirst,
        decimal_comma=decimal_comma,
        source=source,
        region=settings().phone_region,
        secret=config.suppression_key,
    )
    if history and catch_up:
        raise InvalidInput("--history schedules nothing and --catch-up everything: choose one.")
    from followup_cli.render.imports import progress_bar, summary_text
    from followup_cli.render.plain import print_json

    size = Path(file).stat().st_size if file != "-" and Path(file).is_file() else 0
    show = progress if progress is not None else sys.stderr.isatty() and size > PROGRESS_MIN_BYTES
    with progress_bar(show, file) as callback, database(ctx).reading(bulk=True) as tx:
        summary = run_import(
            tx, file, options=options, rules=rules(), today=today(), now=now(),
            progress=callback,
        )  # fmt: skip
    if as_json:
        print_json(summary.to_json())
    else:
        plain.say(summary_text(summary))
    if not summary.dry_run:
        fire("on-import", lambda: events.imported(summary, now()))
    if summary.rejected:
        plain.warn(
            f"Error: {summary.rejected} row{'s were' if summary.rejected != 1 else ' was'} "
            f"rejected; see {summary.rejects_path}."
        )
        raise typer.Exit(ExitCode.IMPORT_REJECTS)
