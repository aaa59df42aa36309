"""A script for every kind of call: the follow-up's rule names it, and what each kind of call
leads to (a complaint's promise, a make-it-right call's escalation) is planned by the one
planner. Domain first, then `followup call` and `followup script` through CliRunner."""

from __future__ import annotations

import datetime as dt
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from followup_cli import calls
from followup_cli.cli import app
from followup_cli.config import Settings, set_setting
from followup_cli.errors import ConfigError, InvalidInput
from followup_cli.followups import (
    MAKE_IT_RIGHT_RULE,
    complete,
    get_contact,
    get_followup,
    log_interaction,
    schedule,
    schedule_consequence,
)
from followup_cli.rules import default_rules_text, parse_rules
from followup_cli.scheduling import RuleSet
from followup_cli.script import PURPOSES, default_script_text, load_script
from followup_cli.store import Tx
from followup_cli.store.rows import CallRow, FollowUpRow, fetch
from tests.helpers import make_contact, query

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
FRIDAY = dt.date(2026, 11, 20)
TUESDAY = dt.date(2026, 11, 24)
NEXT_FRIDAY = dt.date(2026, 11, 27)
SETTINGS = Settings(owner="Sam", business="Sam's Bikes")
COMPLAINT_CALL = {
    "reach": "reached",
    "what_happened": "The wheel was bent when it arrived and nobody called me back",
    "make_right": "A new wheel",
    "promise": "Send a new wheel by courier",
    "promise_by": "friday",
}


def logged(tx: Tx, kind: str, today: dt.date, rules: RuleSet, on: dt.date = FRIDAY) -> int:
    """Log ``kind`` for Ann; the id of the first phone follow-up it schedules."""
    result = log_interaction(tx, "Ann Lee", kind, on=on, today=today, now=NOW, rules=rules)
    return min(f.id for f in result.scheduling.scheduled if f.channel == "phone")


def record(
    tx: Tx, fid: int, data: dict[str, Any], today: dt.date, rules: RuleSet
) -> calls.FileCall:
    """A whole call from answers, with the script its follow-up's rule names (as `call` does)."""
    purpose = calls.script_purpose(get_followup(tx, fid), rules)
    script = load_script(purpose=purpose)
    return calls.record_answers_file(
        tx, fid, script, data, today=today, now=NOW, rules=rules, settings=SETTINGS
    )


def pending(tx: Tx, rule: str) -> list[FollowUpRow]:
    return fetch(tx, FollowUpRow, "rule = :rule AND status = 'pending'", {"rule": rule})


@pytest.fixture
def ann(tx: Tx) -> None:
    make_contact(tx)


# --------------------------------------------------------------------------------------------
# The rule names the script
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, purpose",
    [
        ("sale", "thank-you"),
        ("complaint", "complaint"),
        ("resolved", "satisfaction"),
        ("inquiry", "prospect"),
        ("visit", "prospect"),
    ],
)
def test_each_rule_names_its_script(
    tx: Tx, ann: None, today: dt.date, rules: RuleSet, kind: str, purpose: str
) -> None:
    fid = logged(tx, kind, today, rules)
    assert calls.script_purpose(get_followup(tx, fid), rules) == purpose


def test_built_in_follow_ups_name_their_scripts(
    tx: Tx, ann: None, today: dt.date, rules: RuleSet
) -> None:
    contact = get_contact(tx, 1)
    fix = schedule_consequence(tx, contact, MAKE_IT_RIGHT_RULE, today, rules=rules, today=today)
    manual = schedule(tx, "Ann Lee", today, today=today, channel="phone")
    assert calls.script_purpose(fix, rules) == "make-it-right"
    assert calls.script_purpose(manual, rules) == "thank-you"  # no rule names one: thank-you
    result = calls.record_referral(
        tx, calls.start_call(tx, manual.id, today=today, now=NOW).id,
        calls.parse_referral("Bob Ray", "555-010-0102"), question="Who?", today=today,
        now=NOW, rules=rules,
    )  # fmt: skip
    assert calls.script_purpose(result.scheduled[0], rules) == "prospect"  # an introduction


