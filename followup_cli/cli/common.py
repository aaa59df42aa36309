"""Helpers every command shares: the database, today, settings, ids."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from followup_cli import config
from followup_cli.cli import completion
from followup_cli.errors import InvalidInput
from followup_cli.render import plain
from followup_cli.values import ID_RE

if TYPE_CHECKING:
    from typer import _click

    from followup_cli.scheduling import RuleSet
    from followup_cli.store import Database
    from followup_cli.store.journal import Journal


YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
RefArgument = Annotated[
    str,
    typer.Argument(
        help="The contact: id (12 or #12), email or name.",
        metavar="REF",
        autocompletion=completion.contact_refs,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
JsonLinesOption = Annotated[
    bool, typer.Option("--jsonl", help="Print JSON Lines for scripts: one item a line.")
]


def database(ctx: typer.Context) -> Database:
    """Open (create, or upgrade after a backup) the database this command works on."""
    from followup_cli.store import Database
    from followup_cli.store.tx import WriterWait

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
    db.writer_wait = WriterWait(WRITER_PATIENCE_S, plain.waiting)
    obj["database"] = db
    ctx.find_root().call_on_close(db.dispose)  # close pooled connections when the command ends
    return db


# A command waits for another's write lock as long as a big import can take to write, saying
# so on stderr, instead of failing after the 30 s busy timeout.
WRITER_PATIENCE_S = 3600


def _journal(ctx: typer.Context) -> Journal:
    """What this command's writes are recorded as: its name ("contact edit"), never its
    arguments, which may hold a customer's details."""
    from followup_cli.store.journal import Journal

    names = []
    step: Any = ctx  # the Click context chain up to the root
    while step.parent is not None:
        if not step.command.hidden:  # `log`'s default command is just `log`
            names.append(step.info_name or "")
        step = step.parent
    return Journal(" ".join(reversed(names)), now(), lambda: settings().journal_days)


def today() -> dt.date:
    return config.today()


def now() -> dt.datetime:
    return config.now()


def settings() -> config.Settings:
    return config.load_settings()


def fire(name: str, event: Callable[[], dict[str, Any]]) -> None:
    """Run the owner's hook for an event this command has saved (``event`` makes its JSON,
    only if the hook exists). Nothing it does can undo the change: a problem is one line."""
    from followup_cli import hooks
    from followup_cli.errors import FollowupError

    if not (hooks.folder() / name).exists():
        return
    try:
        ran = hooks.run(name, event(), settings().hook_timeout)
    except FollowupError as exc:  # settings.toml broken since the command started
        ran = hooks.Ran(name, f"Hook {name} did not run: {exc}")
    if ran is not None and ran.problem:
        plain.warn(ran.problem)


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


class DefaultContext(typer.Context):
    """The context of a group's default command: it is named as the group, so usage errors
    say ``followup log [OPTIONS] KIND REF``, as they did before ``log`` had subcommands."""

    @property
    def command_path(self) -> str:
        return self.parent.command_path if self.parent is not None else super().command_path


class DefaultCommand(TyperCommand):
    """A group's default command (``DefaultGroup``)."""

    context_class = DefaultContext


class DefaultGroup(TyperGroup):
    """A group that is also a command: ``followup log sale Ann`` runs its default command
    (registered as ``DEFAULT``, hidden, with ``cls=DefaultCommand``) and ``followup log edit
    5`` the subcommand ``edit``. A first argument that names no subcommand (an interaction
    kind, or an option such as ``--on``) belongs to the default command, so every form that
    worked before the group existed still does. Its help is the default command's, with the
    subcommands listed after it; with no arguments at all it says what the default command
    is missing."""

    DEFAULT = "record"

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = [self.DEFAULT, *args]
        return super().parse_args(ctx, args)

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        self.commands[self.DEFAULT].format_help(ctx, formatter)
        self.format_commands(ctx, formatter)
