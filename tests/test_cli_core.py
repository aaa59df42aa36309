"""The everyday commands through the real CLI: exit codes and exact messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from followup_cli.cli import app
from tests.helpers import query

runner = CliRunner()


def run(*args: str, today: str | None = None, input: str | None = None):  # type: ignore[no-untyped-def]
    env = {"FOLLOWUP_TODAY": today} if today else None
    return runner.invoke(app, list(args), env=env, input=input)


def ok(*args: str, today: str | None = None) -> str:
    result = run(*args, today=today)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def test_a_newcomers_morning_end_to_end() -> None:
    assert "Nothing due today (Mon 2026-11-23)" in ok("today")
    ok(
        "contact", "add", "Ann Lee", "--phone", "555-010-0101", "--email", "ann@example.com",
        "--address", "12 High St, Springfield",
    )  # fmt: skip
    ok("contact", "add", "Ben Ode", "--email", "ben@example.com", "--prefers", "email")
    ok("contact", "add", "Cy Quiet", "--phone", "555-010-0103")
    out = ok("log", "sale", "Ann", "--amount", "129", "--on", "2026-11-19", today="2026-11-19")
    assert out.splitlines() == [
        "Logged sale ($129.00) for Ann Lee (#1) on Thu 2026-11-19.",
        "  Scheduled #1 Thank-you call on Mon 2026-11-23",
        "  Scheduled #2 Handwritten thank-you note on Thu 2026-11-26",
    ]
    ok(
        "log",
        "sale",
        "ben@example.com",
        "--amount",
        "$1,299.50",
        "--on",
        "2026-11-20",
        today="2026-11-20",
    )
    ok("log", "sale", "Cy", "--on", "2026-11-21", today="2026-11-21")
    ok("contact", "opt-out", "Cy")

    # Friday the 20th: nothing is due yet (Ann's call falls on Saturday and rolls to Monday).
    assert "Nothing due today (Fri 2026-11-20). The next follow-up is due Mon 2026-11-23" in ok(
        "today", today="2026-11-20"
    )

    items = json.loads(ok("today", "--json", today="2026-11-23"))
    assert [(i["id"], i["contact"], i["channel"], i["due"], i["days_overdue"]) for i in items] == [
        (1, "Ann Lee", "phone", "2026-11-23", 0),
        (3, "Ben Ode", "email", "2026-11-23", 0),  # Fri + 2 days = Sunday, rolled to Monday
    ]
    assert items[0]["purpose"] == "Thank-you call for sale on Nov 19, $129.00"
    assert items[1]["purpose"] == "Thank-you email for sale on Nov 20, $1,299.50"
    assert items[0]["phone"] == "555-010-0101" and items[0]["email"] == "ann@example.com"

    # Tuesday: both are a day overdue; Cy (opted out) never appears.
    items = json.loads(ok("today", "--json", today="2026-11-24"))
    assert [(i["contact"], i["days_overdue"]) for i in items] == [("Ann Lee", 1), ("Ben Ode", 1)]
    screen = ok("today", today="2026-11-24")
    assert "2 follow-ups for Tue 2026-11-24, 2 overdue" in screen
    assert "Calls" in screen and "Emails" in screen and "Cy Quiet" not in screen

    assert ok("done", "1", "--outcome", "positive", today="2026-11-24") == (
        "Done: #1 Thank-you call with Ann Lee (positive).\n"
    )
    assert ok("snooze", "#3", "friday", today="2026-11-24") == (
        "Snoozed #3 Thank-you email to Fri 2026-11-27.\n"
    )
    assert ok("today", "--json", today="2026-11-24") == "[]\n"
    assert ok("skip", "2", "--reason", "no card left", today="2026-11-26") == (
        "Skipped #2 Handwritten thank-you note.\n"
    )
    items = json.loads(ok("upcoming", "--json", "--days", "30", today="2026-11-24"))
    # Ben has no postal address: his sale made no note.
    assert [(i["id"], i["due"]) for i in items] == [(3, "2026-11-27")]


def test_upcoming_empty_state_says_what_to_do() -> None:
    assert ok("upcoming") == (
        "Nothing scheduled in the next 7 days. Look further with --days 30, or schedule one "
        "with `followup schedule NAME WHEN`.\n"
    )


def test_schedule_and_channel_filter() -> None:
    ok("contact", "add", "Ann Lee", "--phone", "555-010-0101")
    assert ok("schedule", "Ann", "tomorrow", "--purpose", "Ask about the {action} repair") == (
        "Scheduled #1 Ask about the call repair on Tue 2026-11-24.\n"
    )
    ok("schedule", "Ann", "today", "--channel", "text")
    assert [i["channel"] for i in json.loads(ok("today", "--json", "--channel", "text"))] == [
        "text"
    ]
    assert json.loads(ok("today", "--json", "--channel", "phone")) == []


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["done", "99"],
            3,
            "Error: No follow-up #99. See `followup today` or `followup upcoming`.",
        ),
        (["done", "abc"], 2, "Error: 'abc' is not a follow-up id; use a number like 12 or #12."),
        (
            ["snooze", "1", "someday"],
            2,
            "Error: Could not understand the date 'someday'. Try 2026-12-01, today, tomorrow, monday, next friday, in 3 days, +2w or dec 1.",
        ),
        (
            ["log", "party", "Ann"],
            2,
            "Error: Unknown interaction 'party'; use one of sale, refund, visit, inquiry, complaint, resolved, call, email, text, mail, meeting.",
        ),
        (
            ["log", "sale", "Nobody"],
            3,
            "Error: No contact matches 'Nobody'. Try `followup contact list --search Nobody`.",
        ),
        (
            ["log", "sale", "Lee"],
            3,
            "Error: 'Lee' matches 2 contacts: Ann Lee (#1, 555-010-0101), Bo Lee (#2, 555-010-0102). Use the id, e.g. #1.",
        ),
        (
            ["log", "sale", "Ann", "--amount", "lots"],
            2,
            "Error: 'lots' is not an amount (for 12,50 use --decimal-comma).",
        ),
        (
            ["today", "--channel", "fax"],
            2,
            "Error: Unknown channel 'fax'; use one of phone, email, text, mail, visit.",
        ),
        (
            ["contact", "add", "Ann Twin", "--phone", "(555) 010-0101"],
            4,
            "Error: Ann Lee (#1) already has that phone number.",
        ),
        (
            ["contact", "add", "X", "--email", "nope"],
            2,
            "Error: 'nope' is not an email address (expected name@example.com).",
        ),
        (
            ["contact", "add", "X", "--prefers", "fax"],
            2,
            "Error: Unknown preferred channel 'fax'; use one of phone, email, text, mail, visit.",
        ),
        (
            ["contact", "edit", "Ann"],
            2,
            "Error: Nothing to change; give an option such as --email or --every 90d.",
        ),
        (
            ["contact", "edit", "Ann", "--every", "soon"],
            2,
            "Error: 'soon' is not a length of time; use e.g. 2d, 1w, 3m or 1wd (working days).",
        ),
        (
            ["schedule", "Ann", "2026-01-01"],
            2,
            "Error: 2026-01-01 is in the past; schedule for today or later.",
        ),
        (
            ["schedule", "Ann", "tomorrow", "--channel", "email"],
            4,
            "Error: Cannot schedule by email: Ann Lee (#1) has no email on file.",
        ),
    ],
)
def test_user_errors_are_one_line_on_stderr(args: list[str], code: int, message: str) -> None:
    ok("contact", "add", "Ann Lee", "--phone", "555-010-0101")
    ok("contact", "add", "Bo Lee", "--phone", "555-010-0102")
    result = run(*args)
    assert (result.exit_code, result.stderr.strip()) == (code, message)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


def test_done_twice_is_a_conflict() -> None:
    ok("contact", "add", "Ann Lee", "--phone", "555-010-0101")
    ok("schedule", "Ann", "today")
    ok("done", "1")
    result = run("done", "1")
    assert (result.exit_code, result.stderr) == (
        4,
        "Error: Follow-up #1 is already done on 2026-11-23.\n",
    )


def test_bad_followup_today_env() -> None:
    result = run("today", today="23/11/2026")
    assert result.exit_code == 2
    assert (
        result.stderr
        == "Error: FOLLOWUP_TODAY='23/11/2026' is not a date from 1900 to 2199; use YYYY-MM-DD, e.g. FOLLOWUP_TODAY=2026-11-23.\n"
    )


@pytest.mark.sqlite_only
def test_db_path_and_option(isolated_home: Path, tmp_path: Path) -> None:
    assert ok("db", "path") == f"{isolated_home / 'followup.db'}\n"
    other = tmp_path / "other.db"
    assert ok("--db", str(other), "db", "path") == f"{other}\n"
    assert (
        ok("--db", "postgresql+psycopg://u@h/db", "db", "path") == "postgresql+psycopg://u@h/db\n"
    )
    ok("--db", str(other), "contact", "add", "Ann Lee")
    assert other.exists() and (other.stat().st_mode & 0o777) == 0o600
    assert "No contacts yet" in ok("contact", "list")


def test_database_path_problems_give_one_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "adir"
    folder.mkdir()
    result = run("--db", str(folder), "today")
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: Database path {folder} is a directory; give a file path with --db.\n",
    )
    junk = tmp_path / "junk.db"
    junk.write_text("hello, this is not a database at all")
    result = run("--db", str(junk), "today")
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {junk} is not a SQLite database; check --db or FOLLOWUP_DB.\n",
    )
    assert junk.read_text() == "hello, this is not a database at all"


def test_contact_list_show_and_json() -> None:
    ok(
        "contact",
        "add",
        "Ann Lee",
        "--phone",
        "555-010-0101",
        "--tag",
        "vip",
        "--note",
        "Likes road bikes",
    )
    ok("log", "sale", "Ann", "--amount", "129", "--on", "yesterday")
    data = json.loads(ok("contact", "list", "--json"))
    assert data[0]["name"] == "Ann Lee" and data[0]["tags"] == ["vip"]
    shown = ok("contact", "show", "1")
    for text in ("Ann Lee (#1)", "Likes road bikes", "Thank-you call", "$129.00"):
        assert text in shown
    assert "No contact matches 'zzz'." in ok("contact", "list", "--search", "zzz")


def test_rules_and_config_commands(isolated_home: Path) -> None:
    shown = ok("rules")
    assert "sale-thank-you" in shown and "built-in defaults" in shown
    assert (
        ok("rules", "init")
        == f"Wrote {isolated_home / 'rules.toml'}. Edit it, then run `followup rules check`.\n"
    )
    assert ok("rules", "check") == f"{isolated_home / 'rules.toml'}: 7 rules, all valid.\n"
    (isolated_home / "rules.toml").write_text(
        '[[rule]]\nname = "x"\non = "sale"\nafter = "2d"\npurpose = "p"\nchannel = "fax"\n'
    )
    result = run("rules", "check")
    assert result.exit_code == 2
    assert "unknown channel 'fax'" in result.stderr
    ok("config", "set", "owner", "Sam")
    assert 'owner = "Sam"' in (isolated_home / "settings.toml").read_text()
    assert run("config", "set", "colour", "blue").exit_code == 2


def test_demo_never_touches_the_real_database(isolated_home: Path) -> None:
    out = ok("demo")
    assert "Demo database" in out and "follow-ups for Mon 2026-11-23" in out
    assert not (isolated_home / "followup.db").exists() or "No contacts yet" in ok(
        "contact", "list"
    )


@pytest.mark.sqlite_only
def test_housekeeping_errors_say_what_to_do(isolated_home: Path, tmp_path: Path) -> None:
    ok("rules", "init")
    result = run("rules", "init")
    assert (result.exit_code, result.stderr) == (
        4,
        f"Error: {isolated_home / 'rules.toml'} exists already; edit it, or use --force to start over.\n",
    )
    result = run("demo", "--path", str(isolated_home / "followup.db"))
    assert (result.exit_code, result.stderr) == (
        4,
        f"Error: {isolated_home / 'followup.db'} is your real database; choose another --path for the demo.\n",
    )
    missing = tmp_path / "nope.db"
    result = run("restore", str(missing), "--yes")
    assert (result.exit_code, result.stderr) == (1, f"Error: No backup file at {missing}.\n")
    empty = tmp_path / "empty.db"
    empty.touch()
    result = run("restore", str(empty), "--yes")
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {empty} is an empty database, not a followup backup.\n",
    )


def test_script_edit_without_an_editor(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    result = run("script", "edit")
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: Set $EDITOR (e.g. export EDITOR=nano), or edit {isolated_home / 'script.toml'} "
        "yourself and run `followup script check`.\n"
    )


def test_a_comma_before_one_or_two_digits_is_refused_unless_it_is_said_to_be_decimal() -> None:
    """ "12,50" is EUR 12.50 in most of Europe and a typo in the US: never stored as 1,250."""
    runner = CliRunner()
    assert (
        runner.invoke(app, ["contact", "add", "Bob Ray", "--phone", "555-010-0102"]).exit_code == 0
    )
    result = runner.invoke(app, ["log", "sale", "Bob", "--amount", "12,50"])
    assert (result.exit_code, result.stderr) == (
        2,
        "Error: '12,50' is ambiguous: if the comma is a decimal point, say --decimal-comma.\n",
    )
    result = runner.invoke(app, ["log", "sale", "Bob", "--amount", "1,2,3"])
    assert result.exit_code == 2 and "'1,2,3' is not an amount" in result.stderr
    result = runner.invoke(app, ["log", "sale", "Bob", "--amount", "12,50", "--decimal-comma"])
    assert result.exit_code == 0 and "Logged sale ($12.50)" in result.stdout
    result = runner.invoke(app, ["log", "sale", "Bob", "--amount", "$1,299.50"])
    assert result.exit_code == 0 and "Logged sale ($1,299.50)" in result.stdout
    assert query("SELECT amount_cents FROM interaction ORDER BY id") == [(1250,), (129950,)]


def test_an_import_refuses_ambiguous_comma_amounts_row_by_row(tmp_path: Path) -> None:
    path = tmp_path / "eu.csv"
    path.write_text(
        "order,date,email,total\n1,2026-11-20,a@example.com,€129,90\n2,2026-11-20,b@example.com,45\n".replace(
            "€129,90", '"€129,90"'
        )
    )
    result = CliRunner().invoke(app, ["import", str(path)])
    assert result.exit_code != 0
    assert query("SELECT external_id, amount_cents FROM interaction") == [("2", 4500)]
    rejects = (tmp_path / "eu.rejects.csv").read_text(encoding="utf-8-sig")
    assert "'€129,90' is ambiguous: if the comma is a decimal point, say --decimal-comma" in rejects
    result = CliRunner().invoke(app, ["import", str(path), "--decimal-comma", "--source", "eu"])
    assert result.exit_code == 0, result.stderr
    assert ("1", 12990) in query("SELECT external_id, amount_cents FROM interaction")


def test_done_negative_says_the_make_it_right_call_it_scheduled() -> None:
    runner = CliRunner()
    assert (
        runner.invoke(
            app, ["contact", "add", "Ann Lee", "--phone", "555-010-0101", "--address", "1 Elm St"]
        ).exit_code
        == 0
    )
    assert runner.invoke(app, ["log", "sale", "Ann", "--on", "2026-11-19"]).exit_code == 0
    result = runner.invoke(app, ["done", "1", "--outcome", "negative", "--note", "Bent wheel"])
    assert (result.exit_code, result.stdout) == (
        0,
        "Done: #1 Thank-you call with Ann Lee (negative).\n"
        "Make it right: scheduled #3 Make it right call (high priority) on Tue 2026-11-24.\n",
    )


def test_a_database_url_never_shows_its_password_and_a_dead_server_is_one_line() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["--db", "postgresql+nodriver://u:S3CRETPW@127.0.0.1/x", "today"])
    assert result.exit_code == 1 and "S3CRETPW" not in result.stderr
    assert result.stderr.startswith("Error: Cannot use database URL 'postgresql+nodriver://u:***@")
    result = runner.invoke(app, ["--db", "postgresql+psycopg://u:S3CRETPW@127.0.0.1:1/x", "today"])
    assert result.exit_code == 1 and "S3CRETPW" not in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: Database error: ")


def test_small_words_read_right() -> None:
    """#16's rough edges: the agenda's words are channels, fields have their names, --db ""
    is an error, and a wrong number is not "no answer several times"."""
    runner = CliRunner()
    assert (
        runner.invoke(app, ["contact", "add", "Ann Lee", "--phone", "555-010-0101"]).exit_code == 0
    )
    assert runner.invoke(app, ["today", "--channel", "call"]).exit_code == 0
    assert runner.invoke(app, ["today", "--channel", "notes"]).exit_code == 0
    result = runner.invoke(app, ["contact", "edit", "Ann", "--every", "30d", "--prefers", "notes"])
    assert result.stdout.splitlines()[0] == (
        "Updated Ann Lee (#1): preferred channel, keep-in-touch interval."
    )
    assert query("SELECT prefers, every_days FROM contact") == [("mail", 30)]
    result = runner.invoke(app, ["--db", "", "today"])
    assert (result.exit_code, result.stderr) == (
        2,
        'Error: --db "" names no database; give a file path or a URL, or leave it out.\n',
    )


def test_settings_that_would_break_later_are_refused_naming_the_setting() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["config", "set", "phone_region", "XX"])
    assert result.exit_code != 0 and "phone_region 'XX' is not a country" in result.stderr
    result = runner.invoke(app, ["config", "set", "review_link", "not a url"])
    assert result.exit_code != 0
    assert "review_link must be a web address like https://" in result.stderr
    assert (
        runner.invoke(app, ["config", "set", "review_link", "https://g.page/r/x/review"]).exit_code
        == 0
    )
    assert runner.invoke(app, ["config", "set", "phone_region", "gb"]).exit_code == 0


def test_a_phone_read_in_an_unknown_region_names_the_setting(isolated_home: Path) -> None:
    (isolated_home / "settings.toml").write_text('phone_region = "XX"\n')
    result = CliRunner().invoke(app, ["contact", "add", "Ann Lee", "--phone", "555-010-0101"])
    assert (result.exit_code, result.stderr) == (
        2,
        "Error: '555-010-0101' cannot be read: the phone_region setting 'XX' is not a country "
        "phonenumbers knows; set it with `followup config set phone_region US`.\n",
    )


def test_snooze_and_schedule_onto_a_holiday_move_to_the_next_working_day_and_say_so(
    isolated_home: Path,
) -> None:
    """#16 item 9: a day the owner does not work was accepted without a word."""
    from followup_cli.rules import default_rules_text

    rules_text = default_rules_text().replace(
        "holidays = []", 'holidays = ["2026-11-26", "2026-11-27"]'
    )
    (isolated_home / "rules.toml").write_text(rules_text)
    ok("contact", "add", "Carol Diaz", "--phone", "555-010-0104")
    assert ok("schedule", "Carol", "thursday") == (
        "Scheduled #1 Follow-up call on Mon 2026-11-30 (Thu 2026-11-26 is not a working day).\n"
    )
    assert ok("snooze", "1", "sunday") == (
        "Snoozed #1 Follow-up call to Mon 2026-11-30 (Sun 2026-11-29 is not a working day).\n"
    )
    assert ok("snooze", "1", "tuesday") == "Snoozed #1 Follow-up call to Tue 2026-11-24.\n"


