"""Recording calls and their consequences, straight through the domain (no CLI)."""

from __future__ import annotations

import datetime as dt
import tomllib
from typing import Any

import pytest

from followup_cli import calls
from followup_cli.config import Settings
from followup_cli.contacts import set_opt_out
from followup_cli.enums import Priority
from followup_cli.errors import Conflict, InvalidInput, NotFound
from followup_cli.followups import log_interaction, schedule
from followup_cli.scheduling import RuleSet
from followup_cli.script import load_script, next_step, parse_script
from followup_cli.store import Tx
from followup_cli.store.rows import (
    AnswerRow,
    CallRow,
    ContactRow,
    FollowUpRow,
    InteractionRow,
    fetch,
    get,
    table_of,
    update,
)
from tests.helpers import make_contact

SETTINGS = Settings(owner="Sam", business="Sam's Bikes", review_link="https://g.page/r/sams")
SCRIPT = load_script()
TUESDAY = dt.date(2026, 11, 24)
WEDNESDAY = dt.date(2026, 11, 25)
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)

HAPPY: dict[str, Any] = {
    "reach": "reached",
    "liked_best": "The bike is great, really happy with it",
    "recommend": "yes",
    "review": "agreed",
}


@pytest.fixture
def fid(tx: Tx, today: dt.date, rules: RuleSet) -> int:
    """Ann Lee bought a blue bike last Thursday; her thank-you call is due today."""
    make_contact(tx, email="ann@example.com")
    result = log_interaction(
        tx, "Ann Lee", "sale", on=dt.date(2026, 11, 19), today=today, now=NOW, rules=rules,
        amount_cents=12900,
    )  # fmt: skip
    update(tx, table_of(InteractionRow), result.interaction.id, {"items": "a blue bike"})
    phone = [f for f in result.scheduling.scheduled if f.channel == "phone"]
    assert phone and phone[0].due_on == today
    return phone[0].id


def run_file(
    tx: Tx, fid: int, data: dict[str, Any], today: dt.date, rules: RuleSet, script=SCRIPT
) -> calls.FileCall:  # type: ignore[no-untyped-def]
    return calls.record_answers_file(
        tx, fid, script, data, today=today, now=NOW, rules=rules, settings=SETTINGS
    )


def followup(tx: Tx, fid: int) -> FollowUpRow:
    f = get(tx, FollowUpRow, fid)
    assert f is not None
    return f


def by_rule(tx: Tx, rule: str) -> list[FollowUpRow]:
    return fetch(tx, FollowUpRow, "rule = :rule", {"rule": rule})


def the_call(tx: Tx) -> CallRow:
    (call,) = fetch(tx, CallRow)  # exactly one call was logged
    return call


def test_no_answer_retries_two_working_days_later(tx: Tx, fid: int, today, rules) -> None:  # type: ignore[no-untyped-def]
    result = run_file(tx, fid, {"reach": "no-answer"}, today, rules).result
    f = followup(tx, fid)
    assert (f.status, f.due_on, f.attempts) == ("pending", WEDNESDAY, 1)
    assert result.done.retry_on == WEDNESDAY
    call = the_call(tx)
    assert (call.reach, call.status, call.outcome) == ("no-answer", "completed", None)
    assert [a.step for a in fetch(tx, AnswerRow)] == ["reach"]


def test_third_unanswered_call_switches_channel(tx: Tx, fid: int, today, rules) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        run_file(tx, fid, {"reach": "voicemail"}, today, rules)
    result = run_file(tx, fid, {"reach": "no-answer"}, today, rules).result
    assert result.done.switched_to == "email"
    assert followup(tx, fid).channel == "email"


def test_wrong_number_flags_the_phone_and_moves_off_it(tx: Tx, fid: int, today, rules) -> None:  # type: ignore[no-untyped-def]
    result = run_file(tx, fid, {"reach": "wrong-number"}, today, rules).result
    assert result.phone_flagged
    assert get(tx, ContactRow, 1).phone_invalid  # type: ignore[union-attr]
    f = followup(tx, fid)
    assert (f.status, f.channel, f.due_on) == ("pending", "email", TUESDAY)


def test_happy_call_completes_positive_and_schedules_the_review_link(
    tx: Tx, fid: int, today, rules
) -> None:  # type: ignore[no-untyped-def]
    result = run_file(tx, fid, HAPPY, today, rules).result
    assert result.outcome == "positive" and result.make_it_right is None
    f = followup(tx, fid)
    assert (f.status, f.outcome, f.completed_on) == ("done", "positive", today)
    (link,) = by_rule(tx, "review-link")
    assert (link.purpose, link.due_on, link.channel) == ("Send the review link", today, "text")
    assert link.note == "https://g.page/r/sams"
    call = the_call(tx)
    assert (call.would_recommend, call.review, call.referrals) == ("yes", "agreed", 0)
    (_,) = fetch(tx, InteractionRow, "kind = :kind", {"kind": "call"})
    questions = [a.question for a in fetch(tx, AnswerRow, order="id")]
    assert questions[1] == "Hello Ann, this is Sam from Sam's Bikes. I'm calling to say thank you."
    assert questions[2] == "What did you like best about a blue bike?"
    assert not by_rule(tx, "referral-intro")


