"""Undo and history: every command that writes is one operation, taken back exactly."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from followup_cli.cli import app
from followup_cli.config import to_url
from followup_cli.store import Database
from followup_cli.store.journal import JOURNALED
from tests.helpers import query

runner = CliRunner()
DATA_TABLES = (*JOURNALED, "suppression")


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def ok(*args: str) -> str:
    code, out, err = run(*args)
    assert code == 0, (args, out, err)
    return out


def dump() -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table holding the owner's data, in a stable order."""
    return {table: sorted(query(f"SELECT * FROM {table}"), key=repr) for table in DATA_TABLES}


def operations() -> list[tuple[object, ...]]:
    return query("SELECT id, command, undoes_id, undone_by_id FROM journal_operation ORDER BY id")


@pytest.fixture
def customer() -> None:
    ok(
        "contact", "add", "Ann Lee", "--email", "ann@example.com", "--phone", "555-010-0101",
        "--address", "1 Main St",
    )  # fmt: skip
    ok("log", "sale", "Ann", "--amount", "120", "--on", "2026-11-20")


def pending_ids() -> list[int]:
    return [
        int(r[0]) for r in query("SELECT id FROM followup WHERE status = 'pending' ORDER BY id")
    ]


@pytest.mark.parametrize(
    "command",
    [
        ["done", "FIRST", "--outcome", "positive"],
        ["skip", "FIRST", "--reason", "moved away"],
        ["snooze", "FIRST", "2026-12-15"],
        ["log", "sale", "Ann", "--amount", "35.50", "--note", "second order"],
        ["contact", "edit", "Ann", "--name", "Ann Lee-Smith", "--address", "2 Elm St"],
        ["contact", "opt-out", "Ann", "--channel", "phone"],
        ["schedule", "Ann", "friday", "--purpose", "Ask about the fitting"],
        ["done", "FIRST", "SECOND", "--yes"],
        ["skip", "--contact", "Ann", "--yes"],
        ["edit", "FIRST", "--channel", "email", "--due", "2026-12-01"],
        ["log", "edit", "1", "--on", "2026-11-18", "--amount", "99"],
        ["log", "delete", "1", "--yes"],
    ],
    ids=lambda argv: " ".join(argv[:3]),
)
def test_undo_puts_every_table_back_exactly(customer: None, command: list[str]) -> None:
    ids = {"FIRST": str(pending_ids()[0]), "SECOND": str(pending_ids()[1])}
    argv = [ids.get(a, a) for a in command]
    before = dump()
    ok(*argv)
    assert dump() != before
    name = " ".join(argv[:2]) if argv[1] in {"edit", "delete", "opt-out"} else argv[0]
    assert ok("undo", "--yes").startswith(f"Undid #3 {name} (")
    assert dump() == before


def test_undo_of_a_whole_import(customer: None, tmp_path: Path) -> None:
    """New contacts, their sales and follow-ups go; details filled in on an existing
    contact and a prospect's dropped follow-ups come back."""
    ok("contact", "add", "Pat Prospect", "--email", "pat@example.com", "--tag", "prospect")
    ok("log", "inquiry", "Pat", "--on", "2026-11-21")
    sales = tmp_path / "sales.csv"
    sales.write_text(
        "order_id,date,name,email,phone,amount,address\n"
        "A1,2026-11-22,Ann Lee,ann@example.com,,40.00,9 New Road\n"
        "A2,2026-11-22,Pat Prospect,pat@example.com,,80.00,\n"
        "A3,2026-11-23,Cy New,cy@example.com,555-010-0199,15.00,\n"
        "A4,2026-11-23,Di New,di@example.com,,25.00,\n"
    )
    before = dump()
    ok("import", str(sales))
    after = dump()
    assert after != before
    assert len(after["contact"]) == len(before["contact"]) + 2
    assert "Undid #" in ok("undo", "--yes")
    assert dump() == before
    ok("import", str(sales))  # and the file imports again as if the first never happened
    assert {t: len(rows) for t, rows in dump().items()} == {
        t: len(rows) for t, rows in after.items()
    }


