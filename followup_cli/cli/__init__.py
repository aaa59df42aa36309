"""The ``followup`` command line.

Thin by design: each command parses its arguments, opens the database, calls one domain
function and renders the result. Errors from the domain are turned into one line on stderr
and an exit code in exactly one place, ``FollowupGroup.invoke``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from followup_cli import __version__
from followup_cli.cli import completion
from followup_cli.errors import ExitCode, FollowupError
from followup_cli.render import plain

if TYPE_CHECKING:  # TyperGroup.invoke takes the Context of the Click copy bundled in typer
    from typer import _click


# Every command, in the order `followup --help` lists them: its module and the Typer app in
# it, and for a module's plain command its name there (None: the app is the command group).
# Only the invoked command's module is imported and only its command built: building all
# 29 and their options took 0.15 s of the agenda's 0.44 s start-up.
COMMANDS: dict[str, tuple[str, str, str | None]] = {
    **{name: ("core", "app", name) for name in
       ("today", "upcoming", "done", "snooze", "skip", "reopen", "edit", "schedule")},
    "log": ("core", "log_app", None),
    "undo": ("journal", "app", "undo"),
    "history": ("journal", "app", "history"),
    "call": ("call", "app", "call"),
    "script": ("call", "script_app", None),
    "draft": ("drafts", "app", "draft"),
    "notes": ("drafts", "app", "notes"),
    "templates": ("drafts", "templates_app", None),
    "sentiment": ("listening", "sentiment_app", None),
    "contact": ("contacts", "contact_app", None),
    "import": ("imports", "app", "import"),
    "export": ("exports", "app", "export"),
    "report": ("exports", "report_app", None),
    "digest": ("digest", "app", "digest"),
    **{name: ("admin", "app", name) for name in ("backup", "restore", "demo")},
    "rules": ("admin", "rules_app", None),
    "config": ("admin", "config_app", None),
    "hooks": ("hooks", "hooks_app", None),
    "db": ("admin", "db_app", None),
}  # fmt: skip


def _load(name: str) -> _click.Command:
    """Import the module of one command and build its command (a group for a group)."""
    import importlib

    module, attribute, command = COMMANDS[name]
    sub_app = getattr(importlib.import_module(f"followup_cli.cli.{module}"), attribute)
    built = typer.main.get_command(sub_app)
    if command is None:
        built.name = name
        return built
    return built.commands[command] if isinstance(built, TyperGroup) else built


class FollowupGroup(TyperGroup):
    """Maps every FollowupError (and any bug) to a message on stderr and an exit code, and
    loads each command only when it is asked for (``COMMANDS``): `--help` and shell
    completion list them all, `followup today` builds one."""

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        return self._command(cmd_name) if cmd_name in COMMANDS else None

    def _command(self, name: str) -> _click.Command:
        if name not in self._built:
            self._built[name] = _load(name)
        return self._built[name]

    @property
    def commands(self) -> MutableMapping[str, _click.Command]:
        """Every command, built (for code that walks the tree, as the tests do)."""
        return {name: self._command(name) for name in COMMANDS}

    @commands.setter
    def commands(self, given: MutableMapping[str, _click.Command]) -> None:
        self._built = dict(given)

    def _main_shell_completion(
        self, ctx_args: MutableMapping[str, Any], prog_name: str, complete_var: str | None = None
    ) -> None:
        completion.use_escaping_bash()
        super()._main_shell_completion(ctx_args, prog_name, complete_var)

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        """An argument that is not valid UTF-8 (the shell passed raw bytes) is refused here:
        Python keeps such bytes as lone surrogates, which no file or database can store."""
        for number, arg in enumerate(args, 1):
            shown = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in arg)
            if shown != arg:
                fail(
                    f"Argument {number} ({shown!r}) is not valid UTF-8; "
                    "type it again or set a UTF-8 locale (e.g. LANG=C.UTF-8).",
                    ExitCode.USAGE,
                )
        return super().parse_args(ctx, args)

    def invoke(self, ctx: _click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FollowupError as exc:
            fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            fail("Interrupted.", ExitCode.INTERRUPTED)
        except BrokenPipeError:  # `followup ... | head`: the reader stopped reading
            # Exit 1 quietly, as rich and Click do when they meet a closed pipe themselves;
            # stdout goes to /dev/null so the final flush cannot fail again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(ExitCode.ERROR) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except OSError as exc:  # the app folder is read-only or a file, the disk is full...
            where = f" ({exc.filename})" if exc.filename else ""
            fail(f"{exc.strerror or exc}{where}; check the folder and the disk.", ExitCode.ERROR)
        except Exception as exc:
            if os.environ.get("FOLLOWUP_DEBUG"):
                raise
            if type(exc).__name__ == "ClickException" or hasattr(exc, "exit_code"):
                raise
            fail(
                f"Internal error: {type(exc).__name__}: {exc}. Nothing was saved by this command. "
                "Run again with FOLLOWUP_DEBUG=1 to see the details, and please report it.",
                ExitCode.INTERNAL,
            )


# Typer 0.29's plain help shows a parameter's Python type: "ID <str>", "--tag <list[str]>".
# Help says what to type instead, in Click's words, and an argument's own name (ID, REF, WHEN)
# is all it shows. One place for every command; a Typer without these hooks keeps its own.
_TYPE_WORDS = {
    "<str>": "TEXT", "<list[str]>": "TEXT", "<int>": "INTEGER", "<int range>": "INTEGER",
    "<path>": "PATH", "<file>": "FILE",
}  # fmt: skip
_Parameter: Any = getattr(typer.core, "_TyperParameter", None)
if _Parameter is not None and hasattr(_Parameter, "display_type"):
    _python_type = _Parameter.display_type
    _Parameter.display_type = lambda self, ctx: _TYPE_WORDS.get(
        shown := _python_type(self, ctx), shown
    )
    typer.core.TyperArgument.display_type_rich = lambda self, ctx: None  # type: ignore[method-assign]


def fail(message: str, code: int) -> None:
    """Print ``Error: message`` on stderr and exit with ``code``."""
    from followup_cli.render.plain import warn

    warn(f"Error: {message}")  # a message may quote what a customer's record holds
    raise typer.Exit(code)


app = typer.Typer(
    cls=FollowupGroup,
    name="followup",
    help=(
        "Customer follow-ups for solo business owners: who to call, email, text or write to "
        "today.\n\nStart with `followup demo` to see it at work, or `followup contact add`."
    ),
    no_args_is_help=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"followup {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database file or SQLAlchemy URL (default: FOLLOWUP_DB, else followup.db "
            "in the app folder; see `followup db path`).",
            metavar="PATH_OR_URL",
        ),
    ] = None,
    color: Annotated[
        str,
        typer.Option(
            "--color",
            help="Colour and bold: auto (on a terminal, unless NO_COLOR is set), always, never.",
            metavar="WHEN",
            autocompletion=completion.colours,
        ),
    ] = "auto",
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Customer follow-ups: run `followup today` every morning."""
    os.umask(0o077)  # every file we create (exports, backups, rejects) is the owner's only
    if color not in plain.COLOR_CHOICES:
        raise typer.BadParameter(f"use {', '.join(plain.COLOR_CHOICES)}.", param_hint="--color")
    plain.color_mode = color
    ctx.obj = {"db": db}
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - Ctrl-C outside a command
        typer.echo("Interrupted.", err=True)
        sys.exit(ExitCode.INTERRUPTED)
