"""Listening that generalises: answers read with their question, the error classes found on
answers written blind, learning from the owner's corrections, and `followup sentiment`.

The labelled sets in followup_cli/answers are what the learned layer (sentiment_model) is
counted from, so the suggestion's score on them means nothing; the rules' scores on them,
before that layer, meant this:
* labelled_answers.csv: the rules were extended until they passed it (98% before this work;
  96.4% after the first round, 98.0% after the second);
* answers_fresh_a.csv, answers_fresh_b.csv: written blind by two writers who never saw the
  rules; the rules scored 69.2% and 66.0% on them, and were then tuned on their errors
  (91.7% and 89.6%; 95.2% and 92.0% after the second round);
* answers_untuned_c.csv: written blind by a third writer after the tuning, never looked at
  row by row: an honest score (60.8% before, 74.7% after the first round, 77.1% after the
  second);
* answers_fresh_d.csv: 360 answers with their questions, written blind by a fourth writer
  who never saw the rules. Before the second round the rules scored 67.2% on it (recall
  positive 55%, neutral 73%, negative 73%). It was split by row number: rows 0 and 1 of every
  three (D-dev, 240 answers) were read and tuned on; row 2 of every three (D-holdout, 120)
  never was. After: D 87.5% (recall 87 / 86 / 90), D-dev 67.1% -> 94.6%, and D-holdout
  67.5% -> 73.3% (recall 68 / 73 / 79): the holdout and set C are the figures to believe;
* answers_untuned_e.csv: 360 answers with their questions, written blind by a fifth writer
  while D was being tuned on, and never read row by row by anyone who changed the rules. Its
  score was taken once before the second round (70.6%: recall positive 69%, neutral 74%,
  negative 68%) and once after (77.2%: recall 79% / 76% / 77%);
* answers_fresh_h.csv to answers_fresh_l.csv: 1,800 answers by five more blind writers, written
  to be counted from (the rules scored 66.7-75.6% on them; never tuned on).

Held out in tests/data, read by no one who changed the code, and scored once before and once
after the learned layer: answers_fresh_f.csv (the rules 76.9%, the suggestion 92.5%) and
answers_fresh_g.csv (75.6%, 91.4%), two more blind writers of 360 answers each.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from followup_cli import calls, listening, sentiment_model
from followup_cli.cli import app
from followup_cli.config import Settings
from followup_cli.followups import log_interaction
from followup_cli.scheduling import RuleSet
from followup_cli.script import load_script
from followup_cli.sentiment import (
    DEFAULT_VOCABULARY,
    Correction,
    Explanation,
    Vocabulary,
    explain,
    explain_by_rules,
    question_kind,
)
from followup_cli.sentiment_model import LabelledAnswer, read_labelled
from followup_cli.store import Database, Tx
from tests.helpers import make_contact

DATA = Path(__file__).parents[1] / "followup_cli" / "answers"  # what the model is counted from
DATA_HELD_OUT = Path(__file__).parent / "data"
RECOMMEND = "Are you willing to recommend us to others?"
DO_BETTER = "What could we do better?"
LIKED_BEST = "What did you like best about the bike?"
WHAT_HAPPENED = "What happened?"
runner = CliRunner()


def label(text: str, question: str | None = None) -> str:
    return explain(text, DEFAULT_VOCABULARY, question).label


def ruled(text: str, question: str | None = None) -> str:
    """The rules' own label, before the learned layer weighs it: the tests of how the rules
    read an answer use this; the suggestion the owner sees is ``label``."""
    return explain_by_rules(text, DEFAULT_VOCABULARY, question).label


# --------------------------------------------------------------------------------------------
# The scores, kept as regression tests (floors just under today's figures)
# --------------------------------------------------------------------------------------------


def _rules_score(rows: list[LabelledAnswer]) -> listening.Score:
    return listening.score(rows, DEFAULT_VOCABULARY, explain_by_rules)


def _meets(score: listening.Score, accuracy: float, recall: float) -> bool:
    labels = ("positive", "neutral", "negative")
    return score.accuracy >= accuracy and min(score.recall(x) or 0.0 for x in labels) >= recall


@pytest.mark.parametrize(
    ("name", "accuracy", "recall"),
    [("answers_fresh_f.csv", 0.92, 0.90), ("answers_fresh_g.csv", 0.91, 0.88)],
)
def test_the_suggestions_on_sets_nothing_was_tuned_or_trained_on(
    name: str, accuracy: float, recall: float
) -> None:
    """The issue's bar is 90% with 85% recall per label; F scored 92.5% (91.7 / 95.0 / 90.8)
    and G 91.4% (89.2 / 93.3 / 91.7). The rules alone scored 76.9% and 75.6% on them."""
    rows = read_labelled(DATA_HELD_OUT / name)
    assert len(rows) == 360
    assert _meets(listening.score(rows, DEFAULT_VOCABULARY), accuracy, recall)
    assert not _meets(_rules_score(rows), 0.80, 0.0)  # the rules alone are far below


def test_a_writer_the_model_never_read_is_heard_as_well() -> None:
    """Leave one writer out: counted without set E, the model still scores over 90% on it."""
    held_out = DATA / "answers_untuned_e.csv"
    rows = [r for p in sorted(DATA.glob("*.csv")) if p != held_out for r in read_labelled(p)]
    model = sentiment_model.train(rows)

    def without_e(answer: str, vocabulary: Vocabulary, question: str | None) -> Explanation:
        verdict = explain_by_rules(answer, vocabulary, question)
        return sentiment_model.reread(answer, question, vocabulary, verdict, model)

    score = listening.score(read_labelled(held_out), DEFAULT_VOCABULARY, without_e)
    assert _meets(score, 0.91, 0.90)


@pytest.mark.parametrize(
    ("name", "accuracy", "recall"),
    [
        ("answers_fresh_a.csv", 0.94, 0.90),
        ("answers_fresh_b.csv", 0.91, 0.87),
        ("answers_untuned_c.csv", 0.76, 0.74),
        ("answers_fresh_d.csv", 0.87, 0.84),
        ("answers_untuned_e.csv", 0.76, 0.75),
        ("labelled_answers.csv", 0.97, 0.95),
    ],
)
def test_the_rules_alone_do_not_fall(name: str, accuracy: float, recall: float) -> None:
    """The rules' own scores, which the learned layer starts from (these sets now teach it,
    so the suggestion's score on them would mean nothing)."""
    rows = read_labelled(DATA / name)
    assert len(rows) >= 300
    assert _meets(_rules_score(rows), accuracy, recall)


