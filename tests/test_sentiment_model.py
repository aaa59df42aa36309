"""The learned layer (followup_cli.sentiment_model): when it may overrule the rules, what it
never does, how the owner's corrections move it, and its cache of counts."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from followup_cli import sentiment_model
from followup_cli.sentiment import (
    DEFAULT_VOCABULARY,
    Correction,
    explain,
    explain_by_rules,
)
from followup_cli.store import Database

HOW = "How did it go?"


def test_a_model_label_quotes_the_words_that_weighed_most_as_typed() -> None:
    ruled = explain_by_rules("The new BIKE is mint", question=HOW)
    why = explain("The new BIKE is mint", question=HOW)
    assert ruled.guessed  # the rules know no word here
    assert (why.label, why.guessed) == ("positive", False)
    assert "mint" in why.matched and "new BIKE" in why.matched
    assert why.reasons[-1].startswith('answers with "mint"')


def test_the_model_overrules_the_rules_only_where_they_were_rarely_right() -> None:
    """ "a bit slow": the rules hear a complaint; answers worded so, to "how did it go?", were
    neutral 97% of the time, and the reason says both."""
    why = explain("a bit slow", question=HOW)
    assert explain_by_rules("a bit slow", question=HOW).label == "negative"
    assert why.label == "neutral"
    assert why.reasons[0] == '"slow" is a complaint (negative)'
    assert why.reasons[-1].startswith("neutral, not negative: answers with")
    # where answers worded like it meant the rules' label often enough, the rules' reading
    # is shown unchanged
    shocking = "shocking customer service"
    assert explain(shocking, question=HOW) == explain_by_rules(shocking, question=HOW)


def test_without_a_question_the_suggestion_is_the_rules_as_before() -> None:
    """Every answer counted was said to a question, so without one the model has nothing to
    go on (and the issue asks for today's behaviour there)."""
    for answer in ("a bit slow", "thank you so much!", "The new BIKE is mint"):
        assert explain(answer) == explain_by_rules(answer)
    assert explain("thank you so much!", question=HOW).label == "positive"


@pytest.mark.parametrize(
    "answer",
    ["Fab, if you enjoy sitting in traffic.", "Thanks for nothing.", "Brilliant. Just brilliant."],
)
def test_sarcasm_the_rules_read_stands(answer: str) -> None:
    """Word counts hear "fab" and "thanks"; the rules read how the answer is put together."""
    assert explain_by_rules(answer, question=HOW).firm
    assert explain(answer, question=HOW).label == "negative"


def test_on_every_answer_the_model_counts_a_lukewarm_word_is_never_made_praise() -> None:
    """Of the answers the rules hear a lukewarm word in and do not call praise, the counts
    would call some praise; each keeps the rules' reading instead, which is no guess."""
    rows = [
        r
        for p in sorted(sentiment_model.CORPUS.glob("*.csv"))
        for r in sentiment_model.read_labelled(p)
        if r.question
    ]
    ruled = [(r, explain_by_rules(r.answer, question=r.question)) for r in rows]
    lukewarm = [(r, why) for r, why in ruled if why.lukewarm and why.label != "positive"]
    assert len(lukewarm) > 300
    for row, why in lukewarm:
        suggested = explain(row.answer, question=row.question)
        assert suggested.label != "positive"
        if suggested.label == why.label:
            assert suggested == why  # "Not bad at all, thanks!" is not "too close to call"


def test_a_correction_moves_answers_worded_like_it_and_forgetting_it_moves_them_back() -> None:
    before = explain("That cake was sick", question=HOW)
    taught = DEFAULT_VOCABULARY.taught([Correction("The linework is sick", "positive", HOW)])
    after = explain("That cake was sick", taught, HOW)
    assert before.label == "negative"
    assert after.label == "positive"
    assert after.reasons[-1].endswith("1 of the answers counted are your own labels")
    assert explain("That cake was sick", DEFAULT_VOCABULARY.taught([]), HOW) == before


def test_the_owners_own_words_decide_before_the_model() -> None:
    """Filing "naff" as a complaint in settings makes it one, where the counts hear only a
    mild "a bit slow" and would say neutral."""
    own = DEFAULT_VOCABULARY.extended(negative=["naff"])
    assert explain("a bit naff, a bit slow", question=HOW).label == "neutral"
    why = explain("a bit naff, a bit slow", own, HOW)
    assert (why.label, why.own_words) == ("negative", True)
    assert "naff" in why.matched


# --------------------------------------------------------------------------------------------
# The cache of counts
# --------------------------------------------------------------------------------------------


@pytest.fixture
def fresh_counts() -> Iterator[None]:
    """Count again in this test's app folder, and leave no fake counts for later tests."""
    for cached in (sentiment_model.built_in, sentiment_model._with_corrections):
        cached.cache_clear()
    yield
    for cached in (sentiment_model.built_in, sentiment_model._with_corrections):
        cached.cache_clear()


def _cache(home: Path) -> Path:
    return home / "cache" / "answers-model.json"


@pytest.mark.usefixtures("fresh_counts")
def test_the_counts_are_kept_private_and_read_back_instead_of_counted_again(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = sentiment_model.built_in()
    cache = _cache(isolated_home)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    sentiment_model.built_in.cache_clear()

    def must_not_count(*args: object, **kwargs: object) -> sentiment_model.Model:
        raise AssertionError("counted again although the cache was current")

    monkeypatch.setattr(sentiment_model, "train", must_not_count)
    kept = sentiment_model.built_in()
    assert kept.counts == counted.counts and kept.examples == counted.examples


@pytest.mark.usefixtures("fresh_counts")
@pytest.mark.parametrize(
    "content",
    [
        "not json at all",
        '{"fingerprint": "from another version", "counts": {}, "examples": {}}',
        "[]",
        '{"counts": 3}',
        '{"fingerprint": "FINGERPRINT", "counts": {}, "examples": {}}',
    ],
)
def test_a_stale_or_damaged_cache_is_counted_again(isolated_home: Path, content: str) -> None:
    cache = _cache(isolated_home)
    cache.parent.mkdir()
    cache.write_text(content.replace("FINGERPRINT", sentiment_model.fingerprint()), "utf-8")
    model = sentiment_model.built_in()
    assert sum(model.examples.values()) > 3000
    assert json.loads(cache.read_text(encoding="utf-8"))["fingerprint"] != "from another version"


@pytest.mark.usefixtures("fresh_counts")
def test_a_cache_that_cannot_be_written_costs_only_time(isolated_home: Path) -> None:
    (isolated_home / "cache").write_text("a file where the folder would go", encoding="utf-8")
    assert explain("The new bike is mint", question=HOW).label == "positive"  # counted anyway


@pytest.mark.usefixtures("fresh_counts")
def test_a_call_counts_while_the_owner_greets_the_customer(
    db: Database, isolated_home: Path
) -> None:
    """The first call after installing works the counts out as it starts, not at the first
    answer (about two seconds, once)."""
    from followup_cli.cli.call_session import CallRun

    run = CallRun(db)
    run.warming.join(timeout=60)
    assert _cache(isolated_home).exists()
