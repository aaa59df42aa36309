"""How well the suggested labels listen: scoring them on a labelled file, and what the owner's
own corrections teach them.

The owner's corrections are the answers whose label was set by hand (``call_answer.overridden``),
read straight from the calls, so there is one record of what the owner said; ``forget`` stops
one of them teaching without touching the call it belongs to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from followup_cli.config import Settings
from followup_cli.errors import NotFound
from followup_cli.sentiment import (
    DEFAULT_VOCABULARY,
    LABELS,
    Correction,
    Explanation,
    Label,
    Vocabulary,
    explain,
    refused_correction,
)
from followup_cli.sentiment_model import LabelledAnswer
from followup_cli.store import Tx
from followup_cli.store.rows import AnswerRow, fetch, update


@dataclass
class Score:
    """Accuracy, per-label recall and the confusion matrix (``confusion[expected][got]``)."""

    confusion: dict[Label, dict[Label, int]] = field(
        default_factory=lambda: {e: dict.fromkeys(LABELS, 0) for e in LABELS}
    )
    guessed: int = 0  # answers too close to call, where a call asks the owner

    @property
    def total(self) -> int:
        return sum(sum(row.values()) for row in self.confusion.values())

    @property
    def correct(self) -> int:
        return sum(self.confusion[label][label] for label in LABELS)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def recall(self, label: Label) -> float | None:
        """Of the answers labelled ``label``, the share the classifier found (None: none)."""
        row = self.confusion[label]
        expected = sum(row.values())
        return row[label] / expected if expected else None


def score(
    rows: Iterable[LabelledAnswer],
    vocabulary: Vocabulary,
    read: Callable[[str, Vocabulary, str | None], Explanation] = explain,
) -> Score:
    """Label every answer (with its question, when the file gives one) and count agreements.
    ``read``: another reader than the suggestion's (the rules alone, a model counted
    without a set), to measure it the same way."""
    result = Score()
    for row in rows:
        why = read(row.answer, vocabulary, row.question)
        result.confusion[row.label][why.label] += 1
        result.guessed += why.guessed
    return result


@dataclass(frozen=True)
class LearnedAnswer:
    """One correction as the owner sees it: what was said, the label they chose, and whether
    it teaches (``refused`` says why not)."""

    answer_id: int
    answered_on: dt.date
    question: str
    answer: str
    label: Label
    suggested: str | None
    refused: str | None


def corrections(tx: Tx) -> list[LearnedAnswer]:
    """Every label the owner set by hand and has not asked to forget, oldest first."""
    rows = fetch(
        tx, AnswerRow, "overridden = :yes AND learn = :yes AND label IN (:p, :n, :x)",
        {"yes": True, "p": "positive", "n": "neutral", "x": "negative"},
    )  # fmt: skip
    found: list[LearnedAnswer] = []
    for row in rows:
        label: Label = row.label  # type: ignore[assignment]  # the query keeps only labels
        found.append(
            LearnedAnswer(
                answer_id=row.id,
                answered_on=row.answered_at.date(),
                question=row.question,
                answer=row.answer,
                label=label,
                suggested=row.suggested_label,
                refused=refused_correction(Correction(row.answer, label, row.question)),
            )
        )
    return found


def owner_vocabulary(tx: Tx, settings: Settings) -> Vocabulary:
    """The words every suggestion uses: the defaults, the owner's own (settings.toml
    [sentiment]) and what their corrections teach (those the rules accept), applied first."""
    words = DEFAULT_VOCABULARY.extended(
        positive=settings.sentiment_positive,
        neutral=settings.sentiment_neutral,
        negative=settings.sentiment_negative,
    )
    taught: Sequence[Correction] = [
        Correction(c.answer, c.label, c.question) for c in corrections(tx) if c.refused is None
    ]
    return words.taught(taught)


def forget(tx: Tx, answer_id: int) -> LearnedAnswer:
    """Stop one correction teaching; the call keeps its answer and label."""
    known = {c.answer_id: c for c in corrections(tx)}
    if answer_id not in known:
        raise NotFound(
            f"No correction #{answer_id} is being learned from. See them with "
            "`followup sentiment words`."
        )
    update(tx, "call_answer", answer_id, {"learn": False})
    return known[answer_id]