# --------------------------------------------------------------------------------------------
# The question
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        (RECOMMEND, "yes_no"),
        ("Would you leave us an honest review?", "yes_no"),
        ("Is everything sorted now?", "yes_no"),
        (DO_BETTER, "do_better"),
        ("Is there anything we could have done differently?", "do_better"),
        (LIKED_BEST, "liked_best"),
        ("What stood out for you?", "liked_best"),
        (WHAT_HAPPENED, "what_went_wrong"),
        ("What would make it right?", "what_went_wrong"),
        ("Would you mind leaving us a review?", "would_mind"),
        ("How did it go?", "open"),
        ("", None),
        (None, None),
    ],
)
def test_the_kind_of_question_comes_from_its_words(question: str | None, kind: str) -> None:
    assert question_kind(question) == kind


@pytest.mark.parametrize(
    "answer", ["No.", "nah", "Not a chance.", "I doubt it.", "Probably not, to be honest."]
)
def test_a_no_to_a_yes_no_question_is_a_refusal(answer: str) -> None:
    assert label(answer, RECOMMEND) == "negative"
    assert ruled(answer, DO_BETTER) == "neutral"  # nothing to improve


def test_without_a_question_a_bare_no_is_unchanged() -> None:
    assert label("No.") == "neutral"
    assert explain("No.").guessed


