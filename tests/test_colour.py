"""Colour follows the conventions: on a terminal only, never with NO_COLOR, and as
`--color always|never|auto` says. Run in fresh processes (a pseudo-terminal where it
matters), since the choice is made once per run."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from followup_cli.cli import app
from followup_cli.followups import log_interaction, schedule
from followup_cli.scheduling import RuleSet
from followup_cli.store import Tx
from tests.helpers import make_contact

pexpect = pytest.importorskip("pexpect")
ESC = "\x1b["


@pytest.fixture
def due(tx: Tx, today: dt.date, rules: RuleSet) -> None:
    """A follow-up overdue (drawn in red) and one coming up."""
    make_contact(tx)
    log_interaction(
        tx, "Ann Lee", "sale", on=today - dt.timedelta(days=9), today=today,
        now=dt.datetime(2026, 11, 14, tzinfo=dt.UTC), rules=rules, amount_cents=12900,
    )  # fmt: skip
    schedule(tx, "Ann Lee", today + dt.timedelta(days=2), today=today)


def piped(*args: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "followup_cli", *args],
        capture_output=True, text=True, env={**os.environ, **env}, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def on_terminal(*args: str, **env: str) -> str:
    environment = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "PAGER": "cat", **env}
    for name in ("NO_COLOR", "FORCE_COLOR"):
        if name not in env:
            environment.pop(name, None)
    child = pexpect.spawn(
        sys.executable, ["-m", "followup_cli", *args], env=environment,
        encoding="utf-8", timeout=20, dimensions=(40, 120),
    )  # fmt: skip
    output = child.read()
    child.close()
    assert child.exitstatus == 0, output
    return str(output)


@pytest.mark.parametrize("command", [["today"], ["upcoming"], ["config"]])
def test_a_terminal_gets_colour_unless_no_color_is_set(due: None, command: list[str]) -> None:
    assert ESC in on_terminal(*command)
    plain = on_terminal(*command, NO_COLOR="1")
    assert ESC not in plain and plain.strip()
    assert ESC not in on_terminal("--color", "never", *command)
    assert ESC in on_terminal("--color", "always", *command, NO_COLOR="1")  # asked outright


@pytest.mark.parametrize("command", [["today"], ["upcoming"], ["config"]])
def test_a_pipe_gets_colour_only_when_asked(due: None, command: list[str]) -> None:
    assert ESC not in piped(*command)
    assert ESC not in piped("--color", "auto", *command)
    assert ESC in piped("--color", "always", *command)


def test_an_unknown_color_choice_is_one_line_and_exit_2() -> None:
    result = CliRunner().invoke(app, ["--color", "sometimes", "today"])
    assert result.exit_code == 2
    assert "Invalid value for --color: use auto, always, never." in result.stderr
