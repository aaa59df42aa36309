"""`followup draft --open` in a real pseudo-terminal (pexpect): the "Sent? [Y/n]" question."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import pytest

from followup_cli.followups import log_interaction
from followup_cli.scheduling import RuleSet
from followup_cli.store import Tx
from tests.helpers import make_contact, query

pexpect = pytest.importorskip("pexpect")

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def test_open_then_enter_at_sent_marks_it_done(tx: Tx, rules: RuleSet, tmp_path: Path) -> None:
    make_contact(tx, email="ann@example.com", prefers="email")
    log_interaction(
        tx, "Ann Lee", "sale", on=dt.date(2026, 11, 19), today=dt.date(2026, 11, 23), now=NOW,
        rules=rules,
    )  # fmt: skip
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    opened = tmp_path / "opened.txt"
    fake = bin_dir / "xdg-open"
    fake.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{opened}"\n', encoding="utf-8")
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "TERM": "dumb"}
    child = pexpect.spawn(
        sys.executable, ["-m", "followup_cli", "draft", "1", "--open"], env=env,
        encoding="utf-8", timeout=15, dimensions=(40, 120),
    )  # fmt: skip
    child.expect_exact("Subject: Thank you, Ann")
    child.expect_exact("Sent? [Y/n]: ")
    assert opened.read_text(encoding="utf-8").startswith("mailto:ann@example.com?subject=")
    child.sendline("")
    child.expect_exact("Done: #1 Thank-you email with Ann Lee.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert query("SELECT status, template FROM followup WHERE id = 1") == [
        ("done", "thank-you.email#1")
    ]