def test_review_is_asked_even_when_unhappy_and_declined_schedules_nothing(
    tx: Tx, fid: int, today, rules
) -> None:  # type: ignore[no-untyped-def]
    data = {**HAPPY, "liked_best": "it was fine", "do_better": "call before", "recommend": "no", "review": "declined"}  # fmt: skip
    run_file(tx, fid, data, today, rules)
    assert not by_rule(tx, "review-link")
    assert the_call(tx).review == "declined"


def test_negative_answer_schedules_make_it_right_with_their_words(
    tx: Tx, fid: int, today, rules
) -> None:  # type: ignore[no-untyped-def]
    data = {**HAPPY, "liked_best": "The delivery was late and the driver was rude", "do_better": "Deliver on time", "recommend": "not-sure"}  # fmt: skip
    result = run_file(tx, fid, data, today, rules).result
    assert result.outcome == "negative"
    (fix,) = by_rule(tx, "make-it-right")
    assert (fix.priority, fix.due_on, fix.channel) == (Priority.HIGH, TUESDAY, "phone")
    assert "The delivery was late and the driver was rude" in (fix.note or "")
    assert followup(tx, fid).outcome == "negative"


def test_neutral_answer_is_neutral_outcome_without_make_it_right(
    tx: Tx, fid: int, today, rules
) -> None:  # type: ignore[no-untyped-def]
    data = {**HAPPY, "liked_best": "It was okay", "do_better": "Nothing really, all good"}
    result = run_file(tx, fid, data, today, rules).result
    assert result.outcome == "neutral"
    assert not by_rule(tx, "make-it-right")


def test_label_override_is_recorded(tx: Tx, fid: int, today, rules) -> None:  # type: ignore[no-untyped-def]
    data = {**HAPPY, "liked_best_label": "neutral", "do_better": "faster delivery"}
    run_file(tx, fid, data, today, rules)
    (a,) = fetch(tx, AnswerRow, "step = :step", {"step": "liked_best"})
    assert (a.label, a.suggested_label, a.overridden) == ("neutral", "positive", True)


def test_referrals_become_linked_contacts_with_intro_and_thank_you(
    tx: Tx, fid: int, today, rules
) -> None:  # type: ignore[no-untyped-def]
    make_contact(tx, "Cy Old", phone="555-010-0199")
    data = {
        **HAPPY,
        "referrals": [
            {"name": "Bob Ray", "phone": "555-010-0102"},
            {"name": "Dee Fox", "email": "DEE@example.com"},
            {"name": "Cy Again", "phone": "(555) 010-0199"},  # already on file
        ],
    }
    recorded = run_file(tx, fid, data, today, rules).recorded
    referred = fetch(tx, ContactRow, "referred_by_id = :id", {"id": 1})
    assert sorted(c.name for c in referred) == ["Bob Ray", "Dee Fox"]
    assert len(fetch(tx, ContactRow)) == 4  # Ann, Cy, Bob, Dee: no duplicate Cy
    assert the_call(tx).referrals == 2
    intros = by_rule(tx, "referral-intro")
    assert sorted((f.contact_id, f.due_on, f.channel) for f in intros) == [
        (3, TUESDAY, "phone"),
        (4, TUESDAY, "email"),
    ]
    (thanks,) = by_rule(tx, "referral-thanks")
    assert (thanks.contact_id, thanks.channel) == (1, "mail")
    notes = [n for r in recorded for n in r.notes]
    assert any("Cy Old (#2) already has that phone number" in n for n in notes)


def test_interrupted_call_keeps_answers_and_resumes(tx: Tx, fid: int, today, rules) -> None:  # type: ignore[no-untyped-def]
    call_id = calls.start_call(tx, fid, today=today, now=NOW).id
    for key, answer, label in (("reach", "reached", None), ("thank", "", None), ("liked_best", "meh", "neutral")):  # fmt: skip
        calls.record_answer(tx, call_id, SCRIPT.step(key), answer, question="q", today=today, now=NOW, rules=rules, label=label, suggested_label=label)  # type: ignore[arg-type]  # fmt: skip
    calls.interrupt_call(tx, call_id)
    assert followup(tx, fid).status == "pending"
    ctx = calls.prepare(tx, fid)
    assert ctx.resumable is not None and ctx.resumable.id == call_id
    assert ctx.resumable_answers == 3
    resumed = calls.start_call(tx, fid, today=today, now=NOW, resume_call_id=call_id)
    given = calls.answers_of(tx, call_id)
    assert resumed.id == call_id and resumed.status == "in-progress"
    assert get(tx, CallRow, call_id).status == "in-progress"  # type: ignore[union-attr]
    assert next_step(SCRIPT, given).key == "do_better"  # type: ignore[union-attr]
    with pytest.raises(Conflict, match="already has an answer for liked_best"):
        calls.record_answer(tx, call_id, SCRIPT.step("liked_best"), "x", question="q", today=today, now=NOW, rules=rules)  # type: ignore[arg-type]  # fmt: skip


