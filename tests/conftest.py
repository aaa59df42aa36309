"""Shared fixtures. Every test gets its own app folder and database: none touches real data."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from followup_cli.config import to_url
from followup_cli.rules import load_rules
from followup_cli.scheduling import RuleSet
from followup_cli.store import Database, Tx

TODAY = dt.date(2026, 11, 23)  # a Monday


POSTGRES_URL = os.environ.get("FOLLOWUP_TEST_DATABASE_URL", "")


def pytest_report_header() -> str:
    if POSTGRES_URL:
        return f"followup: running against PostgreSQL {POSTGRES_URL}"
    return (
        "followup: running against SQLite (set FOLLOWUP_TEST_DATABASE_URL=postgresql+psycopg://... "
        "to run the suite against PostgreSQL; .ci/run does)"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if POSTGRES_URL:
        skip = pytest.mark.skip(reason="SQLite-specific (files, pragmas, sqlite3 module)")
        for item in items:
            if item.get_closest_marker("sqlite_only"):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str | None]:
    """On PostgreSQL: one migrated template database that each test copies (fast)."""
    if not POSTGRES_URL:
        yield None
        return
    import psycopg

    base, _, _ = POSTGRES_URL.rpartition("/")
    admin = _pg_conninfo(POSTGRES_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS followup_template WITH (FORCE)")
        conn.execute("CREATE DATABASE followup_template")
    template, _ = Database.open(f"{base}/followup_template")
    template.dispose()
    yield base


def _pg_conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


_pg_counter = iter(range(1, 1_000_000))


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_template: str | None
) -> Iterator[Path]:
    """Point FOLLOWUP_HOME and FOLLOWUP_DB at a temporary place and pin "today".

    With FOLLOWUP_TEST_DATABASE_URL set, FOLLOWUP_DB is a fresh PostgreSQL database per test.
    """
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("FOLLOWUP_HOME", str(home))
    monkeypatch.setenv("FOLLOWUP_TODAY", TODAY.isoformat())
    monkeypatch.delenv("FOLLOWUP_DEBUG", raising=False)
    if postgres_template is None:
        monkeypatch.setenv("FOLLOWUP_DB", str(home / "followup.db"))
        yield home
        return
    import psycopg

    name = f"followup_t{os.getpid()}_{next(_pg_counter)}"
    admin = _pg_conninfo(POSTGRES_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE followup_template")
    monkeypatch.setenv("FOLLOWUP_DB", f"{postgres_template}/{name}")
    yield home
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def answers_model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The learned layer's counts, worked out once per test session (about two seconds)."""
    from followup_cli import sentiment_model

    home = tmp_path_factory.mktemp("model-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FOLLOWUP_HOME", str(home))
        sentiment_model.built_in.cache_clear()
        sentiment_model.built_in()
    return home / "cache"


@pytest.fixture
def counted_model(isolated_home: Path, answers_model_cache: Path) -> None:
    """For tests that start followup in another process: the counts are already in the
    cache there, as after a user's first call, so no prompt waits two seconds for them."""
    shutil.copytree(answers_model_cache, isolated_home / "cache")


@pytest.fixture
def today() -> dt.date:
    return TODAY


@pytest.fixture
def db(isolated_home: Path) -> Iterator[Database]:
    """A freshly migrated database (SQLite in the temporary folder, or PostgreSQL)."""
    database, _ = Database.open(to_url(os.environ["FOLLOWUP_DB"]))
    yield database
    database.dispose()


@pytest.fixture
def tx(db: Database) -> Iterator[Tx]:
    """The domain's database handle, in autocommit: every statement is visible at once (to a
    command the test runs next) and no lock is held between statements."""
    yield from autocommit_tx(db)


def autocommit_tx(db: Database) -> Iterator[Tx]:
    """A Tx that never begins a transaction: each statement commits on its own."""
    with db._open(bulk=False, mmap_bytes=0, busy_timeout_ms=30_000) as handle:
        if db.path is not None:
            yield handle
            return
        from followup_cli.store.tx import PostgresTx

        conn = handle._conn.execution_options(isolation_level="AUTOCOMMIT")  # type: ignore[attr-defined]
        yield PostgresTx(conn)


@pytest.fixture
def rules() -> RuleSet:
    return load_rules()
