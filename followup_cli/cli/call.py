"""`followup call` walks the owner through the follow-up call; `followup script` manages the
scripts it follows, one per kind of call (the follow-up's rule names it).

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

from followup_cli.cli import completion
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
            autocompletion=completion.call_targets,
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

    The script is the one the follow-up's rule names (thank-you, complaint, make-it-right,
    ...: see `followup script show PURPOSE`). Each answer is saved as it is given; Ctrl-C
    keeps them and `followup call ID` resumes.

    Examples: followup call 12 | followup call "Ann Lee" | followup call (today's calls) |
    followup call 12 --answers call.json
    """
    from followup_cli.calls import find_followup_id
    from followup_cli.cli.call_session import CallRun, call_from_file, call_one, power_hour
    from followup_cli.errors import InvalidInput

    db = database(ctx)
    run = CallRun(db)
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
    help="The call scripts `followup call` follows, one per kind of call (PURPOSE: "
    "thank-you, satisfaction, complaint, make-it-right, prospect, keep-in-touch). "
    "Example: followup script show complaint",
    no_args_is_help=True,
    rich_markup_mode=None,
)

PurposeArgument = Annotated[
    str,
    typer.Argument(
        help="The kind of call: thank-you (after a sale), satisfaction (after a resolved "
        "complaint), complaint, make-it-right, prospect, keep-in-touch.",
        metavar="PURPOSE",
        autocompletion=completion.purposes,
    ),
]


def _warn(script: Script) -> None:
    for warning in script.warnings:
        plain.warn(f"Warning: {warning}")


@script_app.command("show")
def script_show(purpose: PurposeArgument = "thank-you") -> None:
    """Print the script for a kind of call: your copy if you have one, else the built-in one.

    Examples: followup script show | followup script show complaint
    """
    from followup_cli.render.call import script_table
    from followup_cli.script import PURPOSES, check_purpose, load_script, script_path

    purpose = check_purpose(purpose)
    script = load_script(purpose=purpose)
    script_table(script)
    plain.say(f"For {purpose} calls: {PURPOSES[purpose]}.")
    path = script_path(purpose)
    if not path.exists():
        plain.say(f"Customise it with `{_command('edit', purpose)}` (creates {path}).")
    _warn(script)


def _command(verb: str, purpose: str) -> str:
    """``followup script VERB [PURPOSE]``, as short as it can be typed."""
    return f"followup script {verb}" + ("" if purpose == "thank-you" else f" {purpose}")


@script_app.command("edit")
def script_edit(purpose: PurposeArgument = "thank-you") -> None:
    """Open your copy of a script in $EDITOR (copying the built-in one first), then check it.

    Thank-you is script.toml, the others script-PURPOSE.toml, in the app folder.

    Examples: EDITOR=nano followup script edit | followup script edit make-it-right
    """
    from followup_cli.errors import InvalidInput
    from followup_cli.files import write_private_text
    from followup_cli.script import check_purpose, default_script_text, load_script, script_path

    purpose = check_purpose(purpose)
    path = script_path(purpose)
    if not path.exists():
        write_private_text(path, default_script_text(purpose))
        plain.say(f"Copied the built-in {purpose} script to {path}.")
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise InvalidInput(
            f"Set $EDITOR (e.g. export EDITOR=nano), or edit {path} yourself and run "
            f"`{_command('check', purpose)}`."
        )
    try:
        status = subprocess.run([*shlex.split(editor), str(path)], check=False).returncode
    except OSError as exc:
        raise InvalidInput(f"Cannot run the editor {editor!r}: {exc}. Check $EDITOR.") from None
    if status != 0:
        plain.warn(f"The editor exited with status {status}.")
    script = load_script(path, purpose)
    plain.say(f"{path}: {len(script.steps)} steps, valid.")
    _warn(script)


@script_app.command("check")
def script_check(
    purpose: Annotated[
        str,
        typer.Argument(
            help="The kind of call (thank-you, satisfaction, complaint, make-it-right, "
            "prospect, keep-in-touch), or a script file to check as a thank-you script.",
            metavar="PURPOSE",
        ),
    ] = "thank-you",
    path: Annotated[
        Path | None,
        typer.Argument(
            help="A script file to check as a PURPOSE script (default: the active one).",
            dir_okay=False,
            metavar="FILE",
        ),
    ] = None,
) -> None:
    """Validate a script and say what to fix (exit 2 on errors; warnings exit 0).

    Examples: followup script check | followup script check complaint |
    followup script check complaint ~/complaint.toml | followup script check ~/my-script.toml
    """
    from followup_cli.script import PURPOSES, check_purpose, load_script

    if path is None and purpose not in PURPOSES and _is_file(purpose):
        path, purpose = Path(purpose), "thank-you"  # `script check FILE`, as it always was
    purpose = check_purpose(purpose)
    script = load_script(path, purpose)
    plain.say(f"{script.source}: {len(script.steps)} steps, valid.")
    _warn(script)


def _is_file(text: str) -> bool:
    """A script file rather than a purpose: a .toml name, a path, or a file that exists."""
    return text.endswith(".toml") or os.sep in text or Path(text).is_file()
