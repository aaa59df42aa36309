"""`followup draft` writes the message for a follow-up and opens it in the right app;
`followup notes` prints the day's handwritten notes; `followup templates` manages the words.

No transaction is open while the owner edits or answers "Sent?": the draft is read, then
marking it sent is its own short write.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from followup_cli.cli.common import database, now, parse_id, rules, settings, today, when
from followup_cli.config import Settings
from followup_cli.errors import Conflict, Interrupted, InvalidInput
from followup_cli.render import plain

if TYPE_CHECKING:
    from followup_cli.drafts import Draft, Templates

app = typer.Typer(rich_markup_mode=None)  # top-level commands; the root adds them


def _opener(link: str) -> list[str]:
    """The desktop's own way to open a link: open (macOS), start (Windows), else xdg-open."""
    if sys.platform == "darwin":
        return ["open", link]
    if sys.platform == "win32":
        return ["cmd", "/c", "start", "", link]
    return ["xdg-open", link]


def open_link(link: str) -> None:
    """Hand the link to the desktop; a missing or failing opener is one clear line."""
    command = _opener(link)
    if shutil.which(command[0]) is None:
        raise Conflict(f"Cannot open the link: {command[0]} is not installed; copy the link above.")
    try:
        status = subprocess.run(command, check=False).returncode
    except OSError as exc:
        raise Conflict(f"Cannot run {command[0]}: {exc}; copy the link above.") from None
    if status != 0:
        raise Conflict(
            f"{command[0]} could not open the link (exit {status}): no app is set for "
            f"{link.split(':', 1)[0]}: links? Copy the link above."
        )


def _edit(d: Draft) -> Draft:
    """Let the owner change the words in $EDITOR; the link is rebuilt from what they wrote."""
    import tempfile

    from followup_cli.drafts import edit_text, parse_edited, with_text

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise InvalidInput("Set $EDITOR (e.g. export EDITOR=nano) to edit a draft.")
    fd, name = tempfile.mkstemp(prefix="followup-draft-", suffix=".txt")
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(edit_text(d))
        try:
            status = subprocess.run([*shlex.split(editor), str(path)], check=False).returncode
        except OSError as exc:
            raise InvalidInput(f"Cannot run the editor {editor!r}: {exc}. Check $EDITOR.") from None
        if status != 0:
            raise InvalidInput(f"The editor exited with status {status}; nothing was sent.")
        subject, body = parse_edited(path.read_text(encoding="utf-8"), d.channel)
    finally:
        path.unlink(missing_ok=True)
    if not body:
        raise InvalidInput("The message is empty after editing; nothing was sent.")
    return with_text(d, subject if d.channel == "email" else None, body)


def _sent_question(d: Draft) -> bool:
    """ "Sent? [Y/n]": Enter or y marks it; n leaves it pending; Ctrl-C or end of input too."""
    try:
        return bool(typer.confirm("Sent?", default=True))
    except (typer.Abort, EOFError, KeyboardInterrupt):
        raise Interrupted(
            f"Not marked sent; #{d.followup_id} is still pending "
            f"(`followup draft {d.followup_id} --sent` marks it)."
        ) from None


@app.command("draft")
def draft_command(
    ctx: typer.Context,
    followup_id: Annotated[str, typer.Argument(help="The follow-up id (12 or #12).", metavar="ID")],
    open_it: Annotated[
        bool,
        typer.Option("--open", help="Open the link in your mail or messages app, then ask Sent?"),
    ] = False,
    edit: Annotated[
        bool, typer.Option("--edit", help="Change the words in $EDITOR first.")
    ] = False,
    sent: Annotated[
        bool, typer.Option("--sent", help="It is sent: mark the follow-up done now, no question.")
    ] = False,
) -> None:
    """Write the message for a follow-up: an email, a text, the note, or a voicemail line.

    Prints the message and the link that opens it (mailto:, sms:, tel:). With --open the
    link goes to your desktop and you are asked "Sent?": yes marks the follow-up done with the
    template it was sent with, so this customer gets other words next time.

    Examples: followup draft 14 | followup draft 14 --open | followup draft 14 --edit --open |
    followup draft 14 --sent
    """
    from followup_cli.drafts import draft_for, load_templates, mark_sent
    from followup_cli.render import drafts as view

    fid = parse_id(followup_id)
    db, rule_set, owner = database(ctx), rules(), settings()
    with db.reading() as tx:
        made = draft_for(
            tx, fid, settings=owner, rules=rule_set, templates=load_templates(), today=today()
        )
    if edit:
        if made.channel in ("phone", "visit"):
            raise InvalidInput(
                f"A {made.channel} has no message to edit; --edit is for the others."
            )
        made = _edit(made)
    view.draft(made)
    unset = [
        key for key in ("owner", "business") if getattr(owner, key) == Settings._field_defaults[key]
    ]
    if unset:  # a customer should not read "the owner, our business" under a thank-you
        plain.warn(
            f"Signed with the placeholder {' and '.join(unset)}: set yours with "
            + " and ".join(f"`followup config set {key} ...`" for key in unset)
            + "."
        )
    if open_it:
        if made.link is None:
            raise InvalidInput(
                f"A {'handwritten note' if made.channel == 'mail' else made.channel} has no link "
                "to open; write it, then mark it with --sent."
            )
        open_link(made.link)
        if made.channel == "phone":
            return  # a call is recorded by `followup call`, with what they said
        sent = sent or _sent_question(made)
    elif not sent and made.channel in ("email", "text", "mail"):
        plain.say(f"\nSent it? `followup draft {fid} --sent` marks it done.")
    if not sent:
        return
    with db.transaction() as tx:
        result = mark_sent(tx, fid, made.template, today=today(), now=now(), rules=rule_set)
    plain.done(result)


