"""The interactive side of `followup call`: prompts, panels and the walk through the script.

Imported only when a call runs, so rich and the call domain stay off every other command's
start-up. What is saved when, and how an interrupted call resumes: see cli/call.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from followup_cli.cli.common import now, rules, settings, today

if TYPE_CHECKING:
    import datetime as dt

    from followup_cli.calls import CallContext, CallResult, Recorded
    from followup_cli.config import Settings
    from followup_cli.scheduling import RuleSet
    from followup_cli.script import Given, Script, Step
    from followup_cli.sentiment import Vocabulary
    from followup_cli.store import Database

LABEL_KEYS = {"p": "positive", "n": "neutral", "x": "negative"}
LABEL_STYLE = {"positive": "green", "neutral": "yellow", "negative": "red"}
_STOP = (typer.Abort, KeyboardInterrupt, EOFError)


class CallRun:
    """What every call of one run shares."""

    def __init__(self, db: Database, script: Script) -> None:
        from followup_cli.calls import vocabulary_for

        self.db = db
        self.script = script
        self.day: dt.date = today()
        self.rules: RuleSet = rules()
        self.settings: Settings = settings()
        self.vocabulary: Vocabulary = vocabulary_for(self.settings)


def _print(*objects: object) -> None:
    from followup_cli import render

    render.console.print(*objects, soft_wrap=True)  # long lines wrap in the terminal, not here


def _ask(text: str, default: str | None = None) -> str:
    """A plain prompt: works in a pty and with CliRunner input; Ctrl-C / EOF raise Abort."""
    if default is None:
        return str(typer.prompt(text, prompt_suffix=": "))
    return str(typer.prompt(text, default=default, show_default=False, prompt_suffix=": "))


def call_from_file(run: CallRun, followup_id: int, path: Path) -> None:
    from followup_cli.calls import record_answers_file
    from followup_cli.errors import InvalidInput

    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InvalidInput(f"No answers file at {path}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    with run.db.transaction() as tx:
        result = record_answers_file(
            tx, followup_id, run.script, data, today=run.day, now=now(), rules=run.rules,
            settings=run.settings, vocabulary=run.vocabulary,
        )  # fmt: skip
    for recorded in result.recorded:
        _show_recorded(recorded)
    _show_result(result.result)


def power_hour(run: CallRun) -> None:
    """Today's calls one by one: Enter calls, s skips, q quits."""
    from followup_cli import agenda
    from followup_cli.errors import FollowupError, Interrupted

    with run.db.reading() as tx:
        items = agenda.due_today(tx, run.day, channel="phone", currency=run.settings.currency)
    if not items:
        _print(f"No calls due today ({run.day.isoformat()}).")
        return
    called = skipped = 0
    _print(Text(f"{len(items)} call{'s' if len(items) != 1 else ''} due today.", style="bold"))
    for number, item in enumerate(items, 1):
        _print(Text(f"\n{number}/{len(items)}: {item.contact}, {item.purpose}"))
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
            _print(Text(f"Cannot call {item.contact}: {exc}", style="red"))
            skipped += 1
            continue
        called += 1
    _print(f"\nCalled {called}, skipped {skipped}, {len(items) - called - skipped} left for later.")


def call_one(run: CallRun, followup_id: int) -> CallResult:
    from followup_cli import calls
    from followup_cli.errors import Interrupted

    with run.db.reading() as tx:
        context = calls.prepare(tx, followup_id, currency=run.settings.currency)
    _show_header(context)
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
            tx, followup_id, today=run.day, now=now(), script_name=run.script.name,
            resume_call_id=resume_id,
        )  # fmt: skip
        call_id = started.id
        given = calls.answers_of(tx, call_id) if resume_id else {}
    values = calls.prompt_values(context, run.settings)
    try:
        result = _walk(run, call_id, values, given)
    except _STOP:
        with run.db.transaction() as tx:
            calls.interrupt_call(tx, call_id)
            saved = len(calls.answers_of(tx, call_id)) + len(calls.referrals_of(tx, call_id))
        _print("")
        raise Interrupted(
            f"Call interrupted: {saved} answer{'s' if saved != 1 else ''} saved, follow-up "
            f"#{followup_id} stays pending. Run `followup call {followup_id}` to resume."
        ) from None
    _show_result(result)
    return result


def _walk(
    run: CallRun, call_id: int, values: dict[str, str], given: dict[str, Given]
) -> CallResult:
    from followup_cli import calls
    from followup_cli import script as sc

    while (step := sc.next_step(run.script, given)) is not None:
        question = sc.fill(step.prompt, values)
        _print(Text(f"\n{step.heading}", style="bold underline"))
        if step.kind == "referrals":
            _ask_referrals(run, call_id, step, question)
            with run.db.transaction() as tx:
                recorded = calls.record_answer(
                    tx, call_id, step, "", question=question, today=run.day, now=now(),
                    rules=run.rules, settings=run.settings,
                )  # fmt: skip
        else:
            answer, label, suggested = _ask_step(run, step, question, values)
            with run.db.transaction() as tx:
                recorded = calls.record_answer(
                    tx, call_id, step, answer, question=question, today=run.day, now=now(),
                    rules=run.rules, label=label, suggested_label=suggested,
                    settings=run.settings,
                )  # fmt: skip
        _show_recorded(recorded)
        if step.remind:
            _print(Panel(Text(sc.fill(step.remind, values)), title="Say", expand=False))
        given[step.key] = sc.Given(recorded.answer.answer, recorded.answer.label)
    with run.db.transaction() as tx:
        return calls.finish_call(tx, call_id, today=run.day, now=now(), rules=run.rules)