def test_no_to_would_you_mind_is_a_yes() -> None:
    assert label("Not at all.", "Would you mind leaving us a review?") == "positive"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Nothing really, all good", "positive"),
        ("Nothing, it was perfect", "positive"),
        ("Nothing really", "neutral"),
        ("Return my emails.", "negative"),
        ("Turn up when you say you will.", "negative"),
        ("Clean up after yourselves, there was dust everywhere.", "negative"),
        ("Maybe a loyalty card?", "neutral"),
    ],
)
def test_do_better_answers(answer: str, expected: str) -> None:
    assert label(answer, DO_BETTER) == expected


def test_liked_best_names_what_they_liked_and_nothing_is_not_praise() -> None:
    assert label("The bouquet.", LIKED_BEST) == "positive"
    assert label("The bouquet.") == "neutral"
    assert label("Nothing really stood out.", LIKED_BEST) == "neutral"
    assert label("Nothing, the gears are still slipping.", LIKED_BEST) == "negative"


def test_what_went_wrong_answers_describe_the_problem_unless_excused() -> None:
    assert label("The driver reversed into my wall.", WHAT_HAPPENED) == "negative"
    assert label("It wasn't anything you did, I was ill.", WHAT_HAPPENED) == "neutral"


# --------------------------------------------------------------------------------------------
# The error classes found on the blind sets
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("It was faster than last time", "positive"),
        ("Much easier to book this time", "positive"),
        ("The friendliest staff around", "positive"),
        ("She explained it all very politely", "positive"),
        ("a massive difference", "positive"),
        ("over the moon with it", "positive"),
        ("honestly a breeze", "positive"),
        ("a real class act", "positive"),
        ("ten out of ten", "positive"),
        ("shocking customer service", "negative"),
        ("not what I was hoping for", "negative"),
        ("I expected more", "negative"),
        ("I'll call you later", "neutral"),  # "late" has no forms: "later" is no complaint
    ],
)
def test_word_forms_and_idioms(answer: str, expected: str) -> None:
    assert label(answer) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("The staff were nice but it took three weeks to arrive", "negative"),
        ("Took a while but worth it", "positive"),
        ("Bit pricey but worth every penny", "positive"),
        ("Lovely people but the boiler broke again", "negative"),  # a fault is never conceded
        ("Took three weeks, and the staff were lovely", "negative"),  # no contrast word
        ("Took a while. Worth it though", "positive"),
    ],
)
def test_contrast(answer: str, expected: str) -> None:
    assert label(answer) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Not bad at all, actually I was really impressed", "positive"),
        ("The price was really fair and the quality is excellent", "positive"),
        ("The staff were great, food was okay", "neutral"),  # plain praise stays outranked
        ("I have zero complaints", "neutral"),
        ("Feels like it'll last forever", "positive"),
        ("Yep, no issues", "neutral"),
    ],
)
def test_precedence(answer: str, expected: str) -> None:
    assert label(answer) == expected


def test_a_little_sarcasm() -> None:
    assert label("Oh yeah, super fast, only took a month") == "negative"
    assert label("It only took a week, brilliant") == "positive"


def test_an_answer_no_words_decide_is_a_guess_the_call_can_ask_about() -> None:
    why = explain("The van was blue.")
    assert (why.label, why.guessed) == ("neutral", True)
    assert not explain("The van was blue.", question=LIKED_BEST).guessed


def test_every_label_says_why() -> None:
    why = explain("Took a while but worth it")
    assert why.matched and any("outweighs" in reason for reason in why.reasons)


# --------------------------------------------------------------------------------------------
# The error classes found on blind set D (rules read from D-dev only), with everyday wordings
# --------------------------------------------------------------------------------------------

