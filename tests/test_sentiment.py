"""Tests for the follow-up answer sentiment rules (followup_cli.sentiment)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from followup_cli.sentiment import (
    DEFAULT_VOCABULARY,
    LABELS,
    Explanation,
    Vocabulary,
    classify,
    explain,
)

DATA = Path(__file__).parents[1] / "followup_cli" / "answers" / "labelled_answers.csv"


def _labelled() -> list[tuple[str, str]]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        return [(row["text"], row["label"]) for row in csv.DictReader(handle)]


def test_labelled_set_is_big_and_balanced() -> None:
    """The accuracy figure only means something on a varied, balanced set."""
    rows = _labelled()
    counts = Counter(label for _, label in rows)
    assert len(rows) >= 130
    assert set(counts) == set(LABELS)
    assert min(counts.values()) >= 0.25 * len(rows)


def test_accuracy_on_labelled_answers(capsys: pytest.CaptureFixture[str]) -> None:
    """Overall accuracy and per-class recall on realistic phone answers."""
    rows = _labelled()
    correct = 0
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    misses: list[str] = []
    for text, expected in rows:
        got = classify(text)
        totals[expected] += 1
        if got == expected:
            correct += 1
            hits[expected] += 1
        else:
            misses.append(f"{text!r}: expected {expected}, got {got}")
    total = len(rows)
    acc = correct / total
    recall = {label: hits[label] / totals[label] for label in LABELS}
    with capsys.disabled():
        print(f"\nsentiment accuracy: {correct}/{total} = {acc:.1%}")
        print(
            "sentiment recall: "
            + ", ".join(
                f"{label} {hits[label]}/{totals[label]} = {recall[label]:.1%}" for label in LABELS
            )
        )
    assert acc >= 0.90, "\n".join(misses)
    for label in LABELS:
        assert recall[label] >= 0.85, f"{label} recall {recall[label]:.1%}\n" + "\n".join(misses)


@pytest.mark.parametrize(
    "text",
    [
        "fine",
        "okay",
        "ok",
        "alright",
        "all right",
        "it was fine, thanks!",
        "Okay, thank you so much!",
        "alright I guess",
        "not bad",
        "not too bad",
        "good enough",
        "it was decent",
        "so-so",
        "average",
        "nothing special",
        "FINE THANKS",
        "it was fine, the staff were lovely",
        "not perfect but it does the job",
    ],
)
def test_lukewarm_is_neutral_even_when_polite(text: str) -> None:
    assert classify(text) == "neutral"


@pytest.mark.parametrize(
    "text",
    [
        "not great",
        "wasn't happy",
        "wasnt happy",
        "was not happy",
        "wasn\u2019t happy",
        "WASN'T HAPPY",
        "never called me back",
        "not very helpful",
        "didn't like it",
        "didnt like the food",
        "no one answered",
        "No-one answered the phone",
        "nobody picked up",
        "it wasn't okay",
        "not good enough",
        "I don't think they were helpful",
        "wouldn't recommend",
    ],
)
def test_negations_are_negative(text: str) -> None:
    assert classify(text) == "negative"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not bad", "neutral"),
        ("not bad at all", "neutral"),
        ("not that bad", "neutral"),
        ("not bad, not great", "neutral"),
        ("it wasn't late", "neutral"),  # no complaint is not the same as praise
        ("no complaints", "neutral"),
        ("can't fault them", "positive"),
        ("didn't have to wait at all", "positive"),
        ("couldn't have been better", "positive"),
        ("not only quick but friendly", "positive"),
    ],
)
def test_negation_idioms(text: str, expected: str) -> None:
    assert classify(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # time
        "the delivery was late",
        "a bit slow",
        "we waited ages",
        "took forever",
        "it was delayed",
        "took hours",
        # price
        "quite expensive",
        "overpriced",
        "bit pricey",
        "it cost too much",
        # staff
        "the lady was rude",
        "unfriendly receptionist",
        "felt ignored",
        "the salesman was pushy",
        # quality
        "it broke",
        "arrived broken",
        "feels cheap",
        "faulty",
        "stopped working after a week",
        "defective",
        "it came scratched",
        "wrong item",
        # communication
        "never called back",
        "no reply to my email",
        "they didn't answer",
        "no one told me it was cancelled",
        "the invoice was confusing",
    ],
)
def test_complaints_without_strong_words_are_negative(text: str) -> None:
    assert classify(text) == "negative"


@pytest.mark.parametrize(
    "text",
    [
        "loved it",
        "great",
        "excellent",
        "amazing",
        "very friendly",
        "fast delivery",
        "will definitely come back",
        "exactly what I needed",
        "yes, would recommend",
        "10/10",
    ],
)
def test_clear_praise_is_positive(text: str) -> None:
    assert classify(text) == "positive"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("great food but the wait was too long", "negative"),
        ("lovely staff, shame it was so expensive", "negative"),
        ("it was fine but the driver was rude", "negative"),
        ("the staff were great, food was okay", "neutral"),
        ("loved the cake, delivery was alright", "neutral"),
    ],
)
def test_mixed_answers_never_lose_a_complaint(text: str, expected: str) -> None:
    assert classify(text) == expected


@pytest.mark.parametrize(
    "text", ["thanks", "thank you so much!", "please", "cheers, bye", "thanks for calling"]
)
def test_politeness_alone_is_not_praise(text: str) -> None:
    assert classify(text) == "neutral"


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "???", "asdfgh", "um", "...", "\u00e9\u00e9"])
def test_empty_and_unintelligible_are_neutral(text: str) -> None:
    assert classify(text) == "neutral"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nothing really, all good", "positive"),
        # a flat "nothing" is neutral (both blind labellers agreed); praise beside it wins
        ("honestly nothing", "neutral"),
        ("Nothing.", "neutral"),
        ("can't think of anything", "neutral"),
        ("maybe call before delivering", "neutral"),
        ("more vegan options would be great", "neutral"),
        ("lower prices lol", "neutral"),
        ("you should have called before coming", "negative"),
        ("maybe call first, the driver was an hour late", "negative"),
    ],
)
def test_improvement_suggestions_follow_the_documented_rule(text: str, expected: str) -> None:
    """Future requests are neutral; only a reported problem makes a suggestion negative."""
    assert classify(text) == expected


def test_owner_can_extend_the_vocabulary() -> None:
    custom = DEFAULT_VOCABULARY.extended(neutral=("middlin",), negative=("squiffy",))
    assert classify("the staff were great but the food was middlin") == "positive"
    assert classify("the staff were great but the food was middlin", custom) == "neutral"
    assert classify("lovely staff, squiffy chair") == "positive"
    assert classify("lovely staff, squiffy chair", custom) == "negative"
    assert explain("lovely staff, squiffy chair", custom).matched == ("squiffy",)
    # the default is untouched and negation applies to owner words too
    assert "middlin" not in DEFAULT_VOCABULARY.neutral
    assert classify("the table wasn't squiffy", custom) == "neutral"


def test_owner_words_override_the_defaults() -> None:
    """Filing a default word under another label moves it rather than duplicating it."""
    custom = DEFAULT_VOCABULARY.extended(positive="cheap")
    assert "cheap" in custom.positive
    assert "cheap" not in custom.negative
    assert classify("cheap and cheerful") == "negative"
    assert classify("cheap and cheerful", custom) == "positive"


def test_extending_with_nothing_keeps_an_equal_vocabulary() -> None:
    assert DEFAULT_VOCABULARY.extended() == DEFAULT_VOCABULARY


def test_vocabulary_is_frozen_and_hashable() -> None:
    """Hashable so the compiled matcher can be cached per vocabulary."""
    vocabulary = Vocabulary(positive=("yay",), neutral=(), negative=("boo",))
    assert hash(vocabulary) == hash(Vocabulary(("yay",), (), ("boo",)))
    with pytest.raises(AttributeError):
        vocabulary.positive = ()  # type: ignore[misc]
    assert classify("yay", vocabulary) == "positive"
    assert classify("boo, yay", vocabulary) == "negative"
    assert classify("great", vocabulary) == "neutral"


def test_default_vocabulary_files_each_phrase_under_one_label() -> None:
    seen: dict[str, str] = {}
    for label in LABELS:
        for phrase in getattr(DEFAULT_VOCABULARY, label):
            key = " ".join(phrase.lower().split())
            assert seen.setdefault(key, label) == label, f"{phrase!r} is in two labels"


@pytest.mark.parametrize(
    ("text", "label", "matched"),
    [
        ("it was fine, thanks!", "neutral", ("fine",)),
        ("Wasn't great to be honest", "negative", ("Wasn't great",)),
        ("they never called me back", "negative", ("never called me back",)),
        ("great food but the wait was too long", "negative", ("wait", "too long")),
        ("the staff were great, food was okay", "neutral", ("okay",)),
        ("Loved it!", "positive", ("Loved",)),
        ("asdf", "neutral", ()),
    ],
)
def test_explain_returns_the_deciding_words(
    text: str, label: str, matched: tuple[str, ...]
) -> None:
    explanation = explain(text)
    assert isinstance(explanation, Explanation)
    assert explanation.label == label
    assert explanation.matched == matched
    assert explanation.reasons


def test_explain_reasons_are_readable() -> None:
    assert '"fine" is lukewarm (neutral)' in explain("it was fine").reasons
    assert 'negated: "not great"' in explain("it was not great").reasons
    reasons = explain("thank you so much, it was okay").reasons
    assert '"thank you so much" is politeness (ignored)' in reasons
    mixed = explain("great food but the wait was too long").reasons
    assert any("outranks" in reason for reason in mixed)


def test_classify_is_explain_label() -> None:
    for text, _ in _labelled()[:40]:
        assert classify(text) == explain(text).label


_OPINION_WORDS = [
    "not", "never", "no", "one", "great", "fine", "okay", "late", "too", "long", "bad",
    "nothing", "thanks", "wasn't", "wasnt", "didn\u2019t", "called", "back", "enough",
    "fixed", "broken", "worried", "8/10", "should", "of", "maybe", "but", ",", ".", "!", "?",
    "-", "&", "%", " - ", "no-one", "\u0130", "\u00df", "\ufb01",
]  # fmt: skip


@given(st.text())
def test_classify_never_raises_on_arbitrary_text(text: str) -> None:
    assert classify(text) in LABELS


@given(st.lists(st.sampled_from(_OPINION_WORDS), max_size=25).map(" ".join))
def test_classify_is_total_on_opinion_word_soup(text: str) -> None:
    explanation = explain(text)
    assert explanation.label in LABELS
    for quoted in explanation.matched:
        assert quoted in text  # explanations quote what was actually typed
