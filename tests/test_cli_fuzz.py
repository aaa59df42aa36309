"""Every command, fed odd arguments, exits with a documented code and never shows a traceback.

Walks the Typer app like tests/test_help.py, so a command added tomorrow is fuzzed too. Each
command runs a bounded number of times (hypothesis, derandomized: the same arguments every
run) against a small database with contacts, sales and follow-ups. Exit 70 (an internal
error, i.e. a bug) and any exception other than SystemExit fail the test.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.main import get_command
from typer.testing import CliRunner

from followup_cli.cli import app

DOCUMENTED = {0, 1, 2, 3, 4, 5, 6, 130}
# Each invocation costs ~0.1 s (a fresh database open and render), so CI runs 10 per command;
# FOLLOWUP_FUZZ_EXAMPLES=200 explores much further (same seed, reproducible).
PER_COMMAND = int(os.environ.get("FOLLOWUP_FUZZ_EXAMPLES", "10"))
TODAY = "2026-11-23"
# A bug already pinned by an xfail test below: counted, reported, not failed twice.
KNOWN_BUGS = {}
SKIP = {
    (): "the root group: its options install shell completion; subcommands are fuzzed instead",
}
runner = CliRunner()


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from walk(sub, (*path, name))


COMMANDS = [(path, cmd) for path, cmd in walk(get_command(app))]

ODD = [
    "", " ", "--", "-", "-1", "0", "#", "#1", "#0", "1", "2", "3", "99", "9" * 25, "1e308",
    "-9999999999", "NaN", "'; DROP TABLE contact;--", "Robert'); DROP TABLE followup;--",
    "\u202e", "é", "\uff11", "Ⅻ", "\t", "a\nb", "%s", "{action}", "{0}", "${HOME}", "*", "?",
    "today", "tomorrow", "yesterday", "next friday", "in 3 days", "+9999y", "-9999y",
    "9999 days ago", "2026-02-30", "0001-01-01", "9999-12-31", "dec 1", "feb 29",
    "Ann", "ann lee", "Ann Lee", "An", "ann@example.com", "bob@example.com", "a@b", "@",
    "(555) 010-0101", "+44 20 7946 0958", "+", "sale", "visit", "complaint", "call", "email",
    "phone", "text", "mail", "preferred", "positive", "neutral", "negative", "no-answer",
    "contacts", "sales", "followups", "answers", "calls", "ics", "shopify", "csv", "jsonl",
    "utf-8", "cp1252", "latin-1", "bogus-enc", "owner", "business", "phone_region", "currency",
    "review_link", "GB", "USA", "90d", "0", "2w", "1wd", "10", "$1,299.50", "12,50", "(5)",
    "date=Sold", "order_id=", "x", "out.csv", "sales.csv", "missing.csv", "backup.db",
    "not-a-db.txt", "folder", ".", "-h",
    # bytes that are not UTF-8, as Python hands them over; lengths of time past the calendar
    "caf\udce9", "\udcff\udcfe", "\ud800", "9999y", "+9999y", "dec 32", "32 dec",
]  # fmt: skip
# Plausible values get commands past argument parsing into the domain code.
PLAUSIBLE = [
    "1", "2", "3", "#2", "Ann Lee", "ann@example.com", "Bob", "sale", "call", "visit",
    "tomorrow", "monday", "in 3 days", "phone", "email", "positive", "no-answer", "contacts",
    "sales", "followups", "ics", "owner", "GB", "30d", "10", "backup.db", "sales.csv", "out.csv",
]  # fmt: skip
token = st.one_of(st.sampled_from(PLAUSIBLE), st.sampled_from(ODD), st.text(max_size=12))


def _safe(value: str) -> str:
    """Keep every path the command might write inside the test's folder."""
    if value.startswith(("/", "~")) or ".." in value:
        return "./" + value.lstrip("/~").replace("..", "_")
    return value


