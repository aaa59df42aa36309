"""Consent and erasure: a forgotten person leaves no readable trace in the file."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from followup_cli.cli import app
from followup_cli.config import suppression_key
from followup_cli.followups import log_interaction
from followup_cli.privacy import forget, suppression_hash
from followup_cli.scheduling import RuleSet
from followup_cli.store import Tx
from followup_cli.store.rows import insert, update
from tests.helpers import make_contact, query

runner = CliRunner()
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def test_forget_erases_rows_and_keeps_only_hashes(tx: Tx, rules: RuleSet, tmp_path: Path) -> None:
    secret = suppression_key()
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
    gone = forget(tx, "Ann", today=dt.date(2026, 11, 23), secret=secret)
    assert (gone.name, gone.interactions, gone.followups) == ("Ann Lee", 1, 2)
    assert tx.value("SELECT COUNT(*) FROM interaction") == 0
    assert tx.value("SELECT COUNT(*) FROM followup") == 0
    assert tx.rows("SELECT name, referred_by_id FROM contact") == [("Bob", None)]
    kept = sorted(r[0] for r in tx.rows("SELECT key_hash FROM suppression"))
    assert kept[-1].startswith("key:")  # which secret made the others
    assert kept[:-1] == sorted(
        [
            suppression_hash("email", "ann.unique@example.com", secret),
            suppression_hash("phone", "+15550100101", secret),
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


def _call_with_referral(tmp_path: Path) -> None:
    """Ann buys; her thank-you call names a referral, Zed, who becomes a contact with the
    note "Referred by Ann Lee" and an intro follow-up "(referred by Ann Lee)"."""
    add = ["contact", "add", "Ann Lee", "--phone", "555-010-0101", "--email", "ann@example.com"]
    assert runner.invoke(app, add).exit_code == 0
    assert runner.invoke(app, ["log", "sale", "Ann", "--on", "2026-11-20"]).exit_code == 0
    answers = tmp_path / "call.json"
    answers.write_text(
        json.dumps(
            {
                "reach": "reached",
                "liked_best": "Great service",
                "recommend": "yes",
                "review": "agreed",
                "referrals": [
                    {
                        "name": "Zed Quux",
                        "phone": "+1 212 555 9876",
                        "email": "zed.quux@example.com",
                    }
                ],
            }
        )
    )
    result = runner.invoke(app, ["call", "Ann", "--answers", str(answers)])
    assert result.exit_code == 0, result.stderr
    assert query("SELECT note FROM contact WHERE name = 'Zed Quux'") == [("Referred by Ann Lee",)]


@pytest.mark.sqlite_only
def test_forgetting_a_referral_erases_them_from_the_referrers_call(
    isolated_home: Path, tmp_path: Path
) -> None:
    _call_with_referral(tmp_path)
    assert query("SELECT answer FROM call_answer WHERE step = 'referral'") == [
        ("Zed Quux, +1 212 555 9876, zed.quux@example.com",)
    ]
    result = runner.invoke(app, ["contact", "forget", "Zed", "--yes"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1] == (
        "Erased their name, email and phone where 1 other record named them."
    )
    assert query("SELECT answer FROM call_answer WHERE step = 'referral'") == [
        ("[erased], [erased], [erased]",)
    ]
    for path in isolated_home.glob("followup.db*"):
        data = path.read_bytes().lower()
        for trace in (b"zed", b"quux", b"555 9876", b"2125559876"):
            assert trace not in data, (path.name, trace)


@pytest.mark.sqlite_only
def test_forgetting_a_referrer_erases_them_from_the_referrals_records(
    isolated_home: Path, tmp_path: Path
) -> None:
    _call_with_referral(tmp_path)
    assert query("SELECT purpose FROM followup WHERE purpose LIKE '%referred by Ann Lee%'")
    result = runner.invoke(app, ["contact", "forget", "Ann", "--yes"])
    assert result.exit_code == 0, result.stderr
    assert query("SELECT note FROM contact WHERE name = 'Zed Quux'") == [("Referred by [erased]",)]
    purposes = [row[0] for row in query("SELECT purpose FROM followup")]
    assert purposes and all("Ann" not in str(p) for p in purposes), purposes
    assert "Zed Quux" in runner.invoke(app, ["upcoming", "--days", "30"]).stdout
    for path in isolated_home.glob("followup.db*"):
        data = path.read_bytes().lower()
        for trace in (b"ann lee", b"ann@example.com", b"555-010-0101"):
            assert trace not in data, (path.name, trace)


def test_forget_lists_the_automatic_backups_that_still_hold_them(isolated_home: Path) -> None:
    assert (
        runner.invoke(app, ["contact", "add", "Bo Bell", "--phone", "555-010-0150"]).exit_code == 0
    )
    db_path = Path(os.environ["FOLLOWUP_DB"])
    if db_path.suffix != ".db":
        pytest.skip("PostgreSQL keeps no copies beside a file")
    copy = db_path.with_name(db_path.name + ".before-0009-20261201-101010")
    copy.write_bytes(b"")
    result = runner.invoke(app, ["contact", "forget", "Bo", "--yes"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "These copies made earlier still hold them; delete them if they must go too:",
        f"  {copy}",
    ]


def _forget_ann_with_phone() -> None:
    add = ["contact", "add", "Ann Lee", "--phone", "+1 212 555 0142", "--email", "ann@example.com"]
    assert runner.invoke(app, add).exit_code == 0
    assert runner.invoke(app, ["contact", "forget", "Ann", "--yes"]).exit_code == 0


def test_a_stolen_database_cannot_be_searched_for_a_forgotten_phone(isolated_home: Path) -> None:
    """Trying every number of the area code against the file's hashes finds nothing: they are
    keyed with secret.key, which lives in the app folder (0600), not in the database."""
    import hashlib
    import stat

    _forget_ann_with_phone()
    kept = {row[0] for row in query("SELECT key_hash FROM suppression")}
    assert kept and all(k.startswith(("k1:", "key:")) for k in kept)
    salt = b"followup-suppression-v1:"
    tried = {
        hashlib.sha256(salt + f"phone:+1212555{n:04d}".encode()).hexdigest() for n in range(10_000)
    }
    assert not tried & kept and not {f"k1:{t}" for t in tried} & kept
    key = isolated_home / "secret.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text().strip()) == 64


def _import_ann(tmp_path: Path) -> Any:
    path = tmp_path / "sales.csv"
    path.write_text("order,date,email\n1,2026-11-22,ann@example.com\n")
    return runner.invoke(app, ["import", str(path), "--json"])


def test_an_import_needs_the_secret_the_forgotten_were_hashed_with(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _forget_ann_with_phone()
    key = isolated_home / "secret.key"
    saved = key.read_text()
    key.unlink()
    result = _import_ann(tmp_path)  # a new machine: a secret of its own, not theirs
    assert (result.exit_code, result.stderr) == (
        2,
        "Error: The secret key on this machine is not the one this database's forgotten "
        "people were recorded with, so they cannot be recognised: copy secret.key from the "
        "app folder of the machine that forgot them (`followup config` shows the folder), or "
        "set FOLLOWUP_SECRET_KEY.\n",
    )
    assert query("SELECT COUNT(*) FROM contact") == [(0,)]  # Ann was not recreated
    monkeypatch.setenv("FOLLOWUP_SECRET_KEY", "ab" * 32)  # yet another machine's
    assert _import_ann(tmp_path).exit_code == 2
    monkeypatch.setenv("FOLLOWUP_SECRET_KEY", saved.strip())  # a team shares the same
    result = _import_ann(tmp_path)
    assert result.exit_code == 0 and json.loads(result.stdout)["suppressed"] == 1
    assert query("SELECT COUNT(*) FROM contact") == [(0,)]


def test_hashes_an_older_followup_left_bare_are_keyed_on_first_use(
    tx: Tx, isolated_home: Path, tmp_path: Path
) -> None:
    import hashlib

    bare = hashlib.sha256(b"followup-suppression-v1:email:ann@example.com").hexdigest()
    insert(tx, "suppression", {"key_hash": bare, "created_on": dt.date(2026, 1, 5)})
    result = _import_ann(tmp_path)
    assert result.exit_code == 0 and json.loads(result.stdout)["suppressed"] == 1
    kept = [row[0] for row in query("SELECT key_hash FROM suppression ORDER BY id")]
    assert kept[0] != bare and kept[0].startswith("k1:") and kept[1].startswith("key:")


def test_a_secret_key_that_is_not_one_is_refused(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (
        runner.invoke(app, ["contact", "add", "Al Poe", "--phone", "555-010-0160"]).exit_code == 0
    )
    monkeypatch.setenv("FOLLOWUP_SECRET_KEY", "not hex")
    result = runner.invoke(app, ["contact", "forget", "Al", "--yes"])
    assert (result.exit_code, result.stderr) == (
        2,
        "Error: FOLLOWUP_SECRET_KEY must be at least 32 hex digits (16 bytes).\n",
    )
    assert query("SELECT name FROM contact") == [("Al Poe",)]  # nothing erased