def test_a_rules_file_names_scripts_and_old_files_get_the_right_one() -> None:
    data = tomllib.loads(default_rules_text())
    by_name = {r.name: r.script for r in parse_rules(data, "test").rules}
    assert by_name["complaint-call"] == "complaint"
    assert by_name["resolved-check"] == "satisfaction"
    for rule in data["rule"]:
        rule.pop("script", None)  # a rules.toml copied before rules named scripts
    old = {r.name: r.script for r in parse_rules(data, "old").rules}
    assert old == by_name | {"sale-note": "thank-you", "resolved-note": "satisfaction"}
    data["rule"][0]["script"] = "complain"
    with pytest.raises(ConfigError) as caught:
        parse_rules(data, "rules.toml")
    assert str(caught.value) == (
        "rules.toml: rule 'sale-thank-you': script must be one of thank-you, satisfaction, "
        "complaint, make-it-right, prospect, keep-in-touch, not 'complain'."
    )


# --------------------------------------------------------------------------------------------
# The complaint call: its promise becomes a follow-up
# --------------------------------------------------------------------------------------------


def test_complaint_promise_becomes_a_make_it_right_call_on_the_day_promised(
    tx: Tx, ann: None, today: dt.date, rules: RuleSet
) -> None:
    fid = logged(tx, "complaint", today, rules)
    done = record(tx, fid, COMPLAINT_CALL, today, rules)
    (promise,) = pending(tx, "make-it-right")  # the promise, and no next-day one on top
    assert (promise.due_on, promise.channel, promise.priority) == (NEXT_FRIDAY, "phone", 1)
    assert promise.purpose == "Make it right {action}: Send a new wheel by courier"
    assert promise.note == "Promised on the call of 2026-11-23: Send a new wheel by courier"
    assert [r.scheduled for r in done.recorded if r.answer.step == "promise_by"] == [[promise]]
    assert done.result.outcome == "negative" and done.result.make_it_right is None
    assert get_followup(tx, fid).status == "done"
    assert fetch(tx, CallRow)[0].script == "complaint"
    assert calls.script_purpose(promise, rules) == "make-it-right"  # it asks: right now?


def test_a_promised_day_in_the_past_is_refused_and_nothing_is_written(
    tx: Tx, ann: None, today: dt.date, rules: RuleSet
) -> None:
    fid = logged(tx, "complaint", today, rules)
    with pytest.raises(InvalidInput) as caught:
        record(tx, fid, COMPLAINT_CALL | {"promise_by": "last friday"}, today, rules)
    assert '"promise_by": 2026-11-20 is in the past; promise a day from today on' in str(
        caught.value
    )
    assert fetch(tx, CallRow) == []


# --------------------------------------------------------------------------------------------
# Make it right: a no escalates, never another make-it-right call
# --------------------------------------------------------------------------------------------


def test_make_it_right_no_escalates_instead_of_another_make_it_right(
    tx: Tx, ann: None, today: dt.date, rules: RuleSet
) -> None:
    record(tx, logged(tx, "complaint", today, rules), COMPLAINT_CALL, today, rules)
    (promise,) = pending(tx, "make-it-right")
    data = {
        "reach": "reached", "now_right": "no", "still_wrong": "The new wheel is bent too",
        "still_wrong_label": "negative", "make_right": "My money back",
    }  # fmt: skip
    result = record(tx, promise.id, data, NEXT_FRIDAY, rules).result
    assert result.outcome == "negative" and result.make_it_right is None
    assert pending(tx, "make-it-right") == []
    (up,) = pending(tx, "escalated")
    assert result.escalated == up
    assert (up.due_on, up.priority, up.channel) == (dt.date(2026, 11, 30), 1, "phone")
    assert up.purpose == "Escalated {action}: still not right after making it right"
    assert up.note == 'They said: now right: "no"; still wrong: "The new wheel is bent too"'
    assert calls.script_purpose(up, rules) == "complaint"  # the owner hears it again
    seen = [(p.question, p.answer) for p in calls.prepare(tx, up.id, today=NEXT_FRIDAY).previous]
    assert ("What would make it right for you?", "My money back") in seen  # on its screen


