"""Suggest a positive / neutral / negative label for what a customer said on a follow-up call.

Two layers. The rules here read the answer: the owner has to trust (and be able to correct)
the suggestion, so every label comes with the phrases that decided it, and the owner can add
their own words from settings (``Vocabulary.extended``). The rules are tuned for how people
talk on the phone, where politeness is cheap and lukewarm words are the real signal. Then
``sentiment_model`` weighs the rules' verdict against what answers worded like this one meant
in 3,869 labelled answers by eleven writers, because rules alone scored 77% on writers they
were not tuned on; ``explain`` is both layers, ``explain_by_rules`` the first.

Conventions of the rules (``answers/labelled_answers.csv`` is labelled by the same rules):

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
* The question decides what a bare answer means: "No." refuses "would you recommend us?",
  but to a question asking whether anything is wrong ("Any problems?", "Anything else?") it
  says there is nothing to report (neutral). A refusal phrase inside a sentence ("I don't
  really do reviews") is no refusal, and its "not" then negates what follows ("I wouldn't
  recommend you").
* Word forms: an opinion word also matches its comparative, adverb and verb forms ("wobble",
  "wobbles"; "regret", "regretted"), except the few listed whose forms mean something else.
  A complaint adverb right before praise only intensifies it ("dead pleased", "awfully kind").
* Sarcasm: praise repeated after "just" ("Brilliant, just brilliant.") or followed by "if
  you enjoy" + a verb in -ing, and listed idioms ("thanks for nothing"), are complaints.
* A problem played down ("a rattle, but nothing major") or excused ("that's down to me") is
  neutral. What the customer had before ("my old boiler was so noisy") is no complaint about
  this business; nor is a problem that went away ("doesn't squeak anymore", praise), a joke
  ("Make them bigger. Kidding, they're perfect."), or regret at not coming sooner ("wish I'd
  called you months ago", praise). Ringing or emailing again and again is a complaint.
* Too soon to say is neutral: a negated clause ending in "yet" ("haven't opened it yet") and
  a wait chosen to see whether it worked ("wait a fortnight and see").
* Empty, whitespace-only or unrecognised text is neutral, and marked as a guess so the call
  asks; an answer with no opinion words but an exclamation mark ("He wore it to bed!") is a
  positive guess. The rules only know the phrases they list, so an unlisted complaint
  ("asked for no onions and got onions") is missed. That is the main weakness, and why owners
  can add words.

``Explanation.matched`` quotes the answer as typed ("wasn't great"), so a UI can highlight it.
"""

from __future__ import annotations

import dataclasses
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
class Correction:
    """An answer the owner labelled by hand: said again to the same kind of question, it gets
    the owner's label before any default word is looked at."""

    answer: str
    label: Label
    question: str | None = None


@dataclass(frozen=True)
class Vocabulary:
    """Phrases per label; multi-word phrases allowed, matched on word boundaries, any case;
    ``learned``: the owner's corrections, applied first; ``owned``: the phrases the owner
    filed themselves (normalised), which decide before anything counted."""

    positive: tuple[str, ...]
    neutral: tuple[str, ...]
    negative: tuple[str, ...]
    learned: tuple[Correction, ...] = ()
    owned: frozenset[str] = frozenset()

    def taught(self, corrections: Iterable[Correction]) -> Vocabulary:
        """These words, plus what the owner's corrections teach."""
        return dataclasses.replace(self, learned=tuple(corrections))

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
        owned = self.owned | {_phrase_key(p) for label in LABELS for p in added[label]}
        return Vocabulary(
            merged["positive"], merged["neutral"], merged["negative"], self.learned, owned
        )


def _as_phrases(words: Iterable[str]) -> tuple[str, ...]:
    """Accept a single string as one phrase (a common slip: extended(neutral="meh"))."""
    if isinstance(words, str):
        words = (words,)
    return tuple(w for w in words if isinstance(w, str) and _phrase_key(w))


WORDS_FILE = Path(__file__).with_name("sentiment_words.toml")


