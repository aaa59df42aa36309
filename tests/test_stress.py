"""Several followup processes on one database at once: nobody sees "database is locked", every
command succeeds, and the final counts are exactly what the workers did.

Each worker is a thread that runs real `python -m followup_cli` processes one after another, so
at any moment up to five processes share the file: sales being logged, follow-ups done and
snoozed, the agenda read, a 2,000-row import, a call typed in a pseudo-terminal and calls
recorded from answer files.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from followup_cli.cli import app

pytestmark = pytest.mark.sqlite_only  # WAL, busy timeout and BEGIN IMMEDIATE are SQLite behaviour

COMMANDS = get_command(app).commands  # type: ignore[attr-defined]
SALES = 8  # `log sale` by the sales worker, one per contact
DESK = 4  # contacts whose two follow-ups the desk worker does or snoozes
READS = 8
IMPORT_ROWS = 2000
CALLS = 2
SNOOZE_TO = "2026-12-15"


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_five_processes_share_the_database(isolated_home: Path) -> None:
    db = Path(os.environ["FOLLOWUP_DB"])
    runner = CliRunner()

    def setup(*argv: str) -> None:
        result = runner.invoke(app, list(argv))
        assert result.exit_code == 0, (argv, result.output)

    for i in range(SALES):
        setup("contact", "add", f"Sal {i}", "--email", f"sal{i}@example.com", "--prefers", "email")
    for i in range(DESK):
        setup("contact", "add", f"Desk {i}", "--phone", f"555-010-{1000 + i}", "--address", "1 Elm")
        setup("log", "sale", f"Desk {i}", "--amount", "5", "--on", "3 days ago")
    has_call = "call" in COMMANDS
    call_ids: list[int] = []
    if has_call:
        for i in range(CALLS):
            setup("contact", "add", f"Kay {i}", "--phone", f"555-010-{2000 + i}")
            setup("log", "sale", f"Kay {i}", "--amount", "7", "--on", "3 days ago")
        call_ids = [
            int(r[0])  # type: ignore[call-overload]
            for r in query(
                db,
                "SELECT f.id FROM followup f JOIN contact c ON c.id = f.contact_id "
                "WHERE c.name LIKE 'Kay %' AND f.channel = 'phone' ORDER BY f.id",
            )
        ]
        assert len(call_ids) == CALLS
    desk_ids = [
        int(r[0])  # type: ignore[call-overload]
        for r in query(
            db,
            "SELECT f.id FROM followup f JOIN contact c ON c.id = f.contact_id "
            "WHERE c.name LIKE 'Desk %' AND f.status = 'pending' ORDER BY f.id",
        )
    ]
    assert len(desk_ids) == 2 * DESK
    sales_before = query(db, "SELECT count(*) FROM interaction WHERE kind = 'sale'")[0][0]

    has_import = "import" in COMMANDS
    csv_path = isolated_home / "nightly.csv"
    if has_import:
        lines = ["order_id,date,name,email,amount"]
        lines += [
            f"N{i},2026-11-20,Night {i},night{i}@example.com,{10 + i % 90}.50"
            for i in range(IMPORT_ROWS)
        ]
        csv_path.write_text("\n".join(lines) + "\n")
    answers = isolated_home / "call.json"
    answers.write_text(
        json.dumps(
            {
                "reach": "reached",
                "liked_best": "Great service, thank you",
                "recommend": "yes",
                "review": "agreed",
            }
        )
    )

    env = {**os.environ, "FOLLOWUP_DEBUG": "", "COLUMNS": "100"}
    PTY_CALL = [
        ("Did you reach", "reached"),
        ("Press Enter when said", ""),
        ("What did you like best", "Great service, thank you"),
        ("Enter to accept", ""),
        ("recommend us to others?", "yes"),
        ("honest review?", "agreed"),
        ("Referral's name", ""),
    ]
    results: list[tuple[str, int, str]] = []
    lock = threading.Lock()
    durations: list[tuple[float, str]] = []

    def followup(*argv: str) -> None:
        began = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "followup_cli", *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        with lock:
            results.append((" ".join(argv), proc.returncode, proc.stdout + proc.stderr))
            durations.append((time.perf_counter() - began, argv[0]))

    def seller() -> None:
        for i in range(SALES):
            followup("log", "sale", f"sal{i}@example.com", "--amount", "10")

    def desk() -> None:
        for n, fid in enumerate(desk_ids):
            if n % 2 == 0:
                followup("done", str(fid), "--outcome", "positive")
            else:
                followup("snooze", str(fid), SNOOZE_TO)

    def reader() -> None:
        for _ in range(READS):
            followup("today", "--json")

    def importer() -> None:
        followup("import", str(csv_path))
        followup("import", str(csv_path))  # the same file again changes nothing

    def pty_call(fid: int) -> None:
        """One call typed at the keyboard, in a real pseudo-terminal, as the owner would."""
        import pexpect

        began = time.perf_counter()
        child = pexpect.spawn(
            sys.executable, ["-m", "followup_cli", "call", str(fid)],
            env={**env, "TERM": "dumb"}, encoding="utf-8", timeout=120, dimensions=(40, 120),
        )  # fmt: skip
        for prompt, typed in PTY_CALL:
            child.expect_exact(prompt)
            child.sendline(typed)
        child.expect(pexpect.EOF)
        child.close()
        with lock:
            results.append((f"call {fid} (pty)", child.exitstatus or 0, child.before or ""))
            durations.append((time.perf_counter() - began, "call (pty)"))

    def caller() -> None:
        pty_call(call_ids[0])
        for fid in call_ids[1:]:
            followup("call", str(fid), "--answers", str(answers))

    workers = [seller, desk, reader]
    if has_import:
        workers.append(importer)
    if has_call:
        workers.append(caller)
    started = time.perf_counter()
    threads = [threading.Thread(target=w) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    elapsed = time.perf_counter() - started

    slowest = max(durations)
    print(f"\n[stress] slowest command: {slowest[1]} {slowest[0]:.1f} s")
    failures = [r for r in results if r[1] != 0]
    assert not failures, failures[:3]
    lockups = [r for r in results if "locked" in r[2].lower() or "busy" in r[2].lower()]
    assert not lockups, lockups[:3]
    assert query(db, "PRAGMA integrity_check") == [("ok",)]

    imported = IMPORT_ROWS if has_import else 0
    assert query(db, "SELECT count(*) FROM interaction WHERE kind = 'sale'")[0][0] == (
        sales_before + SALES + imported
    )
    assert query(
        db,
        "SELECT count(*) FROM interaction i JOIN contact c ON c.id = i.contact_id "
        "WHERE i.kind = 'sale' AND c.email LIKE 'sal%' AND i.amount_cents = 1000",
    ) == [(SALES,)]
    done = set(desk_ids[0::2])
    snoozed = set(desk_ids[1::2])
    rows = dict(
        (int(r[0]), (r[1], str(r[2])))
        for r in query(db, "SELECT id, status, due_on FROM followup")
        # type: ignore[call-overload]
    )
    assert all(rows[f][0] == "done" for f in done)
    assert all(rows[f] == ("pending", SNOOZE_TO) for f in snoozed)
    if has_call:
        assert all(rows[f][0] == "done" for f in call_ids)
        assert query(db, "SELECT count(DISTINCT followup_id) FROM call_log") == [(CALLS,)]
    if has_import:
        summaries = [r[2] for r in results if r[0].startswith("import")]
        assert any("Imported 2000 sales" in s for s in summaries), summaries
        assert any("Imported 0 sales" in s for s in summaries), summaries
    operations = len(results)
    print(
        f"\n[stress] {len(workers)} worker processes at once, {operations} commands "
        f"({SALES} sales, {len(desk_ids)} done/snooze, {READS} agenda reads, "
        f"{'2 imports of ' + str(IMPORT_ROWS) + ' rows, ' if has_import else ''}"
        f"{str(len(call_ids)) + ' calls, one typed in a pty' if has_call else 'no calls'}) in {elapsed:.1f} s; "
        "0 locked/busy, all exit 0, final counts exact"
    )
