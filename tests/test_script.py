"""The call script as data: parsing, checking and the pure next_step state machine."""

from __future__ import annotations

import tomllib

import pytest

from followup_cli.errors import ConfigError, InvalidInput
from followup_cli.script import (
    PURPOSES,
    Given,
    check_purpose,
    default_script_text,
    load_script,
    next_step,
    outcome,
    parse_choice,
    parse_condition,
    parse_label,
    parse_script,
)

DEFAULT = load_script()

REACH = """
[[step]]
key = "reach"
kind = "choice"
prompt = "Did you reach {first_name}?"
choices = ["reached", "voicemail", "no-answer", "wrong-number"]
"""


def script_from(text: str):  # type: ignore[no-untyped-def]
    return parse_script(tomllib.loads(text), "test.toml")


def walk(answers: dict[str, Given]) -> list[str]:
    """The keys the default script asks, given these answers (in order)."""
    asked: list[str] = []
    given: dict[str, Given] = {}
    while (step := next_step(DEFAULT, given)) is not None:
        asked.append(step.key)
        given[step.key] = answers.get(step.key, Given("said"))
    return asked


def test_default_script_steps_and_no_warnings() -> None:
    assert [s.key for s in DEFAULT.steps] == [
        "reach", "thank", "liked_best", "do_better", "recommend", "review", "referrals",
    ]  # fmt: skip
    assert DEFAULT.warnings == ()
    assert DEFAULT.step("review").ask_if is None  # type: ignore[union-attr]


def test_not_reached_ends_the_call_at_once() -> None:
    assert walk({"reach": Given("no-answer")}) == ["reach"]
    assert walk({"reach": Given("wrong-number")}) == ["reach"]


def test_positive_call_skips_do_better_and_asks_referrals() -> None:
    answers = {
        "reach": Given("reached"),
        "liked_best": Given("great", "positive"),
        "recommend": Given("yes", "positive"),
        "review": Given("agreed"),
    }
    assert walk(answers) == ["reach", "thank", "liked_best", "recommend", "review", "referrals"]


@pytest.mark.parametrize("label", ["neutral", "negative"])
def test_neutral_or_negative_liked_best_asks_do_better(label: str) -> None:
    answers = {"reach": Given("reached"), "liked_best": Given("meh", label)}
    assert "do_better" in walk(answers)


@pytest.mark.parametrize("value", ["no", "not-sure"])
def test_no_referrals_unless_they_would_recommend(value: str) -> None:
    answers = {"reach": Given("reached"), "recommend": Given(value, "negative")}
    asked = walk(answers)
    assert "referrals" not in asked
    assert "review" in asked  # review is asked of everyone reached


def test_next_step_resumes_after_the_last_answer() -> None:
    given = {"reach": Given("reached"), "thank": Given("said")}
    assert next_step(DEFAULT, given).key == "liked_best"  # type: ignore[union-attr]


def test_outcome_negative_beats_neutral_beats_positive() -> None:
    assert outcome(["positive", None, "neutral"]) == "neutral"
    assert outcome(["positive", "negative", "neutral"]) == "negative"
    assert outcome(["positive", None]) == "positive"
    assert outcome([]) == "positive"


def test_parse_choice_accepts_number_words_and_unique_prefix() -> None:
    reach = DEFAULT.step("reach")
    assert reach is not None
    assert parse_choice(reach, "3").value == "no-answer"  # type: ignore[union-attr]
    assert parse_choice(reach, "No Answer").value == "no-answer"  # type: ignore[union-attr]
    assert parse_choice(reach, "v").value == "voicemail"  # type: ignore[union-attr]
    assert parse_choice(reach, "w").value == "wrong-number"  # type: ignore[union-attr]
    assert parse_choice(reach, "9") is None
    assert parse_choice(reach, "v", loose=False) is None


def test_condition_language() -> None:
    cond = parse_condition("recommend == yes and liked_best in [neutral, negative] or x != no")
    assert len(cond.groups) == 2
    assert cond.holds({"recommend": Given("yes", "positive"), "liked_best": Given("t", "neutral")})
    assert not cond.holds({"recommend": Given("yes"), "liked_best": Given("t", "positive")})
    assert cond.holds({"x": Given("yes")})
    assert not cond.holds({})  # an unasked step matches nothing, not even !=
    assert parse_condition("a not in [b]").holds({"a": Given("c")})


