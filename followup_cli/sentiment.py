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
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Label = Literal["positive", "neutral", "negative"]
LABELS: tuple[Label, ...] = ("positive", "neutral", "negative")

# fmt: off
# --------------------------------------------------------------------------------------------
# Default vocabulary. Phrases are written naturally; they are normalised exactly like the
# answers (lowercase, contractions expanded, punctuation dropped) before matching.
# --------------------------------------------------------------------------------------------

_PRAISE: tuple[str, ...] = (
    "great", "excellent", "amazing", "awesome", "fantastic", "wonderful", "brilliant", "perfect",
    "perfectly", "outstanding", "superb", "terrific", "fabulous", "fab", "incredible",
    "exceptional", "phenomenal", "spectacular", "marvellous", "marvelous", "lovely", "love",
    "loved", "loving", "adore", "adored", "enjoyed", "enjoy", "enjoyable", "liked", "likes",
    "loves", "like it", "liked it", "really like", "relief", "done properly", "did it properly",
    "properly done", "made a difference", "such a difference", "big difference", "huge difference",
    "happy", "pleased", "delighted", "thrilled", "satisfied", "impressed", "impressive", "glad",
    "grateful", "good", "very good", "really good", "pretty good", "so good", "great job",
    "well done", "nice", "best", "favourite", "favorite", "beautiful", "gorgeous", "stunning",
    "delicious", "tasty", "yummy", "fresh", "clean", "spotless", "tidy", "tidied", "comfortable",
    "comfy", "cosy", "cozy", "pleasant", "relaxing", "welcoming", "cool", "a pleasure",
    "pleasure to deal with", "made my day", "nice touch", "a hit", "big hit", "massive hit",
    "huge hit", "a star", "superstar", "legend", "lifesaver", "life saver", "gem", "cracking",
    "chuffed", "ace", "smashing", "stellar", "dead easy", "dead on", "a treat", "welcome",
    "exactly what", "just what",
    # misspellings heard often enough in typed notes
    "awsome", "excelent", "exellent", "brillant", "fantastc", "gr8", "luv", "lovley", "definately",
    "defo", "deffo",
)
_PRAISE_STAFF: tuple[str, ...] = (
    "friendly", "kind", "polite", "courteous", "respectful", "professional", "helpful", "helped",
    "supportive", "attentive", "patient", "knowledgeable", "thorough", "careful", "reliable",
    "trustworthy", "honest", "accommodating", "flexible", "responsive", "efficient", "organised",
    "organized", "listened", "explained everything", "answered all my questions", "called me back",
    "called back", "got back to me", "kept me updated", "kept me informed", "kept me in the loop",
    "fixed it", "sorted it", "sorted", "solved", "went above and beyond", "above and beyond",
    "out of their way", "extra mile", "freindly", "frendly", "helpfull", "proffesional",
    "profesional",
)
_PRAISE_SPEED_AND_EASE: tuple[str, ...] = (
    "quick", "quickly", "fast", "speedy", "prompt", "promptly", "on time", "early",
    "ahead of schedule", "straight away", "right away", "same day", "next day", "in no time",
    "within the hour", "within an hour", "within hours", "within a few hours", "within 24 hours",
    "in 24 hours", "within 48 hours", "easy", "easily", "simple", "smooth", "smoothly", "seamless",
    "painless", "hassle free", "stress free", "trouble free", "convenient", "no wait", "no waiting",
    "no queue", "did not have to wait", "did not wait long", "did not take long", "did not have to",
    "never had to", "have not had to", "went well", "worked well", "works well", "works great",
    "works perfectly", "so far so good",
)
_PRAISE_VALUE: tuple[str, ...] = (
    "worth it", "worth every penny", "worth the money", "worth the wait", "well worth",
    "value for money", "good value", "great value", "good price", "great price", "fair price",
    "reasonably priced", "reasonable price", "very reasonable", "affordable", "bargain",
    "cheaper than",
)
_PRAISE_LOYALTY: tuple[str, ...] = (
    "recommend", "recommended", "highly recommend", "come back", "coming back", "be back",
    "will return", "would return", "would go back", "will go back", "going back", "use you again",
    "use them again", "order again", "buy again", "book again", "booked again", "go again",
    "come again", "see you next time", "yes", "yeah", "yep", "yup", "sure", "definitely",
    "absolutely", "of course", "for sure", "100 percent", "exactly what i needed",
    "exactly what i wanted", "just what i needed", "just what i wanted", "exactly what i asked for",
    "spot on", "top notch", "first class", "second to none", "exceeded", "exceeded my expectations",
    "better than expected", "better than i expected", "beyond expectations", "5 stars",
    "five stars", "5 star", "five star", "4 stars", "four stars",
)
_PRAISE_NOTHING_TO_IMPROVE: tuple[str, ...] = (
    "all good", "all great", "no complaints", "no complaint", "nothing to complain about",
    "can't complain", "couldn't complain", "no problems", "no problem", "not a problem",
    "no issues", "no hassle", "no fuss", "never had a problem", "never had any problems",
    "never had an issue", "never had any issues", "never disappoints", "never disappoint",
    "never let me down", "never lets me down", "never fails", "never been happier",
    "without a hitch", "without any problems", "without any issues", "can't fault",
    "couldn't fault", "can't recommend enough", "can't recommend them enough",
    "can't recommend you enough", "can't thank you enough", "can't wait", "couldn't be happier",
    "couldn't ask for more", "couldn't ask for better", "couldn't ask for a better",
    "definitely not the last", "not the last", "couldn't have asked for more",
    "couldn't have asked for better", "couldn't have been better", "couldn't be better",
    "couldn't have been nicer", "couldn't have been more helpful", "couldn't do enough",
    "can't say enough good things", "can't speak highly enough", "nothing really",
    "honestly nothing", "nothing at all", "not a thing", "nothing to improve", "nothing to change",
    "wouldn't change a thing", "wouldn't change anything", "can't think of anything",
    "can't think of a thing", "nothing i can think of", "nothing comes to mind", "can't think of",
    "keep it up", "keep doing what you're doing", "keep doing what you are doing",
)

