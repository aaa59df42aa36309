"""`followup import`: messy files, idempotency, matching, scheduling, atomicity, exit codes."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from followup_cli import importer, values
from followup_cli.cli import app
from followup_cli.config import suppression_key
from followup_cli.contacts import set_opt_out
from followup_cli.followups import log_interaction, save_plan
from followup_cli.importer import resolve
from followup_cli.importer.validate import fingerprint_of
from followup_cli.privacy import suppression_hash
from followup_cli.scheduling import RuleSet, plan_followups, reach_of
from followup_cli.store import Database, Tx
from followup_cli.store.rows import ContactRow, InteractionRow, fetch, get, insert
from followup_cli.store.rows import update as update_row
from followup_cli.store.sql import importer as import_sql
from followup_cli.store.sql import planning as planning_sql
from tests.helpers import make_contact


def _run_import(db: Database, file: str, **kwargs: Any) -> importer.ImportSummary:
    """The import as the command runs it: one read transaction that restarts as the writer."""
    with db.reading(bulk=True) as tx:
        return importer.run_import(tx, file, **kwargs)


DATA = Path(__file__).parent / "data" / "import"
runner = CliRunner()
TODAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def run(*args: str, input: str | bytes | None = None) -> Any:
    return runner.invoke(app, ["import", *args], input=input)


def dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to compare a database before and after."""
    assert db.path is not None
    con = sqlite3.connect(db.path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}
    finally:
        con.close()


def q(db: Database, sql: str) -> list[tuple[Any, ...]]:
    """Rows with dates as ISO text (PostgreSQL returns dates, SQLite text)."""
    with db.reading() as tx:
        rows = tx.rows(sql)
    return [tuple(v.isoformat() if isinstance(v, dt.date) else v for v in row) for row in rows]


def copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    target.write_bytes((DATA / name).read_bytes())
    return target


MESSY_SUMMARY = """\
Imported 3 sales from {path} (source shop).
  New contacts:                3
  Matched contacts:            0
  Follow-ups scheduled:        2 (1 late, due today); 3 notes not scheduled (no postal address)
  Joined pending follow-ups:   0
  Not needed by the rules:     0
  Too old to follow up:        1 not scheduled, past their useful life: recorded, no \
follow-ups (--catch-up schedules them)
  Prospect follow-ups dropped: 0
  Already imported:            0
  Under another source:        0
  Changed since last import:   0
  Skipped, no email or phone:  1
  Suppressed (forgotten):      0
  Duplicate rows:              1
  Rows rejected:               4 -> {rejects}
  Conflicting names:           0
"""


def test_messy_file_imports_good_rows_and_rejects_bad_ones(db: Database, tmp_path: Path) -> None:
    path = copy("messy.csv", tmp_path)
    result = run(str(path), "--source", "shop")
    rejects = tmp_path / "messy.rejects.csv"
    assert result.exit_code == 5
    assert result.stdout == MESSY_SUMMARY.format(path=path, rejects=rejects)
    assert result.stderr == f"Error: 4 rows were rejected; see {rejects}.\n"

    assert q(db, "SELECT id, name, email, phone, phone_key, prefers FROM contact ORDER BY id") == [
        (1, "Ann Lee", "ann@example.com", "(555) 010-0101", "+15550100101", "phone"),
        (2, "Bob Roe", None, "555.010.0102", "+15550100102", "phone"),
        (3, "Zoë Ünal", "zoe@example.com", None, None, "email"),
    ]
    assert q(
        db,
        "SELECT contact_id, kind, occurred_on, amount_cents, items, source, external_id"
        " FROM interaction ORDER BY id",
    ) == [
        (1, "sale", "2026-11-20", 12900, "Mug, blue", "shop", "A-1"),
        (2, "sale", "2026-11-16", 129950, "Chair\nwith cushion", "shop", "A-2"),
        (3, "sale", "2026-11-02", 1200, "Scarf", "shop", "A-3"),
    ]
    assert q(
        db,
        "SELECT contact_id, interaction_id, rule, channel, due_on, status, created_on"
        " FROM followup ORDER BY id",
    ) == [
        (1, 1, "sale-thank-you", "phone", "2026-11-23", "pending", "2026-11-23"),
        (2, 2, "sale-thank-you", "phone", "2026-11-23", "pending", "2026-11-23"),  # late
        # the Nov 2 sale's thank-you was due Nov 4: three weeks late, past its useful life;
        # nobody has a postal address, so no sale makes a note
    ]

    assert stat.S_IMODE(rejects.stat().st_mode) == 0o600
    with rejects.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == [
        ["Order ID", "Date", "Customer", "Email Address", "Phone Number", "Total", "Product", "line", "reason"],
        ["A-5", "yesterday-ish", "Carl", "carl@example.com", "", "10", "Hat", "9",
         "cannot read the date 'yesterday-ish' (expected e.g. 2025-05-11, 05/11/2025 or May 11, 2025)"],
        ["", "2026-11-20", "Dan", "dan@example.com", "", "10", "Hat", "10", "no order id"],
        ["A-7", "2026-11-20", "Eve", "eve@example", "", "10", "Hat", "11",
         "'eve@example' is not an email address (expected name@example.com)"],
        ["A-8", "2026-11-20", "Fay", "fay@example.com", "", "ten", "Hat", "12",
         "'ten' is not an amount (for 12,50 use --decimal-comma)"],
    ]  # fmt: skip