def test_make_it_right_yes_closes_it(tx: Tx, ann: None, today: dt.date, rules: RuleSet) -> None:
    contact = get_contact(tx, 1)
    fix = schedule_consequence(tx, contact, MAKE_IT_RIGHT_RULE, today, rules=rules, today=today)
    data = {"reach": "reached", "now_right": "yes", "anything_else": "No, it is perfect now"}
    result = record(tx, fix.id, data, today, rules).result
    assert (result.outcome, result.escalated, result.make_it_right) == ("positive", None, None)
    assert pending(tx, "make-it-right") == pending(tx, "escalated") == []


def test_negative_outcomes_never_loop(tx: Tx, ann: None, today: dt.date, rules: RuleSet) -> None:
    """However often a call goes badly, the chain ends: a make-it-right call, an escalation,
    then nothing more by itself (the rules of the follow-ups made, in order)."""
    chain = ["sale-thank-you"]
    fid: int | None = logged(tx, "sale", today, rules, on=dt.date(2026, 11, 19))
    for _ in range(5):
        assert fid is not None
        done = complete(tx, fid, today=today, now=NOW, rules=rules, outcome="negative")
        made = done.make_it_right or done.escalated
        if made is None:
            assert done.notes == [
                "Already escalated: nothing more is scheduled by itself; schedule what you "
                'agreed with `followup schedule "Ann Lee" WHEN`.'
            ]
            break
        chain.append(made.rule)
        fid = made.id
    assert chain == ["sale-thank-you", "make-it-right", "escalated"]


def test_a_resolved_complaint_closes_the_escalation(
    tx: Tx, ann: None, today: dt.date, rules: RuleSet
) -> None:
    contact = get_contact(tx, 1)
    fix = schedule_consequence(tx, contact, MAKE_IT_RIGHT_RULE, today, rules=rules, today=today)
    complete(tx, fix.id, today=today, now=NOW, rules=rules, outcome="negative")
    assert len(pending(tx, "escalated")) == 1
    log_interaction(tx, "Ann Lee", "resolved", on=today, today=today, now=NOW, rules=rules)
    assert pending(tx, "escalated") == []


# --------------------------------------------------------------------------------------------
# Each purpose runs its own script end to end (CliRunner)
# --------------------------------------------------------------------------------------------

runner = CliRunner()


def run(*args: str, input: str | None = None, **env: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=input, env={"COLUMNS": "120", **env})


def _complaint(tx: Tx, today: dt.date, rules: RuleSet) -> int:
    return logged(tx, "complaint", today, rules)


def _make_it_right(tx: Tx, today: dt.date, rules: RuleSet) -> int:
    contact = get_contact(tx, 1)
    return schedule_consequence(tx, contact, MAKE_IT_RIGHT_RULE, today, rules=rules, today=today).id


def _keep_in_touch(tx: Tx, today: dt.date, rules: RuleSet) -> int:
    assert run("contact", "edit", "Ann Lee", "--every", "30d").exit_code == 0
    (fid,) = [f.id for f in fetch(tx, FollowUpRow) if f.rule == "keep-in-touch"]
    return fid