_LUKEWARM: tuple[str, ...] = (
    "fine", "okay", "ok", "okey", "okish", "alright", "all right", "not bad", "not too bad",
    "not that bad", "not so bad", "not bad at all", "not terrible", "not awful", "not horrible",
    "not the worst", "not too shabby", "could be worse", "could have been worse", "good enough",
    "nice enough", "happy enough", "decent", "decent enough", "so-so", "average", "about average",
    "nothing special", "nothing to write home about", "nothing fancy",
    "nothing out of the ordinary", "nothing exceptional", "nothing amazing", "not anything special",
    "mediocre", "middling", "mixed", "mixed feelings", "mixed bag", "hit and miss", "hit or miss",
    "up and down", "bit of both", "pros and cons", "fifty fifty", "50 50", "as expected",
    "about what i expected", "what you would expect", "standard", "ordinary", "the usual",
    "same as usual", "same as always", "acceptable", "adequate", "satisfactory", "passable",
    "tolerable", "reasonable", "fair", "fair enough", "could be better", "could have been better",
    "it did the job", "did the job", "does the job", "did its job", "does what it says",
    "does what it should", "works as it should", "serves its purpose", "it works", "functional",
    "3 stars", "three stars", "not bad not great", "not bad but not great", "not great not bad",
    "not great but not bad", "not great not terrible", "not the best not the worst",
    "not the best but not the worst", "not great but not terrible", "good not great",
    "good but not great", "fine not great", "okay not great", "ok not great",
)
_HEDGES: tuple[str, ...] = (
    "i guess", "i suppose", "guess so", "suppose so", "i think so", "kind of", "kinda", "sort of",
    "sorta", "fairly", "somewhat", "moderately", "ish", "not sure", "unsure", "not really sure",
    "not too sure", "not quite sure", "not so sure", "not totally sure", "don't know", "dunno",
    "no idea", "no opinion", "hard to say", "can't say", "can't really say", "not yet",
    "too early to tell", "too soon to tell", "too early to say", "too soon to say", "early to tell",
    "early to say", "soon to tell", "soon to say", "early days", "haven't tried", "haven't used",
    "not had a chance", "not tried", "not used", "yet to try", "yet to use", "we'll see",
    "will see", "remains to be seen", "depends", "probably", "possibly", "maybe", "perhaps",
)
_SUGGESTIONS: tuple[str, ...] = (
    "would be nice", "would be good", "would be great", "would be better", "would be lovely",
    "would be helpful", "would be handy", "would be ideal", "would be awesome", "would help",
    "could you", "should", "i wish", "wish", "suggest", "suggestion", "if you could", "make sure",
    "would like", "please could",
)