PUT_RIGHT = "Are you happy with how we put it right?"
REVIEW = "Would you leave us a review?"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Any problems with the install?", "do_better"),
        ("Did anything go wrong?", "do_better"),
        ("Is there anything else we should know?", "do_better"),
        (PUT_RIGHT, "yes_no"),
        ("Can you tell me what happened?", "what_went_wrong"),
    ],
)
def test_asking_whether_anything_is_wrong_is_not_a_yes_no_question(
    question: str, kind: str
) -> None:
    assert question_kind(question) == kind


def test_a_no_to_whether_anything_went_wrong_is_no_refusal() -> None:
    assert label("No.", "Did anything go wrong?") == "neutral"
    assert label("Nope, nothing to add.", "Is there anything else we should know?") == "neutral"
    assert label("It's done, that's the main thing.", PUT_RIGHT) == "neutral"
    assert label("No, it's still dripping.", PUT_RIGHT) == "negative"


@pytest.mark.parametrize(
    ("answer", "question", "expected"),
    [
        ("I don't really do reviews, sorry.", REVIEW, "neutral"),
        ("I don't really do online reviews.", "Would you mind leaving us a review?", "neutral"),
        ("Probably, yeah. I don't really do recommendations.", RECOMMEND, "neutral"),
        ("I wouldn't recommend you to anyone.", RECOMMEND, "negative"),
        ("I wouldn't recommend you, to be honest", None, "negative"),
        ("The coffee's nice but no, not after how I was treated.", RECOMMEND, "negative"),
    ],
)
def test_a_refusal_inside_a_sentence_is_not_a_no(
    answer: str, question: str | None, expected: str
) -> None:
    assert label(answer, question) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Nobody's called me back.", "negative"),  # "nobody's" is "nobody is": a negator
        ("I regretted booking it.", "negative"),  # "regret" -> "regretted"
        ("The shelf wobbles.", "negative"),  # "wobble" -> "wobbles"
        ("It's been troubling me all week.", "negative"),  # "trouble" -> "troubling"
        ("I'd been fasting since midnight.", "neutral"),  # "fast": no verb forms
        ("All kinds of options.", "neutral"),  # "kind": no verb forms
    ],
)
def test_possessives_and_verb_forms(answer: str, expected: str) -> None:
    assert label(answer) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Dead pleased with it.", "positive"),
        ("Terribly good of them to come out.", "positive"),
        ("Awfully nice of the lad.", "positive"),
    ],
)
def test_a_complaint_word_before_praise_intensifies_it(answer: str, expected: str) -> None:
    assert label(answer) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Lovely. Just lovely. The tyre's flat again.", "negative"),
        ("Brilliant, just brilliant.", "negative"),
        ("Fab, if you enjoy sitting in traffic.", "negative"),
        ("Thanks for nothing.", "negative"),
        ("It's just brilliant.", "positive"),  # praise said once is meant
        ("Lovely, if you're ever passing do pop in.", "positive"),
    ],
)
def test_sarcasm_markers(answer: str, expected: str) -> None:
    assert label(answer) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("One tiny scratch on the frame but nothing major.", "neutral"),
        ("Bit of a rattle, minor though.", "neutral"),
        ("Nothing major to report, all great.", "positive"),  # nothing to play down
    ],
)
def test_a_played_down_problem_is_neutral(answer: str, expected: str) -> None:
    assert label(answer) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Wish I'd found you years ago.", "positive"),
        ("We should have come to you first.", "positive"),
        ("You should have called first.", "negative"),  # their failure, not a regret
        ("I should have been told sooner.", "negative"),
    ],
)
def test_regret_at_not_coming_sooner_is_praise(answer: str, expected: str) -> None:
    assert label(answer) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Lovely loaf, none of that sliced factory rubbish.", "positive"),
        ("It doesn't squeak anymore.", "positive"),
        ("No longer leaking, thank you.", "positive"),
        ("My old boiler was so noisy, this one is lovely and quiet.", "positive"),
        ("It sounds like it did when my late husband played it. So grateful.", "positive"),
        ("It still isn't charging.", "negative"),
    ],
)
def test_negation_scope_and_what_came_before(answer: str, expected: str) -> None:
    assert label(answer) == expected


