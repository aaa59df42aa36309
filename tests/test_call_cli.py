"""`followup call` and `followup script` through CliRunner (prompts fed with input=)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from followup_cli.cli import app
from followup_cli.config import set_setting
from followup_cli.followups import log_interaction
from followup_cli.scheduling import RuleSet
from followup_cli.store import Tx
from tests.helpers import make_contact, query

runner = CliRunner()
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=input, env={"COLUMNS": "120"})


@pytest.fixture
def ann(tx: Tx, today: dt.date, rules: RuleSet) -> None:
    """Ann Lee bought last Thursday; follow-up #1 is her thank-you call, due today."""
    set_setting("owner", "Sam")
    set_setting("business", "Sam's Bikes")
    make_contact(tx, email="ann@example.com")
    log_interaction(
        tx, "Ann Lee", "sale", on=dt.date(2026, 11, 19), today=today, now=NOW, rules=rules,
        amount_cents=12900,
    )  # fmt: skip
    assert query("SELECT id, channel FROM followup WHERE id = 1") == [(1, "phone")]


# Lines typed for each step of the default script.
REACHED = "1\n\n"  # reached, Enter after the thank-you line


def test_happy_call_with_referral(ann: None) -> None:
    typed = REACHED + "Great bike, love it\n\n" + "yes\n" + "agreed\n" + "Bob Ray\n555-010-0102\n\n"
    result = run("call", "1", input=typed)
    assert result.exit_code == 0, result.output + result.stderr
    out = result.output
    assert "Ann Lee (#1)" in out and "555-010-0101" in out
    assert "Thank-you call for sale on Nov 19, $129.00" in out
    assert "Hello Ann, this is Sam from Sam's Bikes. I'm calling to say thank you." in out
    assert "What did you like best about working with us?" in out
    assert "What could we do better?" not in out
    assert "Added Bob Ray (#2), referred." in out
    assert "Done: #1 Thank-you call with Ann Lee (positive)." in out
    assert query("SELECT referred_by_id FROM contact WHERE name = 'Bob Ray'") == [(1,)]
    assert query(
        "SELECT rule, channel, due_on FROM followup WHERE rule LIKE 'referral%' OR rule = 'review-link' ORDER BY id"
    ) == [
        ("review-link", "text", "2026-11-23"),
        ("referral-intro", "phone", "2026-11-24"),
        ("referral-thanks", "mail", "2026-11-23"),
    ]
    show = run("contact", "show", "1")
    assert "Great bike, love it" in show.output and "reached, positive" in show.output


def test_neutral_answer_asks_do_better_and_reminds(ann: None) -> None:
    # Whatever is suggested for "Call before delivery", = sets neutral.
    typed = REACHED + "It was okay\n\n" + "Call before delivery\n=\n" + "not sure\n" + "declined\n"
    result = run("call", "1", input=typed)
    assert result.exit_code == 0, result.output + result.stderr
    assert "Label: neutral (as suggested)" in result.output  # It was okay: Enter
    assert "Label: neutral (set by hand)" in result.output
    assert "What could we do better?" in result.output
    assert "Thank them, and say their feedback will be used to improve." in result.output
    assert "Who do you know" not in result.output  # not sure: no referrals asked
    assert query("SELECT outcome, status FROM followup WHERE id = 1") == [("neutral", "done")]


def test_negative_answer_override_and_why(ann: None) -> None:
    # "?" shows the reasons, then - overrides the suggestion to negative.
    typed = REACHED + "The seat is fine I guess\n?\n-\n" + "Better seats\n=\n" + "no\n" + "asked\n"
    result = run("call", "1", input=typed)
    assert result.exit_code == 0, result.output + result.stderr
    assert "Suggested label: neutral" in result.output
    assert "is lukewarm (neutral)" in result.output  # the explanation
    assert "Label: negative (set by hand)" in result.output
    assert "Saved: liked_best negative (set by hand)" in result.output
    assert "Make it right: scheduled #3 Make it right call (high priority) on Tue 2026-11-24." in result.output  # fmt: skip
    assert 'liked best: "The seat is fine I guess"' in result.output
    assert query("SELECT priority, due_on, note FROM followup WHERE rule = 'make-it-right'") == [
        (1, "2026-11-24", 'They said: liked best: "The seat is fine I guess"; recommend: "no"')
    ]
    assert query("SELECT label, suggested_label, overridden FROM call_answer WHERE step = 'liked_best'") == [("negative", "neutral", 1)]  # fmt: skip


