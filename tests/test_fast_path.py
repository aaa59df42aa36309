"""The everyday commands run without SQLAlchemy, through ``Database.transaction``.

Two things are guarded here: the structure that keeps those commands fast (no SQLAlchemy,
SQLModel or Alembic import on SQLite, checked in a fresh interpreter like
tests/test_startup.py), and the promises of the transaction layer every command uses:
BEGIN IMMEDIATE, waiting for a writer, all-or-nothing, changes visible inside the
transaction (and to no one else before the commit), and dates stored the way the schema's
types, and databases written by earlier versions, have them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from followup_cli.config import to_url
from followup_cli.errors import Conflict, DatabaseError, NotFound
from followup_cli.followups import (
    complete,
    edit_contact_scheduled,
    get_contact,
    get_followup,
    get_pending,
    refresh_keep_in_touch,
    schedule,
    skip,
    snooze,
)
from followup_cli.inputs import ContactUpdate
from followup_cli.scheduling import RuleSet
from followup_cli.store import Database
from followup_cli.store.rows import (
    ROW_TYPES,
    ContactRow,
    FollowUpRow,
    InteractionRow,
    fetch,
    table_of,
    update,
)
from tests.helpers import make_contact, query

MON = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
ORM = ("sqlalchemy", "sqlmodel", "alembic")
FIXTURE_0001 = Path(__file__).parent / "data" / "schema-0001.db"

PROBE = """
import json, sys
sys.argv = ["followup", *{argv!r}]
from followup_cli.cli import app
code = 0
try:
    app()
except SystemExit as exc:
    code = exc.code or 0