def _load_words() -> dict[str, dict[str, list[str]]]:
    """The word lists live in a data file so they can be read and reviewed as words."""
    with WORDS_FILE.open("rb") as file:
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
NEGATORS = frozenset(_grammar("negators"))
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
_SEE_WINDOW = 8
_EARLIER_WORDS = frozenset(_grammar("earlier_words"))
_EARLIER_WINDOW = 5
_NOT_AN_EXCESS = frozenset(_grammar("not_an_excess"))
_NOTHING_FILLERS = frozenset(_grammar("nothing_fillers"))
_CLAUSE_WORDS = frozenset(_grammar("clause_words"))
_NOTHING_TO_IMPROVE = _grammar("nothing_to_improve")
_EXCUSES = _grammar("excuses")
_MINIMISERS = _grammar("minimisers")
_REFUSALS = _grammar("refusals")
_YES = tuple(_WORDS["positive"]["yes"])
_REFUSAL_WORDS = frozenset(_grammar("refusal_words"))
_REFUSAL_CORES = frozenset(_grammar("refusal_cores"))
_INTENSIFIERS = frozenset(_grammar("intensifiers"))
_IMPERATIVES = frozenset(_grammar("imperatives"))
#: Complaints a "but" can concede ("took a while but worth it", "pricey but worth every penny").
_CONCESSIONS = _WORDS["negative"]["time"] + _WORDS["negative"]["price"]
#: Words after which the clause that follows weighs more ("nice, but it took three weeks").
_CONTRAST_WORDS = frozenset({"but", "though", "although", "however", "except", "whereas"})
#: "still" + these is fine ("still going strong", "still working").
_STILL_FINE = frozenset(_grammar("still_fine"))
_NOT_INFLECTED = frozenset(_grammar("not_inflected"))
_NO_VERB_FORMS = frozenset(_grammar("no_verb_forms"))
_LONG_WAITS = frozenset(_grammar("long_waits"))
_WAIT_VERBS = frozenset(_grammar("wait_verbs"))
_SPEED_PRAISE = frozenset(_WORDS["positive"]["speed_and_ease"])
#: "Don't change anything", "keep it up": told what to do, but only to carry on.
_NOTHING_TO_FAULT = _WORDS["positive"]["couldnt_be_better"]
_AUXILIARIES = frozenset(
    {"is", "are", "was", "were", "do", "does", "did", "has", "have", "had", "will", "would", "can"}
)
#: "Kidding, they're perfect": what came before was a joke.
_JOKING = frozenset({"kidding", "joking", "jk", "jokes"})
#: "doesn't squeak anymore", "no longer leaks": a negated complaint that has gone away.
_GONE_AWAY = ("anymore", "any more", "no longer")
#: "Lovely, if you enjoy being kept awake": liking words that make praise sarcastic.
_LIKING = frozenset({"enjoy", "like", "love", "fancy"})
#: "I rang six times", "we've emailed twice": the customer had to chase.
_CHASED = re.compile(
    r"\b(?:i|we) (?:have |had )?(?:called|rang|rung|phoned|emailed|messaged|texted|chased|wrote)"
    r"\b(?: \w+){0,4}? (?:twice|(?:three|four|five|six|seven|eight|nine|ten|several|a few"
    r"|multiple|many|\d+) times)\b"
)
#: "Wish I'd found you sooner", "we should have come to you first": regret at not coming sooner.
_REGRET = re.compile(
    r"(?:\bwish (?:i|we) (?:had|would have|would)|\b(?:i|we) should have) (?!been\b|not\b|never\b)"
    r"(?:\w+ ){0,6}?(?:sooner|earlier|years ago|months ago|ages ago|before now|first|years back)\b"
)
_VOWELS = frozenset("aeiou")

QuestionKind = Literal["liked_best", "do_better", "what_went_wrong", "would_mind", "yes_no", "open"]
#: How a question is told apart from its words (checked in this order), so a custom script's
#: own wording is read too. Anything else that starts with a verb is a yes/no question.
_QUESTION_PHRASES: tuple[tuple[QuestionKind, tuple[str, ...]], ...] = (
    ("do_better", (
        "better", "improve", "differently", "change", "could we", "should we",
        # Asking whether anything is wrong: a "no" says nothing is, so it is no refusal.
        "any problems", "any problem", "any issues", "any issue", "any complaints",
        "any concerns", "any trouble", "anything wrong", "anything go wrong",
        "anything went wrong", "anything else", "anything to add",
    )),
    ("liked_best", (
        "like best", "liked best", "like most", "liked most", "enjoy most", "enjoyed most",
        "favourite", "favorite", "stood out", "stand out", "stands out", "highlight",
        "best bit", "best part", "best thing",
    )),
    ("what_went_wrong", (
        "what happened", "went wrong", "go wrong", "gone wrong", "make it right",
        "put it right", "make things right", "put things right", "the problem was",
        "what was the problem", "what was the issue",
    )),
    ("would_mind", ("would you mind", "do you mind", "would it be okay", "would it be ok")),
)  # fmt: skip
_YES_NO_OPENERS = frozenset(
    {"would", "will", "are", "is", "was", "were", "did", "do", "does", "have", "has", "had",
     "can", "could", "may", "shall", "should", "any", "anything", "happy"}
)  # fmt: skip

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
        (
            r"^(it|that|there|what|he|she|here|who|where|how|one|nobody|somebody|everybody"
            r"|nothing|something|everything|someone|everyone)'s$",
            r"\1 is",
        ),
        (r"^thats$", "that is"),
        (r"^let's$", "let us"),
        (r"^i'?m$", "i am"),
        (r"'re$", " are"),
        (r"^(i|you|we|they|should|could|would|might|must)'?ve$", r"\1 have"),
        (r"'ll$", " will"),
        (r"'d$", " would"),
        (r"^noone$", "nobody"),
        (r"'s$", ""),  # a possessive: "the seam's coming up" is about the seam
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
    guessed: bool = False  # too close to call: the call asks the owner to pick a label
    lukewarm: tuple[str, ...] = ()  # the lukewarm words heard ("fine"): never praise
    firm: bool = False  # decided by how the answer is put together, which word counts miss
    taught: bool = False  # the owner labelled this very answer before
    own_words: bool = False  # the owner's own words (settings.toml [sentiment]) decided it


@dataclass(frozen=True)
class _Signal:
    label: Label
    reason: str
    matched: str
    clause: int = 0
    weak: bool = False  # a flat "nothing to improve": any praise beside it wins
    strong: bool = False  # top-end or intensified praise: outranks a lukewarm word
    concession: bool = False  # a time or price complaint a later "but ... worth it" can concede
    excuse: bool = False  # "not your fault", "nothing major": the complaints beside it are excused
    minimiser: bool = False  # "nothing major": without a complaint beside it, it says nothing
    lukewarm: bool = False  # "fine", "okay", "nice enough": never praise, whoever says otherwise
    firm: bool = False  # a reading of the answer's structure (sarcasm, chasing) word counts miss


