"""`followup digest`: the morning's agenda as an email (or printed, with --dry-run)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer

from followup_cli import config
from followup_cli.cli.common import database, now, rules, settings, today
from followup_cli.errors import ConfigError
from followup_cli.render import plain

app = typer.Typer(rich_markup_mode=None)

STATE_FILE = "digest-state.json"  # in the app folder: when the last digest was sent


def _last_sent() -> dt.datetime | None:
    """When the last digest went out: its answers are not repeated."""
    path = config.app_dir() / STATE_FILE
    try:
        return dt.datetime.fromisoformat(json.loads(path.read_text("utf-8"))["last_sent_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # never sent, or a file not written by us: the last day's answers


def _remember(sent_at: dt.datetime) -> None:
    from followup_cli.files import write_private_text

    path = config.app_dir() / STATE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private_text(path, json.dumps({"last_sent_at": sent_at.isoformat()}) + "\n")


@app.command("digest")
def digest_command(
    ctx: typer.Context,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Send it to this address (default: smtp.to, else smtp.from).",
            metavar="EMAIL",
        ),
    ] = None,
    days: Annotated[
        int,
        typer.Option(
            "--days", "-d", min=0, max=366, help="Also list what is due in the next N days."
        ),
    ] = 0,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the email instead of sending it.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the digest as JSON for scripts; send nothing.")
    ] = False,
) -> None:
    """Email today's agenda: what is due by channel, what is overdue, yesterday's imports,
    and the negative and neutral answers since the last digest.

    The mail server is [smtp] in settings.toml; the password comes from
    FOLLOWUP_SMTP_PASSWORD or the system keyring, never from a file.
    Run it from cron every morning: see the README.

    Example: followup digest --dry-run
    """
    from followup_cli import digest, mail
    from followup_cli.render import digest as view

    conf = settings()
    smtp = conf.smtp
    sent_at = now()
    from followup_cli.drafts import load_templates

    templates = load_templates()
    with database(ctx).reading() as tx:
        result = digest.build(
            tx, today(), sent_at, since=_last_sent(), days=days, settings=conf, rules=rules(),
            templates=templates,
        )  # fmt: skip
    if as_json:
        plain.print_json(result.to_json())
        return
    recipient = to or smtp.to or smtp.sender
    if dry_run:
        plain.say(f"From: {smtp.sender or '(smtp.from)'}\nTo: {recipient or '(--to)'}")
        plain.say(f"Subject: {view.subject(result)}\n")
        plain.say(view.text(result).rstrip("\n"))
        plain.say("\nDry run: nothing was sent.")
        return
    if not smtp.host or not smtp.sender:
        raise ConfigError(
            f"No mail server set: add an [smtp] table with host and from to "
            f"{config.settings_path()} (the README's morning digest shows one)."
        )
    if not recipient:
        raise ConfigError("No one to send it to: give --to EMAIL, or set smtp.to.")
    message = view.message(result, sender=smtp.sender, to=recipient)
    mail.send(message, smtp, mail.password(smtp))
    _remember(sent_at)
    plain.say(f"Sent the digest to {recipient}: {view.subject(result)}.")