def _ask_step(
    run: CallRun, step: Step, question: str, values: dict[str, str]
) -> tuple[str, str | None, str | None]:
    from followup_cli import script as sc

    if step.kind == "say":
        _print(Panel(Text(question), title="Say", expand=False))
        _ask("Press Enter when said", default="")
        return sc.SAID, None, None
    if step.kind == "choice":
        options = " / ".join(f"{i} {c.shown}" for i, c in enumerate(step.choices, 1))
        while True:
            typed = _ask(f"{question} [{options}]")
            choice = sc.parse_choice(step, typed)
            if choice is not None:
                return choice.value, choice.label, choice.label
            _print(f"Type a number from 1 to {len(step.choices)}, or the answer ({options}).")
    text = ""
    while not text.strip():
        text = _ask(question)
    if not step.classify:
        return text.strip(), None, None
    return text.strip(), _ask_label(run, text), _suggest(run, text)


def _suggest(run: CallRun, text: str) -> str:
    from followup_cli.sentiment import classify

    return classify(text, run.vocabulary)


def _ask_label(run: CallRun, text: str) -> str:
    """Enter accepts the suggestion; p / n / x set positive / neutral / negative; ? explains."""
    from followup_cli.sentiment import explain

    why = explain(text, run.vocabulary)
    while True:
        line = Text("Suggested label: ") + Text(why.label, style=LABEL_STYLE[why.label])
        _print(line)
        key = _ask("Enter to accept, p positive, n neutral, x negative, ? why", default="")
        key = key.strip().lower()
        if not key:
            return why.label
        if key in LABEL_KEYS:
            return LABEL_KEYS[key]
        if key in ("positive", "neutral", "negative"):
            return key
        if key == "?":
            for reason in why.reasons:
                _print(Text(f"  - {reason}"))
            continue
        _print("Press Enter, p, n, x or ?.")


def _ask_referrals(run: CallRun, call_id: int, step: Step, question: str) -> None:
    from followup_cli import calls
    from followup_cli.errors import InvalidInput

    _print(Panel(Text(question), title="Ask", expand=False))
    with run.db.reading() as tx:
        earlier = calls.referrals_of(tx, call_id)
    for row in earlier:
        _print(Text(f"  already noted: {row.answer}"))
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
                _print(Text(str(exc), style="red"))
        with run.db.transaction() as tx:
            recorded = calls.record_referral(
                tx, call_id, person, question=question, today=run.day, now=now(), rules=run.rules,
                region=run.settings.phone_region,
            )  # fmt: skip
        if recorded.contact is not None:
            _print(Text(f"Added {recorded.contact.name} (#{recorded.contact.id}), referred."))
        _show_recorded(recorded, echo=False)


# --------------------------------------------------------------------------------------------
# Showing
# --------------------------------------------------------------------------------------------


def _show_header(context: CallContext) -> None:
    from followup_cli import render

    followup, contact = context.followup, context.contact
    body = Text()
    body.append(f"{contact.name} (#{contact.id})\n", style="bold")
    body.append(f"Phone:  {contact.phone or '-'}\n")
    body.append(f"Why:    {context.purpose} (follow-up #{followup.id}, due {followup.due_on})")
    if followup.attempts:
        body.append(f"\nTried:  {followup.attempts} time(s) before")
    if followup.note:
        body.append(f"\nNote:   {followup.note}")
    if context.previous:
        body.append(f"\nLast call, {context.previous[0].called_on.isoformat()}:")
        for past in context.previous:
            label = f" ({past.label})" if past.label else ""
            body.append(f"\n  {past.question} -> {past.answer}{label}")
    render.console.print(Panel(body, title="Calling", title_align="left", expand=False))


def _show_recorded(recorded: Recorded, *, echo: bool = True) -> None:
    from followup_cli import render

    answer = recorded.answer
    if echo and answer.label:
        by_hand = " (set by hand)" if answer.overridden else ""
        _print(
            Text(f"Saved: {answer.step} ") + Text(answer.label, LABEL_STYLE[answer.label]) + by_hand
        )
    for followup in recorded.scheduled:
        _print(
            Text(f"  Scheduled {render.followup_line(followup)} on {render.day(followup.due_on)}")
        )
    for note in recorded.notes:
        _print(Text(f"  {note}", style="yellow"))


def _show_result(result: CallResult) -> None:
    from followup_cli import render

    if result.phone_flagged:
        _print(Text(f"Wrong number: {result.contact.phone} is flagged as not working."))
    if result.outcome:
        _print(
            Text("Call outcome: ") + Text(result.outcome, style=LABEL_STYLE.get(result.outcome, ""))
        )
    render.done(result.done)
    if result.make_it_right is not None:
        f = result.make_it_right
        _print(
            Text(
                f"Make it right: scheduled {render.followup_line(f)} (high priority) on "
                f"{render.day(f.due_on)}.",
                style="bold red",
            )
        )
        for words in result.words:
            _print(Text(f"  They said {words}"))
    for note in result.notes:
        _print(Text(note, style="yellow"))


def show_script(script: Script) -> None:
    """The steps of a script as a table, for `followup script show`."""
    from followup_cli import render

    _print(Text(f"Script {script.name!r} from {script.source}", style="bold"))
    table = Table(box=None, show_header=True, header_style="bold")
    for column in ("#", "Key", "Kind", "Asked if", "Prompt"):
        table.add_column(column)
    for number, step in enumerate(script.steps, 1):
        prompt = Text(step.prompt)
        if step.choices:
            prompt.append(
                "\n  "
                + ", ".join(c.value + (f" ({c.label})" if c.label else "") for c in step.choices)
            )
        if step.remind:
            prompt.append(f"\n  then: {step.remind}")
        table.add_row(
            str(number), step.key, step.kind, step.ask_if.text if step.ask_if else "always", prompt
        )
    render.console.print(table)
