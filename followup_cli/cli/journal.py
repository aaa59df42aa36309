"""Taking a command back: ``undo`` and ``history``."""

from __future__ import annotations

from typing import Annotated

import typer

from followup_cli.cli.common import YesOption, confirm, database, parse_id
from followup_cli.render import plain

app = typer.Typer(rich_markup_mode=None)  # top-level commands; the root adds them


@app.command()
def undo(
    ctx: typer.Context,
    operation: Annotated[
        str | None,
        typer.Argument(help="The operation to take back (default: the latest).", metavar="OP"),
    ] = None,
    yes: YesOption = False,
) -> None:
    """Take back the last command that changed something, as one unit: a whole import,
    a merge, a bulk done.

    `followup history` lists what can be taken back; an operation a later one builds on is
    refused until that one is undone. Example: followup undo, or followup undo 12
    """
    from followup_cli import undo as undoing

    op_id = None if operation is None else parse_id(operation, "operation")
    db = database(ctx)
    with db.reading() as tx:
        op = undoing.target(tx, op_id)
    if not yes and not confirm(f"Undo {plain.operation_line(op)}?"):
        plain.say("Nothing was undone.")
        return
    with db.transaction() as tx:
        undone = undoing.undo(tx, op.id)
    plain.say(f"Undid {plain.operation_line(undone)}.")


@app.command()
def history(
    ctx: typer.Context,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, help="How many operations to list.")
    ] = 20,
) -> None:
    """The latest commands that changed something, newest first, for `followup undo`.

    Example: followup history --limit 5
    """
    from followup_cli import undo as undoing

    with database(ctx).reading() as tx:
        operations = undoing.history(tx, limit)
    plain.operations(operations)