def test_previous_answers_are_shown_on_the_next_call(tx: Tx, fid: int, today, rules) -> None:  # type: ignore[no-untyped-def]
    run_file(tx, fid, HAPPY, today, rules)
    nxt = schedule(tx, "#1", today, today=today, channel="phone")
    ctx = calls.prepare(tx, nxt.id)
    answers = [p.answer for p in ctx.previous]
    assert "The bike is great, really happy with it" in answers
    assert "said" not in answers


@pytest.mark.parametrize("optout", [None, "phone"])
def test_opted_out_contacts_are_never_called(tx: Tx, fid: int, optout: str | None) -> None:
    set_opt_out(tx, "1", optout)
    with pytest.raises(Conflict) as info:
        calls.prepare(tx, fid)
    assert ("asked not to be contacted" if optout is None else "opted out of phone") in str(
        info.value
    )


def test_find_followup_by_id_or_contact(tx: Tx, fid: int) -> None:
    assert calls.find_followup_id(tx, f"#{fid}") == fid
    assert calls.find_followup_id(tx, "ann lee") == fid
    assert calls.find_followup_id(tx, "ann@example.com") == fid
    make_contact(tx, "Zed", phone="555-010-0177")
    with pytest.raises(NotFound, match=r"Zed .* no pending phone"):
        calls.find_followup_id(tx, "Zed")


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, '"reach" is missing'),
        ({"reach": "maybe"}, '"reach": \'maybe\' is not one of "reached"'),
        ({"reach": "reached"}, '"liked_best" is missing'),
        ({**HAPPY, "do_better": "x"}, '"do_better" is not asked with these answers (it is asked only if liked_best in [neutral, negative])'),
        ({**HAPPY, "colour": "red"}, 'Unknown key "colour"'),
        ({**HAPPY, "liked_best_label": "great"}, "'great' is not one of positive, neutral, negative"),
        ({**HAPPY, "referrals": [{"name": "Bob"}]}, "Give a phone number or an email for Bob"),
        ({**HAPPY, "referrals": [{"name": "Bob", "fax": "1"}]}, "unknown key 'fax'"),
        ({**HAPPY, "referrals": "Bob"}, '"referrals" must be a list'),
        ({**HAPPY, "recommend": "no", "referrals": []}, '"referrals" is not asked'),
        ({**HAPPY, "review": None}, '"review" is missing'),
        (["reached"], "one JSON object"),
    ],
)  # fmt: skip
def test_answers_file_validation_says_what_to_fix(
    tx: Tx, fid: int, today, rules, data: Any, message: str
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as info:
        run_file(tx, fid, data, today, rules)
    assert message in str(info.value)
    # Nothing written: the file is checked before the first write (no rollback to hide behind).
    assert fetch(tx, CallRow) == []
    assert fetch(tx, AnswerRow) == []
    assert followup(tx, fid).status == "pending"


def test_custom_script_extra_step_is_recorded(tx: Tx, fid: int, today, rules) -> None:  # type: ignore[no-untyped-def]
    script = parse_script(
        tomllib.loads(
            """
[[step]]
key = "reach"
kind = "choice"
prompt = "Got {first_name}?"
choices = ["reached", "no-answer"]

[[step]]
key = "liked_best"
kind = "text"
prompt = "How is {bought} treating you, {first_name}?"

[[step]]
key = "parking"
kind = "choice"
prompt = "Was parking easy?"
choices = [{ value = "yes", label = "positive" }, { value = "no", label = "negative" }]
"""
        ),
        "custom.toml",
    )
    result = run_file(tx, fid, {"reach": "reached", "liked_best": "love it", "parking": "no"}, today, rules, script).result  # fmt: skip
    assert result.outcome == "negative"
    rows = {a.step: a for a in fetch(tx, AnswerRow)}
    assert rows["liked_best"].question == "How is a blue bike treating you, Ann?"
    assert (rows["parking"].answer, rows["parking"].label) == ("no", "negative")


def test_answers_file_lists_every_problem_at_once(tx: Tx, fid: int, today, rules) -> None:  # type: ignore[no-untyped-def]
    """#16 item 12: a bad "recommend" hid a bad "review" and a "do_better" never asked."""
    data = {
        **HAPPY,
        "do_better": "nothing",  # liked_best is positive: not asked
        "recommend": "perhaps",
        "review": "yes",
        "colour": "red",
    }
    with pytest.raises(InvalidInput) as info:
        run_file(tx, fid, data, today, rules)
    lines = str(info.value).splitlines()
    assert lines[0] == "The answers file needs fixing:"
    assert [line.split(":")[0].split(";")[0].strip() for line in lines[1:]] == [
        '"recommend"',
        '"review"',
        '"do_better" is not asked with these answers (it is asked only if liked_best in [neutral, negative])',
        'Unknown key "colour"',
    ]
    assert "'yes' is not one of" in lines[2]
