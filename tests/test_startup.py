"""Start-up stays lean: the agenda and --help never import the heavy libraries.

Timings live in benchmarks/ (never in the tests); this guards the structure that makes them
fast, so a module-level import added by accident fails here instead of slowing every morning.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "phonenumbers",
    "dateutil.parser",
)

# Runs a command in a fresh interpreter, then prints the loaded modules that pass a test.
PROBE = """
import json, sys
sys.argv = ["followup", *{argv!r}]
from followup_cli.cli import app
try:
    app()
except SystemExit:
    pass
print("\\n" + json.dumps(sorted(m for m in sys.modules if {wanted})))
"""


def modules_after(argv: list[str], wanted: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv, wanted=wanted)],
        capture_output=True, text=True, env=os.environ.copy(), check=False,
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def loaded_after(argv: list[str]) -> list[str]:
    """Which heavy libraries a run imported."""
    return modules_after(argv, f"m in {HEAVY!r}")


def test_the_agenda_builds_drafts_without_the_follow_up_code() -> None:
    """`today --json` carries drafts: the drafts module, and nothing of logging or calls."""
    loaded = modules_after(["today", "--json"], 'm.startswith("followup_cli.")')
    assert "followup_cli.drafts" in loaded
    assert not {"followup_cli.followups", "followup_cli.calls", "followup_cli.contacts"} & set(
        loaded
    )
    assert "followup_cli.drafts" not in modules_after(["today"], 'm.startswith("followup_cli.")')


def cli_modules_after(argv: list[str]) -> list[str]:
    """Which of the command modules a run imported."""
    return modules_after(argv, 'm.startswith("followup_cli.cli.")')


@pytest.mark.parametrize(
    ("argv", "modules"),
    [
        (["today"], ["common", "completion", "core"]),
        (["today", "--json"], ["common", "completion", "core"]),
        (["done", "1"], ["common", "completion", "core"]),
        (["history"], ["common", "completion", "journal"]),
        (["contact", "list"], ["common", "completion", "contacts", "exports"]),
        (["import", "--help"], ["common", "completion", "imports"]),
    ],
)
def test_only_the_invoked_commands_module_loads(argv: list[str], modules: list[str]) -> None:
    """The command tree is built lazily: `followup today` neither imports nor builds the
    other 26 commands (building them all took 0.15 s of its 0.44 s)."""
    assert cli_modules_after(argv) == [f"followup_cli.cli.{m}" for m in modules]


def test_help_still_lists_every_command() -> None:
    from followup_cli.cli import COMMANDS

    listed = cli_modules_after(["--help"])
    assert "followup_cli.cli.admin" in listed and "followup_cli.cli.listening" in listed
    assert len(COMMANDS) == 29


def test_importing_the_cli_loads_nothing_heavy() -> None:
    assert loaded_after(["--version"]) == []


def test_help_loads_nothing_heavy() -> None:
    assert loaded_after(["--help"]) == []


EVERYDAY = [
    ["today"],
    ["today", "--json"],
    ["upcoming"],
    ["upcoming", "--json"],
    ["contact", "add", "Ann Lee", "--email", "ann@example.com"],
    ["contact", "edit", "Ann", "--note", "Likes mornings"],
    ["contact", "list"],
    ["contact", "list", "--json"],
    ["contact", "show", "Ann"],
    ["log", "sale", "Ann", "--amount", "25"],
    ["schedule", "Ann", "tomorrow"],
    ["done", "1"],
    ["snooze", "2", "friday"],
    ["skip", "3"],
    ["report"],
    ["report", "feedback"],
    ["report", "silence"],
]


@pytest.mark.sqlite_only
def test_everyday_commands_run_without_sqlalchemy_or_rich() -> None:
    """On SQLite, what the owner runs every day reads and writes through the standard
    library and prints plain text: SQLAlchemy and the table models cost 0.4 s of a 1.0 s
    `contact add`, importing rich about 0.1 s of `contact show`, and its tables minutes for
    a long list."""
    from typer.testing import CliRunner

    from followup_cli.cli import app

    CliRunner().invoke(app, ["db", "upgrade"])  # create it first: migrating needs Alembic
    loaded = {
        " ".join(argv): modules_after(argv, f"m in {(*HEAVY, 'rich')!r}") for argv in EVERYDAY
    }
    assert loaded == {" ".join(argv): [] for argv in EVERYDAY}


@pytest.mark.sqlite_only
def test_completion_reads_without_sqlalchemy_or_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    """Completion runs on every Tab: it reads the database with sqlite3 alone."""
    from typer.testing import CliRunner

    from followup_cli.cli import app

    CliRunner().invoke(app, ["db", "upgrade"])
    monkeypatch.setenv("_FOLLOWUP_COMPLETE", "complete_bash")
    for line in ("followup done ", "followup contact show A", "followup log sale A"):
        monkeypatch.setenv("COMP_WORDS", line)
        monkeypatch.setenv("COMP_CWORD", str(line.count(" ")))
        assert modules_after([], f"m in {(*HEAVY, 'rich')!r}") == []


def test_a_closed_pipe_is_not_an_error() -> None:
    """`followup db path | head -1` with the reader gone before the command writes: silence
    on stderr and exit 1 (as rich and Click do on a closed pipe), never "Internal error"."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "followup_cli", "db", "path"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader exits first: every write now fails with EPIPE
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert (proc.wait(timeout=60), err) == (1, "")


def test_every_command_starts_in_a_fresh_process() -> None:
    """Each command loads on its own (`followup report` first thing in the morning): an
    import cycle between command modules shows only when one is imported before the other,
    which a test walking the whole tree in one process never does."""
    from followup_cli.cli import COMMANDS

    failed = {}
    for name in COMMANDS:
        result = subprocess.run(
            [sys.executable, "-m", "followup_cli", name, "--help"],
            capture_output=True, text=True, env=os.environ.copy(), check=False,
        )  # fmt: skip
        if result.returncode != 0:
            failed[name] = result.stderr.strip().splitlines()[-1:]
    assert failed == {}