@dataclass(frozen=True)
class _Matcher:
    """One compiled alternation of every phrase, longest first, and what each phrase is."""

    pattern: re.Pattern[str]
    kinds: dict[str, str]
    own: frozenset[str] = frozenset()  # the owner's phrases, or theirs under another label


@dataclass(frozen=True)
class Words:
    """Normalised words, the clause each is in, and where each came from in the text."""

    words: list[str]
    clauses: list[int]
    spans: list[tuple[int, int]]


def split_words(text: str) -> Words:
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
        for word in _expanded(token):
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
    return Words(words, clauses, spans)


@lru_cache(maxsize=8192)
def _expanded(token: str) -> tuple[str, ...]:
    """A token's words with its contraction spelled out, worked out once per distinct token
    (the rewrites are most of the cost of reading an answer)."""
    for pattern, replacement in _CONTRACTIONS:
        token = pattern.sub(replacement, token)
    return tuple(token.split())


def _phrase_key(phrase: str) -> str:
    """The form a phrase is matched in: normalised words joined by single spaces."""
    return " ".join(split_words(phrase).words)


def _forms(word: str) -> tuple[str, ...]:
    """The regular comparative, superlative and adverb of one opinion word, and its verb forms,
    so the lists hold base forms only ("fast" also matches "faster", "fastest"; "polite",
    "politely"; "wobble", "wobbles", "wobbled"; "regret", "regretted")."""
    if len(word) < 4 or not word.isalpha() or word in _NOT_INFLECTED:
        return ()
    if word.endswith("ly"):  # "friendly" -> "friendliest"
        return (word[:-1] + "ier", word[:-1] + "iest")
    if word.endswith(("ed", "ing", "s")):
        return ()
    if word.endswith(("ful", "ous", "ive", "ent", "ant", "ic", "al", "ish")):
        return (word + "ly",)
    return _degrees(word) + (() if word in _NO_VERB_FORMS else _verb_forms(word))


def _degrees(word: str) -> tuple[str, ...]:
    """ "-er", "-est" and "-ly", spelled the regular way."""
    if word.endswith("le"):
        return (word[:-1] + "r", word[:-1] + "st", word[:-2] + "ly")
    if word.endswith("y") and not word.endswith("ey"):
        stem = word[:-1] + "i"
        return (stem + "er", stem + "est", stem + "ly")
    if word.endswith("e"):
        return (word + "r", word + "st", word + "ly")
    short = len(word) == 4 and word[-1] not in "wxy"
    if short and word[-1] not in _VOWELS and word[-2] in _VOWELS and word[-3] not in _VOWELS:
        return (word + word[-1] + "er", word + word[-1] + "est", word + "ly")  # "slimmer"
    return (word + "er", word + "est", word + "ly")


def _verb_forms(word: str) -> tuple[str, ...]:
    """ "-s", "-ed" and "-ing", spelled the regular way; a final consonant after one vowel is
    also tried doubled ("regretted"), since a wrong spelling matches nothing."""
    if word.endswith("e") and not word.endswith("ee"):
        return (word + "s", word + "d", word[:-1] + "ing")
    if word.endswith("y") and word[-2] not in _VOWELS:
        return (word[:-1] + "ies", word[:-1] + "ied", word + "ing")
    if word.endswith(("x", "z", "ch", "sh")):
        return (word + "es", word + "ed", word + "ing")
    forms: tuple[str, ...] = (word + "s", word + "ed", word + "ing")
    if (
        word[-1] not in _VOWELS | {"w", "x", "y"}
        and word[-2] in _VOWELS
        and word[-3] not in _VOWELS
    ):
        forms += (word + word[-1] + "ed", word + word[-1] + "ing")
    return forms


@lru_cache(maxsize=64)
def _compile(vocabulary: Vocabulary) -> _Matcher:
    """Build the matcher once per vocabulary; the owner's phrases override the grammar lists."""
    kinds: dict[str, str] = {}
    for kind, phrases in (
        ("expectation", _EXPECTATIONS),
        ("politeness", _POLITENESS),
        ("not_opinion", _NOT_OPINIONS),
        ("nothing", _NOTHING_TO_IMPROVE),
        ("excuse", _EXCUSES),
        ("minimiser", _MINIMISERS),
        ("refusal", _REFUSALS),
        ("positive", vocabulary.positive),
        ("neutral", vocabulary.neutral),
        ("negative", vocabulary.negative),
    ):
        for phrase in phrases:
            key = _phrase_key(phrase)
            if key:
                kinds[key] = kind
    for kind, phrases in (("positive", vocabulary.positive), ("negative", vocabulary.negative)):
        for phrase in phrases:
            for form in _forms(_phrase_key(phrase)):
                kinds.setdefault(form, kind)  # a listed phrase keeps its own meaning
    alternatives = sorted(kinds, key=lambda k: (-len(k.split()), -len(k), k))
    body = "|".join(re.escape(k) for k in alternatives)
    own = frozenset(form for key in vocabulary.owned for form in (key, *_forms(key)))
    return _Matcher(re.compile(rf"(?<!\S)(?:{body})(?!\S)"), kinds, own)


