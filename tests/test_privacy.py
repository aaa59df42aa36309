"""Consent and erasure: a forgotten person leaves no readable trace in the file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from followup_cli.cli import app
from followup_cli.followups import log_interaction
from followup_cli.privacy import forget, suppression_hash
from followup_cli.scheduling import RuleSet
from followup_cli.store import Tx
from followup_cli.store.rows import update
from tests.helpers import make_contact

runner = CliRunner()
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def test_forget_erases_rows_and_keeps_only_hashes(tx: Tx, rules: RuleSet, tmp_path: Path) -> None:
    ann = make_contact(tx, "Ann Lee", email="ann.unique@example.com")
    bob = make_contact(tx, "Bob", phone="555-010-0102")
    update(tx, "contact", bob.id, {"referred_by_id": ann.id})
    log_interaction(
        tx,
        "Ann",
        "sale",
        on=dt.date(2026, 11, 20),
        today=dt.date(2026, 11, 23),
        now=NOW,
        rules=rules,
    )
    gone = forget(tx, "Ann", today=dt.date(2026, 11, 23))
    assert (gone.name, gone.interactions, gone.followups) == ("Ann Lee", 1, 2)
    assert tx.value("SELECT COUNT(*) FROM interaction") == 0
    assert tx.value("SELECT COUNT(*) FROM followup") == 0
    assert tx.rows("SELECT name, referred_by_id FROM contact") == [("Bob", None)]
    assert sorted(r[0] for r in tx.rows("SELECT key_hash FROM suppression")) == sorted(
        [
            suppression_hash("email", "ann.unique@example.com"),
            suppression_hash("phone", "+15550100101"),
        ]
    )
    # Tomorrow's import skips Ann (by email or by phone) and still imports somebody else.
    path = tmp_path / "sales.csv"
    path.write_text(
        "order,date,email,phone\n1,2026-11-22,ANN.UNIQUE@example.com,\n"
        "2,2026-11-22,,(555) 010-0101\n3,2026-11-22,someone@example.com,\n"
    )
    result = runner.invoke(app, ["import", str(path), "--json"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["suppressed"], summary["sales_imported"]) == (2, 1)
    assert tx.rows("SELECT email FROM contact ORDER BY id") == [(None,), ("someone@example.com",)]


@pytest.mark.sqlite_only
def test_cli_forget_confirms_and_leaves_no_trace_in_the_file(isolated_home: Path) -> None:
    assert (
        runner.invoke(
            app,
            [
                "contact",
                "add",
                "Zelda Quux",
                "--email",
                "zelda.quux@example.com",
                "--address",
                "9 Quux Lane",
            ],
        ).exit_code
        == 0
    )
    runner.invoke(app, ["log", "sale", "Zelda", "--note", "zeldas-secret-order"])
    refused = runner.invoke(app, ["contact", "forget", "Zelda"], input="n\n")
    assert refused.exit_code == 0 and "Kept Zelda Quux (#1); nothing was erased." in refused.stdout
    assert "Aborted" not in refused.output
    stopped = runner.invoke(app, ["contact", "forget", "Zelda"], input="")  # end of input
    assert (stopped.exit_code, stopped.stderr) == (
        130,
        "Error: Stopped before anything was changed.\n",
    )
    result = runner.invoke(app, ["contact", "forget", "Zelda"], input="y\n")
    assert result.exit_code == 0, result.stderr
    assert "Erased Zelda Quux (#1): 1 interactions, 2 follow-ups, 0 calls." in result.stdout
    for path in isolated_home.glob("followup.db*"):
        data = path.read_bytes()
        assert b"zelda" not in data.lower() and b"secret-order" not in data, path.name
    assert runner.invoke(app, ["contact", "show", "Zelda"]).exit_code == 3
