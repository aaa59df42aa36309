"""Refunds and returns are not sales (#16 item 4): recorded as a refund, never thanked for,
counted in the report, and a full refund takes back the sale's pending thank-yous."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from followup_cli import agenda, reports
from followup_cli.cli import app
from followup_cli.errors import InvalidInput
from followup_cli.followups import log_interaction
from followup_cli.scheduling import RuleSet
from followup_cli.store import Tx
from tests.helpers import make_contact, query

TODAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
runner = CliRunner()


def test_a_refund_logged_in_full_takes_back_the_sales_thank_yous(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx, "Ken Ito")
    sale = log_interaction(
        tx, "Ken", "sale", on=dt.date(2026, 11, 20), today=TODAY, now=NOW, rules=rules,
        amount_cents=2000,
    )  # fmt: skip
    assert len(sale.scheduling.scheduled) == 2  # a call and a note
    refund = log_interaction(
        tx, "Ken", "refund", on=TODAY, today=TODAY, now=NOW, rules=rules, amount_cents=2000
    )
    assert refund.scheduling.scheduled == []  # no "Thank-you call for sale on ..., -$20.00"
    assert [(f.rule, f.status, f.note) for f in refund.cancelled] == [
        ("sale-thank-you", "skipped", "The sale was refunded"),
        ("sale-note", "skipped", "The sale was refunded"),
    ]
    assert agenda.due_today(tx, TODAY) == []


def test_a_partial_refund_leaves_the_thank_yous(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx, "Ken Ito")
    log_interaction(
        tx, "Ken", "sale", on=dt.date(2026, 11, 20), today=TODAY, now=NOW, rules=rules,
        amount_cents=12900,
    )  # fmt: skip
    refund = log_interaction(
        tx, "Ken", "refund", on=TODAY, today=TODAY, now=NOW, rules=rules, amount_cents=2000
    )
    assert refund.cancelled == []


@pytest.mark.parametrize(
    ("kind", "cents", "message"),
    [
        ("sale", -2000, "An amount is never negative; for money given back, log a refund of what "
         "was given back: `followup log refund 'Ken Ito' --amount 20.00`."),
        ("refund", None, "A refund needs the amount given back, e.g. `followup log refund "
         "'Ken Ito' --amount 20`."),
    ],
)  # fmt: skip
def test_a_negative_sale_or_a_refund_without_an_amount_is_refused(
    tx: Tx, rules: RuleSet, kind: str, cents: int | None, message: str
) -> None:
    make_contact(tx, "Ken Ito")
    with pytest.raises(InvalidInput) as caught:
        log_interaction(
            tx, "Ken Ito", kind, on=TODAY, today=TODAY, now=NOW, rules=rules, amount_cents=cents
        )
    assert str(caught.value) == message


def test_log_refund_on_the_command_line() -> None:
    runner.invoke(app, ["contact", "add", "Ken Ito", "--phone", "555-010-0107", "-a", "1 Elm"])
    sold = runner.invoke(app, ["log", "sale", "Ken", "--amount", "20", "--on", "2026-11-20"])
    assert sold.exit_code == 0, sold.stderr
    result = runner.invoke(app, ["log", "refund", "Ken", "--amount", "20"])
    assert (result.exit_code, result.stdout) == (
        0,
        "Logged refund ($20.00) for Ken Ito (#1) on Mon 2026-11-23.\n"
        "  Dropped #1 Thank-you call (the sale was refunded)\n"
        "  Dropped #2 Handwritten thank-you note (the sale was refunded)\n",
    )


def test_an_imported_negative_total_is_a_refund_of_a_sale_in_the_same_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "till.csv"
    path.write_text(
        "order,date,email,total\n"
        "1,2026-11-20,ann@example.com,20.00\n"
        "2,2026-11-20,bob@example.com,45.00\n"
        "3,2026-11-21,ann@example.com,-20.00\n"  # Ann brought it back
    )
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(
        f"Imported 2 sales and 1 refund from {path} (source import).\n"
        "  Refunded in full: 1 pending thank-you skipped.\n"
    )
    assert query("SELECT external_id, kind, amount_cents FROM interaction ORDER BY 1") == [
        ("1", "sale", 2000), ("2", "sale", 4500), ("3 (refund)", "refund", 2000),
    ]  # fmt: skip
    today = json.loads(runner.invoke(app, ["today", "--json"]).stdout)
    assert [i["contact"] for i in today] == ["bob@example.com"]  # nothing for Ann, no -$20
    again = json.loads(runner.invoke(app, ["import", str(path), "--json"]).stdout)
    assert (again["sales_imported"], again["refunds_imported"], again["already_imported"]) == (
        0, 0, 3,
    )  # fmt: skip


def test_the_report_counts_refunds_apart_from_sales(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx, "Ken Ito")
    for kind, cents in (("sale", 5000), ("refund", 2000)):
        log_interaction(
            tx, "Ken", kind, on=dt.date(2026, 11, 20), today=TODAY, now=NOW, rules=rules,
            amount_cents=cents,
        )  # fmt: skip
    figures = reports.summary(tx, reports.period(None, None, TODAY), TODAY).current.sales
    assert (figures.sales, figures.revenue_cents, figures.refunds, figures.refunded_cents) == (
        1, 5000, 1, 2000,
    )  # fmt: skip


@pytest.mark.parametrize("order", ["sale first", "refund first"])
def test_a_return_under_the_sales_own_receipt_number_is_a_refund_beside_it(
    tmp_path: Path, order: str
) -> None:
    """Found in review: one number for a sale and its return made them one order (the first
    row's total won), and a later file's return read as the sale "changed"."""
    sale, back = "1,2026-11-20,ann@example.com,20.00", "1,2026-11-21,ann@example.com,-20.00"
    rows = [sale, back] if order == "sale first" else [back, sale]
    path = tmp_path / "till.csv"
    path.write_text("order,date,email,total\n" + "\n".join(rows) + "\n")
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    assert query("SELECT external_id, kind, amount_cents FROM interaction ORDER BY 2") == [
        ("1 (refund)", "refund", 2000), ("1", "sale", 2000),
    ]  # fmt: skip
    assert query("SELECT status FROM followup WHERE status = 'pending'") == []
    again = json.loads(runner.invoke(app, ["import", str(path), "--json"]).stdout)
    assert (again["sales_imported"], again["refunds_imported"], again["already_imported"]) == (
        0, 0, 2,
    )  # fmt: skip


def test_a_later_files_return_under_the_sales_number_is_recorded(tmp_path: Path) -> None:
    path = tmp_path / "mon.csv"
    path.write_text("order,date,email,total\n1,2026-11-20,ann@example.com,20.00\n")
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    path.write_text("order,date,email,total\n1,2026-11-21,ann@example.com,-20.00\n")
    result = runner.invoke(app, ["import", str(path)])
    assert result.stdout.startswith(f"Imported 0 sales and 1 refund from {path}"), result.stdout
    assert "Refunded in full: 1 pending thank-you skipped." in result.stdout
    logged = runner.invoke(
        app, ["log", "refund", "ann@example.com", "--amount", "5", "--ref", "R7"]
    )
    assert logged.exit_code == 0, logged.stderr
    sold = runner.invoke(app, ["log", "sale", "ann@example.com", "--amount", "5", "--ref", "R7"])
    assert sold.exit_code == 0, sold.stderr  # the sale's own number is still free
