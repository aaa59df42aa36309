"""Private by default: every file holding the owner's customers is mode 0600, whatever the umask;
and a database path that cannot be used fails with one clear line, leaving the file untouched.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from followup_cli.cli import app
from followup_cli.config import to_url

pytestmark = pytest.mark.sqlite_only  # file modes and paths of SQLite files

runner = CliRunner()
COMMANDS = get_command(app).commands  # type: ignore[attr-defined]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o000], ids=["umask022", "umask000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def run(*argv: str) -> str:
    """Run in-process; the command sets its own umask (0o077), so tests reset ours before each."""
    result = runner.invoke(app, list(argv))
    assert result.exit_code in (0, 5), (argv, result.exit_code, result.output)
    return result.stdout


def test_database_wal_shm_and_backup_are_private(umask: int, isolated_home: Path) -> None:
    os.umask(umask)
    db = Path(os.environ["FOLLOWUP_DB"])
    run("contact", "add", "Ann Lee", "--phone", "555-010-0101")
    # Keep a reader open so -wal and -shm exist while we look at them.
    con = sqlite3.connect(db)
    try:
        con.execute("SELECT count(*) FROM contact").fetchone()
        os.umask(umask)
        run("log", "sale", "Ann", "--amount", "10")
        for suffix in ("", "-wal", "-shm"):
            path = Path(f"{db}{suffix}")
            assert path.exists(), path
            assert mode(path) == 0o600, (path, oct(mode(path)))
    finally:
        con.close()
    os.umask(umask)
    run("backup", str(isolated_home / "copy.db"))
    assert mode(isolated_home / "copy.db") == 0o600
    os.umask(umask)
    (isolated_home / "backups").mkdir()
    run("backup", str(isolated_home / "backups"))
    (written,) = (isolated_home / "backups").iterdir()
    assert mode(written) == 0o600


def test_settings_rules_and_demo_are_private(umask: int, isolated_home: Path) -> None:
    os.umask(umask)
    run("config", "set", "owner", "Sam")
    assert mode(isolated_home / "settings.toml") == 0o600
    os.umask(umask)
    run("rules", "init")
    assert mode(isolated_home / "rules.toml") == 0o600
    os.umask(umask)
    run("demo", "--path", str(isolated_home / "demo.db"))
    assert mode(isolated_home / "demo.db") == 0o600
    for suffix in ("-wal", "-shm"):
        extra = Path(f"{isolated_home / 'demo.db'}{suffix}")
        if extra.exists():
            assert mode(extra) == 0o600, extra


@pytest.mark.skipif("export" not in COMMANDS, reason="`followup export` has not landed yet")
def test_exports_are_private(umask: int, isolated_home: Path) -> None:
    run("contact", "add", "Ann Lee", "--email", "ann@example.com")
    for kind in ("contacts", "sales", "ics"):
        os.umask(umask)
        target = isolated_home / f"{kind}.out"
        run("export", kind, "-o", str(target))
        assert mode(target) == 0o600, (kind, oct(mode(target)))
    os.umask(umask)
    run("contact", "export", "Ann", "-o", str(isolated_home / "ann.json"))
    assert mode(isolated_home / "ann.json") == 0o600


@pytest.mark.skipif("import" not in COMMANDS, reason="`followup import` has not landed yet")
def test_import_rejects_file_is_private(umask: int, isolated_home: Path) -> None:
    sales = isolated_home / "sales.csv"
    sales.write_text(
        "order_id,date,name,email,amount\n"
        "A1,2026-11-20,Cy Young,cy@example.com,10\n"
        "A2,not a date,Dee,dee@example.com,5\n"
    )
    os.umask(umask)
    result = runner.invoke(app, ["import", str(sales)])
    assert result.exit_code == 5, result.output
    (rejects,) = isolated_home.glob("*rejects*")
    assert mode(rejects) == 0o600, oct(mode(rejects))


# ---------------------------------------------------------------------------------------------
# Paths that cannot hold the database


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_clear_line(argv: list[str]) -> str:
    result = runner.invoke(app, argv)
    assert result.exit_code == 1, (argv, result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output and "Internal error" not in result.stderr
    return lines[0]


@pytest.mark.parametrize("command", [["today"], ["contact", "list"], ["db", "upgrade"]])
def test_a_directory_is_refused(command: list[str], isolated_home: Path) -> None:
    folder = isolated_home / "a-folder"
    folder.mkdir()
    line = one_clear_line(["--db", str(folder), *command])
    assert "is a directory" in line
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("command", [["today"], ["log", "sale", "Ann"], ["db", "upgrade"]])
def test_a_file_that_is_not_sqlite_is_refused_and_unchanged(
    command: list[str], isolated_home: Path
) -> None:
    notes = isolated_home / "notes.txt"
    notes.write_bytes(b"order_id,date\nA1,2026-11-20\n" * 50)
    before = digest(notes)
    line = one_clear_line(["--db", str(notes), *command])
    assert "not a SQLite database" in line
    assert digest(notes) == before
    assert not Path(f"{notes}-wal").exists() and not Path(f"{notes}-journal").exists()


@pytest.mark.parametrize("command", [["today"], ["contact", "add", "Ann"], ["db", "upgrade"]])
def test_another_apps_sqlite_file_is_refused_and_unchanged(
    command: list[str], isolated_home: Path
) -> None:
    other = isolated_home / "photos.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE photo (id INTEGER PRIMARY KEY, path TEXT)")
    con.execute("INSERT INTO photo (path) VALUES ('beach.jpg')")
    con.commit()
    con.close()
    before = digest(other)
    line = one_clear_line(["--db", str(other), *command])
    assert "not a followup one" in line
    assert digest(other) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_an_unwritable_folder_is_refused(isolated_home: Path) -> None:
    folder = isolated_home / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        line = one_clear_line(["--db", str(folder / "followup.db"), "today"])
        assert "Cannot create" in line
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_a_read_only_database_is_refused_and_unchanged(isolated_home: Path) -> None:
    db = isolated_home / "ro.db"
    assert runner.invoke(app, ["--db", str(db), "contact", "add", "Ann"]).exit_code == 0
    db.chmod(0o400)
    before = digest(db)
    try:
        line = one_clear_line(["--db", str(db), "contact", "add", "Bob"])
        assert "read-only" in line
        assert digest(db) == before
    finally:
        db.chmod(0o600)


def test_a_path_under_a_file_is_refused(isolated_home: Path) -> None:
    """Works as root too: no permission can make a file a folder."""
    plain = isolated_home / "plain.txt"
    plain.write_text("x")
    line = one_clear_line(["--db", str(plain / "followup.db"), "today"])
    assert "not a folder" in line
    assert plain.read_text() == "x"


@pytest.mark.sqlite_only
def test_a_database_others_can_read_is_made_private_saying_so_once(tmp_path: Path) -> None:
    """An existing 0644 database (and its WAL and SHM) stayed 0644; now followup takes it over."""
    from followup_cli.store import Database

    path = tmp_path / "shop.db"
    db, _ = Database.open(to_url(str(path)))
    with db.transaction() as tx:
        tx.execute("CREATE TABLE scratch (x INTEGER)")  # leave a WAL behind the open handle
    db.dispose()
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if file.exists():
            file.chmod(0o644)
    runner = CliRunner()
    first = runner.invoke(app, ["--db", str(path), "today"])
    assert first.exit_code == 0, first.stderr
    assert first.stderr == f"Made {path} readable by you only: others could read it.\n"
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if file.exists():
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    assert runner.invoke(app, ["--db", str(path), "today"]).stderr == ""


@pytest.mark.sqlite_only
def test_backups_never_overwrite_or_follow_anything(tmp_path: Path) -> None:
    runner = CliRunner()
    assert (
        runner.invoke(app, ["contact", "add", "Ann Lee", "--phone", "555-010-0101"]).exit_code == 0
    )
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    precious.chmod(0o644)
    link = tmp_path / "backup.db"
    link.symlink_to(precious)
    result = runner.invoke(app, ["backup", str(link)])
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {link} exists already; backups never overwrite anything, so choose a new name "
        "(or a folder).\n",
    )
    assert precious.read_text() == "keep me"
    assert stat.S_IMODE(precious.stat().st_mode) == 0o644  # not truncated, not chmod-ed
    db_path = Path(os.environ["FOLLOWUP_DB"])
    result = runner.invoke(app, ["backup", str(db_path)])
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {db_path} is the database itself; choose another file.\n",
    )
    # two backups in the same second (the default name) never share a file
    first = runner.invoke(app, ["backup"])
    second = runner.invoke(app, ["backup"])
    assert first.exit_code == second.exit_code == 0
    assert first.stdout != second.stdout
    assert not list(tmp_path.rglob("*.partial")) and not list(db_path.parent.glob(".*partial*"))


@pytest.mark.sqlite_only
def test_restore_checks_the_backup_first_and_keeps_every_safety_copy(tmp_path: Path) -> None:
    runner = CliRunner()
    assert (
        runner.invoke(app, ["contact", "add", "Ann Lee", "--phone", "555-010-0101"]).exit_code == 0
    )
    db_path = Path(os.environ["FOLLOWUP_DB"])
    good = tmp_path / "good.db"
    assert runner.invoke(app, ["backup", str(good)]).exit_code == 0
    newer = tmp_path / "newer.db"
    shutil.copy(good, newer)
    con = sqlite3.connect(newer)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    before = db_path.read_bytes()
    result = runner.invoke(app, ["restore", str(newer), "--yes"])
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {newer} is at schema '9999', which this followup cannot open (a newer "
        "followup's, or another program's); nothing was replaced.\n",
    )
    assert db_path.read_bytes() == before
    assert not list(db_path.parent.glob("*.before-restore-*"))
    # two restores in the same second: two safety copies, neither overwritten
    assert runner.invoke(app, ["restore", str(good), "--yes"]).exit_code == 0
    assert runner.invoke(app, ["restore", str(good), "--yes"]).exit_code == 0
    assert len(list(db_path.parent.glob("*.before-restore-*"))) == 2
    assert not Path(f"{good}-wal").exists() and not Path(f"{good}-shm").exists()