@app.command("notes")
def notes_command(
    ctx: typer.Context,
    on: Annotated[
        str | None,
        typer.Option("--on", help="The day (default today), e.g. friday.", metavar="WHEN"),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file (default: the screen).", dir_okay=False
        ),
    ] = None,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="CSV for a mail merge or a label printer instead of HTML.")
    ] = False,
) -> None:
    """The day's handwritten notes as a printable page: a card per note with the name, postal
    address, a suggested text and what they bought.

    Examples: followup notes -o notes.html | followup notes --on friday --csv -o labels.csv
    """
    from followup_cli.drafts import load_templates, notes_for
    from followup_cli.files import open_private
    from followup_cli.render import drafts as view

    day = when(on) if on else today()
    owner = settings()
    with database(ctx).reading() as tx:
        notes = notes_for(tx, day, settings=owner, rules=rules(), templates=load_templates())
    if output is None:
        if as_csv:
            view.notes_csv(notes, sys.stdout)
        else:
            sys.stdout.write(view.notes_html(notes, day, owner.business))
        return
    with open_private(output, "w", encoding="utf-8", newline="") as fh:
        if as_csv:
            view.notes_csv(notes, fh)
        else:
            fh.write(view.notes_html(notes, day, owner.business))
    plain.warn(f"Wrote {len(notes)} note{'' if len(notes) == 1 else 's'} to {output}.")


# --------------------------------------------------------------------------------------------
# `followup templates`
# --------------------------------------------------------------------------------------------

templates_app = typer.Typer(
    help="The words `followup draft` writes, per purpose and channel, as a TOML file. "
    "Example: followup templates show thank-you",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _warn(found: Templates) -> None:
    for warning in found.warnings:
        plain.warn(f"Warning: {warning}")


@templates_app.command("show")
def templates_show(
    purpose: Annotated[
        str | None,
        typer.Argument(
            help="thank-you, review-link, make-it-right, satisfaction, prospect, "
            "keep-in-touch, referral-intro or referral-thanks (default: all).",
            metavar="PURPOSE",
        ),
    ] = None,
    channel: Annotated[
        str | None,
        typer.Option("--channel", "-c", help="Only email, text, mail or phone.", metavar="CH"),
    ] = None,
) -> None:
    """Print the templates: yours where you have them, else the built-in ones.

    Examples: followup templates show | followup templates show review-link --channel text
    """
    from followup_cli.drafts import CHANNELS, PURPOSES, load_templates, templates_path
    from followup_cli.render import drafts as view

    if purpose is not None and purpose not in PURPOSES:
        raise InvalidInput(f"Unknown purpose {purpose!r}; use one of {', '.join(PURPOSES)}.")
    if channel is not None and channel not in CHANNELS:
        raise InvalidInput(f"Unknown channel {channel!r}; use one of {', '.join(CHANNELS)}.")
    found = load_templates()
    view.templates(found, purpose, channel)
    if not templates_path().exists():
        plain.say(f"Change them with `followup templates edit` (creates {templates_path()}).")
    _warn(found)


@templates_app.command("edit")
def templates_edit() -> None:
    """Open your templates.toml in $EDITOR (copying the built-in one first), then check it.

    Example: EDITOR=nano followup templates edit
    """
    from followup_cli.drafts import default_templates_text, load_templates, templates_path
    from followup_cli.files import write_private_text

    path = templates_path()
    if not path.exists():
        write_private_text(path, default_templates_text())
        plain.say(f"Copied the built-in templates to {path}.")
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise InvalidInput(
            f"Set $EDITOR (e.g. export EDITOR=nano), or edit {path} yourself and run "
            "`followup templates check`."
        )
    try:
        status = subprocess.run([*shlex.split(editor), str(path)], check=False).returncode
    except OSError as exc:
        raise InvalidInput(f"Cannot run the editor {editor!r}: {exc}. Check $EDITOR.") from None
    if status != 0:
        plain.warn(f"The editor exited with status {status}.")
    found = load_templates(path)
    plain.say(f"{path}: {sum(map(len, found.kinds.values()))} templates, valid.")
    _warn(found)


@templates_app.command("check")
def templates_check(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="A templates file to check (default: yours).", dir_okay=False, metavar="FILE"
        ),
    ] = None,
) -> None:
    """Validate templates and say what to fix: unknown fields, empty bodies, an email without a
    subject, a review-link message without {review_link} (exit 2); long texts warn (exit 0).

    Examples: followup templates check | followup templates check ~/templates.toml
    """
    from followup_cli.drafts import load_templates

    found = load_templates(path)
    plain.say(f"{found.source}: {sum(map(len, found.kinds.values()))} templates, valid.")
    _warn(found)