_TIME_COMPLAINTS: tuple[str, ...] = (
    "late", "too late", "running late", "delayed", "delay", "delays", "slow", "slowly", "slower",
    "sluggish", "waited", "waiting", "wait", "long wait", "too long", "so long", "took long",
    "take long", "takes long", "taking long", "longer than expected", "longer than", "took forever",
    "forever", "ages", "an eternity", "took a while", "takes a while", "take a while", "hours",
    "over an hour", "on hold", "queue", "queued", "queuing", "queueing", "behind schedule",
    "overdue", "missed", "no show", "rushed", "sooner", "days later", "weeks later", "a week later",
    "later than", "be faster", "been faster", "be quicker", "been quicker", "still waiting",
    "understaffed", "short staffed", "too busy",
)
_PRICE_COMPLAINTS: tuple[str, ...] = (
    "expensive", "overpriced", "over priced", "pricey", "pricy", "too much", "steep", "costly",
    "not cheap", "too dear", "bit dear", "quite dear", "so dear", "very dear", "rip off", "ripoff",
    "ripped off", "overcharged", "over charged", "charged me twice", "charged twice",
    "double charged", "hidden fees", "hidden charges", "extra charge", "extra charges",
    "price was high", "prices are high", "high prices", "a lot of money", "poor value", "bad value",
    "scam",
)
_STAFF_COMPLAINTS: tuple[str, ...] = (
    "rude", "unfriendly", "ignored", "ignoring", "ignore", "pushy", "impolite", "arrogant",
    "dismissive", "unhelpful", "condescending", "patronising", "patronizing", "snappy", "grumpy",
    "miserable", "abrupt", "curt", "aggressive", "hostile", "an attitude", "bad attitude",
    "attitude problem", "unprofessional", "incompetent", "clueless", "careless", "sloppy", "lazy",
    "uninterested", "disinterested", "couldn't be bothered", "can't be bothered", "on their phone",
    "on his phone", "on her phone", "shouted", "yelled", "argued", "argumentative", "judgemental",
    "judgmental", "sarcastic", "upsell", "upselling", "upsold", "hard sell", "pressured",
    "pressure", "disorganised", "disorganized", "unorganised", "unorganized", "chaotic", "chaos",
    "shambles", "blocked",
)
_QUALITY_COMPLAINTS: tuple[str, ...] = (
    "broke", "broken", "breaks", "broke down", "cheap", "cheaply made", "flimsy", "faulty",
    "defective", "defect", "stopped working", "scratched", "scratch", "scratches", "dent", "dented",
    "damaged", "damage", "cracked", "chipped", "torn", "ripped", "stained", "stains", "leak",
    "leaks", "leaking", "leaked", "peeling", "wrong", "wrong item", "wrong size", "missing",
    "incomplete", "dirty", "filthy", "sticky", "smelly", "smelled", "stank", "stale", "soggy",
    "burnt", "burned", "undercooked", "overcooked", "raw", "bland", "tasteless", "greasy", "cold",
    "lukewarm", "mouldy", "moldy", "expired", "fell apart", "falling apart", "came apart", "loose",
    "wobbly", "poor quality", "low quality", "bad quality", "poorly made", "badly made",
    "not as described", "not as advertised", "not what i ordered", "not what i asked for",
    "not what i expected", "mistake", "mistakes", "error", "errors", "mix up", "mixup", "mixed up",
    "messed up", "mess", "messy", "lost", "returned it", "return it", "returning it",
    "had to return", "send it back", "sent it back", "refund", "too small", "too big", "too tight",
    "too salty", "too sweet", "too spicy", "too greasy", "noisy", "too loud", "very loud",
    "so loud", "really loud", "crowded", "cramped", "useless", "rubbish", "garbage", "junk", "crap",
    "crappy", "shoddy", "a joke", "dies", "died", "dying", "dead", "drip", "drips", "dripping",
    "no idea what", "crash", "crashed", "crashes", "crashing", "glitchy", "buggy", "froze",
    "freezes", "squeak", "squeaks", "squeaky", "creaks", "creaky", "rattles", "rattling", "faded",
    "fading", "shrunk", "shrank", "smashed", "forgot", "forgotten", "mud", "muddy", "tiny",
    "stingy", "small portions", "too short",
)
_COMMUNICATION_COMPLAINTS: tuple[str, ...] = (
    "no reply", "no response", "no answer", "no update", "no updates", "no communication",
    "no contact", "no call", "no phone call", "no warning", "no notice", "no follow up",
    "no one told me", "nobody told me", "confusing", "confused", "unclear", "vague",
    "miscommunication", "poor communication", "lack of communication", "in the dark", "chase",
    "chased", "chasing", "hung up", "voicemail", "unreachable", "ghosted", "kept me waiting",
    "had to", "should have", "should not have", "could have", "would have been nice",
    "would have liked", "would have preferred", "lack", "lacking", "lack of",
)
_GENERAL_COMPLAINTS: tuple[str, ...] = (
    "bad", "terrible", "awful", "horrible", "horrid", "dreadful", "appalling", "atrocious",
    "abysmal", "worst", "worse", "poor", "poorly", "badly", "disappointed", "disappointing",
    "disappointment", "let down", "let me down", "let us down", "frustrating", "frustrated",
    "frustration", "annoying", "annoyed", "angry", "furious", "upset", "unhappy", "dissatisfied",
    "unsatisfied", "complaint", "complaints", "complain", "complained", "problem", "problems",
    "issue", "issues", "trouble", "hassle", "nightmare", "pain", "shame", "pity", "unfortunately",
    "sadly", "sucked", "sucks", "hate", "hated", "dislike", "disliked", "regret", "waste",
    "never again", "ridiculous", "rediculous", "unacceptable", "disgusting", "gross", "nasty",
    "awkward", "stressful", "terible", "horible", "1 star", "one star", "2 stars", "two stars",
    "zero stars", "no stars",
)

