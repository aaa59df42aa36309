"""Files a new owner actually has (#16 item 8, #17 item 7): semicolons and tabs, a workbook
instead of a CSV, a JSON Lines file with one bad line or a key that first appears late, a
Shopify order whose line items leave the date blank, and a hint that names the right column."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from followup_cli.cli import app
from tests.helpers import query

runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, ["import", *args])


@pytest.mark.parametrize("sep", [";", "\t"])
def test_a_file_saved_with_semicolons_or_tabs_is_read_by_its_columns(
    tmp_path: Path, sep: str
) -> None:
    path = tmp_path / "till.csv"
    lines = [["Order", "Date", "Email", "Total"], ["1", "2026-11-20", "ann@example.com", "12.50"]]
    path.write_text("\n".join(sep.join(cells) for cells in lines) + "\n")
    result = run(str(path))
    assert result.exit_code == 0, result.stderr
    assert query("SELECT external_id, amount_cents FROM interaction") == [("1", 1250)]


def test_a_comma_file_with_semicolons_in_its_cells_stays_a_comma_file(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text('order,date,email,items\n1,2026-11-20,a@example.com,"tube; pump; lights"\n')
    assert run(str(path)).exit_code == 0
    assert query("SELECT items FROM interaction") == [("tube; pump; lights",)]


@pytest.mark.parametrize(
    "magic", [b"PK\x03\x04\x14\x00\x06\x00", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"]
)
def test_a_workbook_is_named_as_one_with_how_to_save_it_as_csv(
    tmp_path: Path, magic: bytes
) -> None:
    path = tmp_path / "sales.xlsx"
    path.write_bytes(magic + b"\x00" * 200)
    result = run(str(path))
    assert (result.exit_code, result.stderr) == (
        6,
        f"Error: {path} is a spreadsheet workbook (Excel or similar), not a CSV file: open it "
        "and save it as CSV (in Excel: File > Save As > CSV UTF-8), then import that file. "
        "Nothing was imported.\n",
    )


def test_a_workbook_on_stdin_is_refused_too() -> None:
    result = runner.invoke(app, ["import", "-"], input=b"PK\x03\x04" + b"\x00" * 50)
    assert result.exit_code == 6
    assert result.stderr.startswith("Error: <stdin> is a spreadsheet workbook")


def test_one_bad_json_line_is_a_rejected_row_and_a_late_key_is_a_column(tmp_path: Path) -> None:
    path = tmp_path / "shop.jsonl"
    path.write_text(
        json.dumps({"order": "1", "date": "2026-11-20", "phone": "555-010-0101"}) + "\n"
        + '{"order": "2", "date": \n'  # cut short
        + "[1, 2]\n"
        + json.dumps({"order": "3", "date": "2026-11-21", "email": "ben@example.com"}) + "\n"
    )  # fmt: skip
    result = run(str(path))
    assert result.exit_code == 5, result.stderr  # rows rejected: cron tells the owner
    assert query("SELECT external_id FROM interaction ORDER BY 1") == [("1",), ("3",)]
    assert query("SELECT email FROM contact WHERE email IS NOT NULL") == [("ben@example.com",)]
    text = (tmp_path / "shop.rejects.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(text.splitlines()))
    assert [(r["line"], r["reason"], r["order"]) for r in rows] == [
        ("2", "not JSON (Expecting value)", '{"order": "2", "date": '),
        ("3", "not a JSON object", "[1, 2]"),
    ]


def test_a_file_with_no_json_object_says_it_is_not_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "sales.jsonl"
    path.write_text("order,date\n1,2026-11-20\n")
    result = run(str(path))
    assert (result.exit_code, result.stderr) == (
        6,
        f"Error: {path}, line 1: no line is a JSON object; is this a CSV file? Try --format csv.\n",
    )


def test_a_shopify_line_item_row_takes_the_date_of_its_orders_first_row(tmp_path: Path) -> None:
    path = tmp_path / "orders_export.csv"
    path.write_text(
        "Name,Email,Financial Status,Created at,Total,Lineitem name,Shipping Address1\n"
        "#1001,ann@example.com,paid,2026-11-20 10:15:00 -0500,54.00,Tube,1 Elm St\n"
        "#1001,,,,,Pump,\n"
        "#1002,,,,,Lights,\n"  # no row of #1002 has a date: rejected
    )
    result = run(str(path), "--preset", "shopify")
    assert result.exit_code == 5, result.stderr
    assert query("SELECT external_id, occurred_on, items FROM interaction") == [
        ("#1001", "2026-11-20", "Tube, Pump")
    ]
    rejects = (tmp_path / "orders_export.rejects.csv").read_text(encoding="utf-8-sig")
    assert "no date" in rejects and "#1002" in rejects


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("s.csv", "order,date,email,name\n1,2026-11-20,a@example.com,Ann\0Lee\n"
                  "2,2026-11-20,b@example.com,Bob\n"),
        ("s.jsonl", '{"order": "1", "date": "2026-11-20", "email": "a@example.com", "name": '
                    '"Ann\\u0000Lee"}\n{"order": "2", "date": "2026-11-20", "email": '
                    '"b@example.com", "name": "Bob"}\n'),
    ],
)  # fmt: skip
def test_a_nul_character_is_a_rejected_row_on_every_database(
    tmp_path: Path, name: str, text: str
) -> None:
    """#17 item 15: on PostgreSQL one NUL failed the whole import with exit 70 and a message
    holding staged rows; SQLite stored it. Both now reject that row and keep the rest."""
    path = tmp_path / name
    path.write_text(text)
    result = run(str(path))
    assert result.exit_code == 5, result.stderr
    assert query("SELECT external_id FROM interaction") == [("2",)]
    rejects = (tmp_path / name.replace(name.split(".")[1], "rejects.csv")).read_text(
        encoding="utf-8-sig"
    )
    assert "a cell holds a NUL character" in rejects


def test_each_json_line_is_read_by_its_own_keys_and_keys_no_field_reads_are_named(
    tmp_path: Path,
) -> None:
    """An email that first appears on line 2 is read; "colour" and "shoe" are read by no field
    and the summary says so, so an "E-mail Address" key the aliases miss is noticed."""
    path = tmp_path / "sales.jsonl"
    path.write_text(
        '{"order_id": "1", "date": "2026-11-20", "name": "Al"}\n'
        '{"order_id": "2", "date": "2026-11-20", "email": "bo@example.com", "colour": "red"}\n'
        '{"order_id": "3", "date": "2026-11-20", "phone": "555-010-0109", "shoe": "42"}\n'
    )
    result = run(str(path))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        f"Imported 2 sales from {path} (source import).",
        "  Not read: 'colour', 'shoe' (--map FIELD=COLUMN reads one).",
    ]
    assert query("SELECT email, phone FROM contact ORDER BY id") == [
        ("bo@example.com", None),
        (None, "555-010-0109"),
    ]
    summary = json.loads(run(str(path), "--json", "--dry-run").stdout)
    assert summary["unused_columns"] == ["colour", "shoe"]