def _negator_before(start: int, split: Words, consumed: set[int]) -> int | None:
    """Index of a free negator close enough before ``start`` in the same clause, if any."""
    words, clauses = split.words, split.clauses
    for index in range(start - 1, max(-1, start - 1 - _BELIEF_WINDOW), -1):
        if clauses[index] != clauses[start] or index in consumed:
            return None  # a negator only reaches the first phrase after it, in its clause
        word = words[index]
        if word not in NEGATORS:
            continue
        following = words[index + 1]
        if following in _NOT_NEGATING_NEXT:
            continue
        if following in _BELIEF_VERBS or (word == "none" and following == "of"):
            reach = _BELIEF_WINDOW  # "don't think they were helpful", "none of that cheap rubbish"
        elif word in _SHORT_NEGATORS:
            reach = _SHORT_NEGATION_WINDOW
        else:
            reach = _NEGATION_WINDOW
        if start - index <= reach:
            return index
    return None


def _word_before(start: int, split: Words, wanted: frozenset[str], window: int) -> str | None:
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


@lru_cache(maxsize=1)
def _concession_keys() -> frozenset[str]:
    return frozenset(_phrase_key(p) for p in _CONCESSIONS)


@lru_cache(maxsize=1)
def _carry_on_keys() -> frozenset[str]:
    return frozenset(_phrase_key(p) for p in _NOTHING_TO_FAULT)


@lru_cache(maxsize=1)
def _sarcasm_keys() -> frozenset[str]:
    return frozenset(map(_phrase_key, _WORDS["negative"]["sarcasm"]))


@lru_cache(maxsize=1)
def _yes_keys() -> frozenset[str]:
    return frozenset(_phrase_key(p) for p in _YES)


def _phrase_signals(
    text: str, split: Words, matcher: _Matcher, question: QuestionKind | None
) -> tuple[list[_Signal], list[str], set[int], set[int]]:
    """Signals from vocabulary phrases, notes on what was ignored, the words used up, and
    those inside lukewarm words or hedges."""
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
    hedged = {
        i for first, end, phrase in found if matcher.kinds[phrase] == "neutral"
        for i in range(first, end)
    }  # fmt: skip

    def quote(first: int, end: int) -> str:
        return text[split.spans[first][0] : split.spans[end - 1][1]]

    praise_starts = {first for first, _, phrase in found if matcher.kinds[phrase] == "positive"}
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
        clause = split.clauses[first]
        negator = _negator_before(first, split, consumed)
        negated = quote(negator, end) if negator is not None else said
        if kind == "expectation":
            if negator is not None:
                reason = f'expected but did not happen: "{negated}"'
                signals.append(_Signal("negative", reason, negated, clause))
        elif kind == "nothing":
            reason = f'"{said}": nothing to improve (neutral, unless praised)'
            signals.append(_Signal("neutral", reason, said, clause, weak=True))
        elif kind == "excuse":
            notes.append(f'"{said}": not the business\'s fault')
            reason = f'"{said}" excuses it (neutral)'
            signals.append(_Signal("neutral", reason, said, clause, excuse=True))
        elif kind == "minimiser":
            reason = f'"{said}" plays the problem down (neutral, unless praised)'
            signals.append(
                _Signal("neutral", reason, said, clause, weak=True, excuse=True, minimiser=True)
            )
        elif kind == "refusal":
            around = [
                i for i, c in enumerate(split.clauses) if c == clause and not first <= i < end
            ]
            if all(words[i] in _REFUSAL_WORDS for i in around):
                signals.append(_refusal(said, clause, question))
            else:  # "I don't really do reviews": a sentence, not an answer to the question
                notes.append(f'"{said}" inside a sentence is not a no (ignored)')
                consumed.difference_update(range(first, end))  # its "not" negates what follows
        elif kind == "positive":
            if negator is not None and phrase in _STRONG_PRAISE:
                reason = f'negated top praise: "{negated}" (neutral)'
                signals.append(_Signal("neutral", reason, negated, clause))
            elif negator is not None:
                signals.append(_Signal("negative", f'negated: "{negated}"', negated, clause))
            elif end < len(words) and words[end] == "enough":
                said = quote(first, end + 1)
                reason = f'"{said}" is lukewarm (neutral)'
                signals.append(_Signal("neutral", reason, said, clause, lukewarm=True))
            elif phrase in _yes_keys():
                reason = f'"{said}" is a yes (positive when nothing else is said)'
                signals.append(_Signal("positive", reason, said, clause, weak=True))
            else:
                before = first > 0 and split.clauses[first - 1] == clause
                intensified = before and words[first - 1] in _INTENSIFIERS
                if intensified:
                    said = quote(first - 1, end)
                strong = phrase in _STRONG_PRAISE or intensified or words[first] in _INTENSIFIERS
                reason = f'"{said}" is {"top " if strong else ""}praise (positive)'
                signals.append(_Signal("positive", reason, said, clause, strong=strong))
        elif kind == "neutral":
            if negator is not None:
                signals.append(_Signal("negative", f'negated: "{negated}"', negated, clause))
            else:
                reason = f'"{said}" is lukewarm (neutral)'
                signals.append(_Signal("neutral", reason, said, clause, lukewarm=True))
        elif (phrase in _INTENSIFIERS or phrase.endswith("ly")) and end in praise_starts:
            # "dead pleased", "ridiculously good", "awfully kind"
            notes.append(f'"{said}" only strengthens the praise after it (ignored)')
        else:
            repair = _word_before(first, split, _REPAIR_VERBS, _REPAIR_WINDOW)
            fear = _word_before(first, split, _FEAR_WORDS, _FEAR_WINDOW)
            earlier = _word_before(first, split, _EARLIER_WORDS, _EARLIER_WINDOW)
            gone = any(f" {w} " in f" {joined} " for w in _GONE_AWAY)
            if negator is not None and gone:
                reason = f'negated complaint: "{negated}" has gone away (positive)'
                signals.append(_Signal("positive", reason, negated, clause))
            elif negator is not None and question == "liked_best":
                reason = f'negated complaint: "{negated}" is what they liked (positive)'
                signals.append(_Signal("positive", reason, negated, clause))
            elif negator is not None:
                reason = f'negated complaint: "{negated}" (neutral, unless praised)'
                signals.append(_Signal("neutral", reason, negated, clause, weak=True))
            elif repair is not None:
                notes.append(f'"{said}" after "{repair}" is the job done (ignored)')
            elif fear is not None:
                notes.append(f'"{said}" after "{fear}" is a fear, not what happened (ignored)')
            elif earlier is not None:
                notes.append(f'"{said}" after "{earlier}" is about what came before (ignored)')
            else:
                sarcasm = phrase in _sarcasm_keys()
                reason = f'"{said}" is {"sarcasm" if sarcasm else "a complaint"} (negative)'
                concession = phrase in _concession_keys()
                signals.append(
                    _Signal("negative", reason, said, clause, concession=concession, firm=sarcasm)
                )
    return signals, notes, consumed, hedged