# fmt: on


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


DEFAULT_VOCABULARY = Vocabulary(
    positive=(
        _PRAISE
        + _PRAISE_STAFF
        + _PRAISE_SPEED_AND_EASE
        + _PRAISE_VALUE
        + _PRAISE_LOYALTY
        + _PRAISE_NOTHING_TO_IMPROVE
    ),
    neutral=_LUKEWARM + _HEDGES + _SUGGESTIONS,
    negative=(
        _TIME_COMPLAINTS
        + _PRICE_COMPLAINTS
        + _STAFF_COMPLAINTS
        + _QUALITY_COMPLAINTS
        + _COMMUNICATION_COMPLAINTS
        + _GENERAL_COMPLAINTS
    ),
)

# fmt: off
# --------------------------------------------------------------------------------------------
# Grammar: these are not opinions, so they are not part of the owner-editable vocabulary.
# --------------------------------------------------------------------------------------------

#: Words that flip the phrase after them. "no" only reaches two words ("no real help").
_NEGATORS: frozenset[str] = frozenset(
    {"not", "no", "never", "nobody", "none", "nothing", "neither", "nor", "hardly",
     "barely", "rarely", "seldom", "without", "nowhere"}
)
_NEGATION_WINDOW = 3
_SHORT_NEGATORS: frozenset[str] = frozenset({"no"})
_SHORT_NEGATION_WINDOW = 2
#: "don't think they were helpful": the negation reaches over the verb of belief.
_BELIEF_VERBS: frozenset[str] = frozenset({"think", "believe", "feel", "reckon", "say"})
_BELIEF_WINDOW = 5
#: "not only ...", "no doubt ..." do not negate.
_NOT_NEGATING_NEXT: frozenset[str] = frozenset({"only", "just", "doubt", "wonder"})

