"""The benchmarks' hand-written floors do the same work as the command they are a floor for:
a floor that wrote less would flatter the ratio. (Timing itself lives in ``benchmarks/``.)"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from benchmarks.floors import LIST_CONTACTS_JSON
from followup_cli.cli import app
from followup_cli.store import Tx
from followup_cli.store.rows import ContactRow, table_of, update
from tests.helpers import make_contact

runner = CliRunner()


@pytest.mark.sqlite_only
def test_the_json_list_floor_writes_what_contact_list_json_writes(tx: Tx) -> None:
    ann = make_contact(tx, "Ann Lée", email="ann@example.com", tags="vip,wholesale")
    bob = make_contact(tx, 'Bob "Quote" Ray', phone=None, email="bob@example.com")
    update(tx, table_of(ContactRow), bob.id, {
        "do_not_contact": True, "opted_out_channels": "email,text", "referred_by_id": ann.id,
        "note": "line one\nline two", "every_days": 90,
    })  # fmt: skip
    listed = runner.invoke(app, ["contact", "list", "--limit", "10", "--json"])
    assert listed.exit_code == 0, listed.stderr
    floor = subprocess.run(
        [sys.executable, "-c", LIST_CONTACTS_JSON, os.environ["FOLLOWUP_DB"], "10"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert floor.stdout == listed.stdout
