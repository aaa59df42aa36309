"""The everyday writes (done, snooze, skip) run without SQLAlchemy, through ``Database.transaction``.

Two things are guarded here: the structure that keeps those commands fast (no ORM import,
checked in a fresh interpreter like tests/test_startup.py), and the promises of the small
transaction layer they use: BEGIN IMMEDIATE, all-or-nothing, dates that the ORM reads back
unchanged, and the same API inside an ORM session.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from sqlmodel import select

from followup_cli.db import Database, SessionTx
from followup_cli.errors import DatabaseError
from followup_cli.followups import (
    complete_tx,
    get_contact_tx,
    get_followup_tx,
    get_pending_tx,
    refresh_keep_in_touch_tx,
    skip_tx,
    snooze_tx,
)
from followup_cli.models import Contact, FollowUp, Interaction
from followup_cli.scheduling import RuleSet
from tests.helpers import make_contact

MON = dt.date(2026, 11, 23)
ORM = ("sqlalchemy", "sqlmodel", "alembic")

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
    from followup_cli.followups import schedule

    with db.session() as session:
        contact = make_contact(session, email="ann@example.com")
        contact.every_days = 30  # no check-in yet: the first `done` makes it
        return [schedule(session, "Ann", MON, today=MON).id or 0 for _ in range(3)]


def status_of(db: Database, fid: int) -> tuple[str, str, int]:
    (row,) = db.rows("SELECT status, due_on, attempts FROM followup WHERE id = :id", {"id": fid})
    return row[0], str(row[1]), row[2]


@pytest.mark.sqlite_only
def test_done_snooze_skip_write_without_the_orm(db: Database) -> None:
    a, b, c = three_followups(db)
    assert run_probe(["done", str(a), "--outcome", "positive"]) == (0, [])
    assert run_probe(["done", str(b), "--outcome", "no-answer"]) == (0, [])
    assert run_probe(["snooze", str(b), "2026-12-01"]) == (0, [])
    assert run_probe(["skip", str(c), "--reason", "moved away"]) == (0, [])
    assert status_of(db, a)[0] == "done"
    assert status_of(db, b) == ("pending", "2026-12-01", 1)
    assert status_of(db, c)[0] == "skipped"
    # done logged the outreach and moved the keep-in-touch check-in one interval on
    assert db.rows("SELECT kind, occurred_on FROM interaction", {}) == [("call", "2026-11-23")]
    assert db.rows("SELECT due_on FROM followup WHERE rule = 'keep-in-touch'", {}) == [
        ("2026-12-23",)
    ]
    # errors take the same path: a clean exit code, still no ORM
    assert run_probe(["skip", str(c)]) == (4, [])
    assert run_probe(["done", "99"]) == (3, [])


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
            assert tx.rows("SELECT 1", {}) == [(1,)]
        assert time.monotonic() - started >= 0.25  # it waited, then got the lock
        release.join()
    finally:
        holder.close()


def test_an_error_rolls_everything_back(db: Database, rules: RuleSet) -> None:
    a, _, _ = three_followups(db)
    with pytest.raises(RuntimeError), db.transaction() as tx:
        complete_tx(tx, a, today=MON, rules=rules, outcome="positive")
        assert get_followup_tx(tx, a).status == "done"  # visible inside
        raise RuntimeError("boom")
    assert status_of(db, a)[0] == "pending"
    assert db.rows("SELECT COUNT(*) FROM interaction", {}) == [(0,)]
    # a failing statement (DatabaseError on SQLite, the driver's error elsewhere) undoes it all
    with pytest.raises(Exception, match="no_such_table"), db.transaction() as tx:
        snooze_tx(tx, a, dt.date(2026, 12, 1), today=MON)
        tx.execute("UPDATE no_such_table SET x = 1", {})
    assert status_of(db, a)[1] == "2026-11-23"


def test_dates_round_trip_and_the_orm_reads_them(db: Database, rules: RuleSet) -> None:
    a, b, _ = three_followups(db)
    with db.transaction() as tx:
        done = complete_tx(tx, a, today=MON, rules=rules, outcome="neutral", note="Fine")
        snoozed = snooze_tx(tx, b, dt.date(2027, 1, 4), today=MON)
        assert get_followup_tx(tx, b) == snoozed
        assert get_followup_tx(tx, a) == done.followup
    assert done.followup.completed_on == MON and done.followup.outcome == "neutral"
    assert done.keep_in_touch is not None and done.keep_in_touch.due_on == dt.date(2026, 12, 23)
    with db.session(write=False) as session:
        followup = session.get(FollowUp, b)
        assert followup is not None and followup.due_on == dt.date(2027, 1, 4)
        kit = session.get(FollowUp, done.keep_in_touch.id)
        assert kit is not None and (kit.due_on, kit.created_on) == (dt.date(2026, 12, 23), MON)
        logged = session.exec(select(Interaction)).one()
        assert (logged.kind, logged.occurred_on, logged.note) == ("call", MON, "Fine")
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        created = logged.created_at  # naive UTC on SQLite, aware on PostgreSQL
        if created.tzinfo is not None:
            created = created.astimezone(dt.UTC).replace(tzinfo=None)
        assert abs((now - created).total_seconds()) < 60


def test_the_same_functions_run_inside_an_orm_session(db: Database, rules: RuleSet) -> None:
    a, b, c = three_followups(db)
    with db.transaction() as tx:
        contact_id = get_followup_tx(tx, a).contact_id
        kit = refresh_keep_in_touch_tx(tx, get_contact_tx(tx, contact_id), rules, MON)
    assert kit is not None
    with db.session() as session:
        objects = [session.get(FollowUp, fid) for fid in (a, b, c, kit.id)]
        contact = session.get(Contact, contact_id)
        assert contact is not None
        contact.every_days = None  # unflushed: the SQL must see it, so the check-in goes
        with SessionTx(session) as tx:
            snooze_tx(tx, a, dt.date(2026, 12, 1), today=MON)
            skip_tx(tx, b, today=MON, reason="moved away")
            assert refresh_keep_in_touch_tx(tx, contact, rules, MON) is None
    # re-read before the session closed: usable afterwards, with the new values
    first, second, third, gone = objects
    assert first is not None and first.due_on == dt.date(2026, 12, 1)
    assert second is not None and (second.status, second.note) == ("skipped", "moved away")
    assert third is not None and third.status == "pending"
    assert gone is not None and gone.due_on == dt.date(2026, 12, 23)  # expunged, still readable
    assert db.rows("SELECT COUNT(*) FROM followup WHERE rule = 'keep-in-touch'", {}) == [(0,)]


def test_tx_errors_keep_the_messages(db: Database) -> None:
    from followup_cli.errors import Conflict, NotFound

    a, _, _ = three_followups(db)
    with db.transaction() as tx:
        skip_tx(tx, a, today=MON)
    with db.transaction() as tx:
        with pytest.raises(Conflict, match=rf"^Follow-up #{a} is already skipped on 2026-11-23\.$"):
            get_pending_tx(tx, a)
        with pytest.raises(
            NotFound, match=r"^No follow-up #99\. See `followup today` or `followup upcoming`\.$"
        ):
            get_pending_tx(tx, 99)