def test_undo_of_a_reopen_leaves_it_done(customer: None) -> None:
    first = pending_ids()[0]
    ok("done", str(first), "--outcome", "positive")
    done = dump()
    ok("reopen", str(first))
    assert ok("undo", "--yes").startswith("Undid #4 reopen (")
    assert dump() == done


def test_a_dry_run_or_a_read_leaves_no_operation(customer: None, tmp_path: Path) -> None:
    sales = tmp_path / "sales.csv"
    sales.write_text("order_id,date,name,email,amount\nB1,2026-11-22,Bo,bo@example.com,5\n")
    count = len(operations())
    ok("import", str(sales), "--dry-run")
    ok("today")
    ok("contact", "show", "Ann")
    assert len(operations()) == count


def test_history_lists_operations_newest_first(customer: None) -> None:
    first = pending_ids()[0]
    ok("done", str(first))
    ok("undo", "--yes")
    lines = ok("history").splitlines()
    assert [line.split(" (")[0] + line.split(")")[-1] for line in lines] == [
        "#4 undo  [undid #3]",
        "#3 done  [undone by #4]",
        "#2 log",
        "#1 contact add",
    ]
    assert lines[2].endswith(": 2 follow-ups added, 1 interaction added)")
    assert ok("history", "--limit", "1").count("\n") == 1


def test_history_of_a_new_database_says_what_will_appear() -> None:
    assert ok("history") == (
        "No changes recorded yet; every command that changes something appears here.\n"
    )


def test_undo_again_goes_further_back_and_never_undoes_an_undo(customer: None) -> None:
    first, second = pending_ids()[:2]
    ok("done", str(first))
    ok("skip", str(second))
    assert ok("undo", "--yes").startswith("Undid #4 skip")
    assert ok("undo", "--yes").startswith("Undid #3 done")
    assert pending_ids()[:2] == [first, second]
    assert ok("undo", "--yes").startswith("Undid #2 log")
    assert ok("undo", "--yes").startswith("Undid #1 contact add")
    assert query("SELECT count(*) FROM contact") == [(0,)]
    code, _, err = run("undo", "--yes")
    assert (code, err) == (
        3,
        "Error: Nothing to undo: no command has changed anything recently "
        "(`followup history` lists what can be taken back).\n",
    )


def test_undo_refuses_an_operation_a_later_one_changed_again(customer: None) -> None:
    """`log` scheduled the follow-ups that `done` then changed: taking back the log alone
    would leave a done follow-up of a sale that never happened."""
    first = pending_ids()[0]
    ok("done", str(first))
    before = dump()
    code, _, err = run("undo", "2", "--yes")
    assert (code, err) == (
        4,
        f"Error: Cannot undo #2 (log): #3 (done) changed follow-up #{first} afterwards; "
        "undo #3 first.\n",
    )
    assert dump() == before
    ok("undo", "3", "--yes")
    ok("undo", "2", "--yes")  # now nothing later depends on it


def test_undo_refuses_when_a_later_record_hangs_on_a_row_it_created(customer: None) -> None:
    """Undoing `contact add` would delete the contact and, through the foreign keys, a call
    logged for them later: refused, nothing changed."""
    ok("contact", "add", "Bo Bell", "--phone", "555-010-0150")
    ok("log", "call", "Bo", "--note", "asked about opening hours")
    before = dump()
    code, _, err = run("undo", "3", "--yes")
    assert code == 4
    assert err.startswith("Error: Cannot undo #3 (contact add): #4 (log) changed interaction #")
    assert err.endswith("; undo #4 first.\n")
    assert dump() == before


