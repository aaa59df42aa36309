"""Customer and settings text is printed literally: rich markup is never interpreted (a
customer named "[/]" once crashed every list) and terminal control characters are shown
escaped, never sent raw."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from followup_cli.cli import app

runner = CliRunner()
ESC = "\x1b"
HOSTILE = [
    "[/]",
    "[bold red]Red[/bold red]",
    "[link=http://evil.example]Click me[/link]",
    f"Eve{ESC}[2J{ESC}]0;pwned\x07{ESC}]52;c;ZXZpbA==\x07",
    "Bidi \u202eevil\u202c",
]


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "250"})  # no wrapped cells
    return result.exit_code, result.stdout + result.stderr


@pytest.fixture
def hostile() -> None:
    for number, name in enumerate(HOSTILE):
        code, out = cli("contact", "add", name, "--phone", f"555-010-02{number:02d}")
        assert code == 0, out
        code, out = cli("log", "sale", f"#{number + 1}", "--amount", "10", "--on", "2026-11-19")
        assert code == 0, out


@pytest.mark.usefixtures("hostile")
@pytest.mark.parametrize(
    "args",
    [
        ("contact", "list"),
        ("contact", "show", "#1"),
        ("contact", "show", "#2"),
        ("contact", "show", "#3"),
        ("contact", "show", "#4"),
        ("contact", "show", "#5"),
        ("today",),
        ("upcoming", "--days", "30"),
        ("report", "silence"),
        ("schedule", "#4", "tomorrow", "--purpose", f"Ask {ESC}[31mwhy"),
        ("done", "1"),
    ],
    ids=lambda a: " ".join(a)[:30],
)
def test_hostile_names_are_printed_as_they_are(args: tuple[str, ...]) -> None:
    code, out = cli(*args)
    assert code == 0, out
    assert ESC not in out and "\x07" not in out and "\u202e" not in out
    if args[:2] == ("contact", "list"):
        for name in ("[/]", "[bold red]Red[/bold red]", "[link=http://evil.example]Click me"):
            assert name in out
        assert "Eve\\x1b[2J\\x1b]0;pwned\\x07" in out
        assert "Bidi \\u202eevil\\u202c" in out


@pytest.mark.usefixtures("hostile")
def test_an_error_naming_a_hostile_record_is_one_clean_line() -> None:
    code, out = cli("contact", "add", "Other", "--phone", "555-010-0203")
    assert code == 4
    assert (
        out
        == "Error: Eve\\x1b[2J\\x1b]0;pwned\\x07\\x1b]52;c;ZXZpbA==\\x07 (#4) already has that phone number.\n"
    )


def test_settings_text_is_not_markup() -> None:
    assert cli("config", "set", "business", "[/] Bikes")[0] == 0
    assert cli("config", "set", "currency", "[/]")[0] == 0
    code, out = cli("contact", "add", "Ann Lee", "--phone", "555-010-0101")
    assert code == 0, out
    code, out = cli("log", "sale", "Ann", "--amount", "12")
    assert (code, out.splitlines()[0]) == (
        0,
        "Logged sale ([/]12.00) for Ann Lee (#1) on Mon 2026-11-23.",
    )
    code, out = cli("contact", "show", "Ann")
    assert code == 0 and "[/]12.00" in out, out
    code, out = cli("config")
    assert code == 0 and "[/] Bikes" in out, out
