"""``followup export ...``, ``followup report ...`` and ``followup contact export``.

The commands parse, call one function of ``followup_cli.export`` / ``followup_cli.reports``
and render; the tables and panels of the reports are drawn by the private helpers below.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated

import typer

from followup_cli.cli import completion
from followup_cli.cli.common import (
    JsonLinesOption,
    JsonOption,
    RefArgument,
    database,
    now,
    settings,
    today,
    when,
)
from followup_cli.render import plain

app = typer.Typer(rich_markup_mode=None)  # top-level commands; the root adds them
contact_commands = typer.Typer(rich_markup_mode=None)  # `contact export`, added to the group

SinceOption = Annotated[
    str | None,
    typer.Option(
        "--since", help="From this day (included): 2026-11-01, 30 days ago, -4w.", metavar="WHEN"
    ),
]
UntilOption = Annotated[
    str | None,
    typer.Option("--until", help="Up to this day (included); default today.", metavar="WHEN"),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write to this file (created private, 0600) instead of stdout."
    ),
]


def _past(value: str | None) -> dt.date | None:
    return when(value, future=False) if value else None


def _check_output(path: Path) -> None:
    """Fail before writing anything when the file cannot be created where asked."""
    from followup_cli.errors import InvalidInput

    if path.is_dir():
        raise InvalidInput(f"{path} is a folder; give a file name, e.g. {path / 'export.csv'}.")
    if not path.parent.is_dir():
        raise InvalidInput(
            f"Cannot write {path}: the folder {path.parent} does not exist. Create it first "
            f"(mkdir -p {path.parent}) or choose another path."
        )


@contextmanager
def _text_out(path: Path | None) -> Iterator[IO[str]]:
    """A UTF-8 text stream with ``newline=""`` on the file (0600) or on stdout."""
    from followup_cli.errors import FollowupError
    from followup_cli.files import open_private

    if path is None:
        sys.stdout.flush()
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:  # a stream without bytes underneath: write text as it is
            yield sys.stdout
            return
        stream = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
        try:
            yield stream
        finally:
            stream.flush()
            stream.detach()
        return
    _check_output(path)
    try:
        with open_private(path, "w", encoding="utf-8", newline="") as handle:
            yield handle  # written whole or not at all: never half an export
    except OSError as exc:
        raise FollowupError(f"Cannot write {path}: {exc.strerror}.") from None


def _write_bytes(path: Path | None, data: bytes) -> None:
    from followup_cli.errors import FollowupError
    from followup_cli.files import open_private

    if path is None:
        sys.stdout.flush()
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:
            sys.stdout.write(data.decode("utf-8"))
        else:
            buffer.write(data)
            buffer.flush()
        return
    _check_output(path)
    try:
        with open_private(path, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise FollowupError(f"Cannot write {path}: {exc.strerror}.") from None


@app.command("export")
def export_command(
    ctx: typer.Context,
    kind: Annotated[
        str,
        typer.Argument(
            help="contacts, sales, followups, answers, calls, or ics (the agenda as a calendar).",
            metavar="KIND",
            autocompletion=completion.export_kinds,
            show_default=False,
        ),
    ],
    since: SinceOption = None,
    until: UntilOption = None,
    output: OutputOption = None,
    excel: Annotated[
        bool, typer.Option("--excel", help="Start with a UTF-8 BOM so Excel reads accents right.")
    ] = False,
    days: Annotated[
        int,
        typer.Option("--days", "-d", min=0, max=3660, help="ics only: how many days ahead."),
    ] = 14,
) -> None:
    """Export a table as CSV (header first, ISO dates, plain numbers, formula-safe text).

    --since/--until filter contacts by the day they were added, sales by sale day,
    followups by due date, answers and calls by call day.
    `followup export ics` writes the pending follow-ups of the next --days days (and the
    overdue ones, on today) as an iCalendar file for your phone's calendar.

    Example: followup export sales --since "30 days ago" -o sales.csv --excel
    """
    from followup_cli import export
    from followup_cli.errors import InvalidInput

    db = database(ctx)
    if kind.strip().lower() == "ics":
        if since or until or excel:
            raise InvalidInput("ics takes --days and -o only; --since/--until/--excel are for CSV.")
        with db.reading() as tx:
            data, count = export.agenda_calendar(
                tx, today(), days, stamp=now(), currency=settings().currency
            )
        _write_bytes(output, data)
        if output is not None:
            plain.warn(f"Wrote {count} follow-up{'' if count == 1 else 's'} to {output}.")
        return
    spec = export.get_kind(kind)
    start, end = _past(since), _past(until)
    export.check_period(start, end)
    with _text_out(output) as out, db.reading(mmap_bytes=export.EXPORT_MMAP_BYTES) as tx:
        count = export.export_csv(tx, spec, out, since=start, until=end, excel=excel)
    if output is not None:
        plain.warn(f"Exported {count} row{'' if count == 1 else 's'} of {spec.name} to {output}.")


@contact_commands.command("export")
def contact_export(ctx: typer.Context, ref: RefArgument, output: OutputOption = None) -> None:
    """Everything kept about one person, as JSON: for the customer who asks what you keep.

    Example: followup contact export "Ann Lee" -o ann-lee.json
    """
    import json

    from followup_cli.export import contact_document

    with database(ctx).reading() as tx:
        document = contact_document(tx, ref, exported_on=today())
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    with _text_out(output) as out:
        out.write(text)
    if output is not None:
        plain.warn(f"Wrote everything about {document['contact']['name']} to {output}.")


# ---------------------------------------------------------------------------------------------
# Reports

report_app = typer.Typer(
    help="How follow-ups and calls went. Example: followup report --since 2026-10-01",
    invoke_without_command=True,
    rich_markup_mode=None,
)


@report_app.callback(invoke_without_command=True)
def report_summary(
    ctx: typer.Context,
    since: SinceOption = None,
    until: UntilOption = None,
    as_json: JsonOption = False,
) -> None:
    """Summary for a period (default: the last 30 days ending today), beside the period before.

    Sales (count, revenue, customers, returning ones), follow-ups (due, done, on time,
    overdue, skipped), calls (reached, outcomes, would recommend, reviews, referrals),
    answers by label, and each channel's reach rate.
    Subcommands: `followup report silence`, `followup report feedback`.

    Example: followup report --since 2026-11-01 --until 2026-11-30
    """
    if ctx.invoked_subcommand is not None:
        return
    from followup_cli import reports
    from followup_cli.render import reports as reports_view

    day = today()
    chosen = reports.period(_past(since), _past(until), day)
    with database(ctx).reading() as tx:
        result = reports.summary(tx, chosen, day)
    if as_json:
        plain.print_json(result.to_json())
    else:
        reports_view.summary(result, settings().currency)


@report_app.command("silence")
def report_silence(
    ctx: typer.Context,
    days: Annotated[
        int, typer.Option("--days", "-d", min=1, max=3660, help="Look back this many days.")
    ] = 30,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=100_000, help="Show at most this many.")
    ] = 50,
    as_json: JsonOption = False,
) -> None:
    """Customers who bought or visited lately and have not heard from you since.

    Most valuable first (their sales in the window). Example: followup report silence --days 14
    """
    from followup_cli import reports

    with database(ctx).reading() as tx:
        result = reports.silence(tx, today(), days, limit)
    if as_json:
        plain.print_json(result.to_json())
    else:
        plain.silence(result, settings().currency)


@report_app.command("feedback")
def report_feedback(
    ctx: typer.Context,
    label: Annotated[
        str | None,
        typer.Option(
            "--label",
            "-l",
            help="Only answers with this label, to any question: negative, neutral or positive.",
            autocompletion=completion.labels,
        ),
    ] = None,
    since: SinceOption = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=100_000, help="Show at most this many.")
    ] = 50,
    as_json: JsonOption = False,
    as_jsonl: JsonLinesOption = False,
) -> None:
    """What customers said could be better, and every negative answer, newest first.

    --label positive reads the praise instead. Example: followup report feedback --since "30 days ago"
    """
    from followup_cli import reports

    with database(ctx).reading() as tx:  # the list is written as it is read
        items = reports.read_feedback(tx, label=label, since=_past(since), limit=limit)
        if as_json or as_jsonl:
            plain.json_items((item.to_json() for item in items), lines=as_jsonl)
        else:
            plain.feedback(items, limit)