# purpose: (how its follow-up comes about, what is typed, lines its script shows)
CALLS = {
    "thank-you": (
        lambda tx, today, rules: logged(tx, "sale", today, rules),
        "1\n\nGreat bike, love it\n+\nyes\ndeclined\n\n",
        ["I'm calling to say thank you.", "What did you like best about working with us?"],
    ),
    "satisfaction": (
        lambda tx, today, rules: logged(tx, "resolved", today, rules, on=dt.date(2026, 11, 19)),
        "1\n\nAll sorted, works perfectly now\n+\nyes\nagreed\n\n",
        [
            "We sorted out your complaint recently",
            "everything is really right now.",  # a long line wraps in its box, not cut off
            "How is everything now?",
        ],
    ),
    "complaint": (
        _complaint,
        "1\n\nThe wheel was bent when it arrived\n-\nA new wheel\n"
        "Send a new wheel by courier\nfriday\n",
        [
            "I'm calling about the problem you told us about.",
            "Can you tell me what happened?",
            "What would make it right for you?",
            "Scheduled #2 Make it right call: Send a new wheel by courier on Fri 2026-11-27",
        ],
    ),
    "make-it-right": (
        _make_it_right,
        "1\n\nno\nThe new wheel is bent too\n-\nMy money back\n",
        [
            "I'm calling about what went wrong for you: I want to be sure it has been",
            "Is everything right now? [1 yes / 2 no]",
            "What is still not right?",
            "What would make it right for you?",
            "Escalated, not another make-it-right call: scheduled #2 Escalated call: still not "
            "right after making it right (high priority) for you to handle personally, on "
            "Tue 2026-11-24.",
        ],
    ),
    "prospect": (
        lambda tx, today, rules: logged(tx, "inquiry", today, rules),
        "1\n\nA road bike for commuting\n=\nDo you do test rides?\nvisit\n",
        [
            "I'm following up to see how we can help you.",
            "What are you looking for, and did you find what you need?",
            "Would you like to come in, or shall I send you a quote?",
        ],
    ),
    "keep-in-touch": (
        _keep_in_touch,
        "1\n\nGreat as always\n+\nNothing right now\nyes\n\n",
        ["It's been a while, and I wanted to see how you are doing.", "How are we doing for you?"],
    ),
}


def test_calls_cover_every_purpose() -> None:
    assert set(CALLS) == set(PURPOSES)


@pytest.mark.parametrize("purpose", list(CALLS))
def test_each_purpose_runs_its_own_script(
    tx: Tx, ann: None, today: dt.date, rules: RuleSet, purpose: str
) -> None:
    set_setting("owner", "Sam")
    set_setting("business", "Sam's Bikes")
    make, typed, shown = CALLS[purpose]
    fid = make(tx, today, rules)
    result = run("call", str(fid), input=typed)
    assert result.exit_code == 0, result.output + result.stderr
    for line in shown:
        assert line in result.output, result.output
    if purpose != "thank-you":
        assert "thank you." not in result.output and "liked best" not in result.output.lower()
    assert query("SELECT script, status FROM call_log") == [(purpose, "completed")]
    assert query(f"SELECT status FROM followup WHERE id = {fid}") == [("done",)]


def test_a_promised_day_that_cannot_be_is_asked_again(
    tx: Tx, ann: None, today: dt.date, rules: RuleSet
) -> None:
    fid = logged(tx, "complaint", today, rules)
    typed = "1\n\nBent wheel\n-\nA new one\nA new wheel\nyesterday\nsoonish\nfriday\n"
    result = run("call", str(fid), input=typed)
    assert result.exit_code == 0, result.output + result.stderr
    assert "2026-11-22 is in the past; promise a day from today on" in result.output
    assert "Could not understand the date 'soonish'." in result.output
    assert query("SELECT step, answer FROM call_answer WHERE step = 'promise_by'") == [
        ("promise_by", "2026-11-27")
    ]


def test_complaint_from_an_answers_file(
    tx: Tx, ann: None, today: dt.date, rules: RuleSet, tmp_path: Path
) -> None:
    import json

    fid = logged(tx, "complaint", today, rules)
    path = tmp_path / "call.json"
    path.write_text(json.dumps(COMPLAINT_CALL | {"promise_by": "yesterday", "liked_best": "x"}))
    result = run("call", str(fid), "--answers", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: The answers file needs fixing:\n"
        '  "promise_by": 2026-11-22 is in the past; promise a day from today on '
        "(2026-12-01, today, tomorrow, monday, next friday, in 3 days, +2w or dec 1).\n"
        '  Unknown key "liked_best"; the script\'s keys are reach, what_happened, make_right, '
        "promise, promise_by (and KEY_label for a text answer's label).\n"
    )
    path.write_text(json.dumps(COMPLAINT_CALL))
    result = run("call", str(fid), "--answers", str(path))
    assert result.exit_code == 0, result.stderr
    assert "Scheduled #2 Make it right call: Send a new wheel by courier" in result.output
    assert query("SELECT rule, due_on FROM followup WHERE id = 2") == [
        ("make-it-right", "2026-11-27")
    ]


