"""What answers worded like this one meant before: a naive Bayes reading of an answer over
labelled answers, with the rules' verdict as one of its features.

Why a model beside the rules: the rules scored 77% on writers they were never tuned on,
because every writer praises and complains in words no list has. Word counts from the
labelled answers in ``answers/`` (eleven writers) generalise better, and with the rules' verdict
as one more feature the model learns how far to trust the rules, and where. Why naive Bayes:
it trains by counting (no dependency, no stored weights that go stale when the answers or
rules change), and every label is explained by the words that weighed most for it.

The owner's corrections are more labelled answers (each counts ``CORRECTION_WEIGHT`` times),
so what the owner teaches also moves answers worded like the one corrected. Two things the
model never overrides: the owner's label for the very answer they labelled (``sentiment``
applies it first), and a lukewarm word ("fine", "okay", "alright"): a model may call such an
answer a complaint, never praise.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from followup_cli import sentiment
from followup_cli.config import app_dir
from followup_cli.errors import InvalidInput
from followup_cli.files import write_private_text
from followup_cli.sentiment import (
    DEFAULT_VOCABULARY,
    LABELS,
    NEGATORS,
    WORDS_FILE,
    Correction,
    Explanation,
    Label,
    Vocabulary,
    explain_by_rules,
    question_kind,
    split_words,
)

CORPUS = Path(__file__).with_name("answers")
ANSWER_COLUMNS = ("answer", "text")
CORRECTION_WEIGHT = 5  # one correction by the owner counts as this many written answers
RULES_STAND_FROM = 0.15  # the rules' label stands while answers like this meant it this often
UNSURE_BELOW = 0.9  # below this the model was right about half the time: the call asks
SHOWN_WORDS = 3
_MARK = "?"  # starts every feature that is not the customer's words; no word contains it


@dataclass(frozen=True)
class LabelledAnswer:
    answer: str
    label: Label
    question: str | None


def read_labelled(path: Path) -> list[LabelledAnswer]:
    """A CSV with an ``answer`` (or ``text``) and a ``label`` column, and optionally the
    ``question`` asked; every bad row is named by its line, so a file is fixed in one pass."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            reader = csv.DictReader(file)
            header = {name.strip().lower(): name for name in reader.fieldnames or () if name}
            answer_column = next((header[c] for c in ANSWER_COLUMNS if c in header), None)
            if answer_column is None or "label" not in header:
                raise InvalidInput(
                    f"{path} needs an answer column and a label column (header "
                    "`question,answer,label`; question is optional)."
                )
            question_column = header.get("question")
            rows: list[LabelledAnswer] = []
            problems: list[str] = []
            for row in reader:
                label = (row.get(header["label"]) or "").strip().lower()
                answer = row.get(answer_column) or ""
                if label not in LABELS:
                    problems.append(
                        f"line {reader.line_num}: label {label!r} is not positive, neutral or "
                        "negative"
                    )
                    continue
                question = (row.get(question_column) or "").strip() if question_column else ""
                rows.append(LabelledAnswer(answer, label, question or None))
    except FileNotFoundError:
        raise InvalidInput(f"No file at {path}.") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InvalidInput(f"Cannot read {path}: {exc}") from None
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise InvalidInput(f"{path}: " + "; ".join(problems[:3]) + more + ".")
    if not rows:
        raise InvalidInput(f"{path} has no labelled answers.")
    return rows


