"""The interactive side of `followup call`: prompts, panels and the walk through the script.

Imported only when a call runs, so rich and the call domain stay off every other command's
start-up. What is saved when, and how an interrupted call resumes: see cli/call.py.
"""

from __future__ import annotations

import json
from contextlib import suppress
from functools import partial
from pathlib import Path
from threading import Thread
from typing import TYPE_CHECKING

import typer

from followup_cli.cli.common import fire, now, rules, settings, today
from followup_cli.render import call as view
from followup_cli.render import events
from followup_cli.render.plain import visible

if TYPE_CHECKING:
    import datetime as dt

    from followup_cli.calls import CallResult
    from followup_cli.config import Settings
    from followup_cli.scheduling import RuleSet
    from followup_cli.script import Given, Script, Step
    from followup_cli.sentiment import Vocabulary
    from followup_cli.store import Database
    from followup_cli.store.rows import FollowUpRow

_STOP = (typer.Abort, KeyboardInterrupt, EOFError)


def _warm(vocabulary: Vocabulary) -> None:
    from followup_cli.sentiment_model import model_for

    with suppress(Exception):
        model_for(vocabulary)


class CallRun:
    """What every call of one run shares."""

    def __init__(self, db: Database) -> None:
        from followup_cli.listening import owner_vocabulary

        self.db = db
        self.day: dt.date = today()
        self.rules: RuleSet = rules()
        self.settings: Settings = settings()
        with db.reading() as tx:
            self.vocabulary: Vocabulary = owner_vocabulary(tx, self.settings)
        self._scripts: dict[str, Script] = {}
        # The suggestions' counts take about two seconds the first time (then they are read
        # from the cache): worked out while the owner greets the customer, not at the first
        # answer. Any error there is met again, and reported, when an answer needs them.
        self.warming = Thread(target=partial(_warm, self.vocabulary), name="counting")
        self.warming.start()

    def script_for(self, followup: FollowUpRow) -> Script:
        """The script its rule names (the owner's copy, else the built-in), read once a run;
        a broken one stops the call before anything is saved (exit 2)."""
        from followup_cli.calls import script_purpose
        from followup_cli.script import load_script

        purpose = script_purpose(followup, self.rules)
        if purpose not in self._scripts:
            self._scripts[purpose] = load_script(purpose=purpose)
        return self._scripts[purpose]


def _ask(text: str, default: str | None = None) -> str:
    """A plain prompt: works in a pty and with CliRunner input; Ctrl-C / EOF raise Abort."""
    text = visible(text)  # a question may name the customer
    if default is None:
        return str(typer.prompt(text, prompt_suffix=": "))
    return str(typer.prompt(text, default=default, show_default=False, prompt_suffix=": "))


MAX_ANSWERS_BYTES = 1_000_000


