"""Suggest a positive / neutral / negative label for what a customer said on a follow-up call.

Why rules and not a model: the owner has to trust (and be able to correct) the suggestion,
so every label comes with the phrases that decided it, and the owner can add their own
words from settings (``Vocabulary.extended``). The rules are tuned for how people talk on
the phone, where politeness is cheap and lukewarm words are the real signal.

Conventions (``tests/data/labelled_answers.csv`` is labelled by the same rules):

* Precedence is negative > neutral > positive. One complaint makes the whole answer
  negative ("great food but the wait was too long"), so a complaint is never lost; praise
  mixed with a lukewarm word is neutral ("the staff were great, food was okay").
* Lukewarm words ("fine", "okay", "alright", "not bad", "good enough", "decent", "so-so",
  "average", "nothing special"), hedges ("I guess", "kind of", "probably") and praise
  qualified by "enough" ("nice enough") are neutral. Politeness ("thanks", "thank you so
  much", "please", "cheers") is ignored: it never makes an answer positive by itself.
* Negation: a negator ("not", "never", "no", "nobody", "hardly", ...; contractions with or
  without apostrophes) up to three words before a phrase, in the same clause, flips it:
  negated praise is negative ("not great", "wasn't happy"); negated top-end praise is only
  lukewarm ("not perfect", "not amazing"); negated lukewarm is negative ("not okay", "not
  good enough"); a negated complaint is neutral, because the absence of a complaint is not
  praise ("wasn't late"); and a negated expectation ("never called back", "didn't fit",
  "no one answered") is negative. Idioms are listed as whole phrases ("not bad" neutral,
  "no complaints" / "can't fault them" / "didn't have to wait" positive).
* Improvement suggestions: a request about the future ("maybe call before delivering",
  "more vegan options would be great", "lower prices") is neutral; it is negative only when
  it also reports something that went wrong ("... the driver left it in the rain" needs a
  complaint word to be caught) or is a counterfactual about the past ("you should have
  called", "would have been nice to get a call"), which reports a failure.
* "Nothing" on its own ("honestly nothing", "nothing really, all good") is read as the
  answer to "what could we do better?" and is positive. A bare "no" depends on the question
  and stays neutral; a bare "yes" / "definitely" is positive.
* A complaint word right after a repair verb describes the job, not the service ("fixed our
  broken boiler"), and one after a fear did not happen ("worried it'd be late but it came on
  time"); both are ignored. "too" + any word is an excess and a complaint ("cut it too
  short"). A rating "N/10" or "N out of 5" counts as praise from 80%, lukewarm from 50%, a
  complaint below.
* Empty, whitespace-only or unrecognised text is neutral: the rules only know the phrases
  they list, so an unlisted complaint ("asked for no onions and got onions") is missed. That
  is the main weakness, and why owners can add words.

``Explanation.matched`` quotes the answer as typed ("wasn't great"), so a UI can highlight it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

Label = Literal["positive", "neutral", "negative"]
LABELS: tuple[Label, ...] = ("positive", "neutral", "negative")


@dataclass(frozen=True)
class Vocabulary:
    """Phrases per label; multi-word phrases allowed, matched on word boundaries, any case."""

    positive: tuple[str, ...]
    neutral: tuple[str, ...]
    negative: tuple[str, ...]

    def extended(
        self,
        positive: Iterable[str] = (),
        neutral: Iterable[str] = (),
        negative: Iterable[str] = (),
    ) -> Vocabulary:
        """Add the owner's words; a phrase the owner files under one label leaves the others,
        so the owner can also re-label a default word (e.g. make "cheap" positive)."""
        added: dict[Label, tuple[str, ...]] = {
            "positive": _as_phrases(positive),
            "neutral": _as_phrases(neutral),
            "negative": _as_phrases(negative),
        }
        current: dict[Label, tuple[str, ...]] = {
            "positive": self.positive,
            "neutral": self.neutral,
            "negative": self.negative,
        }
        merged: dict[Label, tuple[str, ...]] = {}
        for label in LABELS:
            taken_elsewhere = {
                _phrase_key(p) for other in LABELS if other != label for p in added[other]
            }
            kept = [p for p in current[label] if _phrase_key(p) not in taken_elsewhere]
            known = {_phrase_key(p) for p in kept}
            kept += [p for p in added[label] if _phrase_key(p) not in known]
            merged[label] = tuple(kept)
        return Vocabulary(merged["positive"], merged["neutral"], merged["negative"])


def _as_phrases(words: Iterable[str]) -> tuple[str, ...]:
    """Accept a single string as one phrase (a common slip: extended(neutral="meh"))."""
    if isinstance(words, str):
        words = (words,)
    return tuple(w for w in words if isinstance(w, str) and _phrase_key(w))


def _load_words() -> dict[str, dict[str, list[str]]]:
    """The word lists live in a data file so they can be read and reviewed as words."""
    with (Path(__file__).parent / "sentiment_words.toml").open("rb") as file:
        return tomllib.load(file)


_WORDS = _load_words()


def _section(name: str) -> tuple[str, ...]:
    return tuple(word for group in _WORDS[name].values() for word in group)


def _grammar(name: str) -> tuple[str, ...]:
    return tuple(_WORDS["grammar"][name])


DEFAULT_VOCABULARY = Vocabulary(
    positive=_section("positive"), neutral=_section("neutral"), negative=_section("negative")
)

# Grammar: these are not opinions, so they are not part of the owner-editable vocabulary.
_NEGATORS = frozenset(_grammar("negators"))
_NEGATION_WINDOW = 3
_SHORT_NEGATORS = frozenset(_grammar("short_negators"))
_SHORT_NEGATION_WINDOW = 2
_BELIEF_VERBS = frozenset(_grammar("belief_verbs"))
_BELIEF_WINDOW = 5
_NOT_NEGATING_NEXT = frozenset(_grammar("not_negating_next"))
_EXPECTATIONS = _grammar("expectations")
_POLITENESS = _grammar("politeness")
_NOT_OPINIONS = _grammar("not_opinions")
_STRONG_PRAISE = frozenset(_grammar("strong_praise"))
_REPAIR_VERBS = frozenset(_grammar("repair_verbs"))
_REPAIR_WINDOW = 3
_FEAR_WORDS = frozenset(_grammar("fear_words"))
_FEAR_WINDOW = 6
_NOT_AN_EXCESS = frozenset(_grammar("not_an_excess"))
_NOTHING_FILLERS = frozenset(_grammar("nothing_fillers"))
_CLAUSE_WORDS = frozenset(_grammar("clause_words"))

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
#: Per-word rewrites, in order, so "wasnt" == "wasn't" == "was not" and "cant" == "can not".
_CONTRACTIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"^won'?t$", "will not"),
        (r"^can'?t$|^cannot$", "can not"),
        (r"^shan'?t$", "shall not"),
        (r"^ain'?t$", "is not"),
        (
            r"^(is|are|was|were|do|does|did|has|have|had|could|would|should|must|need|might)"
            r"n'?t$",
            r"\1 not",
        ),
        (r"n't$", " not"),
        (r"^(it|that|there|what|he|she|here|who|where|how)'s$", r"\1 is"),
        (r"^thats$", "that is"),
        (r"^let's$", "let us"),
        (r"^i'?m$", "i am"),
        (r"'re$", " are"),
        (r"^(i|you|we|they|should|could|would|might|must)'?ve$", r"\1 have"),
        (r"'ll$", " will"),
        (r"'d$", " would"),
        (r"^noone$", "nobody"),
        (r"'", ""),
    )
)
_SYMBOL_WORDS: dict[str, str] = {"&": "and", "%": "percent", "+": "plus"}
_MODALS_BEFORE_OF: frozenset[str] = frozenset({"should", "could", "would", "must", "might"})
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[&%+]|[.,;:!?()\[\]{}\"\n\u2026]|\s[-\u2013\u2014]+\s")
_RATING = re.compile(
    r"(?<![\d.])(\d{1,2}(?:\.\d+)?)\s*(?:/|out of)\s*(10|5)(?![\d])", re.IGNORECASE
)


@dataclass(frozen=True)
class Explanation:
    """Why an answer got its label, for showing next to the suggestion.

    ``matched`` quotes the customer's own words (as typed) that decided the label.
    """

    label: Label
    reasons: tuple[str, ...]
    matched: tuple[str, ...]
    guessed: bool = False  # no words decided it: the call asks the owner to pick a label


@dataclass(frozen=True)
class _Signal:
    label: Label
    reason: str
    matched: str


@dataclass(frozen=True)
class _Matcher:
    """One compiled alternation of every phrase, longest first, and what each phrase is."""

    pattern: re.Pattern[str]
    kinds: dict[str, str]


@dataclass(frozen=True)
class _Words:
    """Normalised words, the clause each is in, and where each came from in the text."""

    words: list[str]
    clauses: list[int]
    spans: list[tuple[int, int]]


def _split(text: str) -> _Words:
    """Normalise word by word, keeping spans so explanations can quote what was typed."""
    words: list[str] = []
    clauses: list[int] = []
    spans: list[tuple[int, int]] = []
    clause = 0
    for match in _TOKEN.finditer(text.translate(_APOSTROPHES)):
        token = match.group(0).lower()
        if token in _SYMBOL_WORDS:
            token = _SYMBOL_WORDS[token]
        elif not token[0].isalnum():
            clause += 1
            continue
        for pattern, replacement in _CONTRACTIONS:
            token = pattern.sub(replacement, token)
        for word in token.split():
            if word == "one" and words and words[-1] == "no" and clauses[-1] == clause:
                words[-1] = "nobody"
                spans[-1] = (spans[-1][0], match.end())
                continue
            if word == "of" and words and words[-1] in _MODALS_BEFORE_OF:
                word = "have"  # "should of" is how "should've" sounds
            if word in _CLAUSE_WORDS:
                clause += 1
            words.append(word)
            clauses.append(clause)
            spans.append(match.span())
    return _Words(words, clauses, spans)


def _phrase_key(phrase: str) -> str:
    """The form a phrase is matched in: normalised words joined by single spaces."""
    return " ".join(_split(phrase).words)


@lru_cache(maxsize=64)
def _compile(vocabulary: Vocabulary) -> _Matcher:
    """Build the matcher once per vocabulary; the owner's phrases override the grammar lists."""
    kinds: dict[str, str] = {}
    for kind, phrases in (
        ("expectation", _EXPECTATIONS),
        ("politeness", _POLITENESS),
        ("not_opinion", _NOT_OPINIONS),
        ("positive", vocabulary.positive),
        ("neutral", vocabulary.neutral),
        ("negative", vocabulary.negative),
    ):
        for phrase in phrases:
            key = _phrase_key(phrase)
            if key:
                kinds[key] = kind
    alternatives = sorted(kinds, key=lambda k: (-len(k.split()), -len(k), k))
    body = "|".join(re.escape(k) for k in alternatives)
    return _Matcher(pattern=re.compile(rf"(?<!\S)(?:{body})(?!\S)"), kinds=kinds)