# The label keys: + positive, = neutral, - negative, or the word; nothing else is a label.
LABEL_HINT = "Enter to accept. Type + positive, = neutral or - negative (or the word), ? why."


@pytest.mark.parametrize("old", ["n", "p", "x", "ne", "nope"])
def test_old_or_unknown_label_keys_are_asked_again_not_saved(ann: None, old: str) -> None:
    # The owner meant negative: the old "n" (neutral) must not be saved; the hint names the
    # keys and the prompt asks again, where - is negative.
    typed = REACHED + f"The seat is fine I guess\n{old}\n-\n" + "Softer seat\n=\n" + "no\nasked\n"
    result = run("call", "1", input=typed)
    assert result.exit_code == 0, result.output + result.stderr
    assert result.output.count(LABEL_HINT) == 1
    assert "Label: negative (set by hand)" in result.output
    assert query("SELECT label, suggested_label, overridden FROM call_answer WHERE step = 'liked_best'") == [("negative", "neutral", 1)]  # fmt: skip


@pytest.mark.parametrize(
    "typed, label, shown",
    [
        ("+", "positive", "Label: positive (set by hand)"),
        ("=", "neutral", "Label: neutral (as suggested)"),
        ("NEGATIVE", "negative", "Label: negative (set by hand)"),
        ("pos", "positive", "Label: positive (set by hand)"),
        ("neu", "neutral", "Label: neutral (as suggested)"),
        ("neg", "negative", "Label: negative (set by hand)"),
    ],
)
def test_label_keys_and_words_are_shown_back_in_words(
    ann: None, typed: str, label: str, shown: str
) -> None:
    do_better = "" if label == "positive" else "Softer seat\n=\n"
    lines = REACHED + f"The seat is fine I guess\n{typed}\n" + do_better + "not sure\nasked\n"
    result = run("call", "1", input=lines)
    assert result.exit_code == 0, result.output + result.stderr
    assert "Enter to accept, + positive, = neutral, - negative, ? why:" in result.output
    assert shown in result.output
    assert query("SELECT label FROM call_answer WHERE step = 'liked_best'") == [(label,)]


def a_guess(monkeypatch: pytest.MonkeyPatch, module: object) -> None:
    """Make every answer one no words decide, whatever the classifier learns next."""
    from followup_cli.sentiment import Explanation

    def guess(text: str, *args: object, **kwargs: object) -> Explanation:
        return Explanation("neutral", ("no opinion words found (neutral)",), (), guessed=True)

    monkeypatch.setattr(module, "explain", guess)