@pytest.mark.parametrize(
    ("answer", "question", "expected"),
    [
        ("We'll need to wait a few weeks and see.", None, "neutral"),
        ("Yes, it arrived. Haven't opened it yet.", "Has the parcel arrived?", "neutral"),
        ("Yeah, not had it out on the road yet.", None, "neutral"),
        ("The parking could be easier.", None, "neutral"),
        ("Just don't change anything! We loved it.", DO_BETTER, "positive"),
        ("Make it cheaper. Kidding, it's perfect.", DO_BETTER, "positive"),
    ],
)
def test_hedges_suggestions_and_jokes(answer: str, question: str | None, expected: str) -> None:
    assert label(answer, question) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("I rang six times.", "negative"),
        ("We've emailed you twice about it.", "negative"),
        ("You called to check on me, lovely.", "positive"),  # "on me" is no excuse here
        ("There's no better place in town.", "positive"),
        ("Cheers love.", "neutral"),  # "love" here is how they talk, not praise
    ],
)
def test_chasing_excuses_and_terms_of_address(answer: str, expected: str) -> None:
    assert label(answer) == expected


@pytest.mark.parametrize(
    "answer",
    [
        "Fitted the smart meter, all good.",
        "I was embarrassed about my teeth but they were so kind.",
        "The kids could run around while we ate, lovely.",
        "Packed up and gone by five, spotless.",
        "Shot two below par, the course was perfect.",
        "The lights came back on straight away, brilliant.",
    ],
)
def test_words_that_complain_only_in_some_uses_are_not_listed(answer: str) -> None:
    """Guards: "smart", "embarrassed", "run around", "packed up", "below par", "came back on"
    are complaints in some trades and praise or plain description in others."""
    assert label(answer) == "positive"


def test_narrow_phrases_keep_the_complaint_those_words_carried() -> None:
    assert label("The warning light came back on.") == "negative"
    assert label("There's a buzzing noise from the fridge.") == "negative"


def test_an_exclamation_without_opinion_words_is_a_positive_guess() -> None:
    why = explain("The kids went straight back out on their bikes!")
    assert (why.label, why.guessed) == ("positive", True)
    assert explain("The kids went straight back out on their bikes.").label == "neutral"
    assert explain("Thank you so much!").label == "neutral"  # politeness, not enthusiasm


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Top job, lads.", "positive"),
        ("Works a charm now.", "positive"),
        ("Night and day compared to before.", "positive"),
        ("Scrummy, every last bite.", "positive"),
        ("She's been singing your praises to everyone.", "positive"),
        ("Means the world to us.", "positive"),
        ("Forty quid down the drain.", "negative"),
        ("Proper bodge job, complete cowboys.", "negative"),
        ("Daylight robbery for what it was.", "negative"),
        ("Grotty bathroom, mind.", "negative"),
        ("Swings and roundabouts, but good fun.", "neutral"),
        ("As far as I know, yeah.", "neutral"),
    ],
)
def test_everyday_idioms(answer: str, expected: str) -> None:
    assert label(answer) == expected


# --------------------------------------------------------------------------------------------
# Learning from the owner
# --------------------------------------------------------------------------------------------

SETTINGS = Settings(owner="Sam", business="Sam's Bikes")
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def _call_with(tx: Tx, today: dt.date, rules: RuleSet, answers: dict[str, Any]) -> None:
    make_contact(tx, email="ann@example.com")
    logged = log_interaction(
        tx, "Ann Lee", "sale", on=today, today=today, now=NOW, rules=rules, amount_cents=12900
    )
    phone = next(f for f in logged.scheduling.scheduled if f.channel == "phone")
    calls.record_answers_file(
        tx, phone.id, load_script(), {"reach": "reached", **answers}, today=phone.due_on,
        now=NOW, rules=rules, settings=SETTINGS,
    )  # fmt: skip


