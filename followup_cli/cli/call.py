"""`followup call` walks the owner through the follow-up call; `followup script` manages the
script it follows.

Every answer is saved in its own short write transaction the moment it is given; no
transaction is open while the owner types. Ctrl-C or end of input keeps what was said,
marks the call interrupted and leaves the follow-up pending (exit 130); calling again
offers to resume.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from followup_cli.cli.common import database
from followup_cli.render import plain

if TYPE_CHECKING:
    from followup_cli.script import Script


app = typer.Typer(rich_markup_mode=None)  # top-level commands; the root adds them


# --------------------------------------------------------------------------------------------
# `followup call`
# --------------------------------------------------------------------------------------------


@app.command()
def call(
    ctx: typer.Context,
    target: Annotated[
        str | None,
        typer.Argument(
            help="A follow-up id (12 or #12), or a contact (name, email) whose next phone "
            "follow-up to call. Without it: today's calls, one by one.",
            metavar="ID|REF",
            show_default=False,
        ),
    ] = None,
    answers: Annotated[
        Path | None,
        typer.Option(
            "--answers",
            help="Record a whole call from a JSON file instead of asking (see docs/call.md).",
            metavar="FILE.json",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Walk through the follow-up call and record every answer.

    Each answer is saved as it is given; Ctrl-C keeps them and `followup call ID` resumes.

    Examples: followup call 12 | followup call "Ann Lee" | followup call (today's calls) |
    followup call 12 --answers call.json
    """
    from followup_cli.calls import find_followup_id
    from followup_cli.cli.call_session import CallRun, call_from_file, call_one, power_hour
    from followup_cli.errors import InvalidInput
    from followup_cli.script import load_script

    script = load_script()
    db = database(ctx)
    run = CallRun(db, script)
    if answers is not None:
        if target is None:
            raise InvalidInput("--answers records one call: give the follow-up id, e.g. call 12.")
        with db.reading() as tx:
            fid = find_followup_id(tx, target)
        call_from_file(run, fid, answers)
        return
    if target is None:
        power_hour(run)
        return
    with db.reading() as tx:
        fid = find_followup_id(tx, target)
    call_one(run, fid)


# --------------------------------------------------------------------------------------------
# `followup script`
# --------------------------------------------------------------------------------------------

script_app = typer.Typer(
    help="The call script `followup call` follows. Example: followup script show",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _warn(script: Script) -> None:
    for warning in script.warnings:
        plain.warn(f"Warning: {warning}")


@script_app.command("show")
def script_show() -> None:
    """Print the active script: your script.toml if you have one, else the built-in one.

    Example: followup script show
    """
    from followup_cli.render.call import script_table
    from followup_cli.script import load_script, script_path

    script = load_script()
    script_table(script)
    if not script_path().exists():
        plain.say(f"Customise it with `followup script edit` (creates {script_path()}).")
    _warn(script)


@script_app.command("edit")
def script_edit() -> None:
    """Open your script.toml in $EDITOR (copying the built-in script first), then check it.

    Example: EDITOR=nano followup script edit
    """
    from followup_cli.errors import InvalidInput
    from followup_cli.files import write_private_text
    from followup_cli.script import default_script_text, load_script, script_path

    path = script_path()
    if not path.exists():
        write_private_text(path, default_script_text())
        plain.say(f"Copied the built-in script to {path}.")
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise InvalidInput(
            f"Set $EDITOR (e.g. export EDITOR=nano), or edit {path} yourself and run "
            "`followup script check`."
        )
    try:
        status = subprocess.run([*shlex.split(editor), str(path)], check=False).returncode
    except OSError as exc:
        raise InvalidInput(f"Cannot run the editor {editor!r}: {exc}. Check $EDITOR.") from None
    if status != 0:
        plain.warn(f"The editor exited with status {status}.")
    script = load_script(path)
    plain.say(f"{path}: {len(script.steps)} steps, valid.")
    _warn(script)


@script_app.command("check")
def script_check(
    path: Annotated[
        Path | None,
        typer.Argument(help="A script file to check (default: the active script).", dir_okay=False),
    ] = None,
) -> None:
    """Validate the script and say what to fix (exit 2 on errors; warnings exit 0).

    Example: followup script check ~/my-script.toml
    """
    from followup_cli.script import load_script

    script = load_script(path)
    plain.say(f"{script.source}: {len(script.steps)} steps, valid.")
    _warn(script)
