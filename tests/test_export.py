"""CSV exports (columns, round trip, formula safety, streaming), the ics agenda, contact export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from followup_cli import export
from followup_cli.cli import app
from followup_cli.files import formula_safe
from followup_cli.store import Database, Tx
from followup_cli.store.rows import insert
from followup_cli.values import fold_text

D = dt.date
T0 = dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.UTC)
DANGEROUS = ('=HYPERLINK("http://x","y")', "+1 555 0100", "@SUM(1)", "-2+3", "\tTab", "\rCR")

# The columns the SQLModel schema gives a default, so each row below names only what matters.
DEFAULTS: dict[str, dict[str, object]] = {
    "contact": {"prefers": "phone", "tags": "", "phone_invalid": False,
                "do_not_contact": False, "opted_out_channels": ""},
    "interaction": {},
    "followup": {"priority": 0, "status": "pending", "attempts": 0, "until_sale": False},
    "call_log": {"status": "in-progress", "referrals": 0, "script": "default"},
    "call_answer": {"overridden": False},
}  # fmt: skip


def _add(tx: Tx, table: str, **values: object) -> int:
    if table == "contact":  # as contact add writes it, so a name finds the contact
        values["name_key"] = fold_text(str(values["name"]))
    return insert(tx, table, {**DEFAULTS[table], **values})


HEADERS = {
    "contacts": "id,name,email,phone,address,prefers,do_not_contact,tags,referred_by,created_on,"
    "last_interaction_on,last_outcome",
    "sales": "id,source,order_id,contact_id,contact,sold_on,amount,items",
    "followups": "id,contact_id,contact,due,channel,purpose,status,outcome,completed_on,attempts",
    "answers": "call_id,followup_id,contact_id,contact,called_on,step,question,answer,label,"
    "overridden",
    "calls": "id,followup_id,contact_id,contact,called_on,status,reached,outcome,would_recommend,"
    "review,referrals",
}


@pytest.fixture
def world(db: Database, tx: Tx) -> Database:
    ann = _add(tx, "contact", name="Ann Lée", email="ann@example.com", phone="555-0100",
               tags="vip", created_on=D(2026, 10, 1))  # fmt: skip
    bob = _add(tx, "contact", name="Bob", phone="+1 555 0100", referred_by_id=ann,
               do_not_contact=True, created_on=D(2026, 11, 2))  # fmt: skip
    for i, name in enumerate(DANGEROUS):
        _add(tx, "contact", name=name, email=f"x{i}@example.com", tags="-odd",
             created_on=D(2026, 11, 20))  # fmt: skip
    _add(tx, "interaction", contact_id=ann, kind="sale", occurred_on=D(2026, 11, 3),
         amount_cents=12950, items="=cmd|' /C calc'!A0", source="shopify", external_id="1001",
         created_at=T0)  # fmt: skip
    _add(tx, "interaction", contact_id=bob, kind="sale", occurred_on=D(2026, 11, 10),
         amount_cents=-1250, items="refund", created_at=T0)  # fmt: skip
    _add(tx, "interaction", contact_id=ann, kind="visit", occurred_on=D(2026, 11, 12),
         created_at=T0)  # fmt: skip
    fu = _add(tx, "followup", contact_id=ann, rule="thank-you", purpose="Thank-you {action}",
              channel="phone", due_on=D(2026, 11, 5), status="done", outcome="positive",
              completed_on=D(2026, 11, 5), created_on=D(2026, 11, 3))  # fmt: skip
    _add(tx, "followup", contact_id=ann, rule="manual", purpose="Check-in {action}",
         channel="email", due_on=D(2026, 11, 25), attempts=1, created_on=D(2026, 11, 3))  # fmt: skip
    call = _add(tx, "call_log", followup_id=fu, contact_id=ann, called_on=D(2026, 11, 5),
                started_at=T0, status="completed", reach="reached", outcome="positive",
                would_recommend="yes", review="agreed", referrals=1)  # fmt: skip
    _add(tx, "call_answer", call_id=call, step="do_better", question="What could we do better?",
         answer="=1+1 nothing", label="positive", overridden=True, answered_at=T0)  # fmt: skip
    return db


def _export(db: Database, kind: str, **kw: object) -> list[list[str]]:
    """The export as the CLI runs it, in a read transaction (PostgreSQL streams the rows
    through a server-side cursor, which needs one)."""
    out = io.StringIO(newline="")
    with db.reading(mmap_bytes=export.EXPORT_MMAP_BYTES) as tx:
        export.export_csv(tx, export.get_kind(kind), out, **kw)  # type: ignore[arg-type]
    return list(csv.reader(io.StringIO(out.getvalue(), newline="")))


@pytest.mark.parametrize("kind", list(HEADERS))
def test_columns_of_every_kind(world: Database, kind: str) -> None:
    rows = _export(world, kind)
    assert ",".join(rows[0]) == HEADERS[kind]
    assert len(rows) > 1
    assert all(len(row) == len(rows[0]) for row in rows)


def test_contacts_round_trip(world: Database, tx: Tx) -> None:
    header, *rows = _export(world, "contacts")
    db_rows = tx.rows(  # portable: the same check runs on SQLite and PostgreSQL
        "SELECT id, name, email, phone, prefers, do_not_contact, tags, referred_by_id, "
        "created_on FROM contact ORDER BY id"
    )
    assert len(rows) == len(db_rows) == 8
    for row, expected in zip(rows, db_rows, strict=True):
        got = dict(zip(header, row, strict=True))
        unescaped = {k: v[1:] if v.startswith("'") else v for k, v in got.items()}
        assert int(got["id"]) == expected[0]
        assert unescaped["name"] == expected[1]
        assert got["email"] == (expected[2] or "")
        assert unescaped["phone"] == (expected[3] or "")
        assert got["prefers"] == expected[4]
        assert got["do_not_contact"] == str(int(expected[5]))
        assert unescaped["tags"] == expected[6]
        assert got["referred_by"] == ("" if expected[7] is None else str(expected[7]))
        assert got["created_on"] == str(expected[8])
    ann = dict(zip(header, rows[0], strict=True))
    assert (ann["name"], ann["last_interaction_on"], ann["last_outcome"]) == (
        "Ann Lée",
        "2026-11-12",
        "positive",
    )


def test_no_cell_can_run_as_a_formula(world: Database) -> None:
    for kind in HEADERS:
        for row in _export(world, kind)[1:]:
            for cell in row:
                if cell.startswith(("=", "+", "@", "\t", "\r", "\n")):
                    pytest.fail(f"{kind}: unescaped cell {cell!r}")
                if cell.startswith("-"):  # only a number may start with a minus
                    float(cell)
    names = [row[1] for row in _export(world, "contacts")[1:]]
    assert names[2:] == ["'" + name for name in DANGEROUS]
    bob = _export(world, "contacts")[2]
    assert bob[3] == "'+1 555 0100"  # a phone number is text
    assert bob[0] == "2" and bob[8] == "1"  # numbers stay numbers
    assert [row[7] for row in _export(world, "contacts")[3:]] == ["'-odd"] * len(DANGEROUS)
    sales = _export(world, "sales")
    assert sales[1][6] == "129.50" and sales[2][6] == "-12.50"  # numbers, not escaped
    assert sales[1][7] == "'=cmd|' /C calc'!A0"
    assert _export(world, "answers")[1][7] == "'=1+1 nothing"


def test_formula_safe_helper() -> None:
    assert formula_safe("=1") == "'=1"
    assert formula_safe("\nx") == "'\nx"
    assert formula_safe("Ann") == "Ann"
    assert formula_safe("") == ""
    assert formula_safe(None) is None


def test_values_of_each_kind(world: Database) -> None:
    sales = _export(world, "sales")
    assert sales[1] == ["1", "shopify", "1001", "1", "Ann Lée", "2026-11-03", "129.50",
                        "'=cmd|' /C calc'!A0"]  # fmt: skip
    follow = _export(world, "followups")
    assert follow[1] == ["1", "1", "Ann Lée", "2026-11-05", "phone", "Thank-you call", "done",
                         "positive", "2026-11-05", "0"]  # fmt: skip
    assert follow[2][5] == "Check-in email" and follow[2][8] == ""
    calls = _export(world, "calls")
    assert calls[1] == ["1", "1", "1", "Ann Lée", "2026-11-05", "completed", "reached", "positive", "yes",
                        "agreed", "1"]  # fmt: skip
    answers = _export(world, "answers")
    assert answers[1] == ["1", "1", "1", "Ann Lée", "2026-11-05", "do_better",
                          "What could we do better?", "'=1+1 nothing", "positive", "1"]  # fmt: skip


def test_since_until_filter_on_the_kind_date(world: Database) -> None:
    assert len(_export(world, "contacts", since=D(2026, 11, 1))) == 1 + 7
    assert len(_export(world, "contacts", until=D(2026, 11, 1))) == 1 + 1
    assert [r[0] for r in _export(world, "sales", since=D(2026, 11, 4))[1:]] == ["2"]
    assert len(_export(world, "followups", until=D(2026, 11, 20))) == 2
    assert len(_export(world, "calls", since=D(2026, 11, 6))) == 1  # header only
    assert len(_export(world, "answers", since=D(2026, 11, 5), until=D(2026, 11, 5))) == 2
    with pytest.raises(Exception, match="after --until"):
        _export(world, "sales", since=D(2026, 11, 5), until=D(2026, 11, 1))


@pytest.mark.sqlite_only
def test_export_streams_in_constant_memory(db: Database, tmp_path: Path) -> None:
    """200k follow-ups go through while memory stays a few batches big (the rows as Python
    tuples would take over 100 MB)."""
    con = sqlite3.connect(db.path)  # type: ignore[arg-type]
    con.execute("INSERT INTO contact (id, name, prefers, tags, phone_invalid, do_not_contact, "
                "opted_out_channels, created_on) VALUES (1, '=Ann', 'phone', '', 0, 0, '', "
                "'2026-01-01')")  # fmt: skip
    con.execute(  # generated inside SQLite: fast, and nothing held in Python
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) "
        "INSERT INTO followup (contact_id, rule, purpose, channel, due_on, priority, status, "
        "attempts, until_sale, created_on) SELECT 1, 'manual', 'Thank-you {action}', 'phone', "
        "'2026-' || printf('%02d', 1 + i % 12) || '-10', 0, 'pending', 0, 0, '2026-01-01' FROM n"
    )
    con.commit()
    con.close()

    target = tmp_path / "big.csv"
    # A fresh process, so its peak resident memory is the export's alone (C allocations
    # included, which tracemalloc would miss, and ten times faster than tracing).
    script = (
        "import resource, sys\n"
        "from followup_cli import export\n"
        "from followup_cli.store import Database\n"
        "db = Database(sys.argv[1])\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "with open(sys.argv[2], 'w', encoding='utf-8', newline='') as out, \\\n"
        "        db.reading(mmap_bytes=export.EXPORT_MMAP_BYTES) as tx:\n"
        "    count = export.export_csv(tx, export.get_kind('followups'), out)\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(count, (after - before) * 1024)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, f"sqlite:///{db.path}", str(target)],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    count, peak = (int(part) for part in done.stdout.split())
    with target.open(encoding="utf-8", newline="") as fh:
        lines = sum(1 for _ in fh)
        fh.seek(0)
        first = fh.readline().rstrip() and fh.readline().rstrip()
    assert count == 200_000
    assert lines == 200_001
    assert first.startswith("1,1,'=Ann,2026-02-10,phone,Thank-you call,pending")
    assert peak < 20 * 1024 * 1024, f"memory grew {peak / 1e6:.1f} MB: rows were materialized"


def test_bad_kind() -> None:
    with pytest.raises(Exception, match="Unknown export 'bills'"):
        export.get_kind("bills")


# ---------------------------------------------------------------------------------------------
# ics


@pytest.fixture
def agenda_db(tx: Tx) -> Tx:
    ann = _add(tx, "contact", name="Ann", phone="555-0100", email="ann@example.com",
               created_on=D(2026, 1, 1))  # fmt: skip
    out = _add(tx, "contact", name="Opted Out", phone="555-0101", do_not_contact=True,
               created_on=D(2026, 1, 1))  # fmt: skip
    nophone = _add(tx, "contact", name="No Phone", phone="555-0102", opted_out_channels="phone",
                   created_on=D(2026, 1, 1))  # fmt: skip
    for cid, channel, due in [
        (ann, "phone", D(2026, 11, 20)),  # overdue: shown today
        (ann, "email", D(2026, 11, 30)),
        (ann, "text", D(2026, 12, 20)),  # beyond 14 days
        (out, "phone", D(2026, 11, 24)),
        (nophone, "phone", D(2026, 11, 24)),
        (nophone, "text", D(2026, 11, 24)),
    ]:
        _add(tx, "followup", contact_id=cid, rule="manual", purpose="Thank-you {action}",
             channel=channel, due_on=due, created_on=D(2026, 11, 1))  # fmt: skip
    return tx


def test_ics_validates_and_uids_are_stable(agenda_db: Tx, today: D) -> None:
    stamp = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
    first, count = export.agenda_calendar(agenda_db, today, 14, stamp=stamp)
    later = stamp + dt.timedelta(hours=5)
    second, _ = export.agenda_calendar(agenda_db, today, 14, stamp=later)
    assert count == 3
    events = Calendar.from_ical(first).walk("VEVENT")
    uids = [str(e["UID"]) for e in events]
    assert uids == ["followup-1@followup-cli", "followup-6@followup-cli", "followup-2@followup-cli"]
    assert uids == [str(e["UID"]) for e in Calendar.from_ical(second).walk("VEVENT")]
    ann = events[0]
    assert ann.decoded("DTSTART") == today  # overdue moved to today
    assert ann.decoded("DTEND") == today + dt.timedelta(days=1)
    assert str(ann["SUMMARY"]) == "Thank-you call: Ann"
    description = str(ann["DESCRIPTION"])
    assert "Channel: phone, 555-0100" in description and "Overdue since 2026-11-20" in description
    assert "ann@example.com" in str(events[2]["DESCRIPTION"])
    assert "Opted Out" not in first.decode()
    assert events[1].decoded("DTSTART") == D(2026, 11, 24)  # the text, not the opted-out phone


def test_ics_days_zero_is_today_and_overdue(agenda_db: Tx, today: D) -> None:
    _, count = export.agenda_calendar(agenda_db, today, 0, stamp=dt.datetime.now(dt.UTC))
    assert count == 1


# ---------------------------------------------------------------------------------------------
# contact export


def test_contact_document_holds_everything(world: Database, tx: Tx, today: D) -> None:
    doc = export.contact_document(tx, "Ann", exported_on=today)
    json.dumps(doc)  # JSON-ready
    assert doc["contact"]["name"] == "Ann Lée" and doc["contact"]["email"] == "ann@example.com"
    assert [i["kind"] for i in doc["interactions"]] == ["visit", "sale"]
    assert len(doc["followups"]) == 2
    assert all("{" not in f["purpose"] for f in doc["followups"])  # #16 item 13: in words
    assert doc["calls"][0]["answers"][0]["answer"] == "=1+1 nothing"
    assert doc["referrals"] == [{"id": 2, "name": "Bob"}]
    bob = export.contact_document(tx, "Bob", exported_on=today)
    assert bob["referred_by"] == {"id": 1, "name": "Ann Lée"}


# ---------------------------------------------------------------------------------------------
# CLI

runner = CliRunner()


@pytest.mark.parametrize("kind", list(HEADERS))
def test_cli_export_to_stdout(world: Database, kind: str) -> None:
    result = runner.invoke(app, ["export", kind])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == HEADERS[kind]
    assert result.stdout_bytes.endswith(b"\r\n")


def test_cli_export_file_is_private_with_bom(world: Database, tmp_path: Path) -> None:
    target = tmp_path / "contacts.csv"
    result = runner.invoke(app, ["export", "contacts", "-o", str(target), "--excel"])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"Exported 8 rows of contacts to {target}.\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid,name,")
    assert "Ann Lée" in raw.decode("utf-8-sig")


def test_cli_export_since_words(world: Database) -> None:
    result = runner.invoke(app, ["export", "sales", "--since", "2 weeks ago", "--until", "today"])
    assert result.exit_code == 0
    assert [line.split(",")[0] for line in result.stdout.splitlines()[1:]] == ["2"]


def test_cli_bad_kind_exits_2(db: Database) -> None:
    result = runner.invoke(app, ["export", "bills"])
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: Unknown export 'bills'; use one of contacts, sales, followups, answers, calls, "
        "or ics.\n"
    )


def test_cli_output_into_missing_folder(db: Database, tmp_path: Path) -> None:
    target = tmp_path / "nope" / "x.csv"
    result = runner.invoke(app, ["export", "sales", "-o", str(target)])
    assert result.exit_code == 2
    assert f"the folder {target.parent} does not exist" in result.stderr
    assert not target.parent.exists()
    result = runner.invoke(app, ["export", "sales", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "is a folder" in result.stderr


def test_cli_bad_dates(db: Database) -> None:
    result = runner.invoke(app, ["export", "sales", "--since", "blue moon"])
    assert result.exit_code == 2 and "Could not understand the date" in result.stderr
    result = runner.invoke(app, ["export", "sales", "--since", "today", "--until", "yesterday"])
    assert result.exit_code == 2 and "swap them" in result.stderr


def test_cli_export_ics(agenda_db: Tx, tmp_path: Path) -> None:
    target = tmp_path / "agenda.ics"
    result = runner.invoke(app, ["export", "ics", "--days", "14", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"Wrote 3 follow-ups to {target}.\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert len(Calendar.from_ical(target.read_bytes()).walk("VEVENT")) == 3
    result = runner.invoke(app, ["export", "ics"])
    assert result.exit_code == 0 and result.stdout.startswith("BEGIN:VCALENDAR")
    result = runner.invoke(app, ["export", "ics", "--since", "today"])
    assert result.exit_code == 2 and "ics takes --days" in result.stderr


def test_cli_contact_export(world: Database, tmp_path: Path) -> None:
    result = runner.invoke(app, ["contact", "export", "1"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["contact"]["name"] == "Ann Lée"
    target = tmp_path / "ann.json"
    result = runner.invoke(app, ["contact", "export", "ann@example.com", "-o", str(target)])
    assert result.exit_code == 0
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert json.loads(target.read_text("utf-8"))["calls"][0]["referrals"] == 1
    result = runner.invoke(app, ["contact", "export", "#99"])
    assert result.exit_code == 3 and "No contact #99" in result.stderr
