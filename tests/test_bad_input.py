"""Input the fuzzers found crashing commands (exit 70): each is now one clean line and a
documented exit code, with nothing saved by half."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from followup_cli.cli import app

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stderr


@pytest.fixture
def ann() -> None:
    assert run("contact", "add", "Ann Lee", "--phone", "555-010-0101")[0] == 0
    assert run("log", "sale", "Ann", "--on", "2026-11-20")[0] == 0


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "2200-01-01"])
@pytest.mark.parametrize(
    "argv",
    [
        ["log", "sale", "Ann"],
        ["upcoming"],
        ["export", "ics"],
        ["done", "1", "--outcome", "no-answer"],
        ["report"],
    ],
    ids=lambda argv: " ".join(argv[:2]),
)
def test_a_today_outside_the_calendar_is_refused(ann: None, day: str, argv: list[str]) -> None:
    assert run(*argv, env={"FOLLOWUP_TODAY": day}) == (
        2,
        f"Error: FOLLOWUP_TODAY='{day}' is not a date from 1900 to 2199; use YYYY-MM-DD, "
        "e.g. FOLLOWUP_TODAY=2026-11-23.\n",
    )


def test_a_length_of_time_past_ten_years_is_refused(ann: None, isolated_home: Path) -> None:
    assert run("contact", "edit", "Ann", "--every", "9999y") == (
        2,
        "Error: '9999y' is longer than 10 years; use at most e.g. 10y or 120m.\n",
    )
    assert run("contact", "edit", "Ann", "--every", "10y")[0] == 0
    (isolated_home / "rules.toml").write_text(
        '[[rule]]\nname = "far"\non = "sale"\nafter = "9999y"\nchannel = "phone"\n'
        'purpose = "Far away"\n'
    )
    code, err = run("rules", "check")
    assert code == 2 and "'9999y' is longer than 10 years" in err


@pytest.mark.parametrize("name", ["settings.toml", "rules.toml", "script-complaint.toml"])
def test_a_toml_file_nested_thousands_deep_is_a_clean_error(isolated_home: Path, name: str) -> None:
    path = isolated_home / name
    path.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    argv = {"settings.toml": ["config"], "rules.toml": ["rules", "check"]}.get(
        name, ["script", "check", "complaint"]
    )
    assert run(*argv) == (2, f"Error: {path}: nested too deeply to be a followup file.\n")


@pytest.mark.parametrize(
    "content",
    [
        '{"a":' * 100_000 + "1" + "}" * 100_000,  # nested 100k deep
        '{"reach": ' + "9" * 10_000 + "}",  # a number of 10,000 digits
    ],
    ids=["deep", "long number"],
)
def test_an_answers_file_that_is_not_one_is_a_clean_error(
    ann: None, tmp_path: Path, content: str
) -> None:
    path = tmp_path / "answers.json"
    path.write_text(content)
    assert run("call", "1", "--answers", str(path)) == (
        2,
        f"Error: {path} is not an answers file: see docs/call.md.\n",
    )


def test_an_answers_file_with_a_lone_surrogate_is_refused(ann: None, tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"reach": "reached", "liked_best": "\ud800"}))
    assert run("call", "1", "--answers", str(path)) == (
        2,
        f"Error: {path} holds a lone \\u surrogate escape, which is not text.\n",
    )
    assert run("contact", "show", "Ann")[0] == 0


def test_an_endless_answers_file_is_not_read_to_the_end(ann: None) -> None:
    assert run("call", "1", "--answers", "/dev/zero") == (
        2,
        "Error: /dev/zero is over 1 MB; an answers file is a few lines of JSON.\n",
    )


def test_importing_a_device_is_refused() -> None:
    assert run("import", "/dev/zero") == (
        6,
        "Error: /dev/zero is not a regular file; save the export as a file first.\n",
    )


def test_json_lines_that_cannot_be_read_are_rejected_rows(tmp_path: Path) -> None:
    good = {"order_id": "1", "date": "2026-11-20", "email": "a@example.com"}
    path = tmp_path / "sales.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps(good),
                '{"order_id": "2", "amount": ' + "9" * 5000 + "}",
                '{"order_id": "3", "date": "2026-11-20", "email": "b\\ud800@example.com"}',
            ]
        )
        + "\n"
    )
    code, _ = run("import", str(path))
    assert code == 5  # two rejected, one imported
    with (tmp_path / "sales.rejects.csv").open(encoding="utf-8-sig") as file:
        reasons = [row[-1] for row in csv.reader(file)][1:]
    assert reasons == ["not JSON (a number too long)", "not text (a lone \\u surrogate escape)"]


@pytest.mark.parametrize(
    ("encoding", "message"),
    [
        ("rot13", "Error: Unknown encoding 'rot13'; try utf-8, cp1252 or latin-1.\n"),
        ("zlib", "Error: Unknown encoding 'zlib'; try utf-8, cp1252 or latin-1.\n"),
    ],
)
def test_an_encoding_that_is_not_for_text_is_refused(
    tmp_path: Path, encoding: str, message: str
) -> None:
    path = tmp_path / "sales.csv"
    path.write_text("order_id,date,email\n1,2026-11-20,a@example.com\n")
    assert run("import", str(path), "--encoding", encoding) == (2, message)


def test_utf16_without_its_mark_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_text("order_id,date,email\n1,2026-11-20,a@example.com\n")
    code, err = run("import", str(path), "--encoding", "utf-16")
    assert code == 6 and err.startswith(f"Error: {path}, line 1: cannot decode the file as utf-16.")


@pytest.mark.parametrize(
    "argv",
    [
        ["contact", "add", "caf\udce9"],
        ["contact", "show", "\udcff\udcfe"],
        ["log", "sale", "\ud800"],
    ],
)
def test_an_argument_that_is_not_utf8_is_refused(argv: list[str]) -> None:
    code, err = run(*argv)
    assert code == 2
    assert err.startswith("Error: Argument 3 (")
    assert err.endswith(
        ") is not valid UTF-8; type it again or set a UTF-8 locale (e.g. LANG=C.UTF-8).\n"
    )


@pytest.mark.parametrize("argv", [["config", "set", "owner", "Bob"], ["rules", "init", "--force"]])
def test_an_app_folder_that_cannot_be_written_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("FOLLOWUP_HOME", str(blocker / "app"))
    assert run(*argv) == (
        1,
        f"Error: Not a directory ({blocker / 'app'}); check the folder and the disk.\n",
    )


def test_a_calendar_without_a_working_day_for_a_year_is_refused(isolated_home: Path) -> None:
    mondays = [dt.date(2026, 1, 5) + dt.timedelta(weeks=n) for n in range(120)]
    (isolated_home / "rules.toml").write_text(
        '[calendar]\nworking_days = ["mon"]\n'
        f"holidays = [{', '.join(repr(d.isoformat()) for d in mondays)}]\n".replace("'", '"')
    )
    assert run("rules", "check") == (
        2,
        f"Error: {isolated_home / 'rules.toml'}: calendar.holidays leave no working day for a "
        "year from 2026-01-05; follow-ups would have nowhere to go.\n",
    )
