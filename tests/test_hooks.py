"""Event hooks: each event reaches its hook as JSON on stdin, after the change is saved; a
hook that fails, hangs or cannot run is one line on stderr and the change stays saved."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from followup_cli.cli import app
from followup_cli.config import set_setting
from followup_cli.followups import log_interaction
from followup_cli.hooks import EVENTS
from followup_cli.scheduling import RuleSet
from followup_cli.store import Tx
from tests.helpers import make_contact, query

runner = CliRunner()
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def install(home: Path, name: str, body: str, *, executable: bool = True) -> Path:
    folder = home / "hooks"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o700 if executable else 0o600)
    return path


@pytest.fixture
def recorder(isolated_home: Path) -> Path:
    """A hook for every event that keeps what it was given, one JSON file per run."""
    got = isolated_home / "got"
    got.mkdir()
    for name in EVENTS:
        install(isolated_home, name, f'cat > "{got}/{name}.$$.json"\n')
    return got


def received(got: Path, name: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(p.read_text()) for p in sorted(got.glob(f"{name}.*.json"))]


@pytest.fixture
def ann(tx: Tx, today: dt.date, rules: RuleSet) -> None:
    """Ann Lee bought last Thursday; follow-up #1 is her thank-you call, due today."""
    make_contact(tx, "Ann Lee", email="ann@example.com")
    log_interaction(
        tx, "Ann Lee", "sale", on=dt.date(2026, 11, 19), today=today, now=NOW, rules=rules,
        amount_cents=12900,
    )  # fmt: skip


def test_a_logged_sale_reaches_on_sale(recorder: Path, tx: Tx) -> None:
    make_contact(tx, "Zoë Øberg", email="zoe@example.com")
    result = run("log", "sale", "Zoë", "--amount", "45.50")
    assert result.exit_code == 0, result.stderr
    (event,) = received(recorder, "on-sale")
    assert event["event"] == "on-sale" and event["version"] == 1
    assert event["contact"]["name"] == "Zoë Øberg"
    assert event["sale"]["amount_cents"] == 4550 and event["sale"]["occurred_on"] == "2026-11-23"
    assert [f["purpose"] for f in event["scheduled"]] == [
        "Thank-you call",
        "Handwritten thank-you note",
    ]
    assert run("log", "visit", "Zoë").exit_code == 0
    assert len(received(recorder, "on-sale")) == 1  # only sales


def test_done_reaches_on_followup_done_and_no_answer_does_not(recorder: Path, ann: None) -> None:
    assert run("done", "1", "--outcome", "no-answer").exit_code == 0
    assert received(recorder, "on-followup-done") == []  # tried again later: not done
    assert run("done", "1", "--outcome", "positive").exit_code == 0
    (event,) = received(recorder, "on-followup-done")
    assert event["followup"]["id"] == 1 and event["followup"]["status"] == "done"
    assert event["followup"]["outcome"] == "positive"
    assert event["contact"]["email"] == "ann@example.com"


def test_a_finished_call_reaches_its_hooks(recorder: Path, ann: None, tmp_path: Path) -> None:
    answers = tmp_path / "call.json"
    answers.write_text(
        json.dumps(
            {
                "reach": "reached",
                "liked_best": "It was late and broken",
                "liked_best_label": "negative",
                "do_better": "Be on time",
                "recommend": "no",
                "review": "declined",
            }
        )
    )
    result = run("call", "1", "--answers", str(answers))
    assert result.exit_code == 0, result.output + result.stderr
    (call,) = received(recorder, "on-call-finished")
    assert call["call"]["outcome"] == "negative" and call["call"]["followup_id"] == 1
    assert [e["followup"]["id"] for e in received(recorder, "on-followup-done")] == [1]
    negative = received(recorder, "on-negative-answer")
    assert {e["answer"]["step"] for e in negative} == {"liked_best", "do_better", "recommend"}
    assert all(e["answer"]["label"] == "negative" for e in negative)