def _excess_signals(text: str, split: Words, consumed: set[int]) -> list[_Signal]:
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
            clause = clauses[index]
            if negator is not None:
                reason = f'negated excess: "{said}" (neutral)'
                signals.append(_Signal("neutral", reason, said, clause))
            else:
                reason = f'"{said}" is an excess (negative)'
                signals.append(_Signal("negative", reason, said, clause))
    return signals


def _clauses(split: Words) -> list[list[int]]:
    """Word indices per clause, in order."""
    grouped: dict[int, list[int]] = {}
    for index, clause in enumerate(split.clauses):
        grouped.setdefault(clause, []).append(index)
    return list(grouped.values())


def _bare_clause_signals(
    text: str, split: Words, consumed: set[int], kind: QuestionKind | None
) -> list[_Signal]:
    """Clauses of nothing but "nothing" or "no" (plus fillers): what they mean depends on
    the question. "No." refuses a yes/no question, unless it asks whether they would mind;
    to "what could we do better?" "no" and "nothing" are a flat nothing-to-improve."""
    signals: list[_Signal] = []
    for indices in _clauses(split):
        free = [i for i in indices if i not in consumed]
        clause_words = {split.words[i] for i in indices}
        nothing = [i for i in free if split.words[i] == "nothing"]
        said = text[split.spans[indices[0]][0] : split.spans[indices[-1]][1]]
        clause = split.clauses[indices[0]]
        if nothing and clause_words <= _NOTHING_FILLERS | {"nothing"}:
            if kind == "liked_best":
                reason = f'"{said}" to "what did you like best?": nothing stood out (neutral)'
                signals.append(_Signal("neutral", reason, said, clause))
            else:
                reason = f'"{said}" on its own: nothing to improve (neutral, unless praised)'
                signals.append(_Signal("neutral", reason, said, clause, weak=True))
            continue
        refusing = len(free) == len(indices) and clause_words & _REFUSAL_CORES
        if not refusing or not clause_words <= _REFUSAL_WORDS:
            continue
        if kind in ("do_better", "yes_no", "would_mind"):
            signals.append(_refusal(said, clause, kind))
    return signals


def _refusal(said: str, clause: int, question: QuestionKind | None) -> _Signal:
    """A "no": to a yes/no question it refuses, unless the question asks whether they would
    mind; to "what could we do better?" it is a flat nothing-to-improve; else a hedge."""
    if question == "would_mind":
        return _Signal("positive", f'"{said}": they would not mind (positive)', said, clause)
    if question == "yes_no":
        return _Signal("negative", f'"{said}" says no to the question (negative)', said, clause)
    if question == "do_better":
        reason = f'"{said}" to "what could we do better?": nothing to improve (neutral)'
        return _Signal("neutral", reason, said, clause, weak=True)
    return _Signal("neutral", f'"{said}" is a no without a yes/no question (neutral)', said, clause)


@lru_cache(maxsize=1)
def _question_keys() -> tuple[tuple[QuestionKind, tuple[str, ...]], ...]:
    return tuple((kind, tuple(map(_phrase_key, phrases))) for kind, phrases in _QUESTION_PHRASES)


@lru_cache(maxsize=256)  # a script asks the same few questions of every customer
def question_kind(question: str | None) -> QuestionKind | None:
    """What kind of question an answer replies to, from its words (None: no question)."""
    if not question or not question.strip():
        return None
    split = split_words(question)
    joined = f" {' '.join(split.words)} "
    openers = {split.words[indices[0]] for indices in _clauses(split)}
    yes_no = bool(openers & _YES_NO_OPENERS)
    for kind, keys in _question_keys():
        if any(f" {key} " in joined for key in keys):
            if kind == "what_went_wrong" and yes_no and " what " not in joined:
                return "yes_no"  # "Are you happy with how we put it right?" asks yes or no
            return kind
    return "yes_no" if yes_no else "open"


def _without_opinion_words(split: Words, kind: QuestionKind | None) -> tuple[Label, str] | None:
    """What an answer without opinion words means, when its question says (else None)."""
    if kind == "liked_best":
        return "positive", 'an answer to "what did you like best?" names what they liked'
    if kind == "what_went_wrong":
        return "negative", 'an answer to "what went wrong?" describes the problem'
    if kind == "do_better" and any(
        split.words[indices[0]] in _IMPERATIVES for indices in _clauses(split)
    ):
        return "negative", 'telling us what to do, to "what could we do better?", reports a failure'
    return None