@pytest.mark.sqlite_only  # compares the file with sqlite3
def test_same_file_twice_changes_nothing(db: Database, tmp_path: Path) -> None:
    path = copy("messy.csv", tmp_path)
    assert run(str(path)).exit_code == 5
    before = dump(db)
    result = run(str(path), "--json")
    assert result.exit_code == 5
    summary = json.loads(result.stdout)
    assert summary["source"] == "import"  # one default, whatever the file's columns
    assert (summary["sales_imported"], summary["already_imported"], summary["changed"]) == (0, 3, 0)
    assert (summary["new_contacts"], summary["followups_scheduled"]) == (0, 0)
    assert dump(db) == before


def test_overlapping_file_adds_only_new_orders_and_reports_changed(
    db: Database, tmp_path: Path
) -> None:
    header = "order,date,email,total\n"
    first = tmp_path / "mon.csv"
    first.write_text(header + "1,2026-11-20,a@example.com,10\n2,2026-11-20,b@example.com,20\n")
    assert run(str(first), "--source", "till").exit_code == 0
    second = tmp_path / "tue.csv"
    second.write_text(
        header + "2,2026-11-20,b@example.com,25\n1,2026-11-20,a@example.com,10\n"
        "3,2026-11-21,c@example.com,30\n"
    )
    result = run(str(second), "--source", "till")
    assert result.exit_code == 0, result.stderr
    assert "Changed since last import:   1 (2; not overwritten)" in result.stdout
    assert "Already imported:            1" in result.stdout
    assert result.stdout.startswith(f"Imported 1 sale from {second} (source till).")
    assert q(db, "SELECT external_id, amount_cents FROM interaction ORDER BY id") == [
        ("1", 1000),
        ("2", 2000),  # not silently overwritten
        ("3", 3000),
    ]