@pytest.mark.parametrize(
    "text, message",
    [
        ("recommend = yes", "expected ==, !=, in or not in"),
        ("recommend in yes", "expected [ after 'in'"),
        ("recommend in [yes", "closed with ]"),
        ("__import__('os') == 1", "unexpected"),
        ("recommend == yes xor a == b", "expected and / or"),
        ("", "empty"),
    ],
)
def test_condition_syntax_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        parse_condition(text)


def test_custom_script_with_reworded_question_and_extra_step() -> None:
    script = script_from(
        REACH
        + """
[[step]]
key = "liked_best"
kind = "text"
prompt = "How did you get on with {bought}?"

[[step]]
key = "parking"
kind = "choice"
prompt = "Was parking easy?"
choices = [{ value = "yes", label = "positive" }, { value = "no", label = "negative" }]
ask_if = "liked_best != negative"
"""
    )
    given = {"reach": Given("reached"), "liked_best": Given("fine", "neutral")}
    assert next_step(script, given).key == "parking"  # type: ignore[union-attr]
    given["liked_best"] = Given("awful", "negative")
    assert next_step(script, given) is None


@pytest.mark.parametrize(
    "extra, message",
    [
        ('[[step]]\nkey = "x"\nkind = "text"\nprompt = "?"\nask_if = "nope == yes"\n', "'nope', which is not a step key"),
        ('[[step]]\nkey = "x"\nkind = "text"\nprompt = "?"\nask_if = "y == positive"\n[[step]]\nkey = "y"\nkind = "text"\nprompt = "?"\n', "not asked before it"),
        ('[[step]]\nkey = "reach"\nkind = "text"\nprompt = "?"\n', "'reach' is used twice"),
        ('[[step]]\nkey = "x"\nkind = "essay"\nprompt = "?"\n', "kind must be one of choice, text, say, referrals"),
        ('[[step]]\nkey = "x"\nkind = "text"\nprompt = "Hi {nickname}"\n', "unknown placeholder {nickname}"),
        ('[[step]]\nkey = "x"\nkind = "text"\nprompt = "?"\nask_if = "reach == maybe"\n', "can never be"),
        ('[[step]]\nkey = "x"\nkind = "text"\nprompt = "?"\n[[step]]\nkey = "y"\nkind = "text"\nprompt = "?"\nask_if = "x == positive and x == negative"\n', "it can never be asked"),
        ('[[step]]\nkey = "x"\nkind = "text"\nprompt = "?"\nask_if = "reach != reached"\n', "it can never be asked"),
        ('[[step]]\nkey = "recommend"\nkind = "choice"\nprompt = "?"\nchoices = ["yes", "maybe"]\n', "maybe cannot be an answer of recommend"),
        ('[[step]]\nkey = "x"\nkind = "choice"\nprompt = "?"\n', "needs at least two choices"),
        ('[[step]]\nkey = "x"\nkind = "text"\nprompt = "?"\nwhen = "a"\n', "unknown field 'when'"),
        ('[[step]]\nkey = "gifts"\nkind = "referrals"\nprompt = "?"\n', "only the step with key referrals"),
    ],
)  # fmt: skip
def test_check_rejects_broken_scripts_saying_what_to_fix(extra: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        script_from(REACH + extra)
    assert message in str(info.value)
    assert str(info.value).startswith("test.toml: ")


def test_check_lists_every_problem_at_once() -> None:
    with pytest.raises(ConfigError, match="2 problems"):
        script_from(
            REACH
            + '[[step]]\nkey = "x"\nkind = "text"\nprompt = "{a}"\n'
            + '[[step]]\nkey = "y"\nkind = "text"\nprompt = "{b}"\n'
        )


def test_reach_must_come_first() -> None:
    with pytest.raises(ConfigError, match="first step"):
        script_from('[[step]]\nkey = "x"\nkind = "say"\nprompt = "hi"\n' + REACH)
    with pytest.raises(ConfigError, match='key = "reach"'):
        script_from('[[step]]\nkey = "x"\nkind = "say"\nprompt = "hi"\n')


def test_review_gated_on_a_positive_answer_warns() -> None:
    script = script_from(
        REACH
        + """
[[step]]
key = "liked_best"
kind = "text"
prompt = "?"

[[step]]
key = "review"
kind = "choice"
prompt = "Review?"
choices = ["agreed", "declined", "asked"]
ask_if = "liked_best == positive"
"""
    )
    assert len(script.warnings) == 1
    assert "review gating" in script.warnings[0]
    assert "remove its ask_if" in script.warnings[0]


# --------------------------------------------------------------------------------------------
# Label keys
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, label",
    [
        ("+", "positive"), ("=", "neutral"), ("-", "negative"), (" - ", "negative"),
        ("positive", "positive"), ("Neutral", "neutral"), ("NEGATIVE", "negative"),
        ("pos", "positive"), ("neu", "neutral"), ("neg", "negative"), ("negat", "negative"),
    ],
)  # fmt: skip
def test_label_keys_words_and_prefixes(typed: str, label: str) -> None:
    assert parse_label(typed) == label