def _conceded(signals: list[_Signal], contrasts: frozenset[int]) -> list[_Signal]:
    """Time and price complaints conceded by praise after a contrast word ("took a while but
    worth it"; ``contrasts``: the clauses a contrast word opens); any other complaint, or one
    merely followed by praise ("took three weeks, and ..."), stays a complaint. A "though"
    right after the praise counts too ("took a while. Worth it though")."""
    praise_clauses = [s.clause for s in signals if s.label == "positive"]
    return [
        s
        for s in signals
        if s.concession
        and any(any(s.clause < c <= praise + 1 for c in contrasts) for praise in praise_clauses)
    ]


_PLAYED_DOWN = "the complaint is played down, or not the business's"
_OUTWEIGHED = "praise after the complaint outweighs it"


def _decide(
    signals: list[_Signal], question: QuestionKind | None, contrasts: frozenset[int]
) -> tuple[Label, list[_Signal], str | None]:
    """The label, the signals that decided it and, when others were outranked, why."""
    excused = any(s.excuse for s in signals)
    conceded = _conceded(signals, contrasts)
    negative = [s for s in signals if s.label == "negative" and s not in conceded]
    neutral = [s for s in signals if s.label == "neutral"]
    positive = [s for s in signals if s.label == "positive"]
    firm = [s for s in neutral if not s.weak]
    mixed = len({s.label for s in signals}) > 1
    if negative and not excused:
        return "negative", negative, "a complaint outranks the rest" if mixed else None
    if negative:
        return "neutral", [s for s in signals if s.excuse], _PLAYED_DOWN
    if conceded:
        return "positive", positive, _OUTWEIGHED
    if question == "what_went_wrong" and firm and not positive and not excused:
        return "negative", firm, 'said to "what went wrong?", it is part of the problem'
    if firm and not any(s.strong for s in positive):
        return "neutral", firm, "a lukewarm word outranks plain praise" if positive else None
    if positive and neutral and all(s.weak for s in positive):
        return "neutral", neutral, "a plain yes does not outrank a lukewarm word"
    if positive:
        why = "top praise outranks a lukewarm word" if firm else None
        why = why or ("praise outranks a flat nothing-to-improve" if neutral else None)
        return "positive", positive, why
    return "neutral", neutral, None


def _still_signals(text: str, split: Words, consumed: set[int]) -> list[_Signal]:
    """ "still" before a verb in -ing ("still slipping", "still limping") or a negation
    ("still not", "still isn't") reports a problem that has not gone away."""
    signals: list[_Signal] = []
    words = split.words
    for index in range(len(words) - 1):
        following = words[index + 1]
        if words[index] != "still" or index in consumed or index + 1 in consumed:
            continue
        last = index + 1
        if following in _AUXILIARIES and last + 1 < len(words) and words[last + 1] in NEGATORS:
            last += 1  # "still isn't sending"
        if words[last] in NEGATORS or (following.endswith("ing") and following not in _STILL_FINE):
            said = text[split.spans[index][0] : split.spans[last][1]]
            reason = f'"{said}": a problem that has not gone away (negative)'
            signals.append(_Signal("negative", reason, said, split.clauses[index]))
    return signals


def _wait_signals(
    text: str, split: Words, signals: list[_Signal], hedged: set[int]
) -> list[_Signal]:
    """ "took three weeks", "waited a month": a long wait is a time complaint; with "only" or
    "just" before it, it is not, unless the answer also praises speed (sarcasm); nor is one
    the customer chose to wait and see (``hedged``: "need to wait a fortnight and see")."""
    words = split.words
    praised_speed = any(
        s.label == "positive" and _SPEED_PRAISE & set(s.matched.lower().split()) for s in signals
    )
    found: list[_Signal] = []
    for index, word in enumerate(words):
        if word not in _WAIT_VERBS or index in hedged:
            continue
        unit = next(
            (i for i in range(index + 1, min(index + 4, len(words))) if words[i] in _LONG_WAITS),
            None,
        )
        if unit is None or split.clauses[unit] != split.clauses[index]:
            continue
        said = text[split.spans[index][0] : split.spans[unit][1]]
        modest = index > 0 and words[index - 1] in ("only", "just")
        if modest and praised_speed:
            reason = f'"{said}" beside praise for speed is sarcasm (negative)'
        elif not modest:
            reason = f'"{said}" is a long wait (negative)'
        else:
            continue
        found.append(_Signal("negative", reason, said, split.clauses[index], concession=True))
    return found


def _sarcasm_signals(text: str, split: Words, signals: list[_Signal]) -> list[_Signal]:
    """Praise said as sarcasm: repeated after "just" ("Brilliant, just brilliant.") or followed
    by "if you like" + a verb in -ing ("Lovely, if you enjoy being kept awake")."""
    words = split.words
    praised = {w for s in signals if s.label == "positive" for w in split_words(s.matched).words}
    found: list[_Signal] = []
    for index in range(1, len(words) - 1):
        following = words[index + 1]
        repeated = (
            words[index] == "just"
            and following in praised
            and following in words[:index]
            and split.clauses[words.index(following)] != split.clauses[index]
        )
        conditional = (
            praised
            and words[index] == "you"
            and words[index - 1] == "if"
            and following in _LIKING
            and index + 2 < len(words)
            and words[index + 2].endswith("ing")
        )
        if repeated or conditional:
            last = index + 1 if repeated else index + 2
            said = text[split.spans[index - (0 if repeated else 1)][0] : split.spans[last][1]]
            reason = f'"{said}" after praise is sarcasm (negative)'
            found.append(_Signal("negative", reason, said, split.clauses[index], firm=True))
    return found


