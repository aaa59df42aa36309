"""Shared fixtures. Every test gets its own app folder and database: none touches real data."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from followup_cli.config import to_url
from followup_cli.db import Database
from followup_cli.scheduling import RuleSet, load_rules

TODAY = dt.date(2026, 11, 23)  # a Monday


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point FOLLOWUP_HOME and FOLLOWUP_DB at a temporary folder and pin "today"."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("FOLLOWUP_HOME", str(home))
    url = os.environ.get("FOLLOWUP_TEST_DATABASE_URL")
    monkeypatch.setenv("FOLLOWUP_DB", url or str(home / "followup.db"))
    monkeypatch.setenv("FOLLOWUP_TODAY", TODAY.isoformat())
    monkeypatch.delenv("FOLLOWUP_DEBUG", raising=False)
    return home


@pytest.fixture
def today() -> dt.date:
    return TODAY


@pytest.fixture
def db(isolated_home: Path) -> Iterator[Database]:
    """A freshly migrated database (SQLite in the temporary folder)."""
    database, _ = Database.open(
        os.environ["FOLLOWUP_DB"]
        if "://" in os.environ["FOLLOWUP_DB"]
        else "sqlite:///" + os.environ["FOLLOWUP_DB"]
    )
    yield database
    database.dispose()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.session() as s:
        yield s


@pytest.fixture
def rules() -> RuleSet:
    return load_rules()
