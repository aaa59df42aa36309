"""The database layer: migrations, pragmas, permissions, backups, query plans."""

from __future__ import annotations

import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from followup_cli import agenda
from followup_cli.config import to_url
from followup_cli.db import KNOWN_REVISIONS, SCHEMA_REVISION, Database, restore_backup
from followup_cli.migrations import head_revision, revisions

FIXTURE_0001 = Path(__file__).parent / "data" / "schema-0001.db"


def test_schema_constant_matches_alembic_head() -> None:
    assert head_revision() == SCHEMA_REVISION
    assert tuple(revisions()) == KNOWN_REVISIONS


@pytest.mark.sqlite_only
def test_new_database_is_migrated_private_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    db, notice = Database.open(to_url(str(path)))
    assert notice is None
    assert db.revision() == SCHEMA_REVISION
    with db.session() as session:
        from sqlalchemy import text

        assert session.exec(text("PRAGMA journal_mode")).one()[0] == "wal"  # type: ignore[call-overload]
        assert session.exec(text("PRAGMA foreign_keys")).one()[0] == 1  # type: ignore[call-overload]
        assert session.exec(text("PRAGMA busy_timeout")).one()[0] == 30000  # type: ignore[call-overload]
    for name in ("new.db", "new.db-wal", "new.db-shm"):
        file = tmp_path / name
        if file.exists():
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, name
    db.dispose()


@pytest.mark.sqlite_only
def test_every_version_opens_the_first_released_schema_with_rows_intact(tmp_path: Path) -> None:
    copy = tmp_path / "old.db"
    shutil.copy(FIXTURE_0001, copy)
    before = _counts(copy)
    assert before["contact"] == 10 and before["followup"] > 0
    db, _ = Database.open(to_url(str(copy)))
    assert db.revision() == SCHEMA_REVISION
    assert _counts(copy) == before
    db.dispose()


def _counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        tables = ["contact", "interaction", "followup", "call_log", "call_answer"]
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    finally:
        con.close()


@pytest.mark.sqlite_only
def test_backup_and_restore_use_the_backup_api(db: Database, tmp_path: Path) -> None:
    from tests.helpers import make_contact

    with db.session() as session:
        make_contact(session, "Ann Lee")
    target = db.backup_to(tmp_path / "backup.db")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with db.session() as session:
        make_contact(session, "Bob", phone="555-010-0102")
    saved = restore_backup(db, target)
    assert saved.exists()
    assert db.path is not None and _counts(db.path)["contact"] == 1
    assert _counts(saved)["contact"] == 2


@pytest.mark.sqlite_only
def test_agenda_query_uses_the_status_due_index(db: Database) -> None:
    assert db.path is not None
    con = sqlite3.connect(db.path)
    sql = agenda.AGENDA_SQL.format(channel="")
    plan = " | ".join(
        row[3] for row in con.execute("EXPLAIN QUERY PLAN " + sql, {"today": "2026-11-23"})
    )
    con.close()
    assert "ix_followup_status_due_on" in plan, plan
    assert "SCAN f" not in plan and "SCAN followup" not in plan, plan