def _chased_signals(text: str, split: Words) -> list[_Signal]:
    """ "I rang six times", "we've emailed twice": contacting them again and again is a
    complaint even when the words say nothing against them."""
    found: list[_Signal] = []
    for indices in _clauses(split):
        clause_words = " ".join(split.words[i] for i in indices)
        if not _CHASED.search(clause_words):
            continue
        said = text[split.spans[indices[0]][0] : split.spans[indices[-1]][1]]
        reason = f'"{said}": they had to chase (negative)'
        found.append(_Signal("negative", reason, said, split.clauses[indices[0]], firm=True))
    return found


def _not_yet_signals(text: str, split: Words, consumed: set[int]) -> list[_Signal]:
    """A negated clause ending in "yet" ("Haven't unpacked it yet", "can't really say yet"):
    too soon for an opinion, which is neutral however the rest reads."""
    found: list[_Signal] = []
    for indices in _clauses(split):
        words = [split.words[i] for i in indices]
        if words[-1] != "yet" or indices[-1] in consumed or not set(words) & NEGATORS:
            continue
        said = text[split.spans[indices[0]][0] : split.spans[indices[-1]][1]]
        reason = f'"{said}": too soon to say (neutral)'
        found.append(_Signal("neutral", reason, said, split.clauses[indices[0]]))
    return found


def _waiting_to_see(text: str, split: Words, signals: list[_Signal]) -> list[_Signal]:
    """ "We'll need to wait a few weeks and see": a wait the customer chooses, to see whether
    it worked, is too soon to say, not a long wait."""
    words = split.words
    for index, word in enumerate(words):
        ahead = words[index + 1 : index + 1 + _SEE_WINDOW]
        if word not in _WAIT_VERBS or "see" not in ahead:
            continue
        clause = split.clauses[index]
        signals = [
            s
            for s in signals
            if not (s.clause == clause and s.label == "negative")
            or split_words(s.matched).words[0] not in _WAIT_VERBS
        ]
        seen = index + 1 + ahead.index("see")
        said = text[split.spans[index][0] : split.spans[seen][1]]
        reason = f'"{said}": waiting to see, too soon to say (neutral)'
        signals.append(_Signal("neutral", reason, said, clause))
        break
    return signals


def _unjoked(split: Words, signals: list[_Signal]) -> list[_Signal]:
    """ "Make them bigger. Kidding, they're perfect.": the complaints and suggestions before
    "kidding" / "joking" were a joke."""
    joke = next((split.clauses[i] for i, w in enumerate(split.words) if w in _JOKING), None)
    if joke is None:
        return signals
    return [s for s in signals if s.clause >= joke or s.label == "positive"]


def _regrets(text: str, split: Words, signals: list[_Signal]) -> list[_Signal]:
    """ "Wish I'd called you months ago", "we should have come to you first": the only regret is
    not coming sooner, which is praise; the wish, "should have" and "sooner" in that clause
    are not complaints or suggestions."""
    found: list[_Signal] = []
    for indices in _clauses(split):
        clause_text = " ".join(split.words[i] for i in indices)
        if not _REGRET.search(clause_text):
            continue
        clause = split.clauses[indices[0]]
        said = text[split.spans[indices[0]][0] : split.spans[indices[-1]][1]]
        signals = [s for s in signals if s.clause != clause or s.label == "positive"]
        reason = f'"{said}": the only regret is not coming sooner (positive)'
        found.append(_Signal("positive", reason, said, clause, strong=True))
    return signals + found


def _told_what_to_do(text: str, split: Words, signals: list[_Signal]) -> list[_Signal]:
    """To "what could we do better?", a clause that starts with a verb tells the business what
    to do, which reports what went wrong ("Clean up after yourselves."); praise inside it is
    what they wanted, not what they got."""
    told: list[_Signal] = []
    for indices in _clauses(split):
        first = indices[0]
        if split.words[first] == "just" and len(indices) > 1:
            first = indices[1]
        if split.words[first] not in _IMPERATIVES:
            continue
        clause = split.clauses[first]
        if any(s.clause == clause and s.weak for s in signals):
            continue  # "Not a chance", "No, nothing": nothing to improve, not an instruction
        said = text[split.spans[first][0] : split.spans[indices[-1]][1]]
        if any(s.clause == clause and _phrase_key(s.matched) in _carry_on_keys() for s in signals):
            continue  # "Just don't change anything!", "Keep it up": the instruction is praise
        signals[:] = [s for s in signals if not (s.clause == clause and s.label == "positive")]
        reason = f'"{said}" tells us what to do: it reports what went wrong (negative)'
        told.append(_Signal("negative", reason, said, clause))
    return told


@lru_cache(maxsize=64)
def _learned_keys(
    vocabulary: Vocabulary,
) -> tuple[tuple[str, int, QuestionKind | None, Correction], ...]:
    """Each correction's normalised words, their count and its kind of question, worked out
    once per vocabulary rather than for every answer labelled."""
    keyed = ((_phrase_key(c.answer), c) for c in vocabulary.learned)
    return tuple((key, len(key.split()), question_kind(c.question), c) for key, c in keyed if key)


