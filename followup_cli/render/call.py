"""The call screen: the header before dialling, each saved answer, the outcome, the script.

Everything a customer said is drawn as ``Text`` (literal), never parsed as rich markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from followup_cli.render import plain, screen
from followup_cli.render.plain import visible
from followup_cli.render.screen import SafeTable

if TYPE_CHECKING:
    from followup_cli.calls import CallContext, CallResult, Recorded
    from followup_cli.script import Script

LABEL_STYLE = {"positive": "green", "neutral": "yellow", "negative": "red"}


def _text(value: str, style: str = "") -> Text:
    """What a customer said (or any stored text) as literal text, control characters escaped."""
    return Text(visible(value), style=style)


def _print(*objects: object) -> None:
    screen.console.print(*objects, soft_wrap=True)  # long lines wrap in the terminal, not here


def line(text: str, style: str = "") -> None:
    """One line of literal text."""
    _print(_text(text, style=style))


def box(text: str, title: str) -> None:
    """What to say or ask, in a box that wraps a long line (soft wrap would cut it off)."""
    screen.console.print(screen.safe_panel(_text(text), title, expand=False))


def suggested(label: str) -> None:
    _print(_text("Suggested label: ") + _text(label, style=LABEL_STYLE[label]))


def label(chosen: str, how: str) -> None:
    """The label chosen, in words: "Label: negative (set by hand)"."""
    _print(_text("Label: ") + _text(chosen, style=LABEL_STYLE[chosen]) + _text(f" ({how})"))


def header(context: CallContext) -> None:
    followup, contact = context.followup, context.contact
    body = Text()
    body.append(visible(f"{contact.name} (#{contact.id})\n"), style="bold")
    body.append(visible(f"Phone:  {contact.phone or '-'}\n"))
    body.append(
        visible(f"Why:    {context.purpose} (follow-up #{followup.id}, due {followup.due_on})")
    )
    if followup.attempts:
        times = "once" if followup.attempts == 1 else f"{followup.attempts} times"
        body.append(visible(f"\nTried:  {times} before"))
    if followup.note:
        body.append(visible(f"\nNote:   {followup.note}"))
    if context.previous:
        body.append(visible(f"\nLast call, {context.previous[0].called_on.isoformat()}:"))
        for past in context.previous:
            label = f" ({past.label})" if past.label else ""
            body.append(visible(f"\n  {past.question} -> {past.answer}{label}"))
    screen.console.print(screen.safe_panel(body, "Calling", title_align="left", expand=False))


def recorded(saved: Recorded, *, echo: bool = True) -> None:
    answer = saved.answer
    if echo and answer.label:
        by_hand = " (set by hand)" if answer.overridden else ""
        _print(
            _text(f"Saved: {answer.step} ")
            + _text(answer.label, LABEL_STYLE[answer.label])
            + by_hand
        )
    for followup in saved.scheduled:
        _print(
            _text(f"  Scheduled {plain.followup_line(followup)} on {plain.day(followup.due_on)}")
        )
    for note in saved.notes:
        _print(_text(f"  {note}", style="yellow"))


def result(call: CallResult) -> None:
    if call.phone_flagged:
        _print(_text(f"Wrong number: {call.contact.phone} is flagged as not working."))
    if call.outcome:
        _print(
            _text("Call outcome: ") + _text(call.outcome, style=LABEL_STYLE.get(call.outcome, ""))
        )
    plain.done(call.done)  # the outcome, and the make-it-right call a negative one led to
    if call.make_it_right is not None or call.escalated is not None:
        for words in call.words:
            _print(_text(f"  They said {words}"))


def script_table(script: Script) -> None:
    """The steps of a script as a table, for `followup script show`."""
    _print(_text(f"Script {script.name!r} from {script.source}", style="bold"))
    table = SafeTable(box=None, show_header=True, header_style="bold")
    for column in ("#", "Key", "Kind", "Asked if", "Prompt"):
        table.add_column(column)
    for number, step in enumerate(script.steps, 1):
        prompt = _text(step.prompt)
        if step.choices:
            prompt.append(
                visible(
                    "\n  "
                    + ", ".join(
                        c.value + (f" ({c.label})" if c.label else "") for c in step.choices
                    )
                )
            )
        if step.remind:
            prompt.append(visible(f"\n  then: {step.remind}"))
        table.add_row(
            str(number), step.key, step.kind, step.ask_if.text if step.ask_if else "always", prompt
        )
    screen.console.print(table)