def test_an_import_reaches_on_import_and_a_dry_run_does_not(recorder: Path, tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_id,date,name,email,amount\n1001,2026-11-20,Ann Lee,ann@example.com,129.00\n"
    )
    assert run("import", str(orders), "--dry-run").exit_code == 0
    assert received(recorder, "on-import") == []
    assert run("import", str(orders)).exit_code == 0
    (event,) = received(recorder, "on-import")
    assert event["summary"]["sales_imported"] == 1 and event["summary"]["file"] == str(orders)


def test_a_failing_hook_is_one_line_and_the_sale_stays(isolated_home: Path, tx: Tx) -> None:
    make_contact(tx, "Ann Lee")
    install(isolated_home, "on-sale", 'echo "webhook said 500" >&2\nexit 3\n')
    result = run("log", "sale", "Ann")
    assert result.exit_code == 0
    assert result.stderr == "Hook on-sale failed (exit status 3): webhook said 500\n"
    assert query("SELECT kind FROM interaction") == [("sale",)]


def test_a_hanging_hook_is_stopped_at_its_timeout(isolated_home: Path, tx: Tx) -> None:
    make_contact(tx, "Ann Lee")
    set_setting("hook_timeout", "1")
    install(isolated_home, "on-sale", "sleep 30\n")  # a child of the shell: stopped too
    started = time.monotonic()
    result = run("log", "sale", "Ann")
    assert time.monotonic() - started < 10
    assert result.exit_code == 0
    assert result.stderr == "Hook on-sale was stopped after 1 s (hook_timeout).\n"
    assert query("SELECT kind FROM interaction") == [("sale",)]


def test_a_hook_that_is_not_executable_says_so(isolated_home: Path, tx: Tx) -> None:
    make_contact(tx, "Ann Lee")
    path = install(isolated_home, "on-sale", "exit 0\n", executable=False)
    result = run("log", "sale", "Ann")
    assert result.exit_code == 0
    assert result.stderr == (f"Hook on-sale did not run: {path} is not executable (chmod +x it).\n")
    assert query("SELECT kind FROM interaction") == [("sale",)]


def test_hooks_list_shows_each_event_and_what_is_installed(isolated_home: Path) -> None:
    install(isolated_home, "on-sale", "exit 0\n")
    install(isolated_home, "on-import", "exit 0\n", executable=False)
    install(isolated_home, "on-sail", "exit 0\n")
    result = run("hooks", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"Hooks folder: {isolated_home / 'hooks'}"
    assert lines[1].split()[:2] == ["on-sale", "installed"]
    assert lines[2].split()[:2] == ["on-followup-done", "-"]
    assert lines[5].split()[:3] == ["on-import", "NOT", "EXECUTABLE"]
    assert lines[6].split()[:2] == ["on-sail", "ignored"]


@pytest.mark.parametrize("name", list(EVENTS))
def test_hooks_test_runs_one_with_a_sample_event(isolated_home: Path, name: str) -> None:
    install(
        isolated_home,
        name,
        "python3 -c \"import json,sys; e=json.load(sys.stdin); print(e['event'])\"\n",
    )
    result = run("hooks", "test", name)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{name}\nHook {name} ran and succeeded.\n"


def test_hooks_test_says_what_is_wrong(isolated_home: Path) -> None:
    result = run("hooks", "test", "on-sale")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: No hook for on-sale: write an executable ")
    install(isolated_home, "on-sale", "echo nope >&2; exit 1\n")
    result = run("hooks", "test", "on-sale")
    assert (result.exit_code, result.stderr) == (
        1,
        "nope\nError: Hook on-sale failed (exit status 1): nope\n",
    )
    assert run("hooks", "test", "on-sail").stderr == (
        "Error: Unknown event 'on-sail'; use one of on-sale, on-followup-done, "
        "on-call-finished, on-negative-answer, on-import.\n"
    )
    assert os.environ["FOLLOWUP_HOME"] == str(isolated_home)
