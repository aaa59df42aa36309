"""`followup call` in a real pseudo-terminal (pexpect): typing, Enter, and Ctrl-C."""

from __future__ import annotations

import datetime as dt
import os
import sys

import pytest

from followup_cli.followups import log_interaction
from followup_cli.scheduling import RuleSet
from followup_cli.store import Tx
from tests.helpers import make_contact, query

pexpect = pytest.importorskip("pexpect")
pytestmark = pytest.mark.usefixtures("counted_model")

TIMEOUT = 10
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
# Each step's stable prompt text and what is typed there, for a happy call with a referral.
SCRIPT = [
    ("Did you reach Ann?", "1"),
    ("Press Enter when said", ""),
    ("What did you like best about working with us?", "Lovely bike, really happy"),
    ("Enter to accept", ""),
    ("Are you willing to recommend us to others?", "yes"),
    ("Would you leave us an honest review?", "agreed"),
    ("Referral's name", "Bob Ray"),
    ("Bob Ray's phone or email", "bob@example.com"),
    ("Referral's name", ""),
]


@pytest.fixture
def followup_id(tx: Tx, today: dt.date, rules: RuleSet) -> int:
    make_contact(tx)
    log_interaction(
        tx, "Ann Lee", "sale", on=dt.date(2026, 11, 19), today=today, now=NOW, rules=rules
    )
    return 1


def spawn(*args: str):  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "COLUMNS": "120",
        "LINES": "40",
        "TERM": "dumb",
        "PYTHONUNBUFFERED": "1",
    }
    return pexpect.spawn(
        sys.executable,
        ["-m", "followup_cli", *args],
        env=env,
        encoding="utf-8",
        timeout=TIMEOUT,
        dimensions=(40, 120),
    )


def test_default_script_end_to_end_in_a_terminal(followup_id: int) -> None:
    child = spawn("call", str(followup_id))
    child.expect("Ann Lee")
    child.expect("555-010-0101")
    for prompt, typed in SCRIPT:
        child.expect_exact(prompt)
        child.sendline(typed)
    child.expect_exact("Done: #1 Thank-you call with Ann Lee (positive).")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert query("SELECT status, outcome FROM followup WHERE id = 1") == [("done", "positive")]
    assert query("SELECT name, referred_by_id FROM contact WHERE id = 2") == [("Bob Ray", 1)]
    assert query("SELECT count(*) FROM call_answer") == [(7,)]


@pytest.mark.parametrize("stop", [2, 5])  # a text and a choice prompt; CliRunner covers every step
def test_ctrl_c_at_a_step_keeps_answers_and_resume_finishes(followup_id: int, stop: int) -> None:
    child = spawn("call", "1")
    for prompt, typed in SCRIPT[:stop]:
        child.expect_exact(prompt)
        child.sendline(typed)
    child.expect_exact(SCRIPT[stop][0])
    child.sendintr()
    child.expect_exact("Call interrupted:")
    child.expect_exact("stays pending")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    saved = query("SELECT count(*) FROM call_answer")[0][0]
    # Every answer confirmed before Ctrl-C is saved (the label prompt confirms liked_best).
    expected = {0: 0, 1: 1, 2: 2, 3: 2, 5: 4, 7: 5}[stop]
    assert saved == expected
    assert query("SELECT status FROM call_log") == [("interrupted",)]
    assert query("SELECT status FROM followup WHERE id = 1") == [("pending",)]

    child = spawn("call", "1")
    child.expect_exact("Resume the interrupted call")
    child.sendline("y")
    resume_at = {0: 0, 1: 1, 2: 2, 3: 2, 5: 5, 7: 6}[stop]
    for prompt, typed in SCRIPT[resume_at:]:
        child.expect_exact(prompt)
        child.sendline(typed)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert query("SELECT id, status FROM call_log") == [(1, "completed")]
    assert query("SELECT status FROM followup WHERE id = 1") == [("done",)]


def test_complaint_call_in_a_terminal_promises_a_make_it_right_call(
    tx: Tx, today: dt.date, rules: RuleSet
) -> None:
    """A non-thank-you purpose in a real terminal: the complaint's own script, the new label
    keys (the old "n" is asked again), and the promise as a follow-up on the day promised."""
    make_contact(tx)
    log_interaction(
        tx, "Ann Lee", "complaint", on=dt.date(2026, 11, 20), today=today, now=NOW, rules=rules
    )
    child = spawn("call", "1")
    child.expect_exact("Call about the complaint")
    for prompt, typed in [
        ("Did you reach Ann?", "1"),
        ("Press Enter when said", ""),
        ("Can you tell me what happened?", "The wheel was bent when it arrived"),
        ("- negative, ? why", "n"),
        ("Type + positive, = neutral or - negative (or the word), ? why.", "-"),
        ("Label: negative (", None),  # set by hand, or as suggested
        ("What would make it right for you?", "A new wheel"),  # a wish: not labelled
        ("What will you do?", "Send a new wheel by courier"),
        ("By when?", "friday"),
    ]:
        child.expect_exact(prompt)
        if typed is not None:
            child.sendline(typed)
    child.expect_exact("Scheduled #2 Make it right call: Send a new wheel by courier on Fri")
    child.expect_exact("Done: #1 Call about the complaint with Ann Lee (negative).")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert query("SELECT script, outcome FROM call_log") == [("complaint", "negative")]
    assert query("SELECT step, label FROM call_answer WHERE label IS NOT NULL ORDER BY id") == [
        ("what_happened", "negative"),
    ]
    assert query("SELECT rule, due_on FROM followup WHERE id = 2") == [
        ("make-it-right", "2026-11-27")
    ]
