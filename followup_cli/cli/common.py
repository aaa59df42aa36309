"""Helpers every command shares: the database, today, settings, ids."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import typer

from followup_cli import config
from followup_cli.errors import InvalidInput
from followup_cli.render import plain
from followup_cli.values import ID_RE

if TYPE_CHECKING:
    from followup_cli.scheduling import RuleSet
    from followup_cli.store import Database
    from followup_cli.store.journal import Journal


def database(ctx: typer.Context) -> Database:
    """Open (create, or upgrade after a backup) the database this command works on."""
    from followup_cli.store import Database

    obj = ctx.find_root().obj or {}
    cached = obj.get("database")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    db, notice = Database.open(config.database_url(obj.get("db")))
    if notice is not None:
        backup = f"; the previous version is saved as {notice.backup}" if notice.backup else ""
        plain.warn(
            f"Upgraded the database from schema {notice.from_revision} to "
            f"{notice.to_revision}{backup}."
        )
    if db.tightened:
        plain.warn(f"Made {db.path} readable by you only: others could read it.")
    db.journal = _journal(ctx)
    obj["database"] = db
    ctx.find_root().call_on_close(db.dispose)  # close pooled connections when the command ends
    return db


def _journal(ctx: typer.Context) -> Journal:
    """What this command's writes are recorded as: its name ("contact edit"), never its
    arguments, which may hold a customer's details."""
    from followup_cli.store.journal import Journal

    names = []
    step: Any = ctx  # the Click context chain up to the root
    while step.parent is not None:
        names.append(step.info_name or "")
        step = step.parent
    return Journal(" ".join(reversed(names)), now(), lambda: settings().journal_days)


def today() -> dt.date:
    return config.today()


def now() -> dt.datetime:
    return config.now()


def settings() -> config.Settings:
    return config.load_settings()


def rules() -> RuleSet:
    from followup_cli.rules import load_rules

    return load_rules()


def confirm(question: str) -> bool:
    """Ask yes or no; no is an answer (exit 0), end of input or Ctrl-C an interruption."""
    from followup_cli.errors import Interrupted

    try:
        return bool(typer.confirm(plain.visible(question)))
    except (typer.Abort, EOFError, KeyboardInterrupt):
        raise Interrupted("Stopped before anything was changed.") from None


def parse_id(value: str, what: str = "follow-up") -> int:
    match = ID_RE.match(value.strip())
    if not match:
        raise InvalidInput(f"{value!r} is not a {what} id; use a number like 12 or #12.")
    return int(match.group(1))


def when(value: str, *, future: bool = True) -> dt.date:
    """A date as the owner typed it; ``+3wd`` counts the working days of their rules file."""
    from followup_cli.when import parse_when

    return parse_when(value, today(), future=future, calendar=rules().calendar)