def test_contact_list_at_80_columns_shows_names_emails_and_phones_whole() -> None:
    """#16 item 13: at 80 columns the list cut emails and phones ("alexandra.pa…"). The list
    is plain columns now: nothing is cut, a long line wraps in the terminal."""
    ok(
        "contact", "add", "Alexandra Papadopoulou-Smith", "--email",
        "alexandra.papadopoulou@examplebusiness.com", "--phone", "+1 555 010 0199",
    )  # fmt: skip
    shown = runner.invoke(app, ["contact", "list"], env={"COLUMNS": "80"}).stdout
    assert "…" not in shown
    row = shown.splitlines()[1].split("  ")
    for whole in ("Alexandra Papadopoulou-Smith", "alexandra.papadopoulou@examplebusiness.com"):
        assert whole in row, shown
    assert "+1 555 010 0199" in row, shown


def test_today_counts_overdue_in_the_owners_working_days(isolated_home: Path) -> None:
    """#16 item 9: a weekend and a holiday made a call look later than it was."""
    from followup_cli.rules import default_rules_text

    (isolated_home / "rules.toml").write_text(
        default_rules_text().replace("holidays = []", 'holidays = ["2026-11-20"]')
    )
    ok("contact", "add", "Carol Diaz", "--phone", "555-010-0104")
    ok("schedule", "Carol", "2026-11-19", today="2026-11-19")  # a Thursday
    shown = ok("today")  # Monday: Friday was a holiday, so one working day late
    assert shown.splitlines()[-1].endswith("1 working day overdue"), shown
    data = json.loads(ok("today", "--json"))
    assert [i["days_overdue"] for i in data] == [1]
