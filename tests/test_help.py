"""Every command explains itself: a command without help text fails this test."""

from __future__ import annotations

import re

import typer
from typer.main import get_command
from typer.testing import CliRunner

from followup_cli.cli import app

runner = CliRunner()


def walk(command: typer.core.TyperGroup | typer.core.TyperCommand, path: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from walk(sub, (*path, name))


def test_every_command_has_help_with_an_example() -> None:
    root = get_command(app)
    seen = 0
    for path, command in walk(root):
        if not path:
            continue
        seen += 1
        assert command.help, f"`followup {' '.join(path)}` has no help"
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, path
        if not getattr(command, "commands", None):  # leaf commands show an example
            text = " ".join(result.stdout.split())
            assert "Example" in text or path[-1] in {
                "path",
                "status",
                "upgrade",
                "check",
                "init",
                "set",
                "show",
                "edit",
                "list",
            }, path
    assert seen >= 20


def test_root_help_lists_the_morning_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "today" in result.stdout and "followup demo" in result.stdout


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("followup ")


def test_help_says_what_to_type_not_python_type_names() -> None:
    """#16 item 13: help showed "ID <str>" and "--tag <list[str]>"."""
    root = get_command(app)
    for path, _ in walk(root):
        shown = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"}).stdout
        assert not re.search(r"<(str|int|list|path|file|float|bool)\b", shown), (path, shown)
    tag = runner.invoke(app, ["contact", "add", "--help"], env={"COLUMNS": "200"}).stdout
    assert "-t, --tag TEXT" in tag
    done = runner.invoke(app, ["done", "--help"], env={"COLUMNS": "200"}).stdout
    assert "\n  ID  The follow-up id" in done