#: Things a customer expects to happen: saying them is not praise, but a negated one
#: ("never called", "didn't fit", "no one answered") is a complaint.
_EXPECTATIONS: tuple[str, ...] = (
    "call", "called", "calls", "ring", "rang", "phone", "phoned", "answer", "answered", "answering",
    "pick up", "picked up", "reply", "replied", "respond", "responded", "return", "returned",
    "return my call", "callback", "call back", "returned my call", "get back", "got back",
    "hear back", "heard back", "hear", "heard", "tell", "told", "inform", "informed", "update",
    "updated", "explain", "explained", "listen", "show", "showed", "show up", "showed up",
    "turn up", "turned up", "arrive", "arrived", "come", "came", "deliver", "delivered", "work",
    "worked", "works", "working", "fit", "fits", "fitted", "help", "fix", "fixed", "sort",
    "resolve", "resolved", "solve", "care", "cared", "follow up", "followed up", "confirm",
    "confirmed", "receive", "received", "get my", "got my", "bother", "bothered", "apologise",
    "apologize", "apologised", "apologized", "say sorry", "said sorry", "acknowledge",
    "acknowledged", "like", "understand", "understood", "match", "matches", "matched", "last",
    "lasted", "cleaned", "reach", "get through", "got through", "start", "started", "turn on",
    "connect", "connected", "install", "installed", "finish", "finished", "check", "seem to know",
    "know what he was doing", "know what she was doing", "know what they were doing",
    "know what they are doing", "checked", "mention", "mentioned", "warn", "warned", "email",
    "emailed", "text", "texted", "contact", "contacted", "notify", "notified", "honour", "honor",
    "honoured", "honored", "refunded",
)
#: Courtesy formulas: reported, never counted as praise.
_POLITENESS: tuple[str, ...] = (
    "thanks", "thank you", "thank", "thx", "ty", "ta", "cheers", "please", "pls", "plz",
    "appreciate it", "much appreciated", "appreciated", "thank you so much", "thanks so much",
    "thanks a lot", "many thanks", "thank you very much", "bye", "take care", "have a nice day",
    "have a good day", "have a great day", "have a lovely day", "good morning", "good afternoon",
    "good evening", "best wishes", "nice to hear from you", "nice of you to call",
    "good of you to call", "kind of you", "thanks for calling", "thank you for calling",
    "thanks for checking in", "thank you for checking in", "thanks for asking",
    "thank you for asking", "nice talking to you", "nice to talk to you",
)
#: Phrases that contain an opinion word but are not an opinion ("the wait staff").
_NOT_OPINIONS: tuple[str, ...] = (
    "wait staff", "waiting staff", "waiting room", "waiting area", "opening hours", "to be fair",
    "to be honest", "honestly", "fine print", "cold drinks", "cold drink", "good friday",
    "no matter", "no wonder", "the best part", "at best",
)
#: Top-end praise: denying it leaves a lukewarm answer ("not perfect, but it works").
_STRONG_PRAISE: frozenset[str] = frozenset(
    {"amazing", "perfect", "brilliant", "fantastic", "outstanding", "excellent", "superb",
     "incredible", "exceptional", "spectacular", "phenomenal", "terrific", "fabulous",
     "marvellous", "marvelous", "5 star", "five star", "5 stars", "five stars", "awesome"}
)
#: A complaint word right after one of these names the job that was done ("fixed the leak").
_REPAIR_VERBS: frozenset[str] = frozenset(
    {"fixed", "repaired", "replaced", "sorted", "solved", "resolved", "unblocked", "cleared",
     "mended", "patched", "removed", "cleaned"}
)
_REPAIR_WINDOW = 3
#: A complaint after one of these is a fear that did not come true ("worried it'd be late").
_FEAR_WORDS: frozenset[str] = frozenset(
    {"worried", "worry", "afraid", "scared", "feared", "nervous", "expecting"}
)
_FEAR_WINDOW = 6
#: "too" + any other word is an excess ("cut it too short"), unless the word is grammar.
_NOT_AN_EXCESS: frozenset[str] = frozenset(
    {"and", "but", "or", "the", "a", "an", "i", "we", "you", "he", "she", "they", "it", "is",
     "was", "were", "are", "am", "be", "been", "to", "of", "in", "on", "at", "for", "with",
     "so", "as", "this", "that", "then", "though", "haha", "lol"}
)
#: Words that may surround a bare "nothing" and still mean "nothing to improve".
_NOTHING_FILLERS: frozenset[str] = frozenset(
    {"honestly", "really", "um", "uh", "erm", "er", "hmm", "well", "i", "mean", "to", "be",
     "honest", "tbh", "thanks", "thank", "you", "so", "much", "please", "just", "actually",
     "at", "all", "lol", "oh", "yeah", "no", "nope", "nah", "ta", "cheers", "absolutely",
     "literally", "mate", "love", "think", "said", "says"}
)
#: Words that start a new clause: negation does not reach across them.
_CLAUSE_WORDS: frozenset[str] = frozenset(
    {"but", "though", "although", "however", "except", "whereas", "otherwise", "and"}
)

# fmt: on

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