@pytest.mark.parametrize("typed", ["n", "p", "x", "ne", "po", "", "?", "negatives", "good"])
def test_old_keys_and_unknown_text_are_no_label(typed: str) -> None:
    assert parse_label(typed) is None


# --------------------------------------------------------------------------------------------
# A script per purpose
# --------------------------------------------------------------------------------------------


def test_purposes_are_named_and_unknown_ones_listed() -> None:
    assert check_purpose("Make it right") == "make-it-right"
    assert check_purpose("keep_in_touch") == "keep-in-touch"
    with pytest.raises(InvalidInput) as caught:
        check_purpose("refund")
    assert str(caught.value) == (
        "Unknown purpose 'refund'; use one of thank-you, satisfaction, complaint, "
        "make-it-right, prospect, keep-in-touch."
    )


@pytest.mark.parametrize("purpose", list(PURPOSES))
def test_every_built_in_script_is_valid_and_named_for_its_purpose(purpose: str) -> None:
    script = load_script(purpose=purpose)
    assert (script.name, script.purpose, script.warnings) == (purpose, purpose, ())
    assert script.source == f"built-in {purpose} script"
    review = script.step("review")
    assert review is None or review.ask_if is None  # asked of everyone, or of no one


def walk_script(purpose: str, answers: dict[str, Given]) -> list[str]:
    script, asked, given = load_script(purpose=purpose), [], {}  # type: ignore[var-annotated]
    while (step := next_step(script, given)) is not None:
        asked.append(step.key)
        given[step.key] = answers.get(step.key, Given("said"))
    return asked


def test_make_it_right_asks_whether_it_is_right_now_and_what_is_left() -> None:
    no = {"reach": Given("reached"), "now_right": Given("no", "negative")}
    assert walk_script("make-it-right", no) == [
        "reach", "hello", "now_right", "still_wrong", "make_right",
    ]  # fmt: skip
    yes = {"reach": Given("reached"), "now_right": Given("yes", "positive")}
    assert walk_script("make-it-right", yes) == ["reach", "hello", "now_right", "anything_else"]


def test_complaint_asks_what_happened_what_would_make_it_right_and_the_promise() -> None:
    assert walk_script("complaint", {"reach": Given("reached")}) == [
        "reach", "hello", "what_happened", "make_right", "promise", "promise_by",
    ]  # fmt: skip


def checked(purpose: str, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_script(tomllib.loads(text), "test.toml", purpose)
    return str(caught.value)


def test_purpose_keys_belong_to_their_purpose() -> None:
    complaint = default_script_text("complaint")
    assert "step 5 (promise): promise belongs to the complaint script only" in checked(
        "make-it-right", complaint
    )  # a make-it-right call cannot promise another make-it-right call
    assert "A make-it-right script needs a step with key = 'now_right'" in checked(
        "make-it-right", complaint
    )
    mir = default_script_text("make-it-right")
    assert "now_right belongs to the make-it-right script only" in checked("thank-you", mir)


def test_complaint_promise_rules() -> None:
    complaint = default_script_text("complaint")
    no_when = complaint.replace('key = "promise_by"', 'key = "when"')
    assert "A complaint script needs a step with key = 'promise_by'" in checked(
        "complaint", no_when
    )
    gated = complaint.replace("classify = false\nremind", 'classify = false\nask_if = "make_right == positive"\nremind')  # fmt: skip
    assert "promise_by: it is always asked once they are reached; remove its ask_if." in checked(
        "complaint", gated
    )
    promise = 'it becomes a follow-up."\nclassify = false'
    assert promise in complaint
    labelled = complaint.replace(promise, 'it becomes a follow-up."\nclassify = true')
    assert "promise must be a text step with classify = false" in checked("complaint", labelled)


def test_now_right_must_be_yes_positive_and_no_negative() -> None:
    mir = default_script_text("make-it-right")
    unlabelled = mir.replace('{ value = "no", label = "negative" }', '{ value = "no" }')
    assert (
        "now_right must have exactly the choices yes (label positive) and no (label negative)"
        in checked("make-it-right", unlabelled)
    )