def features(
    text: str, question: str | None, verdict: Explanation
) -> dict[str, tuple[int, int] | None]:
    """Each feature of an answer, with where in the text it was said (None: not words).

    The words as the rules normalise them ("wasn't" is "was not"), each word inside a negated
    clause marked as negated ("not:rude"), pairs of neighbouring words in one clause, and the
    question's kind, a very short answer, an exclamation and the rules' verdict."""
    split = split_words(text)
    found: dict[str, tuple[int, int] | None] = {}
    negated_clause: int | None = None
    for index, (word, clause) in enumerate(zip(split.words, split.clauses, strict=True)):
        if negated_clause != clause:
            negated_clause = None
        feature = f"not:{word}" if negated_clause is not None else word
        found.setdefault(feature, split.spans[index])
        if index and split.clauses[index - 1] == clause:
            pair = f"{split.words[index - 1]} {word}"
            found.setdefault(pair, (split.spans[index - 1][0], split.spans[index][1]))
        if word in NEGATORS:
            negated_clause = clause
    if kind := question_kind(question):
        found[f"{_MARK}question:{kind}"] = None
    if len(split.words) <= 2:
        found[f"{_MARK}short"] = None
    if "!" in text:
        found[f"{_MARK}exclaimed"] = None
    guess = " guess" if verdict.guessed else ""
    found[f"{_MARK}rules:{verdict.label}{guess}"] = None
    return found


@dataclass(frozen=True, eq=False)  # compared by identity: two models are never the same
class Model:
    """How often each feature was seen in answers of each label."""

    counts: Mapping[Label, Mapping[str, int]]
    examples: Mapping[Label, int]
    taught: int  # of the examples, the owner's corrections

    @classmethod
    def counted(cls, rows: Iterable[tuple[Iterable[str], Label, int]]) -> Model:
        """A model from (features, label, weight) rows."""
        counts: dict[Label, Counter[str]] = {label: Counter() for label in LABELS}
        examples: Counter[Label] = Counter()
        for found, label, weight in rows:
            examples[label] += weight
            for feature in found:
                counts[label][feature] += weight
        return cls(counts, {label: examples[label] for label in LABELS}, 0)

    def plus(self, other: Model, taught: int) -> Model:
        """This model with another's counts added (the owner's corrections)."""
        counts = {label: Counter(self.counts[label]) for label in LABELS}
        for label in LABELS:
            counts[label].update(other.counts[label])
        examples = {label: self.examples[label] + other.examples[label] for label in LABELS}
        return Model(counts, examples, taught)

    @cached_property
    def known(self) -> frozenset[str]:
        """Every feature seen, whatever its label."""
        return frozenset(f for counts in self.counts.values() for f in counts)

    @cached_property
    def _denominators(self) -> dict[Label, int]:
        """Per label: its features counted, plus one for each known feature (smoothing)."""
        return {label: sum(self.counts[label].values()) + len(self.known) for label in LABELS}

    def weight(self, feature: str, label: Label) -> float:
        """log P(feature | label), add-one smoothed."""
        return math.log((self.counts[label].get(feature, 0) + 1) / self._denominators[label])

    def posterior(self, found: Iterable[str]) -> dict[Label, float]:
        """P(label | features), over the features the model has seen."""
        seen = [feature for feature in found if feature in self.known]
        total = sum(self.examples.values())
        scores = {
            label: math.log(self.examples[label] / total)
            + sum(self.weight(feature, label) for feature in seen)
            for label in LABELS
        }
        top = max(scores.values())
        chance = {label: math.exp(score - top) for label, score in scores.items()}
        whole = sum(chance.values())
        return {label: value / whole for label, value in chance.items()}

    def leaning(self, found: Iterable[str], label: Label) -> list[str]:
        """The customer's words that weighed most for ``label`` over each other label."""
        weighed = []
        for feature in found:
            if feature.startswith(_MARK) or feature not in self.known:
                continue
            margin = min(
                self.weight(feature, label) - self.weight(feature, other)
                for other in LABELS
                if other != label
            )
            if margin > 0:
                weighed.append((margin, feature))
        return [feature for _, feature in sorted(weighed, reverse=True)[:SHOWN_WORDS]]