def _said_again(
    split: Words, vocabulary: Vocabulary, kind: QuestionKind | None
) -> Correction | None:
    """The owner's correction this answer repeats (to the same kind of question), if any:
    the whole answer, or a correction of three words or more inside it; the longest wins."""
    said = f" {' '.join(split.words)} "
    best: tuple[int, Correction] | None = None
    for key, size, asked, correction in _learned_keys(vocabulary):
        if asked != kind:
            continue
        repeated = said.strip() == key or (size >= 3 and f" {key} " in said)
        if repeated and (best is None or size >= best[0]):
            best = (size, correction)
    return best[1] if best else None


def refused_correction(correction: Correction) -> str | None:
    """Why a correction must not teach, or None: a learned rule never turns the built-in
    neutral words ("fine", "okay", "alright") into praise."""
    if not _phrase_key(correction.answer):
        return "the answer has no words"
    if correction.label != "positive":
        return None
    why = explain_by_rules(correction.answer, DEFAULT_VOCABULARY, correction.question)
    if why.label == "neutral" and why.lukewarm:
        return f'"{why.lukewarm[0]}" is a built-in neutral word and stays neutral'
    return None


def explain_by_rules(
    text: str, vocabulary: Vocabulary = DEFAULT_VOCABULARY, question: str | None = None
) -> Explanation:
    """The rules' label for an answer, read as a reply to ``question`` when given, and which
    phrases decided it. ``guessed`` is set when nothing did: the label is then only a guess."""
    if not isinstance(text, str) or not text.strip():
        return Explanation("neutral", ("empty answer (neutral)",), (), guessed=True)
    split = split_words(text)
    kind = question_kind(question)
    learned = _said_again(split, vocabulary, kind)
    if learned is not None:
        reason = f'you labelled "{learned.answer}" {learned.label} before'
        return Explanation(learned.label, (reason,), (text.strip(),), taught=True)
    matcher = _compile(vocabulary)
    signals, notes, consumed, hedged = _phrase_signals(text, split, matcher, kind)
    signals += _rating_signals(text.translate(_APOSTROPHES))
    signals += _excess_signals(text, split, consumed)
    signals += _bare_clause_signals(text, split, consumed, kind)
    signals += _still_signals(text, split, consumed)
    signals += _wait_signals(text, split, signals, hedged)
    signals += _not_yet_signals(text, split, consumed)
    signals += _sarcasm_signals(text, split, signals)
    signals = _regrets(text, split, signals)
    signals += _chased_signals(text, split)
    signals = _waiting_to_see(text, split, signals)
    if kind == "do_better" and not any(s.label == "neutral" and not s.weak for s in signals):
        signals += _told_what_to_do(text, split, signals)
    signals = _unjoked(split, signals)

    if not any(s.label == "negative" for s in signals):
        signals = [s for s in signals if not s.minimiser]  # nothing to play down
    reasons = tuple(notes) + tuple(s.reason for s in signals)
    if signals:
        contrasts = frozenset(
            split.clauses[i] for i, word in enumerate(split.words) if word in _CONTRAST_WORDS
        )
        label, deciding, why = _decide(signals, kind, contrasts)
        if why:
            reasons += (f"{label}: {why}",)
        matched = tuple(dict.fromkeys(s.matched for s in deciding))
        lukewarm = tuple(s.matched for s in signals if s.lukewarm)
        firm = why in (_PLAYED_DOWN, _OUTWEIGHED) or any(s.firm for s in deciding)
        own = bool(matcher.own) and any(  # only for an owner who filed words of their own
            f" {key} " in f" {_phrase_key(s.matched)} " for s in deciding for key in matcher.own
        )
        return Explanation(label, reasons, matched, lukewarm=lukewarm, firm=firm, own_words=own)
    meaning = _without_opinion_words(split, kind)
    if meaning is not None:
        label, reason = meaning
        return Explanation(label, (*reasons, f"no opinion words; {reason} ({label})"), ())
    if "!" in text and not notes:  # "Thank you so much!" is politeness, not enthusiasm
        reason = "no opinion words, but said with an exclamation: enthusiasm (positive, a guess)"
        return Explanation("positive", (*reasons, reason), (), guessed=True)
    return Explanation("neutral", (*reasons, "no opinion words found (neutral)"), (), guessed=True)


def explain(
    text: str, vocabulary: Vocabulary = DEFAULT_VOCABULARY, question: str | None = None
) -> Explanation:
    """The suggested label and why: the owner's own label for this very answer, or one their
    own words decide; else the rules', unless answers worded like it, to that kind of
    question, rarely meant that (see ``sentiment_model``). Without a question, the rules'
    alone. ``guessed``: too close to call, so the call asks the owner."""
    ruled = explain_by_rules(text, vocabulary, question)
    if ruled.taught or ruled.own_words:
        return ruled  # the owner's own label or words: they know their customers
    if question_kind(question) is None:
        return ruled  # without a question, as before: the answers counted all had one
    if not isinstance(text, str) or not split_words(text).words:
        return ruled
    from followup_cli.sentiment_model import reread  # the model reads the rules' verdict

    return reread(text, question, vocabulary, ruled)


def classify(
    text: str, vocabulary: Vocabulary = DEFAULT_VOCABULARY, question: str | None = None
) -> Label:
    """Just the suggested label; see ``explain`` for why."""
    return explain(text, vocabulary, question).label
