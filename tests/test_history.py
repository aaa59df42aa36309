"""Old events don't make stale work: a first import of last year's sales records them all and
schedules only what is still worth doing (#12's first part)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from followup_cli.cli import app
from followup_cli.errors import ConfigError
from followup_cli.rules import default_rules_text, load_rules, parse_rules
from followup_cli.scheduling import Reach, plan_followups
from tests.helpers import query

TODAY = dt.date(2026, 11, 23)  # the conftest's FOLLOWUP_TODAY, a Monday
runner = CliRunner()


def _year_of_sales(path: Path, days: int = 365, every: int = 5) -> int:
    lines = ["order,date,email,phone,total,address"]
    for n, back in enumerate(range(0, days, every)):
        day = TODAY - dt.timedelta(days=back)
        lines.append(f"{n},{day.isoformat()},c{n}@example.com,555-01{n:05d},{10 + n},{n} Elm St")
    path.write_text("\n".join(lines) + "\n")
    return len(lines) - 1


def test_the_planner_marks_a_step_past_its_useful_life_as_stale() -> None:
    rules = load_rules()
    reach = Reach(prefers="phone", has_email=True, has_phone=True)
    old = plan_followups(reach, "sale", TODAY - dt.timedelta(days=60), rules, TODAY)
    assert [(p.rule.name, p.stale) for p in old] == [("sale-thank-you", True), ("sale-note", True)]
    recent = plan_followups(reach, "sale", TODAY - dt.timedelta(days=10), rules, TODAY)
    assert [(p.rule.name, p.stale, p.late) for p in recent] == [
        ("sale-thank-you", False, True),  # due Nov 16, a week late: still worth a call
        ("sale-note", False, True),
    ]
    complaint = plan_followups(reach, "complaint", TODAY - dt.timedelta(days=300), rules, TODAY)
    assert [(p.rule.name, p.stale) for p in complaint] == [("complaint-call", False)]


def test_a_year_of_history_leaves_only_what_is_still_useful_on_the_agenda(tmp_path: Path) -> None:
    path = tmp_path / "last-year.csv"
    sales = _year_of_sales(path)
    text = runner.invoke(app, ["import", str(path), "--dry-run"]).stdout
    result = runner.invoke(app, ["import", str(path), "--json"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["sales_imported"] == sales == 73
    # every sale is recorded ...
    assert query("SELECT COUNT(*) FROM interaction WHERE kind = 'sale'") == [(73,)]
    # ... but only the last couple of weeks' make follow-ups
    recent = query(
        "SELECT MIN(i.occurred_on) FROM followup f JOIN interaction i ON i.id = f.interaction_id"
    )
    assert recent[0][0] >= (TODAY - dt.timedelta(days=31)).isoformat()  # a note lives 21 days
    scheduled = query("SELECT COUNT(*) FROM followup")[0][0]
    assert scheduled == summary["followups_scheduled"] and 0 < scheduled <= 12
    assert summary["followups_stale"] == 2 * 73 - scheduled
    assert summary["stale_through"] is not None and summary["stale_through"] < TODAY.isoformat()
    assert f"sales up to {summary['stale_through']} are history" in text


def test_history_records_everything_and_schedules_nothing(tmp_path: Path) -> None:
    path = tmp_path / "last-year.csv"
    _year_of_sales(path)
    result = runner.invoke(app, ["import", str(path), "--history"])
    assert result.exit_code == 0, result.stderr
    assert "Follow-ups scheduled:        none: recorded as history (--history)" in result.stdout
    assert query("SELECT COUNT(*) FROM interaction") == [(73,)]
    assert query("SELECT COUNT(*) FROM followup") == [(0,)]
    both = runner.invoke(app, ["import", str(path), "--history", "--catch-up"])
    assert both.exit_code == 2 and "choose one" in both.stderr


def test_catch_up_schedules_the_old_ones_anyway_due_today(tmp_path: Path) -> None:
    path = tmp_path / "last-year.csv"
    _year_of_sales(path, days=60, every=30)  # Nov 23, Oct 24
    result = json.loads(runner.invoke(app, ["import", str(path), "--catch-up", "--json"]).stdout)
    assert (result["followups_scheduled"], result["followups_stale"]) == (4, 0)
    assert query("SELECT COUNT(*) FROM followup WHERE due_on = '2026-11-23'")[0][0] >= 2


def test_a_week_late_nightly_import_still_schedules_everything(tmp_path: Path) -> None:
    path = tmp_path / "holiday.csv"
    path.write_text(
        "order,date,email,address\n1,2026-11-16,a@example.com,1 Elm St\n"
        "2,2026-11-14,b@example.com,2 Elm St\n"
    )
    result = json.loads(runner.invoke(app, ["import", str(path), "--json"]).stdout)
    assert (result["followups_scheduled"], result["followups_stale"]) == (4, 0)


def test_logging_an_old_sale_says_it_is_too_old_and_schedules_nothing() -> None:
    assert (
        runner.invoke(app, ["contact", "add", "Bob Ray", "--phone", "555-010-0102"]).exit_code == 0
    )
    result = runner.invoke(app, ["log", "sale", "Bob", "--on", "2020-01-01", "--amount", "10"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "  Not scheduled: sale-thank-you: too old to follow up (it was due more than 14 days ago)",
        "  Not scheduled: sale-note: too old to follow up (it was due more than 21 days ago)",
    ]
    assert query("SELECT COUNT(*) FROM followup") == [(0,)]


def test_the_agenda_shows_the_year_of_an_event_from_another_year() -> None:
    assert (
        runner.invoke(app, ["contact", "add", "Bob Ray", "--phone", "555-010-0102"]).exit_code == 0
    )
    assert runner.invoke(app, ["log", "complaint", "Bob", "--on", "2025-11-20"]).exit_code == 0
    assert runner.invoke(app, ["log", "sale", "Bob", "--on", "2026-11-19"]).exit_code == 0
    out = runner.invoke(app, ["today"]).stdout
    assert "Call about the complaint (complaint on Nov 20, 2025)" in out
    assert "Thank-you call for sale on Nov 19" in out and "Nov 19, 2026" not in out


@pytest.mark.parametrize("value", [14, "soon", ""])
def test_a_bad_useful_life_is_a_clean_error_naming_the_rule(value: object) -> None:
    import tomllib

    data = tomllib.loads(default_rules_text())
    data["rule"][0]["expires_after"] = value
    with pytest.raises(ConfigError, match="rule 'sale-thank-you': expires_after"):
        parse_rules(data, "rules.toml")