def call_from_file(run: CallRun, followup_id: int, path: Path) -> None:
    from followup_cli.calls import record_answers_file
    from followup_cli.errors import InvalidInput
    from followup_cli.followups import get_followup
    from followup_cli.values import is_text

    try:
        with path.open("rb") as file:
            raw = file.read(MAX_ANSWERS_BYTES + 1)
        if len(raw) > MAX_ANSWERS_BYTES:
            raise InvalidInput(f"{path} is over 1 MB; an answers file is a few lines of JSON.")
        data = json.loads(raw.decode("utf-8-sig"))
    except FileNotFoundError:
        raise InvalidInput(f"No answers file at {path}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    except (RecursionError, ValueError):  # nested thousands deep; a number thousands long
        raise InvalidInput(f"{path} is not an answers file: see docs/call.md.") from None
    if not is_text(data):
        raise InvalidInput(f"{path} holds a lone \\u surrogate escape, which is not text.")
    with run.db.reading() as tx:
        script = run.script_for(get_followup(tx, followup_id))
    with run.db.transaction() as tx:
        result = record_answers_file(
            tx, followup_id, script, data, today=run.day, now=now(), rules=run.rules,
            settings=run.settings, vocabulary=run.vocabulary,
        )  # fmt: skip
    for recorded in result.recorded:
        view.recorded(recorded)
    view.result(result.result)
    call_events(result.result)


def power_hour(run: CallRun) -> None:
    """Today's calls one by one: Enter calls, s skips, q quits."""
    from followup_cli import agenda
    from followup_cli.drafts import drafts_for, load_templates
    from followup_cli.errors import FollowupError, Interrupted
    from followup_cli.render.drafts import voicemail

    with run.db.reading() as tx:
        items = agenda.due_today(tx, run.day, channel="phone", currency=run.settings.currency)
        drafts = drafts_for(
            tx, [item.id for item in items], settings=run.settings, rules=run.rules,
            templates=load_templates(), today=run.day,
        )  # fmt: skip
    if not items:
        view.line(f"No calls due today ({run.day.isoformat()}).")
        return
    called = skipped = 0
    view.line(f"{len(items)} call{'s' if len(items) != 1 else ''} due today.", "bold")
    for number, item in enumerate(items, 1):
        view.line(f"\n{number}/{len(items)}: {item.contact}, {item.purpose}")
        for line in voicemail(drafts.get(item.id)):  # the tel: link, what to leave on voicemail
            view.line(line)
        try:
            choice = _ask("Enter to call, s to skip, q to quit", default="").strip().lower()
        except _STOP:
            raise Interrupted(
                f"Stopped before call {number} of {len(items)}; nothing was in progress."
            ) from None
        if choice in ("q", "quit"):
            break
        if choice in ("s", "skip"):
            skipped += 1
            continue
        try:
            call_one(run, item.id)
        except Interrupted:
            raise
        except FollowupError as exc:  # e.g. the number was flagged meanwhile
            view.line(f"Cannot call {item.contact}: {exc}", "red")
            skipped += 1
            continue
        called += 1
    view.line(
        f"\nCalled {called}, skipped {skipped}, {len(items) - called - skipped} left for later."
    )


def call_one(run: CallRun, followup_id: int) -> CallResult:
    from followup_cli import calls
    from followup_cli.errors import Interrupted

    with run.db.reading() as tx:
        context = calls.prepare(tx, followup_id, currency=run.settings.currency, today=run.day)
    script = run.script_for(context.followup)
    view.header(context)
    resume_id = None
    if context.resumable is not None:
        try:
            resume = typer.confirm(
                f"Resume the interrupted call of {context.resumable.called_on.isoformat()} "
                f"({context.resumable_answers} answers saved)?",
                default=True,
            )
        except _STOP:
            raise Interrupted("Stopped before the call started; nothing changed.") from None
        resume_id = context.resumable.id if resume else None
    with run.db.transaction() as tx:
        started = calls.start_call(
            tx, followup_id, today=run.day, now=now(), script_name=script.name,
            resume_call_id=resume_id,
        )  # fmt: skip
        call_id = started.id
        given = calls.answers_of(tx, call_id) if resume_id else {}
    values = calls.prompt_values(context, run.settings)
    try:
        result = _walk(run, script, call_id, values, given)
    except _STOP:
        with run.db.transaction() as tx:
            calls.interrupt_call(tx, call_id)
            saved = len(calls.answers_of(tx, call_id)) + len(calls.referrals_of(tx, call_id))
        view.line("")
        raise Interrupted(
            f"Call interrupted: {saved} answer{'s' if saved != 1 else ''} saved, follow-up "
            f"#{followup_id} stays pending. Run `followup call {followup_id}` to resume."
        ) from None
    view.result(result)
    call_events(result)
    return result


def call_events(result: CallResult) -> None:
    """The hooks of a finished call: the call, its follow-up if done, each negative answer."""
    at = now()
    fire("on-call-finished", lambda: events.call_finished(result, at))
    if result.followup.status == "done":
        fire("on-followup-done", lambda: events.followup_done(result.done, at))
    for answer in result.negative:
        fire("on-negative-answer", partial(events.negative_answer, result, answer, at))


def _walk(
    run: CallRun, script: Script, call_id: int, values: dict[str, str], given: dict[str, Given]
) -> CallResult:
    from followup_cli import calls
    from followup_cli import script as sc
    from followup_cli.errors import InvalidInput

    while (step := sc.next_step(script, given)) is not None:
        question = sc.fill(step.prompt, values)
        view.line(f"\n{step.heading}", "bold underline")
        if step.kind == "referrals":
            _ask_referrals(run, call_id, step, question)
            with run.db.transaction() as tx:
                recorded = calls.record_answer(
                    tx, call_id, step, "", question=question, today=run.day, now=now(),
                    rules=run.rules, settings=run.settings,
                )  # fmt: skip
        else:
            answer, label, suggested = _ask_step(run, step, question)
            try:
                with run.db.transaction() as tx:
                    recorded = calls.record_answer(
                        tx, call_id, step, answer, question=question, today=run.day,
                        now=now(), rules=run.rules, label=label, suggested_label=suggested,
                        settings=run.settings,
                    )  # fmt: skip
            except InvalidInput as exc:  # e.g. a promised day in the past: nothing saved
                view.line(str(exc), "red")
                continue
        view.recorded(recorded)
        if step.remind:
            view.box(sc.fill(step.remind, values), "Say")
        given[step.key] = sc.Given(recorded.answer.answer, recorded.answer.label)
    with run.db.transaction() as tx:
        return calls.finish_call(tx, call_id, today=run.day, now=now(), rules=run.rules)


def _ask_step(run: CallRun, step: Step, question: str) -> tuple[str, str | None, str | None]:
    from followup_cli import script as sc

    if step.kind == "say":
        view.box(question, "Say")
        _ask("Press Enter when said", default="")
        return sc.SAID, None, None
    if step.kind == "choice":
        options = " / ".join(f"{i} {c.shown}" for i, c in enumerate(step.choices, 1))
        while True:
            typed = _ask(f"{question} [{options}]")
            choice = sc.parse_choice(step, typed)
            if choice is not None:
                return choice.value, choice.label, choice.label
            view.line(f"Type a number from 1 to {len(step.choices)}, or the answer ({options}).")
    text = ""
    while not text.strip():
        text = _ask(question)
    if not step.classify:
        return text.strip(), None, None
    label, suggested = _ask_label(run, text, question)
    return text.strip(), label, suggested


def _ask_label(run: CallRun, text: str, question: str) -> tuple[str, str | None]:
    """The label and the suggestion it was chosen over, read with the question as asked.

    Enter accepts the suggestion (when there is one: a guess is no suggestion); ``+`` / ``=``
    / ``-`` or the word set it; ``?`` explains. Anything else, the old ``p`` / ``n`` / ``x``
    included, is asked again: ``n`` once saved neutral from an owner who meant negative."""
    from followup_cli.script import LABEL_HINT, parse_label
    from followup_cli.sentiment import explain

    why = explain(text, run.vocabulary, question)
    keys = "+ positive, = neutral, - negative, ? why"
    while True:
        if why.guessed:
            view.line("No suggestion: pick a label")
        else:
            view.suggested(why.label)
        typed = _ask(keys if why.guessed else f"Enter to accept, {keys}", default="")
        if typed.strip() == "?":
            for reason in why.reasons:
                view.line(f"  - {reason}")
            continue
        if not typed.strip() and not why.guessed:
            view.label(why.label, "as suggested")
            return why.label, why.label
        label = parse_label(typed)
        if label is None:
            view.line(LABEL_HINT if why.guessed else f"Enter to accept. {LABEL_HINT}")
            continue
        suggested = None if why.guessed else why.label  # a guess was never suggested
        view.label(label, "as suggested" if label == suggested else "set by hand")
        return label, suggested


def _ask_referrals(run: CallRun, call_id: int, step: Step, question: str) -> None:
    from followup_cli import calls
    from followup_cli.errors import InvalidInput

    view.box(question, "Ask")
    with run.db.reading() as tx:
        earlier = calls.referrals_of(tx, call_id)
    for row in earlier:
        view.line(f"  already noted: {row.answer}")
    while True:
        name = _ask("Referral's name (Enter when there are no more)", default="").strip()
        if not name:
            return
        while True:
            detail = _ask(f"{name}'s phone or email")
            try:
                person = calls.parse_referral_contact(
                    detail, name, region=run.settings.phone_region
                )
                break
            except InvalidInput as exc:
                view.line(str(exc), "red")
        with run.db.transaction() as tx:
            recorded = calls.record_referral(
                tx, call_id, person, question=question, today=run.day, now=now(), rules=run.rules,
                region=run.settings.phone_region,
            )  # fmt: skip
        if recorded.contact is not None:
            view.line(f"Added {recorded.contact.name} (#{recorded.contact.id}), referred.")
        view.recorded(recorded, echo=False)
