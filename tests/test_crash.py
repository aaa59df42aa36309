"""SIGKILL a followup process at random moments: the database is always whole, and holds either
exactly what it held before or exactly the finished result; never half of it.

Delays come from random.Random(1234) scaled to a measured uninterrupted run, so a failure is
reproducible on the same machine. Each test prints its kills and outcomes.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from followup_cli.cli import app
from followup_cli.store import SCHEMA_REVISION

pytestmark = pytest.mark.sqlite_only  # crash consistency of SQLite files

COMMANDS = get_command(app).commands  # type: ignore[attr-defined]
KILLS = 8
IMPORT_ROWS = 10_000
runner = CliRunner()


def start(db: Path, *argv: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "FOLLOWUP_DB": str(db), "FOLLOWUP_DEBUG": ""}
    return subprocess.Popen(
        [sys.executable, "-m", "followup_cli", *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def timed_run(db: Path, *argv: str) -> float:
    began = time.perf_counter()
    proc = start(db, *argv)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    return time.perf_counter() - began


def kill_after(db: Path, delay: float, *argv: str) -> bool:
    """Run the command, SIGKILL it after ``delay`` s; True if it was still running."""
    proc = start(db, *argv)
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return True
    finally:
        if proc.stderr:
            proc.stderr.close()


def integrity(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return str(con.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        con.close()


def tables(db: Path) -> set[str]:
    con = sqlite3.connect(db)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()


def report(name: str, outcomes: dict[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        shown = ", ".join(f"{n} {k}" for k, n in outcomes.items())
        print(f"\n[crash] {name}: {sum(outcomes.values())} runs: {shown}")


def test_kill_while_creating_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    full = timed_run(tmp_path / "reference.db", "db", "upgrade")
    head = tables(tmp_path / "reference.db")
    rng = random.Random(1234)
    outcomes = {"killed, no schema": 0, "killed, full schema": 0, "finished": 0}
    for n in range(KILLS):
        db = tmp_path / f"new-{n}.db"
        killed = kill_after(db, rng.uniform(0.3, 1.1) * full, "db", "upgrade")
        if db.exists() and db.stat().st_size:
            assert integrity(db) == "ok"
            found = tables(db)
            assert found in (set(), head), sorted(found)
        else:
            found = set()
        outcomes["finished" if not killed else "killed, full schema" if found else "killed, no schema"] += 1  # fmt: skip
        result = runner.invoke(app, ["--db", str(db), "db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert tables(db) == head
        con = sqlite3.connect(db)
        assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (SCHEMA_REVISION,)
        ]
        con.close()
    report("db upgrade on a new file", outcomes, capsys)


COUNTS = (
    "SELECT (SELECT count(*) FROM contact), (SELECT count(*) FROM interaction), "
    "(SELECT count(*) FROM followup)"
)
# The operation journal is counted too (from schema 0009): a change and its journal entry are
# saved together or not at all, so a kill never leaves one without the other.
JOURNAL_COUNTS = (
    "SELECT (SELECT count(*) FROM journal_operation), (SELECT count(*) FROM journal_change)"
)


def counts(db: Path) -> tuple[int, ...]:
    journaled = "journal_change" in tables(db)
    con = sqlite3.connect(db)
    try:
        journal = con.execute(JOURNAL_COUNTS).fetchone() if journaled else (0, 0)
        return tuple(con.execute(COUNTS).fetchone()) + tuple(journal)
    finally:
        con.close()


def _base(tmp_path: Path) -> Path:
    base = tmp_path / "base.db"
    for argv in (
        ["contact", "add", "Ann Lee", "--email", "ann@example.com"],
        ["log", "sale", "Ann", "--amount", "10", "--on", "yesterday"],
    ):
        assert runner.invoke(app, ["--db", str(base), *argv]).exit_code == 0
    con = sqlite3.connect(base)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return base


def _kill_loop(
    tmp_path: Path, base: Path, argv: list[str], name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    reference = tmp_path / "reference.db"
    shutil.copy(base, reference)
    full = timed_run(reference, *argv)
    before, after = counts(base), counts(reference)
    assert before != after
    rng = random.Random(1234)
    outcomes = {"before": 0, "after": 0}
    for n in range(KILLS):
        db = tmp_path / f"victim-{n}.db"
        shutil.copy(base, db)
        kill_after(db, rng.uniform(0.3, 1.1) * full, *argv)
        assert integrity(db) == "ok"
        now = counts(db)
        assert now in (before, after), (now, before, after)
        outcomes["before" if now == before else "after"] += 1
    report(f"{name} (before {before}, after {after})", outcomes, capsys)


@pytest.mark.skipif("import" not in COMMANDS, reason="`followup import` has not landed yet")
def test_kill_during_an_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = _base(tmp_path)
    csv_path = tmp_path / "big.csv"
    lines = ["order_id,date,name,email,phone,amount"]
    lines += [
        f"B{i},2026-11-{1 + i % 20:02d},Buyer {i},buyer{i}@example.com,,{5 + i % 300}.25"
        for i in range(IMPORT_ROWS)
    ]
    csv_path.write_text("\n".join(lines) + "\n")
    _kill_loop(tmp_path, base, ["import", str(csv_path)], f"import of {IMPORT_ROWS} rows", capsys)


def test_kill_while_building_the_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The demo is one transaction: a kill leaves no demo data or all of it."""
    demo = tmp_path / "demo.db"
    full = timed_run(tmp_path / "main.db", "demo", "--path", str(demo))
    after = counts(demo)
    rng = random.Random(1234)
    outcomes = {"empty or absent": 0, "complete": 0}
    for n in range(KILLS):
        target = tmp_path / f"demo-{n}.db"
        kill_after(tmp_path / "main.db", rng.uniform(0.3, 1.1) * full, "demo", "--path", str(target))  # fmt: skip
        if not target.exists() or not target.stat().st_size or "contact" not in tables(target):
            outcomes["empty or absent"] += 1
            continue
        assert integrity(target) == "ok"
        now = counts(target)
        assert now in ((0, 0, 0, 0, 0), after), (now, after)
        outcomes["complete" if now == after else "empty or absent"] += 1
    report(f"demo build (complete = {after})", outcomes, capsys)


