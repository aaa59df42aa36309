"""What `followup sentiment` shows: a labelled file's score, the words the owner taught."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich import box

from followup_cli.render.plain import say
from followup_cli.render.screen import SafeTable, console
from followup_cli.sentiment import LABELS

if TYPE_CHECKING:
    from followup_cli.config import Settings
    from followup_cli.listening import LearnedAnswer, Score
    from followup_cli.sentiment import Explanation


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def score(result: Score, source: str) -> None:
    """Accuracy, recall per label and the confusion matrix (rows: the file's label)."""
    say(f"{source}: {result.correct} of {result.total} answers labelled as the file says.")
    say(f"Accuracy: {_pct(result.accuracy)}")
    for label in LABELS:
        expected = sum(result.confusion[label].values())
        say(f"Recall {label}: {_pct(result.recall(label))} of {expected}")
    if result.guessed:
        say(f"{result.guessed} of them were too close to call (a call asks you to pick a label).")
    table = SafeTable(box=box.SIMPLE_HEAD, title="File's label (rows) by suggested label")
    table.add_column("")
    for label in LABELS:
        table.add_column(label, justify="right")
    for row in LABELS:
        table.add_row(row, *(str(result.confusion[row][got]) for got in LABELS))
    console.print(table)


def explanation(why: Explanation) -> None:
    shown = "no suggestion (too close to call; pick a label)" if why.guessed else why.label
    say(f"Label: {shown}")
    for reason in why.reasons:
        say(f"  - {reason}")


def words(settings: Settings, learned: Sequence[LearnedAnswer]) -> None:
    """The owner's own words (settings.toml) and what their corrections teach."""
    own = [
        (label, settings_words)
        for label, settings_words in (
            ("positive", settings.sentiment_positive),
            ("neutral", settings.sentiment_neutral),
            ("negative", settings.sentiment_negative),
        )
        if settings_words
    ]
    if own:
        say("Your words (settings.toml [sentiment]):")
        for label, listed in own:
            say(f"  {label}: " + ", ".join(f'"{w}"' for w in listed))
    if not learned:
        say(
            "No corrections learned yet. When you change a suggested label during "
            "`followup call`, the same answer gets your label next time."
        )
        return
    table = SafeTable(box=box.SIMPLE_HEAD, title="Learned from your corrections")
    for column in ("#", "Date", "Question", "Answer", "Your label", "Was", "Note"):
        table.add_column(column)
    for item in learned:
        table.add_row(
            str(item.answer_id), item.answered_on.isoformat(), item.question, item.answer,
            item.label, item.suggested or "-", f"not learned: {item.refused}" if item.refused else "",
        )  # fmt: skip
    console.print(table)
    say("Stop one teaching with `followup sentiment forget ID`.")