def _negator_before(start: int, split: _Words, consumed: set[int]) -> int | None:
    """Index of a free negator close enough before ``start`` in the same clause, if any."""
    words, clauses = split.words, split.clauses
    for index in range(start - 1, max(-1, start - 1 - _BELIEF_WINDOW), -1):
        if clauses[index] != clauses[start] or index in consumed:
            return None  # a negator only reaches the first phrase after it, in its clause
        word = words[index]
        if word not in _NEGATORS:
            continue
        following = words[index + 1]
        if following in _NOT_NEGATING_NEXT:
            continue
        if following in _BELIEF_VERBS:
            reach = _BELIEF_WINDOW
        elif word in _SHORT_NEGATORS:
            reach = _SHORT_NEGATION_WINDOW
        else:
            reach = _NEGATION_WINDOW
        if start - index <= reach:
            return index
    return None


def _word_before(start: int, split: _Words, wanted: frozenset[str], window: int) -> str | None:
    """A word from ``wanted`` shortly before ``start`` in the same clause ("fixed the leak")."""
    for index in range(start - 1, max(-1, start - 1 - window), -1):
        if split.clauses[index] != split.clauses[start]:
            return None
        if split.words[index] in wanted:
            return split.words[index]
    return None


def _rating_signals(text: str) -> list[_Signal]:
    """A score ("8/10", "3 out of 5") is an opinion even without opinion words."""
    signals: list[_Signal] = []
    for match in _RATING.finditer(text):
        score, scale = float(match.group(1)), float(match.group(2))
        if score > scale:
            continue
        share = score / scale
        label: Label = "positive" if share >= 0.8 else "neutral" if share >= 0.5 else "negative"
        shown = match.group(0)
        signals.append(_Signal(label, f'rating "{shown}" ({label})', shown))
    return signals