def test_undo_of_an_operation_by_number_and_its_errors(customer: None) -> None:
    ok("contact", "add", "Bo Bell", "--phone", "555-010-0150")
    # An older operation nothing later touched can be taken back on its own.
    assert ok("undo", "3", "--yes").startswith("Undid #3 contact add")
    assert query("SELECT name FROM contact") == [("Ann Lee",)]
    assert run("undo", "3", "--yes")[:3:2] == (
        4,
        "Error: Operation #3 (contact add) was already undone by #4.\n",
    )
    assert run("undo", "4", "--yes")[:3:2] == (
        2,
        "Error: Operation #4 is an undo (of #3); to have that change again, run its command again.\n",
    )
    assert run("undo", "99", "--yes")[:3:2] == (
        3,
        "Error: No operation #99; `followup history` lists them "
        "(older ones are dropped after journal_days, 30 by default).\n",
    )
    assert run("undo", "x1", "--yes")[:3:2] == (
        2,
        "Error: 'x1' is not a operation id; use a number like 12 or #12.\n",
    )


def test_undo_asks_first(customer: None) -> None:
    first = pending_ids()[0]
    ok("done", str(first))
    code, out, _ = run("undo", input="n\n")
    assert code == 0 and out.endswith("Nothing was undone.\n")
    assert "Undo #3 done (" in out
    assert first not in pending_ids()
    code, out, _ = run("undo", input="y\n")
    assert code == 0 and first in pending_ids()


def test_the_journal_keeps_journal_days(customer: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from followup_cli import config

    ok("config", "set", "journal_days", "2")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    monkeypatch.setattr(config, "now", lambda: later)
    ok("skip", str(pending_ids()[0]))
    assert [row[1] for row in operations()] == ["skip"]
    code, _, err = run("config", "set", "journal_days", "0")
    assert (code, err) == (
        2,
        "Error: journal_days: journal_days must be a number of days from 1 to 3650, e.g. 30.\n",
    )


def test_a_call_answered_over_several_transactions_is_one_operation(customer: None) -> None:
    from followup_cli.store.journal import Journal

    db = Database(to_url(os.environ["FOLLOWUP_DB"]))
    db.journal = Journal("call", dt.datetime.now(dt.UTC), lambda: 30)
    try:
        for note in ("first", "second"):
            with db.transaction() as tx:
                tx.execute(
                    "UPDATE followup SET note = :note WHERE id = :id",
                    {"note": note, "id": pending_ids()[0]},
                )
    finally:
        db.dispose()
    assert [row[1] for row in operations()][-1:] == ["call"]
    assert len(operations()) == 3


@pytest.mark.sqlite_only
def test_the_triggers_keep_every_column(db: Database) -> None:
    """A migration that adds a column to a journaled table must reinstall the triggers
    (``store.journal.install_triggers``), or undo would lose that column."""
    with db.reading() as tx:
        for table in JOURNALED:
            columns = [row[1] for row in tx.rows(f"PRAGMA table_info({table})")]
            for action in ("update", "delete"):
                sql = tx.value(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name",
                    {"name": f"journal_{table}_{action}"},
                )
                assert sql is not None, (table, action)
                assert [c for c in columns if f"'{c}', OLD.{c}" not in sql] == [], table


def test_undo_of_a_merge_brings_both_people_back(customer: None) -> None:
    """Interactions, follow-ups, details filled in, aliases and the deleted contact all come
    back as they were; the undone merge's aliases no longer route an import."""
    ok("contact", "add", "Ann Lee", "--email", "ann.lee@work.example", "--address", "1 Elm St")
    ok("log", "sale", "#2", "--amount", "15", "--on", "2026-11-21")
    before = dump()
    ok("contact", "merge", "#1", "#2", "--yes")
    assert query("SELECT COUNT(*) FROM contact") == [(1,)]
    assert query("SELECT COUNT(*) FROM contact_alias") == [(1,)]
    assert ok("undo", "--yes").startswith("Undid #5 contact merge (")
    assert dump() == before
