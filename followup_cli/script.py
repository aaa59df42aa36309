"""The call script as data, and a pure state machine over it.

There is a script for every kind of call (``PURPOSES``): a thank-you after a sale, a complaint,
making it right, ... Each is a list of steps (a TOML file: ``scripts/PURPOSE.toml`` ships
with followup, the owner's copy is ``script.toml`` for thank-you and ``script-PURPOSE.toml``
for the others, in the app folder); the cadence rule of a follow-up names its script. Each
step asks one thing; ``ask_if`` says when it is asked, in a tiny condition language parsed
here (never ``eval``)::

    ask_if = "liked_best in [neutral, negative]"
    ask_if = "recommend == yes"
    ask_if = "recommend != no and liked_best == positive"

``next_step(script, answers)`` says what to ask next given the answers so far, so the CLI,
the ``--answers`` file and a resumed call all walk the script the same way. Nothing here
reads the keyboard, prints, or touches the database.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from followup_cli.errors import ConfigError, InvalidInput
from followup_cli.scheduling import SCRIPTS

LABELS: tuple[str, ...] = ("positive", "neutral", "negative")
# What the owner types to set a label. No key is the initial of another label, so typing the
# "n" of negative cannot save neutral: unknown keys are asked again.
LABEL_KEYS: dict[str, str] = {"+": "positive", "=": "neutral", "-": "negative"}
LABEL_HINT = "Type + positive, = neutral or - negative (or the word), ? why."
KINDS: tuple[str, ...] = ("choice", "text", "say", "referrals")

# Step keys with built-in consequences (see docs/call.md).
REACH = "reach"
REACHED = "reached"
WRONG_NUMBER = "wrong-number"
RECOMMEND = "recommend"
REVIEW = "review"
REVIEW_AGREED = "agreed"
REFERRALS = "referrals"
REFERRAL = "referral"  # one row per person given; reserved
SAID = "said"  # what a "say" step records
PROMISE = "promise"  # complaint: what the owner promises to do ...
PROMISE_BY = "promise_by"  # ... and by when: a make-it-right call that day checks it
NOW_RIGHT = "now_right"  # make-it-right: is it right now? "no" escalates
SPECIAL_VALUES: dict[str, tuple[str, ...]] = {
    REACH: (REACHED, "voicemail", "no-answer", WRONG_NUMBER),
    RECOMMEND: ("yes", "no", "not-sure"),
    REVIEW: ("asked", "agreed", "declined"),
    NOW_RIGHT: ("yes", "no"),
}

# The kinds of call, each with its own script (the rule of a follow-up names it).
THANK_YOU = "thank-you"
COMPLAINT = "complaint"
MAKE_IT_RIGHT = "make-it-right"
PURPOSES: dict[str, str] = dict(
    zip(
        SCRIPTS,  # thank-you, satisfaction, complaint, make-it-right, prospect, keep-in-touch
        (
            "after a sale: thank them, ask what they liked best, for a review and referrals",
            "after a complaint was resolved: is everything really right now?",
            "the complaint itself: what happened, what would make it right, what you promise "
            "and by when",
            "checking a promise was kept, or after a call that went badly: is it right now? "
            "A no escalates",
            "after a visit, an inquiry or a referral: what they need, the next step",
            "a regular check-in: how are we doing?",
        ),
        strict=True,
    )
)
# Keys that only one kind of call has, because their consequence only makes sense there (a
# promise checked by a make-it-right call; a "no" that escalates).
PURPOSE_KEYS: dict[str, tuple[str, ...]] = {
    COMPLAINT: (PROMISE, PROMISE_BY),
    MAKE_IT_RIGHT: (NOW_RIGHT,),
}
PLACEHOLDERS: dict[str, str] = {
    "first_name": "the customer's first name",
    "name": "the customer's full name",
    "owner": "your name (followup config set owner ...)",
    "business": "the business name (followup config set business ...)",
    "bought": 'what they bought, else "working with us"',
    "channel": "how the review link will be sent (email, text, ...)",
    "review_link": "the review link (followup config set review_link ...)",
}
STEP_FIELDS = {"key", "kind", "title", "prompt", "choices", "ask_if", "remind", "classify"}
CHOICE_FIELDS = {"value", "label"}
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_VALUE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Given:
    """An answer as the state machine sees it: the value (choice value, text) and its label."""

    value: str
    label: str | None = None


@dataclass(frozen=True)
class Clause:
    key: str
    negated: bool  # "!=" / "not in"
    values: frozenset[str]

    def holds(self, answers: Mapping[str, Given]) -> bool:
        given = answers.get(self.key)
        if given is None:
            return False  # a step that was not asked matches nothing, not even "!="
        matches = given.value in self.values or (given.label in self.values)
        return matches != self.negated


@dataclass(frozen=True)
class Condition:
    """``or`` of ``and``-groups of clauses; ``and`` binds tighter, as in Python."""

    text: str
    groups: tuple[tuple[Clause, ...], ...]

    def holds(self, answers: Mapping[str, Given]) -> bool:
        return any(all(c.holds(answers) for c in group) for group in self.groups)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.key for g in self.groups for c in g))


@dataclass(frozen=True)
class Choice:
    value: str
    label: str | None = None  # the fixed sentiment label of this answer, if it is an opinion

    @property
    def shown(self) -> str:
        return self.value.replace("-", " ")


@dataclass(frozen=True)
class Step:
    key: str
    kind: str
    prompt: str
    title: str = ""
    choices: tuple[Choice, ...] = ()
    ask_if: Condition | None = None
    remind: str | None = None  # shown after the answer ("thank them ...")
    classify: bool = True  # text steps: suggest a positive / neutral / negative label

    @property
    def heading(self) -> str:
        return self.title or self.key.replace("_", " ").capitalize()

    def choice(self, value: str) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)


@dataclass(frozen=True)
class Script:
    steps: tuple[Step, ...]
    name: str = THANK_YOU
    source: str = "built-in thank-you script"
    purpose: str = THANK_YOU  # the kind of call it is for (PURPOSES)
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def step(self, key: str) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)


# --------------------------------------------------------------------------------------------
# The state machine
# --------------------------------------------------------------------------------------------


def next_step(script: Script, answers: Mapping[str, Given]) -> Step | None:
    """The next step to ask, or None when the call is over.

    Steps are asked in order; a step is skipped when it is answered or its ``ask_if`` does
    not hold. Any reach answer but "reached" ends the call at once.
    """
    reach = answers.get(REACH)
    if reach is not None and reach.value != REACHED:
        return None
    for step in script.steps:
        if step.key in answers:
            continue
        if step.ask_if is not None and not step.ask_if.holds(answers):
            continue
        return step
    return None


def outcome(labels: Iterable[str | None]) -> str:
    """Negative if any answer was negative, else neutral if any was neutral, else positive."""
    seen = {label for label in labels if label}
    for label in ("negative", "neutral"):
        if label in seen:
            return label
    return "positive"


def normalise_value(text: str) -> str:
    """``No Answer`` / ``no_answer`` / ``no answer`` -> ``no-answer``."""
    return "-".join(text.strip().lower().replace("_", " ").replace("-", " ").split())


def parse_choice(step: Step, text: str, *, loose: bool = True) -> Choice | None:
    """The choice typed: its value (any spacing/case), its number, or (``loose``) a unique
    beginning of it ("v" for voicemail). None if it is none of them."""
    value = normalise_value(text)
    if not value:
        return None
    exact = step.choice(value)
    if exact is not None or not loose:
        return exact
    if value.isdigit() and 1 <= int(value) <= len(step.choices):
        return step.choices[int(value) - 1]
    starting = [c for c in step.choices if c.value.startswith(value)]
    return starting[0] if len(starting) == 1 else None


def parse_label(text: str) -> str | None:
    """``+`` / ``=`` / ``-``, a label's name, or its first three letters or more ("neg").

    None for anything else, the old one-letter keys included: ``n`` was neutral, and an
    owner who meant negative saved the wrong label without noticing."""
    typed = text.strip().lower()
    if typed in LABEL_KEYS:
        return LABEL_KEYS[typed]
    if len(typed) < 3:
        return None
    return next((label for label in LABELS if label.startswith(typed)), None)


def check_purpose(text: str) -> str:
    """The kind of call named (``thank-you``, ``Make it right``), else what the kinds are."""
    purpose = normalise_value(text)
    if purpose not in PURPOSES:
        raise InvalidInput(f"Unknown purpose {text!r}; use one of {', '.join(PURPOSES)}.")
    return purpose


def fill(template: str, values: Mapping[str, str]) -> str:
    """Replace ``{placeholder}``s; unknown ones are left as typed (``check`` reports them)."""
    return _PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), template)


# --------------------------------------------------------------------------------------------
# Parsing and checking
# --------------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"\s*(==|!=|=|\[|\]|,|[A-Za-z0-9_-]+)")


def parse_condition(text: str) -> Condition:
    """Parse ``KEY == V``, ``KEY != V``, ``KEY in [V, ...]``, ``KEY not in [...]`` joined by
    ``and`` / ``or``. Raises ValueError with what is wrong."""
    tokens: list[str] = []
    pos = 0
    stripped = text.strip()
    while pos < len(stripped):
        match = _TOKEN_RE.match(stripped, pos)
        if match is None:
            raise ValueError(f"unexpected {stripped[pos:]!r}")
        tokens.append(match.group(1))
        pos = match.end()
        while pos < len(stripped) and stripped[pos].isspace():
            pos += 1
    if not tokens:
        raise ValueError("it is empty")
    groups: list[tuple[Clause, ...]] = []
    current: list[Clause] = []
    i = 0

    def expect_value(at: int) -> str:
        if at >= len(tokens) or not _VALUE_RE.match(tokens[at].lower()):
            found = tokens[at] if at < len(tokens) else "the end"
            raise ValueError(f"expected a value, found {found!r}")
        return tokens[at].lower()

    while True:
        if i >= len(tokens) or not _KEY_RE.match(tokens[i]):
            found = tokens[i] if i < len(tokens) else "the end"
            raise ValueError(f"expected a step key, found {found!r}")
        key = tokens[i]
        i += 1
        op = tokens[i] if i < len(tokens) else ""
        if op == "not" and i + 1 < len(tokens) and tokens[i + 1] == "in":
            op, i = "not in", i + 2
        else:
            i += 1
        if op in ("==", "!="):
            values = frozenset({expect_value(i)})
            i += 1
        elif op in ("in", "not in"):
            if i >= len(tokens) or tokens[i] != "[":
                raise ValueError(f"expected [ after {op!r}, e.g. {key} in [neutral, negative]")
            i += 1
            items: list[str] = []
            while True:
                items.append(expect_value(i))
                i += 1
                if i < len(tokens) and tokens[i] == ",":
                    i += 1
                    continue
                if i < len(tokens) and tokens[i] == "]":
                    i += 1
                    break
                raise ValueError("a list must be closed with ]")
            values = frozenset(items)
        else:
            raise ValueError(
                f"expected ==, !=, in or not in after {key!r}, found {op or 'the end'!r}"
            )
        current.append(Clause(key, op in ("!=", "not in"), values))
        if i >= len(tokens):
            break
        joiner = tokens[i]
        i += 1
        if joiner == "or":
            groups.append(tuple(current))
            current = []
        elif joiner != "and":
            raise ValueError(f"expected and / or, found {joiner!r}")
    groups.append(tuple(current))
    return Condition(stripped, tuple(groups))


def _placeholder_errors(text: str, where: str) -> list[str]:
    errors = []
    for match in _PLACEHOLDER_RE.finditer(text):
        if match.group(1) not in PLACEHOLDERS:
            errors.append(
                f"{where}: unknown placeholder {{{match.group(1)}}}; use one of "
                + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
                + "."
            )
    return errors


def _parse_step(raw: Any, number: int, errors: list[str]) -> Step | None:
    where = f"step {number}"
    if not isinstance(raw, dict):
        errors.append(f"{where}: each [[step]] must be a table with key, kind and prompt.")
        return None
    key = raw.get("key")
    if not isinstance(key, str) or not _KEY_RE.match(key):
        errors.append(
            f"{where}: key must be a lower-case name like liked_best (letters, digits, _)."
        )
        return None
    where = f"step {number} ({key})"
    for unknown in sorted(set(raw) - STEP_FIELDS):
        errors.append(
            f"{where}: unknown field {unknown!r}; known: {', '.join(sorted(STEP_FIELDS))}."
        )
    kind = raw.get("kind")
    if kind not in KINDS:
        errors.append(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}.")
        return None
    prompt = raw.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        errors.append(f'{where}: prompt must be the text to say or ask, e.g. prompt = "...".')
        prompt = ""
    errors.extend(_placeholder_errors(prompt, f"{where} prompt"))
    title = raw.get("title", "")
    remind = raw.get("remind")
    for name, value in (("title", title), ("remind", remind)):
        if value is not None and not isinstance(value, str):
            errors.append(f'{where}: {name} must be text in quotes, e.g. {name} = "...".')
    if isinstance(remind, str):
        errors.extend(_placeholder_errors(remind, f"{where} remind"))
    classify = raw.get("classify", True)
    if not isinstance(classify, bool):
        errors.append(f"{where}: classify must be true or false.")
        classify = True
    if "classify" in raw and kind != "text":
        errors.append(f"{where}: classify is only for text steps.")
    choices: list[Choice] = []
    raw_choices = raw.get("choices")
    if kind == "choice":
        if not isinstance(raw_choices, list) or len(raw_choices) < 2:
            errors.append(
                f'{where}: a choice step needs at least two choices, e.g. choices = [{{ value = "yes", '
                f'label = "positive" }}, {{ value = "no", label = "negative" }}].'
            )
            raw_choices = []
        for index, item in enumerate(raw_choices, 1):
            if isinstance(item, str):
                item = {"value": item}
            if not isinstance(item, dict) or not isinstance(item.get("value"), str):
                errors.append(f'{where}: choice {index} needs a value, e.g. {{ value = "yes" }}.')
                continue
            for unknown in sorted(set(item) - CHOICE_FIELDS):
                errors.append(
                    f"{where}: choice {index} has unknown field {unknown!r}; use value and label."
                )
            value = normalise_value(item["value"])
            if not value or not _VALUE_RE.match(value):
                errors.append(f"{where}: choice {item['value']!r} must be a word like not-sure.")
                continue
            label = item.get("label")
            if label is not None and label not in LABELS:
                errors.append(
                    f"{where}: choice {value!r} has label {label!r}; use positive, neutral or negative."
                )
                label = None
            if any(c.value == value for c in choices):
                errors.append(f"{where}: choice {value!r} is listed twice.")
                continue
            choices.append(Choice(value, label))
    elif raw_choices is not None:
        errors.append(f"{where}: only choice steps have choices (this one is {kind}).")
    ask_if = None
    raw_if = raw.get("ask_if")
    if raw_if is not None:
        if not isinstance(raw_if, str):
            errors.append(f'{where}: ask_if must be text, e.g. ask_if = "recommend == yes".')
        else:
            try:
                ask_if = parse_condition(raw_if)
            except ValueError as exc:
                errors.append(
                    f'{where}: ask_if {raw_if!r}: {exc}. Write e.g. "recommend == yes" or '
                    '"liked_best in [neutral, negative]".'
                )
    return Step(
        key=key,
        kind=kind,
        prompt=prompt,
        title=title if isinstance(title, str) else "",
        choices=tuple(choices),
        ask_if=ask_if,
        remind=remind if isinstance(remind, str) else None,
        classify=classify,
    )


def _special_errors(steps: list[Step], purpose: str) -> list[str]:
    errors = []
    owned = {key: owner for owner, keys in PURPOSE_KEYS.items() for key in keys}
    for index, step in enumerate(steps, 1):
        where = f"step {index} ({step.key})"
        owner = owned.get(step.key)
        if owner is not None and owner != purpose:
            errors.append(
                f"{where}: {step.key} belongs to the {owner} script only; in a {purpose} "
                "script, give the step another key."
            )
        if step.key in (PROMISE, PROMISE_BY) and (step.kind != "text" or step.classify):
            errors.append(
                f"{where}: {step.key} must be a text step with classify = false (it is what "
                "you promise, not their opinion)."
            )
        if step.key == REFERRAL:
            errors.append(f"{where}: the key referral is reserved; call the step referrals.")
        if (step.key == REFERRALS) != (step.kind == "referrals"):
            errors.append(
                f"{where}: only the step with key referrals may (and must) have kind referrals."
            )
        allowed = SPECIAL_VALUES.get(step.key)
        if allowed is not None:
            if step.kind != "choice":
                errors.append(f"{where}: {step.key} must be a choice step of {', '.join(allowed)}.")
                continue
            bad = [c.value for c in step.choices if c.value not in allowed]
            if bad:
                errors.append(
                    f"{where}: {', '.join(bad)} cannot be an answer of {step.key}; "
                    f"use {', '.join(allowed)}."
                )
        if step.key == NOW_RIGHT and step.kind == "choice":
            labels = {c.value: c.label for c in step.choices}
            if labels != {"yes": "positive", "no": "negative"}:
                errors.append(
                    f"{where}: now_right must have exactly the choices yes (label positive) "
                    "and no (label negative): a no escalates."
                )
    for key in PURPOSE_KEYS.get(purpose, ()):
        found = next((s for s in steps if s.key == key), None)
        if found is None:
            errors.append(
                f"A {purpose} script needs a step with key = {key!r} "
                f"(see `followup script show {purpose}`)."
            )
        elif found.ask_if is not None:
            errors.append(f"{key}: it is always asked once they are reached; remove its ask_if.")
    keys = [s.key for s in steps]
    if PROMISE in keys and PROMISE_BY in keys and keys.index(PROMISE) > keys.index(PROMISE_BY):
        errors.append("promise must come before promise_by (the promise, then by when).")
    reach = [i for i, s in enumerate(steps) if s.key == REACH]
    if not reach:
        errors.append(
            'The script needs a first step with key = "reach" (did you reach them?), with '
            "the choices reached, voicemail, no-answer, wrong-number."
        )
    else:
        step = steps[reach[0]]
        if reach[0] != 0:
            errors.append(f"step {reach[0] + 1} (reach): reach must be the first step.")
        if step.kind == "choice" and step.choice(REACHED) is None:
            errors.append(f"step {reach[0] + 1} (reach): reach needs the choice reached.")
        if step.ask_if is not None:
            errors.append(f"step {reach[0] + 1} (reach): reach is always asked; remove its ask_if.")
    return errors


def _domain(step: Step) -> list[Given]:
    """Every answer a step can have, as far as conditions can tell them apart."""
    if step.key == REACH:
        return [Given(REACHED)]  # later steps only run when they were reached
    if step.kind == "choice":
        return [Given(c.value, c.label) for c in step.choices]
    if step.kind == "text":
        return [Given("*", label) for label in LABELS] if step.classify else [Given("*")]
    return [Given(SAID)]


def _condition_errors(steps: list[Step]) -> tuple[list[str], list[str]]:
    """Unknown or later step references, impossible values, unreachable steps; and warnings."""
    errors: list[str] = []
    warnings: list[str] = []
    position = {s.key: i for i, s in enumerate(steps)}
    # The answers each step can end up with (None: not asked), as far as is known.
    states: dict[str, list[Given | None]] = {}
    for index, step in enumerate(steps):
        where = f"step {index + 1} ({step.key})"
        cond = step.ask_if
        reachable_when: list[bool] = [True]
        if cond is not None:
            ok = True
            for clause in (c for g in cond.groups for c in g):
                if clause.key not in position:
                    errors.append(
                        f"{where}: ask_if refers to {clause.key!r}, which is not a step key; "
                        f"the keys are {', '.join(s.key for s in steps)}."
                    )
                    ok = False
                    continue
                if position[clause.key] >= index:
                    errors.append(
                        f"{where}: ask_if refers to {clause.key!r}, which is not asked before it; "
                        "a condition can only use earlier answers."
                    )
                    ok = False
                    continue
                target = steps[position[clause.key]]
                if target.kind in ("say", "referrals"):
                    errors.append(
                        f"{where}: ask_if cannot use {clause.key!r} (a {target.kind} step has no answer to test)."
                    )
                    ok = False
                    continue
                known = {g.value for g in _domain(target) if g.value != "*"} | {
                    g.label for g in _domain(target) if g.label
                }
                if target.key == REACH:
                    known = {c.value for c in target.choices}
                unknown = sorted(clause.values - known)
                if unknown:
                    errors.append(
                        f"{where}: ask_if tests {clause.key} for {', '.join(unknown)}, which it "
                        f"can never be; its answers are {', '.join(sorted(known)) or 'unlabelled'}."
                    )
                    ok = False
            if ok:
                keys = cond.keys
                domains = [states[k] for k in keys]
                reachable_when = []
                combos = 1
                for d in domains:
                    combos *= max(len(d), 1)
                if combos > 20000:
                    reachable_when = [True, False]
                else:
                    for combo in itertools.product(*domains):
                        answers = {k: g for k, g in zip(keys, combo, strict=True) if g is not None}
                        reachable_when.append(cond.holds(answers))
                if not any(reachable_when):
                    errors.append(
                        f"{where}: it can never be asked: no answers make {cond.text!r} true. "
                        "Fix or remove its ask_if."
                    )
                if step.key == REVIEW and any(k != REACH for k in keys):
                    warnings.append(
                        f"{where}: the review request is only asked when {cond.text!r}. Asking "
                        'only some customers for a review ("review gating") breaks Google\'s '
                        "review policy; remove its ask_if so everyone you reach is asked."
                    )
            else:
                reachable_when = [True, False]
        values: list[Given | None] = []
        if any(reachable_when):
            values.extend(_domain(step))
        if not all(reachable_when):
            values.append(None)
        states[step.key] = values
    return errors, warnings


def parse_script(data: Mapping[str, Any], where: str, purpose: str = THANK_YOU) -> Script:
    """Build and check a script for a kind of call (``purpose``); every problem found is
    listed in one ConfigError."""
    errors: list[str] = []
    for unknown in sorted(set(data) - {"name", "step"}):
        errors.append(
            f"unknown top-level field {unknown!r}; a script has name and [[step]] tables."
        )
    name = data.get("name", "custom")
    if not isinstance(name, str) or not name.strip():
        errors.append('name must be text, e.g. name = "my script".')
        name = "custom"
    raw_steps = data.get("step")
    if not isinstance(raw_steps, list) or not raw_steps:
        errors.append(
            f"The script has no steps; add [[step]] tables (see `followup script show {purpose}`)."
        )
        raw_steps = []
    steps: list[Step] = []
    seen: set[str] = set()
    for number, raw in enumerate(raw_steps, 1):
        step = _parse_step(raw, number, errors)
        if step is None:
            continue
        if step.key in seen:
            errors.append(
                f"step {number} ({step.key}): the key {step.key!r} is used twice; keys must be unique."
            )
            continue
        seen.add(step.key)
        steps.append(step)
    warnings: list[str] = []
    if steps and not errors:
        errors.extend(_special_errors(steps, purpose))
        cond_errors, warnings = _condition_errors(steps)
        errors.extend(cond_errors)
    if errors:
        count = f"{len(errors)} problem{'s' if len(errors) != 1 else ''}"
        raise ConfigError(f"{where}: {count}:\n  " + "\n  ".join(errors))
    return Script(
        tuple(steps), name=name.strip(), source=where, purpose=purpose, warnings=tuple(warnings)
    )


def script_path(purpose: str = THANK_YOU) -> Path:
    """The owner's copy: ``script.toml`` for thank-you (as it always was), else
    ``script-PURPOSE.toml`` beside it."""
    from followup_cli.config import app_dir

    return app_dir() / ("script.toml" if purpose == THANK_YOU else f"script-{purpose}.toml")


def default_script_text(purpose: str = THANK_YOU) -> str:
    # beside this module: importlib.resources would cost the commands that start fast 12 ms
    return (Path(__file__).parent / "scripts" / f"{purpose}.toml").read_text(encoding="utf-8")


def load_script(path: Path | None = None, purpose: str = THANK_YOU) -> Script:
    """``path``, else the owner's copy for ``purpose`` if there is one, else the built-in
    script; checked as a script for that kind of call."""
    import tomllib

    from followup_cli.config import read_toml

    explicit = path is not None
    path = path or script_path(purpose)
    data = read_toml(path)
    if data is not None:
        return parse_script(data, str(path), purpose)
    if explicit:
        raise ConfigError(f"No script file at {path}.")
    text = default_script_text(purpose)
    return parse_script(tomllib.loads(text), f"built-in {purpose} script", purpose)