def _phrase_signals(
    text: str, split: _Words, matcher: _Matcher
) -> tuple[list[_Signal], list[str], set[int]]:
    """Signals from vocabulary phrases, notes on what was ignored, and the words used up."""
    words = split.words
    joined = " ".join(words)
    word_at: dict[int, int] = {}
    offset = 0
    for index, word in enumerate(words):
        word_at[offset] = index
        offset += len(word) + 1
    found: list[tuple[int, int, str]] = []
    for match in matcher.pattern.finditer(joined):
        first = word_at[match.start()]
        found.append((first, first + len(match.group(0).split()), match.group(0)))
    consumed = {i for first, end, _ in found for i in range(first, end)}

    def quote(first: int, end: int) -> str:
        return text[split.spans[first][0] : split.spans[end - 1][1]]

    signals: list[_Signal] = []
    notes: list[str] = []
    for first, end, phrase in found:
        kind = matcher.kinds[phrase]
        if kind == "not_opinion":
            continue
        said = quote(first, end)
        if kind == "politeness":
            notes.append(f'"{said}" is politeness (ignored)')
            continue
        negator = _negator_before(first, split, consumed)
        negated = quote(negator, end) if negator is not None else said
        if kind == "expectation":
            if negator is not None:
                reason = f'expected but did not happen: "{negated}"'
                signals.append(_Signal("negative", reason, negated))
        elif kind == "positive":
            if negator is not None and phrase in _STRONG_PRAISE:
                reason = f'negated top praise: "{negated}" (neutral)'
                signals.append(_Signal("neutral", reason, negated))
            elif negator is not None:
                signals.append(_Signal("negative", f'negated: "{negated}"', negated))
            elif end < len(words) and words[end] == "enough":
                said = quote(first, end + 1)
                signals.append(_Signal("neutral", f'"{said}" is lukewarm (neutral)', said))
            else:
                signals.append(_Signal("positive", f'"{said}" is praise (positive)', said))
        elif kind == "neutral":
            if negator is not None:
                signals.append(_Signal("negative", f'negated: "{negated}"', negated))
            else:
                signals.append(_Signal("neutral", f'"{said}" is lukewarm (neutral)', said))
        else:
            repair = _word_before(first, split, _REPAIR_VERBS, _REPAIR_WINDOW)
            fear = _word_before(first, split, _FEAR_WORDS, _FEAR_WINDOW)
            if negator is not None:
                reason = f'negated complaint: "{negated}" (neutral, not praise)'
                signals.append(_Signal("neutral", reason, negated))
            elif repair is not None:
                notes.append(f'"{said}" after "{repair}" is the job done (ignored)')
            elif fear is not None:
                notes.append(f'"{said}" after "{fear}" is a fear, not what happened (ignored)')
            else:
                signals.append(_Signal("negative", f'"{said}" is a complaint (negative)', said))
    return signals, notes, consumed