def train(rows: Iterable[LabelledAnswer | Correction], weight: int = 1) -> Model:
    """A model counted from labelled answers, each read by the built-in rules first."""

    def counted(row: LabelledAnswer | Correction) -> tuple[Iterable[str], Label, int]:
        verdict = explain_by_rules(row.answer, DEFAULT_VOCABULARY, row.question)
        return features(row.answer, row.question, verdict), row.label, weight

    return Model.counted(counted(row) for row in rows if split_words(row.answer).words)


def fingerprint() -> str:
    """What the built-in counts depend on: the labelled answers, the word lists and the code
    that reads them."""
    digest = hashlib.sha256()
    for source in (*sorted(CORPUS.glob("*.csv")), WORDS_FILE, Path(sentiment.__file__)):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def built_in() -> Model:
    """The model of every labelled answer that ships with followup.

    Counting reads each answer with the rules first, about two seconds, so the counts are
    kept in the app folder's cache and counted again only when the answers, the word lists or
    this code change (a fingerprint of all of them). A cache that cannot be read or written
    costs only the time."""
    current = fingerprint()
    cache = app_dir() / "cache" / "answers-model.json"
    try:
        kept = json.loads(cache.read_text(encoding="utf-8"))
        whole = set(kept["counts"]) == set(kept["examples"]) == set(LABELS)
        if kept["fingerprint"] == current and whole:
            return Model(kept["counts"], kept["examples"], 0)
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no cache yet, or not one this code wrote: count again
    model = train(row for path in sorted(CORPUS.glob("*.csv")) for row in read_labelled(path))
    kept = {"fingerprint": current, "counts": model.counts, "examples": model.examples}
    with suppress(OSError):
        write_private_text(cache, json.dumps(kept, separators=(",", ":")))
    return model


@lru_cache(maxsize=8)
def _with_corrections(corrections: tuple[Correction, ...]) -> Model:
    if not corrections:
        return built_in()
    return built_in().plus(train(corrections, CORRECTION_WEIGHT), len(corrections))


def model_for(vocabulary: Vocabulary) -> Model:
    """The built-in model plus what the owner's corrections teach."""
    return _with_corrections(vocabulary.learned)


def reread(
    text: str,
    question: str | None,
    vocabulary: Vocabulary,
    verdict: Explanation,
    model: Model | None = None,
) -> Explanation:
    """The label for an answer the rules gave ``verdict``: the rules' own when they read how
    the answer is put together (sarcasm, a complaint played down), or when answers worded like
    this one meant it often enough; otherwise (or when the rules were guessing) the model's,
    explained by the words that weighed most. ``model``: another than the built-in one plus
    the owner's corrections (to measure one counted without a set)."""
    model = model or model_for(vocabulary)
    if not all(model.examples.get(label) for label in LABELS):
        return verdict  # no answers counted for a label (a broken install): the rules alone
    found = features(text, question, verdict)
    chance = model.posterior(found)
    if verdict.firm or (not verdict.guessed and chance[verdict.label] >= RULES_STAND_FROM):
        return verdict
    label = max(LABELS, key=chance.__getitem__)
    if label == "positive" and verdict.lukewarm:
        return verdict  # a lukewarm word is never praise, whatever the counts say
    words = model.leaning(found, label)
    quoted = tuple(text[span[0] : span[1]] for word in words if (span := found[word]))
    said = f"answers with {', '.join(map(_as_said, words))}" if words else "answers like this"
    heard = f"{said} were mostly {label} ({chance[label]:.0%} of the time)"
    if not verdict.guessed and label != verdict.label:
        heard = f"{label}, not {verdict.label}: {heard}"
    if model.taught:
        heard += f"; {model.taught} of the answers counted are your own labels"
    guessed = chance[label] < UNSURE_BELOW
    return Explanation(label, (*verdict.reasons, heard), quoted, guessed, verdict.lukewarm)


def _as_said(feature: str) -> str:
    """A feature as the owner reads it: "not:rude" is "rude" in a negated clause."""
    if feature.startswith("not:"):
        return f'"{feature.removeprefix("not:")}" (negated)'
    return f'"{feature}"'