def test_a_guess_is_no_suggestion_and_enter_does_not_accept_it(
    ann: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from followup_cli import sentiment

    a_guess(monkeypatch, sentiment)
    typed = REACHED + "Lovely\n\n-\n" + "Call before delivery\n=\n" + "not sure\nasked\n"
    result = run("call", "1", input=typed)
    assert result.exit_code == 0, result.output + result.stderr
    assert "Suggested label" not in result.output
    assert (
        "No suggestion: pick a label\n+ positive, = neutral, - negative, ? why: \n" in result.output
    )
    assert "Type + positive, = neutral or - negative (or the word), ? why.\n" in result.output
    assert "Label: negative (set by hand)" in result.output
    assert query("SELECT step, label, suggested_label, overridden FROM call_answer WHERE label IS NOT NULL AND step != 'recommend' ORDER BY id") == [("liked_best", "negative", None, 1), ("do_better", "neutral", None, 1)]  # fmt: skip


def test_an_answers_file_saves_a_guess_as_the_suggestion(
    ann: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from followup_cli import calls

    a_guess(monkeypatch, calls)
    path = tmp_path / "call.json"
    path.write_text(json.dumps({"reach": "reached", "liked_best": "Lovely", "do_better": "Call before delivery", "recommend": "no", "review": "asked"}))  # fmt: skip
    result = run("call", "1", "--answers", str(path))
    assert result.exit_code == 0, result.stderr
    assert query("SELECT step, label, suggested_label, overridden FROM call_answer WHERE step IN ('liked_best', 'do_better') ORDER BY id") == [("liked_best", "neutral", "neutral", 0), ("do_better", "neutral", "neutral", 0)]  # fmt: skip


def test_each_answer_is_labelled_with_its_question_as_asked(
    ann: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from followup_cli import calls, sentiment

    asked: list[str | None] = []
    real = sentiment.explain

    def spy(text: str, vocabulary: sentiment.Vocabulary, question: str | None = None) -> sentiment.Explanation:  # fmt: skip
        asked.append(question)
        return real(text, vocabulary, question)

    monkeypatch.setattr(sentiment, "explain", spy)
    monkeypatch.setattr(calls, "explain", spy)
    typed = REACHED + "It was okay\n\n" + "Call before delivery\n=\n" + "not sure\nasked\n"
    assert run("call", "1", input=typed).exit_code == 0
    expected = ["What did you like best about working with us?", "What could we do better?"]
    assert asked == expected
    assert run("schedule", "Ann Lee", "today", "--channel", "phone").exit_code == 0
    path = tmp_path / "call.json"
    path.write_text(json.dumps({"reach": "reached", "liked_best": "It was okay", "do_better": "Call before delivery", "recommend": "no", "review": "asked"}))  # fmt: skip
    asked.clear()
    [(fid,)] = query("SELECT max(id) FROM followup")
    result = run("call", str(fid), "--answers", str(path))
    assert result.exit_code == 0, result.stderr
    assert asked == expected


def test_no_answer_and_wrong_number(ann: None) -> None:
    result = run("call", "1", input="no answer\n")
    assert result.exit_code == 0, result.stderr
    assert "No answer (attempt 1): will try #1 Thank-you call with Ann Lee again Wed 2026-11-25." in result.output  # fmt: skip
    result = run("call", "#1", input="4\n")
    assert result.exit_code == 0, result.stderr
    assert "Wrong number: 555-010-0101 is flagged as not working." in result.output
    assert "Wrong number: moved #1 Thank-you email with Ann Lee to email, due " in result.output
    assert "No answer several times" not in result.output
    assert query("SELECT phone_invalid FROM contact") == [(1,)]
    assert query("SELECT channel, status FROM followup WHERE id = 1") == [("email", "pending")]
    assert query("SELECT reach, status FROM call_log ORDER BY id") == [
        ("no-answer", "completed"),
        ("wrong-number", "completed"),
    ]


def test_bad_choice_is_asked_again(ann: None) -> None:
    result = run("call", "1", input="maybe\n2\n")
    assert result.exit_code == 0
    assert "Type a number from 1 to 4, or the answer" in result.output
    assert query("SELECT reach FROM call_log") == [("voicemail",)]


# What is typed for each step of a happy call: reach, thank, liked best (+ Enter for the
# label), recommend, review, one referral, and Enter to end the referrals.
CHUNKS = ["1\n", "\n", "Great bike\n\n", "yes\n", "agreed\n", "Bob Ray\n555-010-0102\n", "\n"]
# (chunks typed, extra partial input, rows saved): input ends there, mid-call.
STOPS = [(0, "", 0), (1, "", 1), (2, "", 2), (2, "Great bike\n", 2), (3, "", 3), (4, "", 4), (5, "", 5), (6, "", 6)]  # fmt: skip


@pytest.mark.parametrize("done, partial, saved", STOPS)
def test_end_of_input_mid_call_keeps_answers_and_resume_finishes(ann: None, done: int, partial: str, saved: int) -> None:  # fmt: skip
    result = run("call", "1", input="".join(CHUNKS[:done]) + partial)
    assert result.exit_code == 130
    plural = "s" if saved != 1 else ""
    assert result.stderr == (
        f"Error: Call interrupted: {saved} answer{plural} saved, follow-up #1 stays pending. "
        "Run `followup call 1` to resume.\n"
    )
    assert query("SELECT status FROM call_log") == [("interrupted",)]
    assert query("SELECT count(*) FROM call_answer") == [(saved,)]
    assert query("SELECT status FROM followup WHERE id = 1") == [("pending",)]
    # Resume (Enter = yes) from the next unanswered step, on the same call_log row.
    result = run("call", "1", input="\n" + "".join(CHUNKS[done:]))
    assert result.exit_code == 0, result.output + result.stderr
    assert f"Resume the interrupted call of 2026-11-23 ({saved} answers saved)?" in result.output
    assert query("SELECT id, status FROM call_log") == [(1, "completed")]
    assert query("SELECT status, outcome FROM followup WHERE id = 1") == [("done", "positive")]
    steps = [step for (step,) in query("SELECT step FROM call_answer ORDER BY id")]
    assert steps == ["reach", "thank", "liked_best", "recommend", "review", "referral", "referrals"]
    assert query("SELECT referred_by_id FROM contact WHERE name = 'Bob Ray'") == [(1,)]


def test_declining_resume_starts_a_new_call(ann: None) -> None:
    assert run("call", "1", input="1\n").exit_code == 130
    result = run("call", "1", input="n\n3\n")
    assert result.exit_code == 0
    assert query("SELECT id, status, reach FROM call_log ORDER BY id") == [
        (1, "interrupted", "reached"),
        (2, "completed", "no-answer"),
    ]


def test_call_by_contact_and_consent(ann: None) -> None:
    result = run("call", "ann lee", input="voicemail\n")
    assert result.exit_code == 0
    assert query("SELECT attempts FROM followup WHERE id = 1") == [(1,)]
    opted = run("contact", "opt-out", "Ann Lee", "--channel", "phone")
    assert (opted.exit_code, opted.stdout) == (
        0,
        "Ann Lee (#1): not by phone.\n"
        "  Moved #1 Thank-you email (was by phone)\n",  # she has an email
    )
    result = run("call", "1")
    assert (result.exit_code, result.stderr) == (
        4,
        "Error: Follow-up #1 is an email follow-up, not a call; mark it with `followup done 1`.\n",
    )
    assert run("schedule", "Ann Lee", "today", "--channel", "phone").exit_code == 4
    assert run("contact", "opt-out", "Ann Lee", "--channel", "phone", "--undo").exit_code == 0
    assert run("schedule", "Ann Lee", "today", "--channel", "phone").exit_code == 0
    assert run("contact", "opt-out", "Ann Lee").exit_code == 0  # do not contact: hidden
    [(call_id,)] = query("SELECT max(id) FROM followup")
    result = run("call", str(call_id))
    assert result.exit_code == 4
    assert result.stderr == "Error: Cannot call: Ann Lee (#1) asked not to be contacted.\n"
    result = run("call", input="")
    assert result.exit_code == 0 and "No calls due today (2026-11-23)." in result.output


def test_unknown_followup_and_contact(ann: None) -> None:
    assert run("call", "99").exit_code == 3
    result = run("call", "Nobody")
    assert result.exit_code == 3 and "No contact matches 'Nobody'" in result.stderr


def test_power_hour_walks_todays_calls(ann: None) -> None:
    assert run("contact", "add", "Bo Chan", "--phone", "555-010-0103").exit_code == 0
    assert run("schedule", "Bo Chan", "today", "--channel", "phone").exit_code == 0
    assert run("contact", "add", "Di Opt", "--phone", "555-010-0104").exit_code == 0
    assert run("schedule", "Di Opt", "today", "--channel", "phone").exit_code == 0
    assert run("contact", "opt-out", "Di Opt").exit_code == 0
    # Ann: skip; Bo: call, no answer; then the list ends.
    result = run("call", input="s\n\nno answer\n")
    assert result.exit_code == 0, result.output + result.stderr
    assert "2 calls due today." in result.output
    assert "Di Opt" not in result.output
    assert "Called 1, skipped 1, 0 left for later." in result.output
    result = run("call", input="q\n")
    assert "Called 0, skipped 0, 1 left for later." in result.output
    result = run("call", input="")
    assert result.exit_code == 130 and "Stopped before call 1 of 1" in result.stderr


def test_answers_file(ann: None, tmp_path: Path) -> None:
    path = tmp_path / "call.json"
    path.write_text(
        json.dumps(
            {
                "reach": "reached",
                "liked_best": "It was late",
                "do_better": "Be on time",
                "recommend": "yes",
                "review": "agreed",
                "referrals": [{"name": "Bob Ray", "email": "bob@example.com"}],
            }
        )
    )
    result = run("call", "1", "--answers", str(path))
    assert result.exit_code == 0, result.output + result.stderr
    assert "Call outcome: negative" in result.output
    assert query("SELECT referred_by_id, email FROM contact WHERE id = 2") == [(1, "bob@example.com")]  # fmt: skip
    assert query("SELECT count(*) FROM followup WHERE rule = 'make-it-right'") == [(1,)]


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"reach": "reached", "liked_best": "ok", "colour": 1}', 'Unknown key "colour"'),
        ('{"reach": "nope"}', "\"reach\": 'nope' is not one of"),
        ("{not json", "is not valid JSON (line 1, column 2"),
    ],
)
def test_answers_file_errors_exit_2(ann: None, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "call.json"
    path.write_text(content)
    result = run("call", "1", "--answers", str(path))
    assert result.exit_code == 2
    assert message in result.stderr
    assert query("SELECT count(*) FROM call_log") == [(0,)]
    assert run("call", "--answers", str(path)).exit_code == 2


# --------------------------------------------------------------------------------------------
# followup script
# --------------------------------------------------------------------------------------------

CUSTOM = """
name = "bikes"

[[step]]
key = "reach"
kind = "choice"
prompt = "Is {first_name} on the line?"
choices = ["reached", "voicemail", "no-answer", "wrong-number"]

[[step]]
key = "liked_best"
kind = "text"
prompt = "How is the ride, {first_name}?"

[[step]]
key = "service"
kind = "choice"
prompt = "Book a free tune-up?"
choices = [{ value = "yes", label = "positive" }, { value = "no" }]

[[step]]
key = "review"
kind = "choice"
prompt = "Review?"
choices = ["agreed", "declined"]
"""


def test_custom_script_runs_a_call(ann: None, isolated_home: Path) -> None:
    (isolated_home / "script.toml").write_text(CUSTOM)
    result = run("call", "1", input="1\nSmooth and fast, love it\n\nyes\ndeclined\n")
    assert result.exit_code == 0, result.output + result.stderr
    assert "How is the ride, Ann?" in result.output
    assert "Book a free tune-up?" in result.output
    assert query("SELECT step, answer FROM call_answer WHERE step = 'service'") == [("service", "yes")]  # fmt: skip
    assert query("SELECT script FROM call_log") == [("bikes",)]
    show = run("script", "show")
    assert "Script 'bikes' from" in show.output and "service" in show.output


def test_script_check_ok_broken_and_gated(isolated_home: Path, tmp_path: Path) -> None:
    result = run("script", "check")
    assert result.exit_code == 0 and "built-in thank-you script: 7 steps, valid." in result.output
    broken = tmp_path / "broken.toml"
    broken.write_text(CUSTOM + '\n[[step]]\nkey = "x"\nkind = "text"\nprompt = "?"\nask_if = "recommend == yes"\n')  # fmt: skip
    result = run("script", "check", str(broken))
    assert result.exit_code == 2
    assert "ask_if refers to 'recommend', which is not a step key" in result.stderr
    gated = tmp_path / "gated.toml"
    gated.write_text(CUSTOM.replace('prompt = "Review?"', 'prompt = "Review?"\nask_if = "service == yes"'))  # fmt: skip
    result = run("script", "check", str(gated))
    assert result.exit_code == 0
    assert "review gating" in result.stderr and result.stderr.startswith("Warning: ")


def test_script_edit_copies_default_and_checks(isolated_home: Path, tmp_path: Path) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('Are you willing to recommend us', 'Would you recommend us'))\n"
    )
    result = runner.invoke(app, ["script", "edit"], env={"EDITOR": f"{sys.executable} {editor}", "VISUAL": ""})  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    assert "Copied the built-in thank-you script" in result.output
    assert "script.toml: 7 steps, valid." in result.output
    assert "Would you recommend us" in (isolated_home / "script.toml").read_text()
    assert oct((isolated_home / "script.toml").stat().st_mode & 0o777) == "0o600"
    editor.write_text("import sys, pathlib\npathlib.Path(sys.argv[1]).write_text('[[step]]\\nkey = 1\\n')\n")  # fmt: skip
    result = runner.invoke(app, ["script", "edit"], env={"EDITOR": f"{sys.executable} {editor}", "VISUAL": ""})  # fmt: skip
    assert result.exit_code == 2 and "key must be a lower-case name" in result.stderr


def test_an_interrupted_call_says_so_in_contact_show_and_the_export(
    ann: None, tmp_path: Path
) -> None:
    """#16 item 11: an interrupted call looked finished ("reached", no marker)."""
    assert run("call", "1", input="1\n").exit_code == 130
    shown = " ".join(
        runner.invoke(app, ["contact", "show", "Ann"], env={"COLUMNS": "200"}).stdout.split()
    )
    assert "Call #1 on 2026-11-23: reached (interrupted; `followup call 1` resumes it)" in shown
    out = tmp_path / "calls.csv"
    assert run("export", "calls", "-o", str(out)).exit_code == 0
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert [(r["id"], r["status"], r["reached"]) for r in rows] == [("1", "interrupted", "reached")]