print("\\n" + json.dumps([code, sorted(m for m in {heavy!r} if m in sys.modules)]))
"""


def run_probe(argv: list[str]) -> tuple[int, list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv, heavy=ORM)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    code, loaded = json.loads(result.stdout.strip().splitlines()[-1])
    return code, loaded


def three_followups(db: Database) -> list[int]:
    with db.transaction() as tx:
        contact = make_contact(tx, email="ann@example.com")
        # an interval but no check-in yet: the first `done` makes it
        update(tx, table_of(ContactRow), contact.id, {"every_days": 30})
        return [schedule(tx, "Ann", MON, today=MON).id for _ in range(3)]


def status_of(fid: int) -> tuple[str, str, int]:
    (row,) = query(f"SELECT status, due_on, attempts FROM followup WHERE id = {int(fid)}")
    return row[0], row[1], row[2]


@pytest.mark.sqlite_only
def test_done_snooze_skip_log_schedule_write_without_the_orm(db: Database) -> None:
    a, b, c = three_followups(db)
    assert run_probe(["done", str(a), "--outcome", "positive"]) == (0, [])
    assert run_probe(["done", str(b), "--outcome", "no-answer"]) == (0, [])
    assert run_probe(["snooze", str(b), "2026-12-01"]) == (0, [])
    assert run_probe(["skip", str(c), "--reason", "moved away"]) == (0, [])
    assert status_of(a)[0] == "done"
    assert status_of(b) == ("pending", "2026-12-01", 1)
    assert status_of(c)[0] == "skipped"
    # done logged the outreach and moved the keep-in-touch check-in one interval on
    assert query("SELECT kind, occurred_on FROM interaction") == [("call", "2026-11-23")]
    assert query("SELECT due_on FROM followup WHERE rule = 'keep-in-touch'") == [("2026-12-23",)]
    assert run_probe(["log", "sale", "Ann", "--amount", "129", "--ref", "INV-7"]) == (0, [])
    assert query("SELECT kind, amount_cents FROM interaction WHERE kind = 'sale'") == [
        ("sale", 12900)
    ]
    assert query("SELECT rule FROM followup WHERE rule LIKE 'sale-%' ORDER BY id") == [
        ("sale-thank-you",),
        ("sale-note",),
    ]
    assert run_probe(["schedule", "Ann", "2026-12-04", "--purpose", "Ask"]) == (0, [])
    assert query("SELECT due_on FROM followup WHERE purpose = 'Ask'") == [("2026-12-04",)]
    # errors take the same path: a clean exit code, still no ORM
    assert run_probe(["skip", str(c)]) == (4, [])
    assert run_probe(["done", "99"]) == (3, [])
    assert run_probe(["log", "sale", "Ann", "--ref", "INV-7"]) == (4, [])
    assert run_probe(["log", "sale", "Zed"]) == (3, [])


@pytest.mark.sqlite_only
def test_contact_commands_run_without_the_orm(db: Database) -> None:
    with db.transaction() as tx:
        make_contact(tx, "Ann Lee")
        make_contact(tx, "Bob Marsh", phone="555-010-0102")
    assert run_probe(["contact", "list", "--json"]) == (0, [])
    assert run_probe(["contact", "show", "Ann"]) == (0, [])
    assert run_probe(["contact", "opt-out", "Ann", "--channel", "mail"]) == (0, [])
    assert query("SELECT opted_out_channels FROM contact WHERE id = 1") == [("mail",)]
    assert run_probe(["contact", "forget", "Bob", "--yes"]) == (0, [])
    assert query("SELECT name FROM contact") == [("Ann Lee",)]
    assert run_probe(["contact", "show", "Zed"]) == (3, [])


# -- the transaction layer -------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_a_transaction_takes_the_write_lock_at_once(db: Database) -> None:
    assert db.path is not None
    with db.transaction():
        other = sqlite3.connect(db.path, timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")  # a deferred BEGIN would not hold it yet
        finally:
            other.close()


@pytest.mark.sqlite_only
def test_a_transaction_waits_for_a_writer_up_to_the_busy_timeout(db: Database) -> None:
    assert db.path is not None
    holder = sqlite3.connect(db.path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with (
            pytest.raises(DatabaseError, match="The database is busy"),
            db.transaction(busy_timeout_ms=300),
        ):
            pass
        assert time.monotonic() - started >= 0.25
        release = threading.Timer(0.3, holder.execute, ["COMMIT"])
        release.start()
        started = time.monotonic()
        with db.transaction(busy_timeout_ms=10_000) as tx:
            assert tx.rows("SELECT 1") == [(1,)]
        assert time.monotonic() - started >= 0.25  # it waited, then got the lock
        release.join()
    finally:
        holder.close()


def test_an_error_rolls_everything_back(db: Database, rules: RuleSet) -> None:
    a, _, _ = three_followups(db)
    with pytest.raises(RuntimeError), db.transaction() as tx:
        complete(tx, a, today=MON, now=NOW, rules=rules, outcome="positive")
        assert get_followup(tx, a).status == "done"  # visible inside
        assert len(fetch(tx, InteractionRow)) == 1
        raise RuntimeError("boom")
    assert status_of(a)[0] == "pending"
    assert query("SELECT COUNT(*) FROM interaction") == [(0,)]
    assert query("SELECT COUNT(*) FROM followup WHERE rule = 'keep-in-touch'") == [(0,)]
    # a failing statement (DatabaseError on SQLite, the driver's error elsewhere) undoes it all
    with pytest.raises(Exception, match="no_such_table"), db.transaction() as tx:
        snooze(tx, a, dt.date(2026, 12, 1), today=MON)
        tx.execute("UPDATE no_such_table SET x = 1")
    assert status_of(a)[1] == "2026-11-23"


def test_changes_are_visible_inside_the_transaction_and_to_others_after_commit(
    db: Database, rules: RuleSet
) -> None:
    a, b, c = three_followups(db)
    with db.transaction() as tx:
        contact = get_contact(tx, get_followup(tx, a).contact_id)
        kit = refresh_keep_in_touch(tx, contact, rules, MON)
    assert kit is not None and kit.due_on == dt.date(2026, 12, 23)
    with db.transaction() as tx:
        snoozed = snooze(tx, a, dt.date(2026, 12, 1), today=MON)
        skipped = skip(tx, b, today=MON, reason="moved away")
        # the interval goes, and with it the check-in: every read sees the writes before it
        _, changed, gone = edit_contact_scheduled(
            tx, "Ann", ContactUpdate(every_days=None), today=MON, rules=rules
        )
        assert (changed, gone) == (["every_days"], None)
        assert get_followup(tx, a) == snoozed and snoozed.due_on == dt.date(2026, 12, 1)
        assert get_followup(tx, b) == skipped
        assert (skipped.status, skipped.note) == ("skipped", "moved away")
        assert get_followup(tx, c).status == "pending"
        assert fetch(tx, FollowUpRow, "rule = 'keep-in-touch'") == []
        with db.reading() as other:  # another connection: nothing is committed yet
            assert fetch(other, FollowUpRow, "id = :id", {"id": kit.id}) == [kit]
            assert get_followup(other, a).due_on == MON
    with db.reading() as tx:
        assert [get_followup(tx, fid) for fid in (a, b)] == [snoozed, skipped]
        assert fetch(tx, FollowUpRow, "rule = 'keep-in-touch'") == []
        assert get_contact(tx, contact.id).every_days is None


def _utc(value: dt.datetime) -> dt.datetime:
    """A timestamp as a UTC instant (SQLite's are read naive, and are UTC)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def test_dates_round_trip_and_the_schema_types_read_them(db: Database, rules: RuleSet) -> None:
    from sqlmodel import Session, select

    from followup_cli.models import FollowUp, Interaction

    a, b, _ = three_followups(db)
    with db.transaction() as tx:
        done = complete(tx, a, today=MON, now=NOW, rules=rules, outcome="neutral", note="Fine")
        snoozed = snooze(tx, b, dt.date(2027, 1, 4), today=MON)
        assert get_followup(tx, b) == snoozed
        assert get_followup(tx, a) == done.followup
    assert done.followup.completed_on == MON and done.followup.outcome == "neutral"
    assert done.keep_in_touch is not None and done.keep_in_touch.due_on == dt.date(2026, 12, 23)
    with db.reading() as tx:
        assert get_followup(tx, a) == done.followup
        assert get_followup(tx, done.keep_in_touch.id) == done.keep_in_touch
        (logged,) = fetch(tx, InteractionRow)
    assert (logged.kind, logged.occurred_on, logged.note) == ("call", MON, "Fine")
    assert _utc(logged.created_at) == NOW
    assert query(f"SELECT due_on, completed_on FROM followup WHERE id = {a}") == [
        ("2026-11-23", "2026-11-23")
    ]
    # SQLAlchemy's own types (models.py: the schema Alembic builds) read the same values
    with Session(db.engine) as session:
        followup = session.get(FollowUp, b)
        assert followup is not None and followup.due_on == dt.date(2027, 1, 4)
        kit = session.get(FollowUp, done.keep_in_touch.id)
        assert kit is not None and (kit.due_on, kit.created_on) == (dt.date(2026, 12, 23), MON)
        orm_logged = session.exec(select(Interaction)).one()
        assert (orm_logged.kind, orm_logged.occurred_on, orm_logged.note) == ("call", MON, "Fine")
        assert _utc(orm_logged.created_at) == NOW


@pytest.mark.sqlite_only
def test_rows_written_by_the_first_released_schema_read_back(tmp_path: Path) -> None:
    """A database an earlier version wrote through the ORM reads into the row types with
    every column as SQLAlchemy's types read it (dates, timestamps, booleans)."""
    from sqlmodel import Session, select

    from followup_cli.models import Answer, Call, Contact, FollowUp, Interaction

    copy = tmp_path / "old.db"
    shutil.copy(FIXTURE_0001, copy)
    db, _ = Database.open(to_url(str(copy)))
    models = dict(zip(ROW_TYPES, (Contact, Interaction, FollowUp, Call, Answer), strict=True))
    try:
        for kind, model in models.items():
            names = list(kind._fields)
            with db.reading() as tx:
                rows = [_instants(row._asdict()) for row in fetch(tx, kind)]
            with Session(db.engine) as session:
                objects = session.exec(select(model).order_by(model.id)).all()  # type: ignore[attr-defined]
                expected = [_instants({name: getattr(o, name) for name in names}) for o in objects]
            assert rows, table_of(kind)  # the fixture has rows in every table
            assert rows == expected, table_of(kind)
    finally:
        db.dispose()


def _instants(values: dict[str, object]) -> dict[str, object]:
    """Timestamps as UTC instants: the ORM reads them aware, the row types naive on SQLite."""
    return {k: _utc(v) if isinstance(v, dt.datetime) else v for k, v in values.items()}


def test_tx_errors_keep_the_messages(db: Database) -> None:
    a, _, _ = three_followups(db)
    with db.transaction() as tx:
        skip(tx, a, today=MON)
    with db.transaction() as tx:
        with pytest.raises(Conflict, match=rf"^Follow-up #{a} is already skipped on 2026-11-23\.$"):
            get_pending(tx, a)
        with pytest.raises(
            NotFound, match=r"^No follow-up #99\. See `followup today` or `followup upcoming`\.$"
        ):
            get_pending(tx, 99)
        with pytest.raises(NotFound, match=r"^No contact #99\. See `followup contact list`\.$"):
            get_contact(tx, 99)


@pytest.mark.sqlite_only
def test_a_write_waits_for_an_import_past_the_busy_timeout_saying_so(db: Database) -> None:
    """A real `followup done` process, while another process holds the write lock for 4 s
    (as an import's write does, for as long as it takes): it waits, says so, then succeeds."""
    from followup_cli.cli.common import WRITER_PATIENCE_S
    from followup_cli.followups import log_interaction
    from followup_cli.rules import load_rules

    assert WRITER_PATIENCE_S >= 600  # an import of a million rows writes for minutes
    assert db.path is not None
    with db.transaction() as tx:
        make_contact(tx)
        log_interaction(tx, "Ann Lee", "sale", on=MON, today=MON, now=NOW, rules=load_rules())
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys\n"
         f"c = sqlite3.connect({str(db.path)!r}, isolation_level=None)\n"
         "c.execute('BEGIN IMMEDIATE'); print('held', flush=True); sys.stdin.readline()\n"
         "c.execute('COMMIT')"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    done = None
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        done = subprocess.Popen(
            [sys.executable, "-m", "followup_cli", "--db", str(db.path), "done", "1"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "FOLLOWUP_TODAY": MON.isoformat()},
        )  # fmt: skip
        assert done.stderr is not None
        said = done.stderr.readline()  # it waits, and says so, until the lock is released
        assert (
            said == "Waiting for another followup command to finish writing (an import?)... 3 s\n"
        )
    finally:
        holder.communicate("release\n", timeout=30)
    out, err = done.communicate(timeout=60)
    assert (done.returncode, err) == (0, "")
    assert out.startswith("Done: #1 ")


@pytest.mark.sqlite_only
def test_a_write_gives_up_after_its_patience(db: Database) -> None:
    from followup_cli.store.tx import WriterWait

    assert db.path is not None
    waited: list[float] = []
    db.writer_wait = WriterWait(patience_s=2.0, report=waited.append, step_s=0.5)
    holder = sqlite3.connect(db.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseError, match="The database is busy"), db.transaction():
            pass
    finally:
        holder.close()
    assert waited == [0.5, 1.0, 1.5]


@pytest.mark.parametrize("way", ["iter", "batches"])
def test_a_list_abandoned_after_its_connection_closed_is_closed_quietly(
    tmp_path: Path, way: str
) -> None:
    """An error mid-list closes the connection before the half-read list is collected: closing
    its cursor then must not print a traceback after the command's one-line error."""
    from followup_cli.store.tx import SqliteTx

    con = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    con.executescript("CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2), (3);")
    rows = getattr(SqliteTx(con), way)("SELECT n FROM t", batch_size=1)
    assert next(rows) in ((1,), [(1,)])
    con.close()
    rows.close()  # raised sqlite3.ProgrammingError: Cannot operate on a closed database


def test_a_row_of_the_wrong_width_names_its_row_type() -> None:
    from followup_cli.store.rows import read_row

    with pytest.raises(ValueError, match=r"^ContactRow has 16 fields, the row 2$"):
        read_row(ContactRow, (1, "Ann"))


def test_a_row_type_field_with_no_converter_is_refused() -> None:
    """A field type that neither driver hands back as Python has (a float, say) is refused
    when the row type is set up, not read as text on SQLite only."""
    from typing import NamedTuple

    from followup_cli.store.rows import _converts

    class Priced(NamedTuple):
        id: int
        price: float

    with pytest.raises(TypeError, match=r"^Priced.price: no converter for 'float'$"):
        _converts(Priced)
