"""The hot queries use their indexes, on a fresh database with no ANALYZE statistics.

Timing belongs in benchmarks/ (``python -m benchmarks``); these tests pin the reason the timing
holds: the agenda reads a handful of index entries instead of scanning a million follow-ups,
and the lookups that import and ``done`` make per row are index searches. They run on SQLite
only (the plans are SQLite's).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from followup_cli.store import Database
from followup_cli.store.sql import agenda as agenda_sql

TODAY = dt.date(2026, 11, 23).isoformat()
UNTIL = dt.date(2026, 12, 7).isoformat()


@pytest.fixture
def con(db: Database) -> Iterator[sqlite3.Connection]:
    if db.path is None:
        pytest.skip("query plans are SQLite's")
    connection = sqlite3.connect(db.path)
    yield connection
    connection.close()


def plan(con: sqlite3.Connection, sql: str, params: dict[str, Any] | tuple[Any, ...]) -> list[str]:
    return [row[3] for row in con.execute("EXPLAIN QUERY PLAN " + sql, params)]


def test_the_fixture_database_has_no_statistics(con: sqlite3.Connection) -> None:
    """The plans below must hold without ANALYZE, as on an owner's database."""
    tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master")}
    assert "sqlite_stat1" not in tables


AGENDA_CASES = [
    pytest.param(agenda_sql.AGENDA_SQL, {"today": TODAY}, id="agenda"),
    pytest.param(agenda_sql.UPCOMING_SQL, {"today": TODAY, "until": UNTIL}, id="upcoming"),
    pytest.param(agenda_sql.NEXT_DUE_SQL, {"today": TODAY}, id="next-due"),
]


@pytest.mark.parametrize("with_channel", [False, True], ids=["all-channels", "one-channel"])
@pytest.mark.parametrize(("sql", "params"), AGENDA_CASES)
def test_agenda_queries_search_the_status_due_index(
    con: sqlite3.Connection, sql: str, params: dict[str, str], with_channel: bool
) -> None:
    args = {**params, "channel": "phone" if with_channel else None}
    steps = plan(con, sql, args)
    followup_steps = [s for s in steps if s.split()[1:2] == ["f"]]
    assert followup_steps, steps
    assert all(s.startswith("SEARCH f USING INDEX ix_followup_status_due_on (") for s in followup_steps), steps  # fmt: skip
    assert not any(s.startswith("SCAN") for s in steps), steps
    # the contact and the sale are fetched by primary key, once per due follow-up
    assert any(s.startswith("SEARCH c USING INTEGER PRIMARY KEY") for s in steps), steps


def _uses_index(steps: list[str], table: str, columns: str) -> bool:
    return any(
        s.startswith(f"SEARCH {table} USING ") and "INDEX" in s and s.endswith(f"({columns})")
        for s in steps
    )


@pytest.mark.parametrize(
    ("sql", "params", "table", "columns"),
    [
        pytest.param(
            "SELECT id FROM contact WHERE email = :v",
            {"v": "ana@example.com"},
            "contact",
            "email=?",
            id="contact-by-email",
        ),
        pytest.param(
            "SELECT id FROM contact WHERE phone_key = :v",
            {"v": "+12125550100"},
            "contact",
            "phone_key=?",
            id="contact-by-phone-key",
        ),
        pytest.param(
            "SELECT id, fingerprint FROM interaction WHERE source = :s AND external_id = :e",
            {"s": "shop", "e": "1001"},
            "interaction",
            "source=? AND external_id=?",
            id="sale-by-source-and-order-id",
        ),
        pytest.param(
            "SELECT id, due_on FROM followup WHERE contact_id = :c AND status = 'pending'",
            {"c": 1},
            "followup",
            "contact_id=? AND status=?",
            id="pending-followups-of-a-contact",
        ),
    ],
)
def test_lookups_search_an_index(
    con: sqlite3.Connection, sql: str, params: dict[str, Any], table: str, columns: str
) -> None:
    steps = plan(con, sql, params)
    assert _uses_index(steps, table, columns), steps
    assert not any(s.startswith("SCAN") for s in steps), steps


def test_a_scan_is_recognised(con: sqlite3.Connection) -> None:
    """The checks above can fail: an unindexed filter shows up as a SCAN."""
    steps = plan(con, "SELECT id FROM followup WHERE note = :n", {"n": "x"})
    assert any(s.startswith("SCAN followup") for s in steps), steps
    assert not _uses_index(steps, "followup", "note=?")


def test_the_followups_export_for_a_period_walks_the_status_due_index(
    con: sqlite3.Connection,
) -> None:
    """Without ix_followup_due_on (migration 0004) a due-date period still reads an index."""
    from followup_cli.export import KINDS, period_filter

    kind = KINDS["followups"]
    where, params = period_filter(kind.date_column, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    steps = plan(con, kind.sql.format(where=kind.period_scope + where), params)
    assert any(s.startswith("SEARCH f USING INDEX ix_followup_status_due_on (status=? AND due_on>? AND due_on<?)") for s in steps), steps  # fmt: skip
    assert not any(s.startswith("SCAN f") for s in steps), steps


def test_the_sales_figures_search_each_customers_history_by_contact(
    con: sqlite3.Connection,
) -> None:
    """#16 item 10: by kind, the returning-customer check walked every earlier sale (minutes
    on the benchmark's 300k sales); by contact it is one short search per customer."""
    from followup_cli.store.sql import reports as reports_sql

    args = {"since": TODAY, "until": TODAY, "prev_since": TODAY}
    steps = plan(con, reports_sql.SALES_SQL, args)
    assert _uses_index(steps, "i", "kind=? AND occurred_on>? AND occurred_on<?"), steps
    assert _uses_index(steps, "e", "contact_id=? AND occurred_on<?"), steps


def test_a_refund_finds_its_sale_by_contact_and_its_follow_ups_by_sale(
    con: sqlite3.Connection,
) -> None:
    """Found on the second read: by kind and by status, one refund read every earlier sale and
    every pending follow-up of the database."""
    from followup_cli.store.sql import followups as followups_sql
    from followup_cli.store.sql import importer as import_sql

    args = {"contact": 1, "on": TODAY, "cents": 100, "today": TODAY, "skipped": "skipped",
            "pending": "pending", "before": 0, "source": "x", "now": TODAY}  # fmt: skip
    for sql in (
        followups_sql.CANCEL_REFUNDED_SQL,
        followups_sql.cancel_refunded_sql(import_sql.NEW_REFUNDS),
    ):
        steps = plan(con, sql, args)
        assert _uses_index(steps, "followup", "interaction_id=?"), steps
        assert _uses_index(steps, "s", "contact_id=? AND occurred_on<?"), steps