def test_a_correction_changes_a_later_label_and_can_be_forgotten(
    tx: Tx, today: dt.date, rules: RuleSet
) -> None:
    said = "Sorted, cheers"
    assert label(said, LIKED_BEST) != "neutral"
    answers = {"liked_best": said, "liked_best_label": "neutral", "do_better": "Nothing"}
    _call_with(tx, today, rules, {**answers, "recommend": "yes", "review": "agreed"})
    (learned,) = listening.corrections(tx)
    assert (learned.answer, learned.label, learned.refused) == (said, "neutral", None)
    vocabulary = listening.owner_vocabulary(tx, SETTINGS)
    why = explain("sorted, cheers!", vocabulary, "What did you like most?")
    assert why.label == "neutral"
    assert why.reasons == (f'you labelled "{said}" neutral before',)
    # the same words to another kind of question are not the same answer
    assert explain(said, vocabulary, RECOMMEND).label != "neutral"

    listening.forget(tx, learned.answer_id)
    assert listening.corrections(tx) == []
    vocabulary = listening.owner_vocabulary(tx, SETTINGS)
    assert explain(said, vocabulary, LIKED_BEST).label != "neutral"


def test_a_correction_never_turns_the_neutral_words_into_praise() -> None:
    refused = Correction("It was fine", "positive", LIKED_BEST)
    from followup_cli.sentiment import refused_correction

    assert refused_correction(refused) == '"fine" is a built-in neutral word and stays neutral'
    assert refused_correction(Correction("It was fine", "negative", LIKED_BEST)) is None


def test_forgetting_an_unknown_correction_says_how_to_list_them(tx: Tx) -> None:
    from followup_cli.errors import NotFound

    with pytest.raises(NotFound, match="sentiment words"):
        listening.forget(tx, 99)


# --------------------------------------------------------------------------------------------
# `followup sentiment`
# --------------------------------------------------------------------------------------------


def test_sentiment_check_prints_the_figures(tmp_path: Path, db: Database) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(
        "question,answer,label\n"
        f"{RECOMMEND},No.,negative\n"
        ",Brilliant job,positive\n"
        ",It was okay,neutral\n"
        ",It was okay,positive\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["sentiment", "check", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:5] == [
        f"{path}: 3 of 4 answers labelled as the file says.",
        "Accuracy: 75.0%",
        "Recall positive: 50.0% of 2",
        "Recall neutral: 100.0% of 1",
        "Recall negative: 100.0% of 1",
    ]
    assert "File's label (rows) by suggested label" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("answer\nhi\n", "needs an answer column and a label column"),
        ("answer,label\nhi,good\n", "line 2: label 'good' is not positive, neutral or negative"),
        ("answer,label\n", "has no labelled answers"),
    ],
)
def test_sentiment_check_refuses_a_bad_file_in_one_line(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["sentiment", "check", str(path), "--defaults"])
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_sentiment_try_shows_the_label_and_why(db: Database) -> None:
    result = runner.invoke(app, ["sentiment", "try", "No.", "--question", RECOMMEND])
    assert result.exit_code == 0
    assert result.output == 'Label: negative\n  - "No" says no to the question (negative)\n'
    guess = runner.invoke(app, ["sentiment", "try", "The van was blue."])
    assert guess.output.startswith("Label: no suggestion (too close to call; pick a label)\n")


def test_sentiment_words_empty_state_says_what_teaches_it(db: Database) -> None:
    result = runner.invoke(app, ["sentiment", "words"])
    assert result.exit_code == 0
    assert "No corrections learned yet." in result.output


def test_sentiment_forget_unknown_is_one_line_and_exit_3(db: Database) -> None:
    result = runner.invoke(app, ["sentiment", "forget", "7"])
    assert result.exit_code == 3
    assert result.output == (
        "Error: No correction #7 is being learned from. See them with `followup sentiment words`.\n"
    )