def _excess_signals(text: str, split: _Words, consumed: set[int]) -> list[_Signal]:
    """An excess is a complaint even when the word is not listed ("cut it too short")."""
    words, clauses, spans = split.words, split.clauses, split.spans
    signals: list[_Signal] = []
    for index in range(len(words) - 1):
        following = index + 1
        if (
            words[index] == "too"
            and index not in consumed
            and following not in consumed
            and clauses[following] == clauses[index]
            and words[following].isalpha()
            and words[following] not in _NOT_AN_EXCESS
        ):
            negator = _negator_before(index, split, consumed)
            begin = spans[negator if negator is not None else index][0]
            said = text[begin : spans[following][1]]
            if negator is not None:
                signals.append(_Signal("neutral", f'negated excess: "{said}" (neutral)', said))
            else:
                signals.append(_Signal("negative", f'"{said}" is an excess (negative)', said))
    return signals


def _nothing_signals(text: str, split: _Words, consumed: set[int]) -> list[_Signal]:
    """A clause that is just "nothing" (plus fillers) answers "what could we do better?"."""
    signals: list[_Signal] = []
    for clause in sorted(set(split.clauses)):
        indices = [i for i, c in enumerate(split.clauses) if c == clause]
        clause_words = {split.words[i] for i in indices}
        nothing = [i for i in indices if split.words[i] == "nothing" and i not in consumed]
        if nothing and clause_words <= _NOTHING_FILLERS | {"nothing"}:
            start, end = split.spans[nothing[0]]
            said = text[start:end]
            reason = f'"{said}" on its own: nothing to improve (positive)'
            signals.append(_Signal("positive", reason, said))
    return signals


def explain(
    text: str, vocabulary: Vocabulary = DEFAULT_VOCABULARY, question: str | None = None
) -> Explanation:
    """Label an answer and say which phrases decided it (negative > neutral > positive)."""
    if not isinstance(text, str) or not text.strip():
        return Explanation("neutral", ("empty answer (neutral)",), (), guessed=True)
    split = _split(text)
    signals, notes, consumed = _phrase_signals(text, split, _compile(vocabulary))
    signals += _rating_signals(text.translate(_APOSTROPHES))
    signals += _excess_signals(text, split, consumed)
    signals += _nothing_signals(text, split, consumed)

    reasons = tuple(notes) + tuple(s.reason for s in signals)
    for label in ("negative", "neutral", "positive"):
        deciding = [s for s in signals if s.label == label]
        if not deciding:
            continue
        if len({s.label for s in signals}) > 1:
            reasons += (f"{label} outranks the rest (negative > neutral > positive)",)
        matched = tuple(dict.fromkeys(s.matched for s in deciding))
        return Explanation(label, reasons, matched)
    return Explanation("neutral", (*reasons, "no opinion words found (neutral)"), (), guessed=True)


def classify(
    text: str, vocabulary: Vocabulary = DEFAULT_VOCABULARY, question: str | None = None
) -> Label:
    """Just the suggested label; see ``explain`` for why."""
    return explain(text, vocabulary, question).label