@st.composite
def arguments(draw: st.DrawFn, command: Any) -> list[str]:
    """Values for the command's arguments and a random subset of its options."""
    args: list[str] = []
    for param in command.params:
        if param.param_type_name == "argument":
            if draw(st.integers(0, 9)) == 0:
                continue  # a missing argument: a usage error, exit 2
            args.append(_safe(draw(token)))
        elif draw(st.booleans()):
            name = draw(st.sampled_from(param.opts))
            if name in ("--install-completion", "--show-completion"):
                continue
            if param.is_flag:
                args.append(name)
            else:
                args += [name, _safe(draw(token))]
    extra = draw(st.lists(token, max_size=2)) if draw(st.integers(0, 4)) == 0 else []
    position = draw(st.integers(0, len(args)))
    return args[:position] + [_safe(t) for t in extra] + args[position:]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small database built once through the CLI: copied fresh for each command."""
    home = tmp_path_factory.mktemp("template")
    db = home / "followup.db"
    env = {"FOLLOWUP_HOME": str(home), "FOLLOWUP_DB": str(db), "FOLLOWUP_TODAY": TODAY}
    for argv in (
        ["contact", "add", "Ann Lee", "--phone", "(555) 010-0101", "--email", "ann@example.com"],
        ["contact", "add", "Ann Marsh", "--email", "marsh@example.com", "--prefers", "email"],
        ["contact", "add", "Bob Stone", "--phone", "555-010-0103", "--every", "30d"],
        ["log", "sale", "Ann Lee", "--amount", "129", "--on", "thursday"],
        ["log", "sale", "Bob", "--amount", "20", "--on", "10 days ago"],
        ["log", "complaint", "marsh@example.com", "--on", "yesterday"],
        ["done", "1", "--outcome", "positive"],
    ):
        result = runner.invoke(app, argv, env=env)
        assert result.exit_code == 0, (argv, result.output)
    (home / "not-a-db.txt").write_text("hello\n")
    (home / "folder").mkdir()
    (home / "sales.csv").write_text(
        "order_id,date,name,email,amount\nA1,2026-11-20,Cy Young,cy@example.com,10\n"
        "A2,not a date,Dee,dee@example.com,5\n"
    )
    backup = runner.invoke(app, ["backup", str(home / "backup.db")], env=env)
    assert backup.exit_code == 0, backup.output
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return home


@pytest.mark.parametrize(
    "path",
    [pytest.param(path, id=" ".join(path) or "followup") for path, _ in COMMANDS],
)
def test_command_survives_odd_arguments(
    path: tuple[str, ...],
    template: Path,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if path in SKIP:
        pytest.skip(SKIP[path])
    command = dict(COMMANDS)[path]
    for name in ("followup.db", "not-a-db.txt", "sales.csv", "backup.db", "folder"):
        source = template / name
        if source.is_dir():
            shutil.copytree(source, isolated_home / name)
        else:
            shutil.copy(source, isolated_home / name)
    monkeypatch.chdir(isolated_home)  # relative paths a command writes stay in the test folder
    env = {"EDITOR": "true", "VISUAL": "true", "FOLLOWUP_DEBUG": "", "COLUMNS": "100"}
    codes: Counter[int] = Counter()
    failures: list[str] = []

    @settings(
        max_examples=PER_COMMAND,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(args=arguments(command))
    def run(args: list[str]) -> None:
        argv = [*path, *args]
        result = runner.invoke(app, argv, input="", env=env)
        codes[result.exit_code] += 1
        output = result.stdout + result.stderr
        problem = None
        if result.exit_code not in DOCUMENTED:
            problem = f"exit {result.exit_code}"
        elif "Traceback" in output:
            problem = "a traceback"
        elif result.exception is not None and not isinstance(result.exception, SystemExit):
            problem = f"{type(result.exception).__name__}: {result.exception}"
        if problem:
            failures.append(f"followup {' '.join(map(repr, argv))}: {problem}\n{output[-600:]}")

    run()
    total = sum(codes.values())
    with capsys.disabled():
        shown = ", ".join(f"{code}x{n}" for code, n in sorted(codes.items()))
        print(f"\n[cli-fuzz] followup {' '.join(path)}: {total} invocations (exit {shown})")
    assert total >= PER_COMMAND // 2
    assert not failures, "\n\n".join(failures[:5])
    con = sqlite3.connect(isolated_home / "followup.db")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM contact").fetchone()[0] >= 0  # still a table
    finally:
        con.close()


def test_the_walk_covers_every_command() -> None:
    """The fuzz above is only as good as the walk: it must see the commands we know of."""
    paths = {" ".join(path) for path, _ in COMMANDS}
    for expected in ("today", "log", "done", "snooze", "contact add", "backup", "restore"):
        assert expected in paths
    assert len(paths) >= 25


@pytest.mark.parametrize(
    "argv",
    [
        ["contact", "show", "9" * 20],
        ["log", "sale", "#" + "9" * 20, "--amount", "5"],
        ["schedule", "9" * 25, "tomorrow"],
    ],
    ids=["contact show", "log sale", "schedule"],
)
def test_huge_contact_id_is_not_found(argv: list[str], db: Any) -> None:
    result = runner.invoke(app, argv)
    assert result.exit_code == 3, result.output


@pytest.mark.parametrize("target", ["", "folder"], ids=["empty", "folder"])
def test_demo_refuses_a_folder(target: str, isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(isolated_home)
    (isolated_home / "folder").mkdir()
    result = runner.invoke(app, ["demo", "--path", target])
    assert result.exit_code in (1, 2), result.output
    assert result.output.count("Error:") == 1 and "Internal error" not in result.output


def test_demo_does_not_overwrite_someone_elses_file(isolated_home: Path) -> None:
    precious = isolated_home / "notes.txt"
    precious.write_text("Ann's birthday is in May\n")
    result = runner.invoke(app, ["demo", "--path", str(precious)])
    assert precious.read_text() == "Ann's birthday is in May\n"
    assert result.exit_code in (1, 4), result.output


def test_help_lists_every_walked_group() -> None:
    """A smoke check that the walk and the real CLI agree (a command that fails to import is
    missing from both, and that must not look like success)."""
    root = get_command(app)
    assert isinstance(root, typer.core.TyperGroup)
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in root.commands:
        assert name in result.stdout
    assert os.environ["FOLLOWUP_TODAY"] == TODAY