def test_shopify_preset_joins_line_items_of_one_order(db: Database, tmp_path: Path) -> None:
    result = run(str(copy("shopify_orders.csv", tmp_path)), "--preset", "shopify", "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["source"], summary["rows"], summary["sales_imported"]) == ("shopify", 3, 2)
    assert q(db, "SELECT external_id, occurred_on, amount_cents, items FROM interaction") == [
        ("#1001", "2026-11-20", 12900, "Blue mug, Oak plate"),
        ("#1002", "2026-11-21", 4950, "Tea towel"),
    ]
    assert q(db, "SELECT name, email, phone_key FROM contact ORDER BY id") == [
        ("Ann Lee", "ann@example.com", "+15550100101"),
        ("Bob Roe", "bob@example.com", None),
    ]


def test_shopify_export_without_preset_fails_with_a_hint(db: Database, tmp_path: Path) -> None:
    path = copy("shopify_orders.csv", tmp_path)
    result = run(str(path))
    assert result.exit_code == 6
    assert "no order_id column" in result.stderr
    assert result.stderr.rstrip().endswith(
        "This looks like a Shopify export: try --preset shopify."
    )


def test_bom_and_cp1252_files(db: Database, tmp_path: Path) -> None:
    text = "Order ID,Date,Customer,Email,Total\n1,2026-11-20,José Müller,jose@example.com,€12\n"
    bom = tmp_path / "bom.csv"
    bom.write_bytes(text.encode("utf-8-sig"))
    assert run(str(bom), "--source", "a").exit_code == 0  # the BOM does not stick to "Order ID"
    excel = tmp_path / "excel.csv"
    excel.write_bytes(text.replace("1,", "2,", 1).replace("jose@", "j2@").encode("cp1252"))
    result = run(str(excel), "--source", "a", "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["encoding"] == "cp1252"
    assert summary["encoding_note"] == f"{excel} is not UTF-8 (line 2); read it as cp1252"
    assert q(db, "SELECT name, email FROM contact ORDER BY id") == [
        ("José Müller", "jose@example.com"),
        ("José Müller", "j2@example.com"),
    ]


@pytest.mark.sqlite_only  # compares the file with sqlite3
def test_undecodable_file_fails_before_any_write(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    good = "".join(f"{i},2026-11-20,p{i}@example.com\n" for i in range(1, 3000))
    path.write_bytes(
        b"order,date,email\n" + good.encode() + "9999,2026-11-20,Zoë\n".encode("cp1252")
    )
    before = dump(db)
    result = run(str(path), "--encoding", "utf-8")
    assert result.exit_code == 6
    assert result.stderr == (
        f"Error: {path}, line 3001: cannot decode the file as utf-8. Save it as CSV UTF-8, or "
        "say its encoding, e.g. --encoding cp1252 or --encoding latin-1. Nothing was imported.\n"
    )
    assert dump(db) == before


def test_missing_required_column_names_file_and_suggests_map(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Receipt,Sold on,Email\n1,2026-11-20,a@example.com\n")
    result = run(str(path))
    assert result.exit_code == 6
    assert result.stderr == (
        f"Error: {path}, line 1: no date column; the columns are 'Receipt', 'Sold on', 'Email'. "
        "Say which column to use with --map date=COLUMN (e.g. --map 'date=Sold on').\n"
    )
    ok = run(str(path), "--map", "date=sold on")
    assert ok.exit_code == 0, ok.stderr
    assert q(db, "SELECT external_id, occurred_on FROM interaction") == [("1", "2026-11-20")]


def test_map_dayfirst_decimal_comma(db: Database, tmp_path: Path) -> None:
    path = copy("european.csv", tmp_path)
    args = ["--map", "order_id=Beleg", "--map", "date=Verkauft am", "--map", "name=Kunde"]
    args += ["--map", "email=Mail", "--map", "amount=Summe", "--map", "items=Artikel"]
    result = run(str(path), *args, "--dayfirst", "--decimal-comma")
    assert result.exit_code == 0, result.stderr
    assert q(db, "SELECT external_id, occurred_on, amount_cents, items FROM interaction") == [
        ("R-10", "2026-11-03", 129950, "Lampe"),
        ("R-11", "2026-11-04", 1250, "Kerze"),
    ]
    assert q(db, "SELECT name FROM contact ORDER BY id") == [("Jörg Weiß",), ("Anna Groß",)]


def test_month_first_by_default(tmp_path: Path) -> None:
    assert importer.parse_sale_date("11/05/2025") == dt.date(2025, 11, 5)
    assert importer.parse_sale_date("11/05/2025", True) == dt.date(2025, 5, 11)
    assert importer.parse_sale_date("May 11, 2025") == dt.date(2025, 5, 11)
    assert importer.parse_sale_date("2025-05-11T09:55:16Z") == dt.date(2025, 5, 11)


def test_iso_dates_do_not_go_through_dateutil(monkeypatch: pytest.MonkeyPatch) -> None:
    from dateutil import parser

    def boom(*_a: object, **_k: object) -> None:
        raise AssertionError("dateutil called")

    monkeypatch.setattr(parser, "parse", boom)
    importer.parse_sale_date.cache_clear()
    assert importer.parse_sale_date("2025-05-11 09:55:16 -0400") == dt.date(2025, 5, 11)
    assert importer.parse_sale_date("2025-05-12") == dt.date(2025, 5, 12)
    assert importer.parse_sale_date("12/05/2025") == dt.date(2025, 12, 5)


@pytest.mark.sqlite_only  # compares the file with sqlite3
def test_dry_run_leaves_the_database_unchanged(db: Database, tmp_path: Path) -> None:
    path = copy("messy.csv", tmp_path)
    before = dump(db)
    result = run(str(path), "--dry-run", "--source", "shop")
    assert result.exit_code == 5
    expected = MESSY_SUMMARY.format(path=path, rejects=tmp_path / "messy.rejects.csv")
    assert result.stdout == expected.replace(
        "Imported 3", "Dry run, nothing was saved: would import 3"
    )
    assert dump(db) == before


def test_existing_contacts_matched_completed_and_conflicts_reported(
    db: Database, tx: Tx, tmp_path: Path
) -> None:
    ann = make_contact(tx, "Ann Lee", email=None, phone="555-010-0101")
    bob = make_contact(tx, "Bob Roe", email="bob@example.com", phone=None)
    path = tmp_path / "s.csv"
    path.write_text(
        "order,date,customer,email,phone,total\n"
        "1,2026-11-20,Annie Lee,ann@example.com,+1 555 010 0101,5\n"  # by phone; gains email
        "2,2026-11-20,bob roe,BOB@example.com,555-010-0199,5\n"  # by email; gains phone
        "3,2026-11-20,Cy,cy@example.com,555-010-0199,5\n"  # Bob's phone by now: Bob's
        "4,2026-11-20,Dee,dee@example.com,555-010-0101,5\n"  # Ann's phone: Ann's
    )
    result = run(str(path), "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["matched_contacts"], summary["new_contacts"]) == (2, 0)
    assert (summary["conflicting_names"], summary["conflict_count"]) == (2, 5)

    def conflict(who: Any, name: str, field: str, old: str, new: str, order: str) -> Any:
        return {"contact_id": who.id, "contact": f"{name} (#{who.id})", "field": field,
                "existing": old, "imported": new, "order_id": order}  # fmt: skip

    assert summary["conflicts"] == [
        conflict(ann, "Ann Lee", "name", "Ann Lee", "Annie Lee", "1"),
        conflict(bob, "Bob Roe", "name", "Bob Roe", "Cy", "3"),
        conflict(bob, "Bob Roe", "email", "bob@example.com", "cy@example.com", "3"),
        conflict(ann, "Ann Lee", "name", "Ann Lee", "Dee", "4"),
        conflict(ann, "Ann Lee", "email", "ann@example.com", "dee@example.com", "4"),
    ]
    assert q(db, "SELECT id, name, email, phone_key FROM contact ORDER BY id") == [
        (ann.id, "Ann Lee", "ann@example.com", "+15550100101"),
        (bob.id, "Bob Roe", "bob@example.com", "+15550100199"),
    ]
    assert q(db, "SELECT external_id, contact_id FROM interaction ORDER BY id") == [
        ("1", ann.id),
        ("2", bob.id),
        ("3", bob.id),  # as if the rows had come one night each
        ("4", ann.id),
    ]


def test_opted_out_contact_gets_the_sale_but_no_followups(
    db: Database, tx: Tx, tmp_path: Path, rules: RuleSet
) -> None:
    ann = make_contact(tx, "Ann Lee", email="ann@example.com")
    log_interaction(
        tx, "Ann", "inquiry", on=TODAY - dt.timedelta(days=3), today=TODAY, now=NOW, rules=rules
    )
    set_opt_out(tx, "Ann", None)
    path = tmp_path / "s.csv"
    path.write_text("order,date,email,total\n1,2026-11-21,ann@example.com,5\n")
    result = run(str(path), "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["sales_imported"], summary["followups_scheduled"]) == (1, 0)
    assert (summary["followups_not_scheduled"], summary["prospect_followups_dropped"]) == (2, 2)
    assert q(db, "SELECT contact_id, external_id FROM interaction WHERE kind='sale'") == [
        (ann.id, "1")
    ]
    assert q(db, "SELECT rule, status, completed_on, note FROM followup ORDER BY id") == [
        ("prospect-follow-up", "skipped", "2026-11-23", "Bought on 2026-11-21"),
        ("prospect-second-follow-up", "skipped", "2026-11-23", "Bought on 2026-11-21"),
    ]


def test_skipped_sales_and_suppressed_people(db: Database, tx: Tx, tmp_path: Path) -> None:
    secret = suppression_key()  # this installation's, as `contact forget` makes it
    for kind, value in (("email", "gone@example.com"), ("phone", "+15550100177")):
        hashed = suppression_hash(kind, value, secret)
        insert(tx, "suppression", {"key_hash": hashed, "created_on": TODAY})
    path = tmp_path / "s.csv"
    path.write_text(
        "order,date,email,phone\n1,2026-11-20,GONE@example.com,\n2,2026-11-20,,555 010 0177\n"
        "3,2026-11-20,,\n4,2026-11-20,new@example.com,\n"
    )
    result = run(str(path), "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["suppressed"], summary["skipped_no_contact"], summary["sales_imported"]) == (
        2,
        1,
        1,
    )
    assert q(db, "SELECT email, phone FROM contact") == [("new@example.com", None)]


def test_scheduling_equals_what_log_sale_schedules(
    db: Database, tx: Tx, tmp_path: Path, rules: RuleSet
) -> None:
    """The import's set-based scheduling (reach profiles and due dates looked up by key, a
    file's sales settled at once) gives what `log sale` would, sale after sale in file order:
    the planner on each contact's own reach, then the same conditions and once_per caps."""
    make_contact(tx, "Ann Lee", email="ann@example.com", phone=None, prefers="text")
    ann_opt = make_contact(tx, "Opt Out", email="opt@example.com", phone="555-010-0111")
    set_opt_out(tx, str(ann_opt.id), "phone")
    bad = make_contact(tx, "Bad Phone", email="bad@example.com", phone="555-010-0112")
    update_row(tx, "contact", bad.id, {"phone_invalid": True})  # a wrong number, from a call
    make_contact(tx, "No Contact", email="dnc@example.com", phone="555-010-0113")
    set_opt_out(tx, "No Contact", None)
    make_contact(tx, "No Address", email="nad@example.com", address=None, prefers="mail")
    lines = ["order,date,email,phone,prefers,total"]
    for i, day in enumerate(["2026-11-01", "2026-11-13", "2026-11-20", "2026-11-22", "2026-11-23"]):
        lines += [f"a{i},{day},ann@example.com,,,{9 + i}", f"o{i},{day},opt@example.com,,,"]
        lines += [f"b{i},{day},bad@example.com,,,", f"d{i},{day},dnc@example.com,,,"]
        lines += [f"x{i},{day},nad@example.com,,,"]
        lines += [
            f"n{i},{day},n{i}@example.com,555-010-02{i}0,"
            f"{['email', 'mail', 'text', '', 'visit'][i]},"
        ]
    path = tmp_path / "s.csv"
    path.write_text("\n".join(lines) + "\n")
    assert run(str(path)).exit_code == 0
    shape = "i.external_id, f.rule, f.purpose, f.channel, f.due_on, f.priority, f.until_sale"
    made = (
        f"SELECT {shape} FROM followup f JOIN interaction i ON i.id = f.interaction_id"
        " ORDER BY i.external_id, f.rule"
    )
    links = (
        "SELECT i.external_id, f.rule, j.external_id FROM followup_event e"
        " JOIN followup f ON f.id = e.followup_id JOIN interaction i ON i.id = f.interaction_id"
        " JOIN interaction j ON j.id = e.interaction_id ORDER BY 1, 2, 3"
    )
    with db.reading() as t:
        imported, imported_links = t.rows(made), t.rows(links)
    assert imported_links  # Ann's later sales joined her pending thank-you
    channels = {row[3] for row in imported}
    assert channels == {"email", "mail", "phone", "text", "visit"}  # every profile was tried
    # The expected follow-ups are written by `log`'s own code, then rolled back.
    with db.transaction() as t:
        t.execute("DELETE FROM followup")
        sales = fetch(t, InteractionRow, "kind = 'sale'", order="id")
        assert len(sales) == 30
        for sale in sales:
            contact = get(t, ContactRow, sale.contact_id)
            assert contact is not None
            plan = plan_followups(reach_of(contact), sale.kind, sale.occurred_on, rules, TODAY)
            save_plan(t, contact, plan, TODAY, interaction=sale)
        assert (t.rows(made), t.rows(links)) == (imported, imported_links)
        t.discard()


def test_stdin_and_exit_zero(db: Database) -> None:
    result = run("-", "--source", "pos", input="order,date,email\n7,2026-11-20,a@example.com\n")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Imported 1 sale from <stdin> (source pos).")
    assert result.stderr == ""


def test_bad_options_are_usage_errors(db: Database, tmp_path: Path) -> None:
    path = copy("messy.csv", tmp_path)
    result = run(str(path), "--map", "colour=Total")
    assert (result.exit_code, result.stderr) == (
        2,
        "Error: --map 'colour=Total': unknown field 'colour'; use one of order_id, date, name, "
        "email, phone, amount, items, prefers, address, address2, city, region, postcode, "
        "country.\n",
    )
    result = run(str(path), "--preset", "etsy")
    assert (result.exit_code, result.stderr) == (
        2,
        "Error: Unknown preset 'etsy'; known: shopify.\n",
    )
    assert run(str(tmp_path / "nope.csv")).stderr == f"Error: No file {tmp_path / 'nope.csv'}.\n"
    result = run(str(path), "--source", "manual")  # `log sale --ref` writes under that name
    assert (result.exit_code, result.stderr) == (
        2,
        "Error: --source manual: that name is kept for sales logged by hand (`followup log sale"
        " --ref`); choose another, e.g. --source till.\n",
    )


@pytest.mark.sqlite_only  # SQLite query plans
def test_lookups_use_indexes(db: Database) -> None:
    """Every per-sale lookup in the big tables is an index search, never a scan."""
    assert db.path is not None
    con = sqlite3.connect(db.path)
    con.isolation_level = None
    for statement in (
        *import_sql.STAGE_DDL,
        *import_sql.SCHEDULE_DDL,
        *import_sql.LINKED_DDL,
        import_sql.HASH_DDL,
        *planning_sql.PLANNED_DDL,
        *planning_sql.PLANNED_INDEXES,
        import_sql.ADDRESS_SQL[0],
    ):
        con.execute(statement)
    params = {"source": "x", "before": 0, "kind": "sale", "now": "", "pending": "", "today": "",
              "skipped": "", "true": 1, "rules": 2, "rank": 1}  # fmt: skip
    for statement in (
        import_sql.sales_sql("x.occurred_on"),
        *import_sql.ALIASES_SQL,
        import_sql.SUPPRESSED_SQL,
        import_sql.interactions_sql("s.occurred_on"),  # SQLite's Tx.date_of is the text itself
        import_sql.WALK_SQL,
        import_sql.BOUGHT_SQL,
        import_sql.PROSPECTS_SQL,
        import_sql.planned_sql(sole_writer=True),
        *import_sql.ADDRESS_SQL[1:],
        planning_sql.RANK_ROWS_SQL,
        *planning_sql.CONDITIONS_SQL,  # each reads only its row's contact and rule
        *planning_sql.RANK_SQL,
        planning_sql.create_sql(),
    ):
        rows = con.execute("EXPLAIN QUERY PLAN " + statement, params).fetchall()
        steps = [r[3] for r in rows]
        plan = " | ".join(steps)
        # A scan inside a per-row subquery is a scan per row: 100 s for 25k prospects once.
        per_row = {r[0] for r in rows if r[3].startswith("CORRELATED")}
        assert not [r for r in rows if r[1] in per_row and r[3].startswith("SCAN")], plan
        assert not re.search(r"SCAN (contact|interaction|suppression|followup|c|i)\b", plan), plan
        assert "SEARCH" in plan or "SELECT" not in statement, plan  # an index or a primary key
        assert "AUTOMATIC" not in plan, plan
    steps = [
        r[3]
        for r in con.execute(
            "EXPLAIN QUERY PLAN " + import_sql.planned_sql(sole_writer=True), params
        )
    ]
    assert steps[0] == "SEARCH i USING INTEGER PRIMARY KEY (rowid>?)", steps
    assert not any("TEMP B-TREE" in s for s in steps), steps  # no sort: read in order
    con.close()


def _big_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Order ID", "Date", "Customer", "Email", "Phone", "Total", "Product"])
        for i in range(rows):
            writer.writerow([f"B{i}", f"2026-11-{1 + i % 22:02d}", f"Customer {i}",
                             f"c{i % (rows // 2)}@example.com", "", f"{i % 500}.99", "Thing"])  # fmt: skip


@pytest.mark.slow
@pytest.mark.sqlite_only  # kills a writer of a SQLite file
def test_sigkill_leaves_none_or_all_of_the_file(db: Database, tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    _big_csv(big, 50_000)
    assert db.path is not None
    file = db.path
    env = {**os.environ, "FOLLOWUP_DB": str(file)}
    cmd = [sys.executable, "-m", "followup_cli", "import", str(big), "--no-progress"]
    rng = random.Random(4)

    def sales() -> int:
        con = sqlite3.connect(file)
        try:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            return int(con.execute("SELECT COUNT(*) FROM interaction").fetchone()[0])
        finally:
            con.close()

    for delay in sorted(rng.uniform(0.3, 2.5) for _ in range(5)):
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert sales() in (0, 50_000)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert sales() == 50_000


_PHONE_TEXT = st.builds(
    lambda plus, parts, seps: (
        ("+" if plus else "") + "".join(p + s for p, s in zip(parts, seps, strict=False))
    ),
    st.booleans(),
    st.lists(st.text("0123456789", min_size=1, max_size=4), min_size=1, max_size=6),
    st.lists(st.sampled_from(["", " ", "-", ".", "(", ")", ") "]), min_size=6, max_size=6),
)


@settings(max_examples=3000, deadline=None)
@given(text=_PHONE_TEXT, region=st.sampled_from(["US", "CA", "GB"]))
def test_phone_fast_path_agrees_with_phone_key(text: str, region: str) -> None:
    """phone_key's North American fast path gives phonenumbers' answer, or defers to it."""
    fast = values._nanp_key(text.strip(), region)
    if fast is None:
        return
    assert fast == values._library_key(text.strip(), region)


_FIELD = st.one_of(st.none(), st.text(max_size=12))


@settings(max_examples=500, deadline=None)
@given(
    day=st.text(max_size=10),
    name=_FIELD,
    email=_FIELD,
    key=_FIELD,
    amount=st.one_of(st.none(), st.integers(-(10**13), 10**13)),
    items=_FIELD,
)
def test_fingerprint_is_the_sha256_of_the_json_it_always_was(
    day: str, name: str | None, email: str | None, key: str | None, amount: int | None,
    items: str | None,
) -> None:  # fmt: skip
    """Sales imported by earlier versions carry this fingerprint; it must never change."""
    import hashlib

    data = json.dumps([day, name, email, key, amount, items], ensure_ascii=False)
    expected = hashlib.sha256(data.encode()).hexdigest()[:32]
    assert fingerprint_of(day, name, email, key, amount, items) == expected


def test_people_in_one_file_are_linked_by_email_or_phone_in_file_order(
    db: Database, tmp_path: Path
) -> None:
    """New customers keep file order; rows sharing an email or a phone are one person."""
    path = tmp_path / "s.csv"
    path.write_text(
        "order,date,customer,email,phone\n"
        "1,2026-11-20,Solo One,solo1@example.com,\n"
        "2,2026-11-20,Pat,pat@example.com,555-010-0301\n"
        "3,2026-11-20,Solo Two,,555-010-0302\n"
        "4,2026-11-20,Pat at work,pat.work@example.com,555-010-0301\n"  # Pat's phone: Pat
        "5,2026-11-20,,pat@example.com,\n"  # Pat's email: Pat
        "6,2026-11-20,Kim,,555-010-0303\n"
        "7,2026-11-20,Kim,kim@example.com,555-010-0303\n"  # Kim gains the email
    )
    result = run(str(path), "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["new_contacts"] == 4
    assert q(db, "SELECT id, name, email, phone_key FROM contact ORDER BY id") == [
        (1, "Solo One", "solo1@example.com", None),
        (2, "Pat", "pat@example.com", "+15550100301"),
        (3, "Solo Two", None, "+15550100302"),
        (4, "Kim", "kim@example.com", "+15550100303"),
    ]
    assert q(db, "SELECT external_id, contact_id FROM interaction ORDER BY id") == [
        ("1", 1), ("2", 2), ("3", 3), ("4", 2), ("5", 2), ("6", 4), ("7", 4),
    ]  # fmt: skip


@pytest.mark.sqlite_only  # PRAGMA foreign_key_check
def test_imports_leave_every_reference_intact(db: Database, tmp_path: Path) -> None:
    for name in ("messy.csv", "shopify_orders.csv"):
        preset = ["--preset", "shopify"] if name.startswith("shopify") else []
        assert run(str(copy(name, tmp_path)), *preset).exit_code in (0, 5)
    assert db.path is not None
    con = sqlite3.connect(db.path)
    try:
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        con.close()


def _renamed_customers(tx: Tx, tmp_path: Path, count: int) -> Path:
    """``count`` contacts, and a file of one sale each under another name."""
    for i in range(count):
        make_contact(tx, f"Old Name {i}", email=f"p{i}@example.com", phone=None)
    path = tmp_path / "s.csv"
    path.write_text(
        "order,date,customer,email\n"
        + "".join(f"{i},2026-11-20,New Name {i},p{i}@example.com\n" for i in range(count))
    )
    return path


def test_many_conflicts_are_all_counted_and_the_first_shown(
    db: Database, tx: Tx, tmp_path: Path
) -> None:
    path = _renamed_customers(tx, tmp_path, 30)
    summary = json.loads(run(str(path), "--json", "--dry-run").stdout)
    assert (summary["conflicting_names"], summary["conflict_count"]) == (30, 30)
    assert len(summary["conflicts"]) == 30
    result = run(str(path))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "  Conflicting names:           30" in lines
    shown = [line for line in lines if line.startswith("  Not changed:")]
    assert len(shown) == 20
    assert shown[0] == (
        "  Not changed: Old Name 0 (#1) has name 'Old Name 0'; order 0 says 'New Name 0'."
    )
    assert lines[-1] == "  ... and 10 more differences not changed (--json lists the first 30)."
    # the same orders under another source are that sale (and reported), not a new one
    again = json.loads(run(str(path), "--json", "--source", "other").stdout)
    assert (again["imported_elsewhere"], again["sales_imported"]) == (30, 0)
    assert again["elsewhere_orders"][:2] == ["0 (import)", "1 (import)"]
    assert again["conflict_count"] == 0


def test_the_listed_conflicts_are_capped(
    db: Database, tx: Tx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resolve, "MAX_CONFLICTS_LISTED", 5)
    path = _renamed_customers(tx, tmp_path, 12)
    with path.open("a") as fh:
        fh.write("12,2026-11-20,Third Name 0,p0@example.com\n")  # p0 twice: the linked walk
    summary = json.loads(run(str(path), "--json").stdout)
    assert (summary["conflicting_names"], summary["conflict_count"]) == (12, 13)
    assert [c["order_id"] for c in summary["conflicts"]] == ["0", "1", "2", "3", "4"]


def _one_at_a_time(
    existing: list[tuple[str | None, str | None]], rows: list[tuple[str | None, str | None]]
) -> tuple[list[tuple[str | None, str | None]], list[int]]:
    """The reference: rows imported one at a time. A row belongs to the contact with its
    email, else the one with its phone, else to a new contact; that contact gains a missing
    email or phone nobody has. Returns every contact's (email, phone), the existing first,
    and the index of each row's contact."""
    contacts = [list(c) for c in existing]

    def holder(field: int, value: str) -> int | None:
        return next((n for n, c in enumerate(contacts) if c[field] == value), None)

    owners = []
    for email, phone in rows:
        owner = holder(0, email) if email else None
        if owner is None and phone:
            owner = holder(1, phone)
        if owner is None:
            owner = len(contacts)
            contacts.append([None, None])
        for field, value in ((0, email), (1, phone)):
            if value and contacts[owner][field] is None and holder(field, value) is None:
                contacts[owner][field] = value
        owners.append(owner)
    return [(c[0], c[1]) for c in contacts], owners


_examples = iter(range(100, 1000))
_POOL = st.tuples(st.sampled_from([None, 0, 1, 2, 3]), st.sampled_from([None, 0, 1, 2, 3]))
_SOME = _POOL.filter(lambda p: p != (None, None))


def _no_shared_details(people: list[tuple[int | None, int | None]]) -> bool:
    """Contacts in the database never share an email or a phone."""
    emails = [e for e, _ in people if e is not None]
    phones = [p for _, p in people if p is not None]
    return len(set(emails)) == len(emails) and len(set(phones)) == len(phones)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    known=st.lists(_SOME, max_size=3).filter(_no_shared_details),
    picks=st.lists(_SOME, min_size=1, max_size=10),
)
def test_contacts_are_resolved_as_if_rows_came_one_at_a_time(
    db: Database,
    tmp_path: Path,
    known: list[tuple[int | None, int | None]],
    picks: list[tuple[int | None, int | None]],
) -> None:
    """Existing contacts, new people, shared emails and phones, gaps filled: the import gives
    what importing the rows one night each would (and so does not depend on batching)."""
    example = next(_examples)

    def values(e: int | None, p: int | None) -> tuple[str | None, str | None]:
        return (
            None if e is None else f"e{e}-{example}@example.com",
            None if p is None else f"+1555{example}000{p}",
        )

    existing = [values(e, p) for e, p in known]
    rows = [values(e, p) for e, p in picks]
    before = q(db, "SELECT COALESCE(MAX(id), 0) FROM contact")[0][0]
    with db.transaction() as tx:
        for n, (email, phone) in enumerate(existing):
            make_contact(tx, f"Known {n}", email=email, phone=phone)
    path = tmp_path / f"ex{example}.csv"
    path.write_text(
        "order,date,email,phone\n"
        + "".join(
            f"{example}-{n},2026-11-20,{e or ''},{p or ''}\n" for n, (e, p) in enumerate(rows)
        )
    )
    result = run(str(path), "--source", f"ex{example}")
    assert result.exit_code == 0, result.stderr
    expected, owners = _one_at_a_time(existing, rows)
    contacts = q(db, f"SELECT id, email, phone_key FROM contact WHERE id > {before} ORDER BY id")
    assert [(email, phone) for _, email, phone in contacts] == expected
    ids = [cid for cid, _, _ in contacts]
    sales = q(
        db,
        f"SELECT contact_id FROM interaction WHERE source = 'ex{example}' ORDER BY id",
    )
    assert [cid for (cid,) in sales] == [ids[o] for o in owners]


def test_a_difference_is_listed_with_the_first_sale_that_shows_it(
    db: Database, tx: Tx, tmp_path: Path
) -> None:
    """Rows of one contact are taken in file order even when matched by different details."""
    bob = make_contact(tx, "Bob", email="bob@example.com", phone="555-010-0101")
    path = tmp_path / "s.csv"
    path.write_text(
        "order,date,customer,email,phone\n"
        "1,2026-11-20,Ann Lee,,555-010-0101\n"
        "2,2026-11-20,Cy,,555-010-0101\n"  # Cy first shows here
        "3,2026-11-20,Cy,bob@example.com,\n"  # matched by email, on its own otherwise
    )
    summary = json.loads(run(str(path), "--json").stdout)
    assert [(c["contact_id"], c["imported"], c["order_id"]) for c in summary["conflicts"]] == [
        (bob.id, "Ann Lee", "1"),
        (bob.id, "Cy", "2"),
    ]


def test_progress_reports_the_bytes_read_then_the_whole_file(
    db: Database, tmp_path: Path, rules: RuleSet
) -> None:
    path = tmp_path / "big.csv"
    _big_csv(path, 12_000)  # more than two staging batches
    calls: list[tuple[int, int]] = []
    summary = _run_import(
        db, str(path), options=importer.ImportOptions(), rules=rules, today=TODAY,
        now=NOW, progress=lambda done, total: calls.append((done, total)),
    )  # fmt: skip
    size = path.stat().st_size
    assert summary.sales_imported == 12_000
    assert len(calls) >= 3 and all(total == size for _, total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert calls[-1] == (size, size)  # the command then says it is saving


def test_a_new_persons_preferred_channel_comes_from_their_first_row(
    db: Database, tmp_path: Path
) -> None:
    """Given, or email when the first row has only an email, else phone: for a person on one
    row and for one whose rows are linked (walked one at a time) alike."""
    path = tmp_path / "p.csv"
    path.write_text(
        "order,date,email,phone,prefers\n"
        "1,2026-11-20,solo@example.com,,\n"  # on its own, email only
        "2,2026-11-20,,555-010-0301,\n"  # on its own, phone only
        "3,2026-11-20,lin@example.com,,\n"  # linked (same email below), first row email only
        "4,2026-11-21,lin@example.com,555-010-0302,\n"
        "5,2026-11-20,,555-010-0303,\n"  # linked, first row phone only
        "6,2026-11-21,pat@example.com,555-010-0303,\n"
        "7,2026-11-20,txt@example.com,555-010-0304,text\n"  # given
    )
    assert run(str(path)).exit_code == 0
    assert q(db, "SELECT email, phone, prefers FROM contact ORDER BY id") == [
        ("solo@example.com", None, "email"),
        (None, "555-010-0301", "phone"),
        ("lin@example.com", "555-010-0302", "email"),
        ("pat@example.com", "555-010-0303", "phone"),
        ("txt@example.com", "555-010-0304", "text"),
    ]


def test_an_unclosed_quote_is_an_error_not_a_short_import(db: Database, tmp_path: Path) -> None:
    """A 1,000-row file with one unclosed quote on line 11 once imported 9 sales, exit 0."""
    lines = ["order,date,name,email"]
    lines += [f"{n},2026-11-20,Customer {n},c{n}@example.com" for n in range(1, 1000)]
    lines[10] = '10,2026-11-20,"Dee, the 5,dee@example.com'
    path = tmp_path / "quote.csv"
    path.write_text("\n".join(lines) + "\n")
    result = run(str(path))
    assert (result.exit_code, result.stderr) == (
        6,  # the import failed, as for any file that cannot be read
        f"Error: {path}, line 11: a quoted field opened on this line runs on for 990 lines "
        '(to line 1000); check for a missing closing quote, e.g. "Dee, the 5. '
        "Nothing was imported.\n",
    )
    assert q(db, "SELECT COUNT(*) FROM interaction") == [(0,)]


def test_the_rejects_file_is_formula_safe_and_keeps_line_and_reason_in_their_columns(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "evil.csv"
    path.write_text(
        "order,date,email\n"
        '1,not a date,"=HYPERLINK(""http://evil.example"",""x"")"\n'
        "2,2026-11-20,a@example.com,=cmd|' /C calc'!A0,@SUM(1)\n"  # two extra cells
        "3,2026-11-20,\uff1dfull@width\n"
    )
    assert run(str(path)).exit_code == 5
    with (tmp_path / "evil.rejects.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["order", "date", "email", "(extra 1)", "(extra 2)", "line", "reason"]
    assert rows[1][2] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows[2][3:6] == ["'=cmd|' /C calc'!A0", "'@SUM(1)", "3"]
    assert rows[3][2] == "'\uff1dfull@width" and rows[3][5] == "4"
    assert all(len(row) == 7 for row in rows)


def test_rejects_and_exports_never_write_through_a_symlink(db: Database, tmp_path: Path) -> None:
    """The README's cron reads from a shared folder: a link planted where the rejects file
    goes had its target truncated, overwritten and chmod-ed."""
    target = tmp_path / "victim.txt"
    target.write_text("precious")
    path = tmp_path / "sales.csv"
    path.write_text("order,date,email\n1,not a date,a@example.com\n")
    (tmp_path / "sales.rejects.csv").symlink_to(target)
    result = run(str(path))
    assert result.exit_code == 6
    assert "it is a symbolic link; followup never writes through one" in result.stderr
    assert target.read_text() == "precious"
    export = tmp_path / "out.csv"
    export.symlink_to(target)
    result = runner.invoke(app, ["export", "contacts", "-o", str(export)])
    assert result.exit_code == 1 and "symbolic link" in result.stderr
    assert target.read_text() == "precious"


def test_a_clean_import_removes_an_earlier_runs_rejects_file(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_text("order,date,email\n1,not a date,a@example.com\n")
    assert run(str(path)).exit_code == 5
    rejects = tmp_path / "sales.rejects.csv"
    assert rejects.exists()
    path.write_text("order,date,email\n1,2026-11-20,a@example.com\n")
    assert run(str(path)).exit_code == 0
    assert not rejects.exists()


def test_a_sale_date_with_a_zone_name_is_read_without_a_warning() -> None:
    """dateutil warned (and under -W error, failed) on "May 11, 2025 10:00 PST"; found by
    the sale-date fuzzer."""
    assert importer.parse_sale_date("May 11, 2025 10:00 PST") == dt.date(2025, 5, 11)