FIXTURE_0001 = Path(__file__).parent / "data" / "schema-0001.db"


def revision(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return str(con.execute("SELECT version_num FROM alembic_version").fetchone()[0])
    finally:
        con.close()


def test_kill_during_a_migration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Upgrading a database with data (schema 0001, a backup first): a kill leaves it at the
    old schema or the new one, every row intact, and the next command finishes the upgrade."""
    reference = tmp_path / "reference.db"
    shutil.copy(FIXTURE_0001, reference)
    before = counts(reference)
    full = timed_run(reference, "db", "upgrade")
    assert revision(reference) == SCHEMA_REVISION
    rng = random.Random(1234)
    outcomes = {"old schema": 0, "new schema": 0}
    for n in range(KILLS):
        db = tmp_path / f"old-{n}.db"
        shutil.copy(FIXTURE_0001, db)
        kill_after(db, rng.uniform(0.2, 1.1) * full, "db", "upgrade")
        assert integrity(db) == "ok"
        assert counts(db) == before
        found = revision(db)
        assert found in ("0001", SCHEMA_REVISION)
        outcomes["old schema" if found == "0001" else "new schema"] += 1
        result = runner.invoke(app, ["--db", str(db), "contact", "list", "--json"])
        assert result.exit_code == 0, result.output
        assert revision(db) == SCHEMA_REVISION and counts(db) == before
    report(f"migration 0001 -> {SCHEMA_REVISION} with data", outcomes, capsys)


CALL_STEPS = [
    ("Did you reach Ann?", "1"),
    ("Press Enter when said", ""),
    ("What did you like best about working with us?", "It was fine I guess"),
    ("Enter to accept", ""),
    ("What could we do better?", "Call back when you say you will"),
    ("- negative, ? why", "="),  # a guess or not, = sets neutral
    ("Are you willing to recommend us to others?", "not sure"),
]


def test_kill_during_a_call(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """SIGKILL (not Ctrl-C: nothing gets to clean up) after a random number of answers: every
    answer given before the kill is in the database and the follow-up is still pending."""
    pexpect = pytest.importorskip("pexpect")
    base = tmp_path / "phone.db"  # Ann bought yesterday: her thank-you call is follow-up #1
    for argv in (
        ["contact", "add", "Ann Lee", "--phone", "555-010-0101"],
        ["log", "sale", "Ann", "--amount", "10", "--on", "yesterday"],
    ):
        assert runner.invoke(app, ["--db", str(base), *argv]).exit_code == 0
    rng = random.Random(1234)
    outcomes: dict[str, int] = {}
    for n in range(KILLS // 2):
        db = tmp_path / f"call-{n}.db"
        shutil.copy(base, db)
        env = {**os.environ, "FOLLOWUP_DB": str(db), "FOLLOWUP_TODAY": "2026-11-25", "TERM": "dumb"}
        child = pexpect.spawn(
            sys.executable, ["-m", "followup_cli", "call", "1"], env=env, encoding="utf-8",
            timeout=15, dimensions=(40, 120),
        )  # fmt: skip
        answered = rng.randint(1, len(CALL_STEPS) - 1)
        for prompt, typed in CALL_STEPS[:answered]:
            child.expect_exact(prompt)
            child.sendline(typed)
        child.expect_exact(CALL_STEPS[answered][0])  # the answers before are saved by now
        time.sleep(rng.uniform(0, 0.2))
        child.kill(signal.SIGKILL)
        child.close(force=True)
        assert integrity(db) == "ok"
        con = sqlite3.connect(db)
        try:
            steps = [r[0] for r in con.execute("SELECT step FROM call_answer ORDER BY id")]
            status = con.execute("SELECT status FROM followup WHERE id = 1").fetchone()[0]
        finally:
            con.close()
        expected = {"reach": 1, "thank": 2, "liked_best": 4, "do_better": 6}
        for step, needed in expected.items():
            if answered >= needed:
                assert step in steps, (answered, steps)
        assert status == "pending"
        outcomes[f"killed after {answered} inputs"] = outcomes.get(f"killed after {answered} inputs", 0) + 1  # fmt: skip
    report("call killed mid-way", outcomes, capsys)
