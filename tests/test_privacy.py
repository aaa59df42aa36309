"""Consent and erasure: a forgotten person leaves no readable trace in the file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import func, select
from typer.testing import CliRunner

from followup_cli.cli import app
from followup_cli.db import Database
from followup_cli.followups import log_interaction
from followup_cli.models import Contact, FollowUp, Interaction, Suppression
from followup_cli.privacy import forget, is_suppressed
from followup_cli.scheduling import RuleSet
from tests.helpers import make_contact

runner = CliRunner()


def test_forget_erases_rows_and_keeps_only_hashes(db: Database, rules: RuleSet) -> None:
    with db.session() as session:
        ann = make_contact(session, "Ann Lee", email="ann.unique@example.com")
        bob = make_contact(session, "Bob", phone="555-010-0102")
        bob.referred_by_id = ann.id
        log_interaction(
            session,
            "Ann",
            "sale",
            on=dt.date(2026, 11, 20),
            today=dt.date(2026, 11, 23),
            rules=rules,
        )
    with db.session() as session:
        gone = forget(session, "Ann", today=dt.date(2026, 11, 23))
    assert (gone.name, gone.interactions, gone.followups) == ("Ann Lee", 1, 2)
    with db.session() as session:
        assert session.exec(select(func.count()).select_from(Interaction)).one() == 0
        assert session.exec(select(func.count()).select_from(FollowUp)).one() == 0
        assert [c.name for c in session.exec(select(Contact)).all()] == ["Bob"]
        assert session.exec(select(Contact)).one().referred_by_id is None
        assert session.exec(select(func.count()).select_from(Suppression)).one() == 2
        assert is_suppressed(session, email="ann.unique@example.com", phone_key=None)
        assert not is_suppressed(session, email="someone@example.com", phone_key=None)


@pytest.mark.sqlite_only
def test_cli_forget_confirms_and_leaves_no_trace_in_the_file(isolated_home: Path) -> None:
    assert (
        runner.invoke(
            app, ["contact", "add", "Zelda Quux", "--email", "zelda.quux@example.com"]
        ).exit_code
        == 0
    )
    runner.invoke(app, ["log", "sale", "Zelda", "--note", "zeldas-secret-order"])
    refused = runner.invoke(app, ["contact", "forget", "Zelda"], input="n\n")
    assert refused.exit_code == 1
    result = runner.invoke(app, ["contact", "forget", "Zelda"], input="y\n")
    assert result.exit_code == 0, result.stderr
    assert "Erased Zelda Quux (#1): 1 interactions, 2 follow-ups, 0 calls." in result.stdout
    for path in isolated_home.glob("followup.db*"):
        data = path.read_bytes()
        assert b"zelda" not in data.lower() and b"secret-order" not in data, path.name
    assert runner.invoke(app, ["contact", "show", "Zelda"]).exit_code == 3
