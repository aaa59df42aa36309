"""Lists that stream: aligned columns written as rows arrive, a pager on a terminal when the
list is longer than the screen, --limit, and --json / --jsonl written one item at a time."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from followup_cli.cli import app
from followup_cli.followups import schedule
from followup_cli.render.plain import columns, json_items, show
from followup_cli.store import Tx
from tests.helpers import make_contact

runner = CliRunner()
MON = dt.date(2026, 11, 23)


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


# --------------------------------------------------------------------------------------------
# The writers


def test_columns_are_written_as_rows_arrive() -> None:
    """The first rows set the widths; the header comes out before the rest is read."""
    read = []

    def rows() -> Iterator[list[str]]:
        for i in range(1, 6):
            read.append(i)
            yield [str(i), f"name{i}", "x"]

    lines = columns(("ID", "Name", "Note"), rows(), sample=2)
    assert next(lines) == "  ID  Name   Note" and read == [1, 2]
    assert list(lines) == [f"   {i}  name{i}  x" for i in range(1, 6)] and read == [1, 2, 3, 4, 5]


def test_a_long_cell_after_the_sample_pushes_only_its_own_row() -> None:
    rows = [["1", "Ann", "a"], ["2", "Bo", "b"], ["3", "Bartholomew", "c"], ["4", "Cy", "d"]]
    assert list(columns(("ID", "Name", "Note"), rows, sample=2)) == [
        "  ID  Name  Note",
        "   1  Ann   a",
        "   2  Bo    b",
        "   3  Bartholomew  c",  # never cut
        "   4  Cy    d",
    ]


@pytest.mark.parametrize("count", [0, 1, 3])
def test_json_items_is_valid_json_and_json_lines(count: int) -> None:
    items = [{"id": i, "name": f"Zoë {i}", "due": dt.date(2026, 11, i + 1)} for i in range(count)]
    out = io.StringIO()
    json_items(iter(items), out=out)
    expected = [{**item, "due": item["due"].isoformat()} for item in items]  # type: ignore[attr-defined]
    assert json.loads(out.getvalue()) == expected
    # an item a line inside the brackets: a reader can follow it as it is written
    assert out.getvalue().splitlines() == (
        ["[]"]
        if not count
        else [
            "[",
            *(json.dumps(e, ensure_ascii=False) + "," for e in expected[:-1]),
            json.dumps(expected[-1], ensure_ascii=False),
            "]",
        ]
    )
    lines = io.StringIO()
    json_items(iter(items), lines=True, out=lines)
    assert [json.loads(line) for line in lines.getvalue().splitlines()] == expected
    assert "Zo\\u00eb" not in lines.getvalue()  # text stays as typed


def test_show_pages_only_a_list_longer_than_the_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    got = tmp_path / "paged.txt"
    pager = tmp_path / "pager"
    pager.write_text(f"#!/bin/sh\ncat > {got}\n")
    pager.chmod(0o755)
    monkeypatch.setenv("PAGER", str(pager))
    monkeypatch.setenv("LINES", "10")
    monkeypatch.setenv("COLUMNS", "80")
    out = Tty()
    show((f"line {i}" for i in range(9)), out)  # fits: written straight out
    assert out.getvalue().count("\n") == 9 and not got.exists()
    show((f"line {i}" for i in range(25)), out)  # longer than the screen: the pager has it all
    assert got.read_text().splitlines() == [f"line {i}" for i in range(25)]
    assert out.getvalue().count("\n") == 9
    monkeypatch.setenv("PAGER", "cat")  # as git: `cat` means no pager
    show((f"line {i}" for i in range(25)), out)
    assert out.getvalue().count("\n") == 34


def test_show_never_pages_into_a_pipe_or_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAGER", str(tmp_path / "missing-pager"))
    monkeypatch.setenv("LINES", "5")
    out = io.StringIO()
    show((f"line {i}" for i in range(50)), out)
    assert out.getvalue().count("\n") == 50


@pytest.mark.parametrize("pager", ["/nonexistent/pager -R", 'less "'])
def test_a_pager_that_cannot_start_is_no_pager(pager: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAGER", pager)
    monkeypatch.setenv("LINES", "5")
    out = Tty()
    show((f"line {i}" for i in range(50)), out)
    assert out.getvalue().count("\n") == 50


# --------------------------------------------------------------------------------------------
# The commands


@pytest.fixture
def people(tx: Tx) -> None:
    for name in ("Ann Lee", "Bob Ray", "Cy Young", "Dee Ng"):
        first = name.split()[0].lower()
        contact = make_contact(tx, name, email=f"{first}@x.io", phone=None, prefers="email")
        for days in (1, 2):
            schedule(
                tx, str(contact.id), MON + dt.timedelta(days=days), today=MON, channel="email",
                purpose=f"Check on {name.split()[0]}",
            )  # fmt: skip


@pytest.mark.usefixtures("people")
def test_contact_list_limit_says_how_many_there_are() -> None:
    assert ok("contact", "list", "--limit", "2") == (
        "  ID  Name     Email     Phone  Prefers  Tags  Consent\n"
        "   1  Ann Lee  ann@x.io         email          ok\n"
        "   2  Bob Ray  bob@x.io         email          ok\n"
        "2 of 4 contacts shown; --limit 0 shows them all, --search narrows them down.\n"
    )
    assert ok("contact", "list", "--limit", "4").count("\n") == 5  # all of them: no closing line
    lines = ok("contact", "list", "--jsonl", "--limit", "3").splitlines()
    assert [json.loads(line)["name"] for line in lines] == ["Ann Lee", "Bob Ray", "Cy Young"]
    assert [c["id"] for c in json.loads(ok("contact", "list", "--json"))] == [1, 2, 3, 4]


@pytest.mark.usefixtures("people")
def test_upcoming_is_plain_columns_with_a_limit() -> None:
    assert ok("upcoming", "--limit", "3") == (
        "Next 7 days\n"
        "  ID  Due             Channel  Contact   Why\n"
        "   1  Tue 2026-11-24  email    Ann Lee   Check on Ann\n"
        "   3  Tue 2026-11-24  email    Bob Ray   Check on Bob\n"
        "   5  Tue 2026-11-24  email    Cy Young  Check on Cy\n"
        "The first 3 shown; --limit 0 shows them all.\n"
    )
    assert ok("upcoming").count("\n") == 2 + 8  # title, header, all eight
    assert [i["id"] for i in json.loads(ok("upcoming", "--json", "--limit", "2"))] == [1, 3]
    lines = ok("upcoming", "--jsonl").splitlines()
    assert len(lines) == 8 and json.loads(lines[0])["due"] == "2026-11-24"


def test_today_json_of_nothing_is_an_empty_list() -> None:
    assert ok("today", "--json") == "[]\n"
    assert ok("today", "--jsonl") == ""
    assert ok("report", "feedback", "--jsonl") == ""


# --------------------------------------------------------------------------------------------
# A real terminal


pexpect = pytest.importorskip("pexpect")


def spawn(*args: str, pager: str, rows: int):  # type: ignore[no-untyped-def]
    env = {**os.environ, "PAGER": pager, "TERM": "dumb", "PYTHONUNBUFFERED": "1"}
    env.pop("LINES", None)
    env.pop("COLUMNS", None)
    return pexpect.spawn(
        sys.executable, ["-m", "followup_cli", *args], env=env, encoding="utf-8", timeout=30,
        dimensions=(rows, 100),
    )  # fmt: skip


@pytest.mark.usefixtures("people")
def test_a_list_longer_than_the_terminal_goes_through_the_pager(tmp_path: Path) -> None:
    pager = tmp_path / "pager"
    pager.write_text('#!/bin/sh\necho "PAGER got $(wc -l) lines"\n')
    pager.chmod(0o755)
    child = spawn("upcoming", pager=str(pager), rows=6)
    child.expect("PAGER got 10 lines")
    child.expect(pexpect.EOF)
    assert child.wait() == 0
    child = spawn("upcoming", "--limit", "2", pager=str(pager), rows=40)  # fits: no pager
    child.expect("Check on Bob")
    child.expect(pexpect.EOF)
    assert "PAGER" not in (child.before or "") and child.wait() == 0
