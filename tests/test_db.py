"""The database layer: migrations, pragmas, permissions, backups, query plans."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from followup_cli.config import to_url
from followup_cli.migrations import head_revision, revisions
from followup_cli.store import KNOWN_REVISIONS, SCHEMA_REVISION, Database, restore_backup
from followup_cli.store.sql import agenda as agenda_sql

FIXTURE_0001 = Path(__file__).parent / "data" / "schema-0001.db"


def test_schema_constant_matches_alembic_head() -> None:
    assert head_revision() == SCHEMA_REVISION
    assert tuple(revisions()) == KNOWN_REVISIONS


def test_the_migrations_build_exactly_the_models(db: Database) -> None:
    """The schema is defined once, in models.py; the migrations must arrive at the same."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import followup_cli.models  # noqa: F401 - registers the tables

    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": False, "compare_server_default": True}
        )
        differences = compare_metadata(context, SQLModel.metadata)
    assert [d for d in differences if "alembic_version" not in str(d)] == []


@pytest.mark.sqlite_only
def test_new_database_is_migrated_private_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    db, notice = Database.open(to_url(str(path)))
    assert notice is None
    assert db.revision() == SCHEMA_REVISION
    with db.transaction() as tx:
        assert tx.value("PRAGMA journal_mode") == "wal"
        assert tx.value("PRAGMA foreign_keys") == 1
        assert tx.value("PRAGMA busy_timeout") == 30000
        assert tx.value("PRAGMA secure_delete") == 1
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

    with db.transaction() as tx:
        make_contact(tx, "Ann Lee")
    target = db.backup_to(tmp_path / "backup.db")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with db.transaction() as tx:
        make_contact(tx, "Bob", phone="555-010-0102")
    saved = restore_backup(db, target)
    assert saved.exists()
    assert db.path is not None and _counts(db.path)["contact"] == 1
    assert _counts(saved)["contact"] == 2


@pytest.mark.sqlite_only
def test_agenda_query_uses_the_status_due_index(db: Database) -> None:
    assert db.path is not None
    con = sqlite3.connect(db.path)
    params = {"today": "2026-11-23", "channel": None}
    plan = " | ".join(
        row[3] for row in con.execute("EXPLAIN QUERY PLAN " + agenda_sql.AGENDA_SQL, params)
    )
    con.close()
    assert "ix_followup_status_due_on" in plan, plan
    assert "SCAN f" not in plan and "SCAN followup" not in plan, plan


@pytest.mark.sqlite_only
def test_opening_an_older_database_backs_it_up_and_says_so_once(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from followup_cli.cli import app

    copy = tmp_path / "old.db"
    shutil.copy(FIXTURE_0001, copy)
    copy.chmod(0o600)  # (a copy others can read is made private, and says so: test_permissions)
    runner = CliRunner()
    first = runner.invoke(app, ["--db", str(copy), "contact", "list", "--json"])
    assert first.exit_code == 0, first.stderr
    backups = list(tmp_path.glob(f"old.db.before-{SCHEMA_REVISION}-*"))
    assert len(backups) == 1
    assert first.stderr == (
        f"Upgraded the database from schema 0001 to {SCHEMA_REVISION}; the previous version "
        f"is saved as {backups[0]}.\n"
    )
    assert stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    assert _counts(backups[0]) == _counts(copy)
    second = runner.invoke(app, ["--db", str(copy), "contact", "list", "--json"])
    assert second.stderr == ""


@pytest.mark.sqlite_only
def test_a_failing_migration_leaves_the_old_database_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import followup_cli.migrations as migrations
    import followup_cli.store.database as db_module
    from followup_cli.errors import DatabaseError

    scripts = tmp_path / "migrations"
    shutil.copytree(
        migrations.MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__")
    )
    (scripts / "versions" / "9999_broken.py").write_text(
        '"""A migration that fails half-way."""\n'
        "from alembic import op\n"
        f'revision = "9999"\ndown_revision = "{SCHEMA_REVISION}"\n'
        "branch_labels = None\ndepends_on = None\n"
        "def upgrade() -> None:\n"
        '    op.execute("CREATE TABLE half_done (id INTEGER)")\n'
        '    raise RuntimeError("disk on fire")\n'
    )
    monkeypatch.setattr(migrations, "MIGRATIONS_DIR", scripts)
    monkeypatch.setattr(db_module, "SCHEMA_REVISION", "9999")
    monkeypatch.setattr(db_module, "KNOWN_REVISIONS", (*KNOWN_REVISIONS, "9999"))
    copy = tmp_path / "old.db"
    shutil.copy(FIXTURE_0001, copy)
    before = _counts(copy)
    with pytest.raises(DatabaseError, match="Upgrading the database failed and was rolled back"):
        Database.open(to_url(str(copy)))
    con = sqlite3.connect(copy)
    try:
        assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "half_done" not in tables
        indexes = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert "ix_followup_due_on" not in indexes  # 0002 and later rolled back with it
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        con.close()
    assert _counts(copy) == before


@pytest.mark.sqlite_only
def test_a_database_from_a_newer_followup_is_refused_untouched(tmp_path: Path) -> None:
    from followup_cli.errors import DatabaseError

    path = tmp_path / "future.db"
    Database.open(to_url(str(path)))[0].dispose()
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(
        DatabaseError,
        match=rf"^The database is at schema '9999', newer than this followup \({SCHEMA_REVISION}\); upgrade followup\.$",
    ):
        Database.open(to_url(str(path)))
    assert path.read_bytes() == before


def test_migration_0006_files_header_signature_sources_under_import(db: Database) -> None:
    """Sales imported under a file's header signature move to the one default source, so the
    same till export with a new column still matches them; an order id two signatures
    shared stays under its second source (and is still found by order id and date)."""
    from alembic import command

    from followup_cli.migrations import alembic_config, upgrade_to_head

    config = alembic_config()
    with db.engine.connect() as connection, connection.begin():
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    with db.transaction() as tx:
        tx.execute("INSERT INTO contact (name, created_on) VALUES ('Ann', :d)", {"d": "2026-11-01"})
        for source, order in (
            ("csv-1a2b3c4d", "1"), ("csv-1a2b3c4d", "2"), ("csv-99ffee00", "2"),
            ("csv-99ffee00", "3"), ("till", "4"), ("csv-notahash", "5"), ("import", "3"),
        ):  # fmt: skip
            tx.execute(
                "INSERT INTO interaction (contact_id, kind, occurred_on, source, external_id,"
                " created_at) VALUES (1, 'sale', :d, :s, :o, :t)",
                {"d": dt.date(2026, 11, 2), "s": source, "o": order, "t": dt.datetime(2026, 11, 2)},
            )
    upgrade_to_head(db.engine)
    assert db.revision() == SCHEMA_REVISION
    with db.reading() as tx:
        rows = tx.rows("SELECT source, external_id FROM interaction ORDER BY id")
    assert rows == [
        ("import", "1"),
        ("import", "2"),
        ("csv-99ffee00", "2"),  # order 2 was the first signature's
        ("csv-99ffee00", "3"),  # order 3 is under 'import' already
        ("till", "4"),
        ("csv-notahash", "5"),  # not a header signature: someone's --source
        ("import", "3"),
    ]