# --------------------------------------------------------------------------------------------
# followup script show / edit / check PURPOSE
# --------------------------------------------------------------------------------------------

UNKNOWN = (
    "Error: Unknown purpose 'complain'; use one of thank-you, satisfaction, complaint, "
    "make-it-right, prospect, keep-in-touch.\n"
)


@pytest.mark.parametrize("command", ["show", "edit", "check"])
def test_unknown_purpose_is_one_line_exit_2(command: str) -> None:
    result = run("script", command, "complain", EDITOR="true", VISUAL="")
    assert (result.exit_code, result.stderr, result.stdout) == (2, UNKNOWN, "")


@pytest.mark.parametrize("purpose", list(PURPOSES))
def test_script_show_and_check_each_purpose(isolated_home: Path, purpose: str) -> None:
    shown = run("script", "show", purpose)
    assert shown.exit_code == 0, shown.stderr
    assert f"Script '{purpose}' from built-in {purpose} script" in shown.stdout
    assert f"For {purpose} calls: {PURPOSES[purpose]}." in shown.stdout
    file = "script.toml" if purpose == "thank-you" else f"script-{purpose}.toml"
    assert str(isolated_home / file) in " ".join(shown.stdout.split())
    steps = len(load_script(purpose=purpose).steps)
    checked = run("script", "check", purpose)
    assert (checked.exit_code, checked.stdout, checked.stderr) == (
        0,
        f"built-in {purpose} script: {steps} steps, valid.\n",
        "",
    )


def test_script_without_purpose_is_thank_you_as_before() -> None:
    assert "Script 'thank-you' from built-in thank-you script" in run("script", "show").stdout
    assert run("script", "check").stdout == "built-in thank-you script: 7 steps, valid.\n"


def test_edit_complaint_copies_it_beside_script_toml_and_the_call_uses_it(
    tx: Tx, ann: None, today: dt.date, rules: RuleSet, isolated_home: Path, tmp_path: Path
) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('Can you tell me what happened?', 'What went wrong?'))\n"
    )
    env = {"EDITOR": f"{sys.executable} {editor}", "VISUAL": ""}
    result = run("script", "edit", "complaint", **env)
    assert result.exit_code == 0, result.stderr
    path = isolated_home / "script-complaint.toml"
    assert result.stdout == (
        f"Copied the built-in complaint script to {path}.\n{path}: 6 steps, valid.\n"
    )
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert not (isolated_home / "script.toml").exists()  # thank-you's is its own
    fid = logged(tx, "complaint", today, rules)
    typed = "1\n\nBent wheel\n-\nA new one\nA new wheel\ntomorrow\n"
    called = run("call", str(fid), input=typed)
    assert called.exit_code == 0, called.stderr
    assert "What went wrong?" in called.output
    assert "Can you tell me what happened?" not in called.output


def test_check_applies_each_purposes_own_rules(tmp_path: Path) -> None:
    complaint = default_script_text("complaint")
    path = tmp_path / "complaint.toml"
    path.write_text(complaint.replace('key = "promise_by"', 'key = "when"'))
    result = run("script", "check", "complaint", str(path))
    assert result.exit_code == 2
    assert "A complaint script needs a step with key = 'promise_by'" in result.stderr
    path.write_text(complaint)
    result = run("script", "check", "thank-you", str(path))  # a promise outside a complaint
    assert result.exit_code == 2
    assert "step 5 (promise): promise belongs to the complaint script only" in result.stderr
    satisfaction = default_script_text("satisfaction")
    gated = tmp_path / "gated.toml"
    gated.write_text(
        satisfaction.replace('prompt = "Would you leave us', 'ask_if = "how_now == positive"\nprompt = "Would you leave us')
    )  # fmt: skip
    result = run("script", "check", "satisfaction", str(gated))
    assert result.exit_code == 0
    assert result.stderr.startswith("Warning: step 6 (review): the review request is only asked")
    assert "review gating" in result.stderr
