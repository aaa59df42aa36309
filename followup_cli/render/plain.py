"""Output drawn without rich: the agenda screen, one-line confirmations and JSON.

`followup today` runs every morning and can list hundreds of rows on a busy day: laying them
out as rich tables costs more than the whole query, and importing rich costs more again. Plain
aligned columns (bold and red only on a colour terminal) keep the agenda as fast with 500 rows
as with none.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from pathlib import Path

    from followup_cli.agenda import AgendaItem
    from followup_cli.contacts import ContactHistory, ContactList
    from followup_cli.duplicates import DuplicatePair, MergePlan
    from followup_cli.followups import DoneResult, LogResult, OptOutResult, Scheduling
    from followup_cli.privacy import Forgotten
    from followup_cli.reports import Feedback, SilenceReport
    from followup_cli.store.journal import Operation
    from followup_cli.store.rows import ContactRow, FollowUpRow, InteractionRow

CHANNEL_HEADINGS = {
    "phone": "Calls",
    "email": "Emails",
    "text": "Texts",
    "mail": "Notes to write",
    "visit": "Visits",
}


def print_json(data: object) -> None:
    """JSON for scripts: plain stdout, no colour, no wrapping."""
    import json

    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def json_items(
    items: Iterable[Mapping[str, object]], *, lines: bool = False, out: TextIO | None = None
) -> None:
    """A list for scripts, written one item at a time, so a list of any length holds one
    item in memory: a JSON array (an item a line), or with ``lines`` JSON Lines. Compact
    encoding keeps the C encoder (``indent`` turns it off: 2x slower at 33k items)."""
    import json

    out = out or sys.stdout
    encode = json.JSONEncoder(ensure_ascii=False, default=str).encode
    if lines:
        for item in items:
            out.write(encode(item) + "\n")
        return
    glue = "[\n"
    for item in items:
        out.write(glue + encode(item))
        glue = ",\n"
    out.write("[]\n" if glue == "[\n" else "\n]\n")


def contact_json(c: ContactRow) -> dict[str, object]:
    from followup_cli.values import split_csv_set

    return {
        "id": c.id,
        "name": c.name,
        "email": c.email,
        "phone": c.phone,
        "address": c.address,
        "prefers": c.prefers,
        "note": c.note,
        "tags": split_csv_set(c.tags),
        "every_days": c.every_days,
        "do_not_contact": c.do_not_contact,
        "opted_out_channels": split_csv_set(c.opted_out_channels),
        "phone_invalid": c.phone_invalid,
        "referred_by": c.referred_by_id,
        "created_on": c.created_on.isoformat(),
    }


# What stored text must never send to a terminal raw: C0 and C1 control characters (escape
# sequences that clear the screen, set the title, write the clipboard or make links; BEL, BS,
# CR) and the bidirectional overrides that make text read differently from what it is.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """Text as it may reach a terminal: every unsafe character shown escaped (``\\x1b``);
    exports and JSON keep the data as it is."""
    return _UNSAFE.sub(_escaped, text)


# A contact's fields as the owner knows them (contact edit says what it changed).
FIELD_WORDS = {
    "every_days": "keep-in-touch interval",
    "prefers": "preferred channel",
    "referred_by_id": "referred by",
    "created_on": "contact since",
}


def say(text: str) -> None:
    """Output on stdout, as it is (no markup), with control characters escaped."""
    print(visible(text))


def warn(text: str) -> None:
    """A line on stderr (a warning, or where a file was written), control characters escaped."""
    print(visible(text), file=sys.stderr)


def day(value: dt.date | None) -> str:
    return "" if value is None else f"{value:%a} {value.isoformat()}"


def not_a_working_day(asked: dt.date, given: dt.date) -> str:
    """`` (Sat 2026-11-28 is not a working day)``, when a date asked for was moved."""
    return "" if asked == given else f" ({day(asked)} is not a working day)"


def overdue_words(days: int) -> str:
    """How late, in the owner's working days (a weekend makes nothing later)."""
    if days <= 0:
        return "due today"
    return f"{days} working day{'s' if days != 1 else ''} overdue"


# `followup --color WHEN` (the root callback sets it): auto colours a terminal, unless
# NO_COLOR is set (no-color.org) or TERM is dumb; always and never say it outright.
COLOR_CHOICES = ("auto", "always", "never")
color_mode = "auto"


def coloured(out: TextIO) -> bool:
    """Whether output to ``out`` gets colour and bold: the one rule, for plain and rich."""
    if color_mode != "auto":
        return color_mode == "always"
    return out.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def rich_colour(out: TextIO) -> dict[str, Any]:
    """A rich Console's settings that follow ``coloured`` (no styles at all when off)."""
    return {
        "force_terminal": True if color_mode == "always" else None,
        "color_system": "auto" if coloured(out) else None,
    }


class _Style:
    def __init__(self, out: TextIO) -> None:
        self.on = coloured(out)

    def __call__(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.on and text else text


def agenda(
    items: Sequence[AgendaItem],
    today: dt.date,
    next_due: dt.date | None,
    out: TextIO | None = None,
    *,
    review_link: str = "",
) -> None:
    """The morning agenda; a "send the review link" row shows the link to send."""
    out = out or sys.stdout
    if not items:
        when = (
            f" The next follow-up is due {day(next_due)}; see `followup upcoming`."
            if next_due
            else " Add a customer with `followup contact add NAME`, then log a sale with "
            "`followup log sale NAME`, or import today's sales with "
            "`followup import FILE`."
        )
        out.write(f"Nothing due today ({day(today)}).{when}\n")
        return
    style = _Style(out)
    overdue = sum(1 for item in items if item.days_overdue > 0)
    summary = f"{len(items)} follow-up{'s' if len(items) != 1 else ''} for {day(today)}"
    if overdue:
        summary += f", {overdue} overdue"
    lines = [style(summary, "1")]
    for channel, heading in CHANNEL_HEADINGS.items():
        group = [item for item in items if item.channel == channel]
        if group:
            lines.append("")
            lines.append(style(heading, "1"))
            lines.extend(_table(group, style, review_link))
    out.write("\n".join(lines) + "\n")


def aligned(
    header: Sequence[str], rows: Sequence[Sequence[str]], *, right: Container[int] = (0,)
) -> list[str]:
    """Aligned columns, those in ``right`` (the first, an id, unless told) to the right;
    nothing is cut short (a long line wraps in the terminal). The cells are shown as they
    are: escape them first (``visible``)."""
    return list(columns(header, rows, sample=len(rows), right=right))


# How many rows of a streamed list set its column widths: a few screenfuls, read before the
# first line is written.
WIDTH_SAMPLE = 1000


def columns(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    sample: int = WIDTH_SAMPLE,
    right: Container[int] = (0,),
) -> Iterator[str]:
    """``aligned`` for a list of any length, line by line as rows arrive: the first
    ``sample`` rows set the widths, and a longer cell later only pushes its own row's
    next columns along (it is never cut)."""
    from itertools import chain, islice

    rows = iter(rows)
    first = list(islice(rows, sample))
    widths = [max([len(header[i]), *(len(row[i]) for row in first)]) for i in range(len(header))]
    last = len(header) - 1
    # one printf-style format: padded, never cut; the last column unpadded unless to the right
    layout = "  " + "  ".join(
        f"%{w}s" if i in right else f"%-{w}s" if i < last else "%s" for i, w in enumerate(widths)
    )

    yield (layout % tuple(header)).rstrip()
    for row in chain(first, rows):
        yield (layout % tuple(row)).rstrip()


def show(lines: Iterable[str], out: TextIO | None = None) -> None:
    """Write lines as they come; on a terminal, a list longer than the screen goes through
    the owner's pager (``$PAGER``, else ``less -FRX``), as git does. ``PAGER=cat`` (or
    empty) turns paging off; a pager that can't start is no pager."""
    from itertools import chain, islice

    out = out or sys.stdout
    lines = iter(lines)
    if out.isatty():
        import shutil

        height = shutil.get_terminal_size().lines
        first = list(islice(lines, height))  # the screen, less one line for the prompt
        lines = chain(first, lines)
        if len(first) >= height and _paged(lines):
            return
    while chunk := list(islice(lines, 1000)):  # one write per thousand lines, not per line
        out.write("\n".join(chunk) + "\n")


def _paged(lines: Iterator[str]) -> bool:
    """Send ``lines`` through the pager; False if there is none to send them to."""
    import contextlib
    import shlex
    import subprocess

    try:
        command = shlex.split(os.environ.get("PAGER", "less -FRX"))
    except ValueError:  # PAGER='less "': no pager, as when it cannot start
        return False
    if not command or command == ["cat"]:
        return False
    env = {**os.environ, "LESS": os.environ.get("LESS", "FRX")}
    try:
        pager = subprocess.Popen(command, stdin=subprocess.PIPE, text=True, env=env)
    except OSError:
        return False
    assert pager.stdin is not None
    # The owner may quit the pager (a closed pipe) or press Ctrl-C before the end: both
    # just stop the list.
    with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):
        for text in lines:
            pager.stdin.write(text + "\n")
    with contextlib.suppress(BrokenPipeError):
        pager.stdin.close()
    pager.wait()
    return True


def _why(item: AgendaItem, review_link: str) -> str:
    """Why it is on the list: "! " marks high priority; a review-link row shows the link."""
    from followup_cli.enums import REVIEW_LINK

    why = ("! " if item.priority else "") + item.purpose
    return f"{why}: {review_link}" if item.rule == REVIEW_LINK and review_link else why


def _table(items: Sequence[AgendaItem], style: _Style, review_link: str = "") -> list[str]:
    rows = [
        (
            str(item.id),
            visible(item.contact),
            visible(item.reach_at),
            visible(_why(item, review_link)),
            overdue_words(item.days_overdue),
        )
        for item in items
    ]
    header, *lines = aligned(("ID", "Contact", "Reach at", "Why", "When"), rows)
    out = [style(header, "2")]
    for text, row, item in zip(lines, rows, items, strict=True):
        if item.days_overdue > 0:  # overdue: the "When" cell in red
            when = row[4]
            text = text[: len(text) - len(when)] + style(when, "31")
        out.append(text)
    return out


def upcoming(items: Iterable[AgendaItem], days: int, limit: int | None) -> None:
    """What comes next, as it is read (paged on a terminal)."""
    listing(
        (
            [str(item.id), day(item.due), item.channel, item.contact, _why(item, "")]
            for item in items
        ),
        ("ID", "Due", "Channel", "Contact", "Why"),
        empty=f"Nothing scheduled in the next {days} days. Look further with --days 30, or "
        "schedule one with `followup schedule NAME WHEN`.",
        title=f"Next {days} days",
        closing=lambda shown: _limited(shown, limit),
    )  # fmt: skip


def _limited(shown: int, limit: int | None) -> str:
    return f"The first {limit:,} shown; --limit 0 shows them all." if shown == limit else ""


def listing(
    rows: Iterable[Sequence[str]],
    header: Sequence[str],
    *,
    empty: str,
    title: str = "",
    closing: Callable[[int], str] = lambda shown: "",
    right: Container[int] = (0,),
    out: TextIO | None = None,
) -> None:
    """A list as plain columns, written as it is read and paged on a terminal: the title,
    the header and the rows, then a closing line worked out from how many were shown (e.g.
    that a limit stopped it); ``empty`` when there are none. Each row is escaped as a line
    (``visible``, one pass): a cell holding an escape shifts its own row, never the list."""
    from itertools import chain

    out = out or sys.stdout
    shown = 0

    def counted() -> Iterator[Sequence[str]]:
        nonlocal shown
        for row in rows:
            shown += 1
            yield row

    def last() -> Iterator[str]:
        if text := closing(shown):
            yield text

    listed = counted()
    first = next(listed, None)
    if first is None:
        out.write(visible(empty) + "\n")
        return
    style = _Style(out)
    lines = columns(header, chain([first], listed), right=right)
    head = [style(visible(title), "1")] if title else []
    show(chain(head, [style(next(lines), "2")], map(visible, lines), last()), out)


def silence(result: SilenceReport, currency: str) -> None:
    """Who has not heard from you, most valuable first (paged on a terminal)."""
    from itertools import chain

    from followup_cli.values import format_money

    if not result.people:
        say(
            f"Everyone who bought or visited since {result.since.isoformat()} has heard from "
            "you since. Nothing to catch up on; see `followup today` for what is due."
        )
        return
    style = _Style(sys.stdout)
    noun = "customer" if result.total == 1 else "customers"
    title = f"{result.total} {noun} with a sale or visit since {result.since.isoformat()} and no follow-up since"
    rows = (
        [
            str(p.contact_id), visible(p.name), visible(reach), p.last_on.isoformat(),
            str(p.sales), str(p.visits), format_money(p.amount_cents, currency) if p.sales else "",
        ]
        for p in result.people
        for reach in [(p.email if p.prefers == "email" else p.phone) or p.phone or p.email or ""]
    )  # fmt: skip
    header = ("ID", "Customer", "Reach at", "Last sale/visit", "Sales", "Visits", "Spent")
    lines = columns(header, rows, right=(0, 4, 5, 6))  # the figures to the right
    more = result.total - len(result.people)
    closing = [f"... and {more:,} more (use --limit)."] if more > 0 else []
    closing.append("Schedule one with `followup schedule ID tomorrow`.")
    show(chain([style(title, "1"), style(next(lines), "2")], lines, closing))


def feedback(items: Iterable[Feedback], limit: int) -> None:
    """What customers said, newest first, as it is read (paged on a terminal)."""
    listing(
        (
            [item.called_on.isoformat(), f"{item.contact} (#{item.contact_id})", item.question,
             item.label or "", item.answer]
            for item in items
        ),
        ("Date", "Customer", "Question", "Label", "Answer"),
        empty="No feedback to show yet. Answers appear here after follow-up calls: "
        "run `followup call ID` on a call from `followup today`.",
        title="What customers said",
        closing=lambda shown: _limited(shown, limit),
        right=(),
    )  # fmt: skip


def _cell(text: str | None) -> str:
    """A stored text in one table cell: its lines joined, control characters escaped."""
    return visible(" ".join((text or "").splitlines()))


def history(h: ContactHistory, currency: str) -> None:
    """Everything about one contact, in plain sections (paged on a terminal, like a log)."""
    from followup_cli.contacts import consent_summary
    from followup_cli.scheduling import purpose_for
    from followup_cli.values import address_line, format_money

    style = _Style(sys.stdout)
    c = h.contact
    facts = [
        f"Email:    {c.email or '-'}",
        f"Phone:    {c.phone or '-'}{'  (wrong number!)' if c.phone_invalid else ''}",
        f"Address:  {address_line(c.address) or '-'}",
        f"Prefers:  {c.prefers}",
        f"Consent:  {consent_summary(c)}",
    ]
    if c.tags:
        facts.append(f"Tags:     {c.tags.replace(',', ', ')}")
    if c.every_days:
        facts.append(f"Keep in touch every {c.every_days} days")
    if h.referred_by:
        facts.append(f"Referred by {h.referred_by.name} (#{h.referred_by.id})")
    if h.referrals:
        facts.append("Referred: " + ", ".join(f"{r.name} (#{r.id})" for r in h.referrals))
    if c.note:
        facts.append(f"Note:     {c.note}")
    facts.append(f"Added     {c.created_on.isoformat()}")
    lines = [style(visible(f"{c.name} (#{c.id})"), "1")]
    lines += ["  " + visible(line) for fact in facts for line in fact.splitlines()]

    def table(title: str, header: Sequence[str], rows: list[list[str]], empty: str) -> None:
        lines.append("")
        if not rows:
            lines.append(empty)
            return
        head, *body = aligned(header, rows)
        lines.extend([style(title, "1"), style(head, "2"), *body])

    table(
        "Follow-ups",
        ("ID", "Due", "Channel", "What", "Status", "Outcome", "Note"),
        [
            [
                str(f.id), f.due_on.isoformat(), f.channel, _cell(purpose_for(f.purpose, f.channel)),
                f.status + (f" {f.completed_on.isoformat()}" if f.completed_on else "")
                + (f", sent with {f.template}" if f.template else ""),  # followup draft --sent
                f.outcome or "", _cell(f.note),
            ]
            for f in h.followups
        ],
        "No follow-ups.",
    )  # fmt: skip
    table(
        "Interactions",  # the ids `followup log edit` and `log delete` take
        ("ID", "Date", "Kind", "Amount", "Items", "Note"),
        [
            [
                str(i.id), i.occurred_on.isoformat(), i.kind,
                format_money(i.amount_cents, currency), _cell(i.items), _cell(i.note),
            ]
            for i in h.interactions
        ],
        "No interactions.",
    )  # fmt: skip
    for entry in h.calls:
        call = entry.call
        title = f"Call #{call.id} on {call.called_on.isoformat()}: {call.reach or call.status}"
        if call.outcome:
            title += f", {call.outcome}"
        if call.status != "completed":  # interrupted (or still going): not finished
            resume = f"; `followup call {call.followup_id}` resumes it" if call.followup_id else ""
            title += f" ({call.status}{resume})"
        lines += ["", style(visible(title), "1")]
        for a in entry.answers:  # the question, then the answer and its label under it
            label = (a.label or "") + (" (set by hand)" if a.overridden else "")
            lines += [
                f"  {_cell(a.question)}",
                f"    {_cell(a.answer)}" + (f"  ({label})" if label else ""),
            ]
    show(lines)


def contacts(page: ContactList, searched: str | None, out: TextIO | None = None) -> None:
    """The contact list as plain columns, written as it is read (paged on a terminal): a
    rich table took minutes for 100k contacts."""
    from followup_cli.contacts import consent_summary

    listing(
        (
            (str(c.id), c.name, c.email or "", c.phone or "", c.prefers,
             c.tags.replace(",", ", "), consent_summary(c))
            for c in page.contacts
        ),
        ("ID", "Name", "Email", "Phone", "Prefers", "Tags", "Consent"),
        empty=f"No contact matches {searched!r}." if searched
        else "No contacts yet. Add one with `followup contact add NAME --phone ...`.",
        closing=lambda shown: _more(page, shown),
        out=out,
    )  # fmt: skip


def _more(page: ContactList, shown: int) -> str:
    """When the list stopped at its limit: how many there are (one more query)."""
    if page.limit is None or shown < page.limit or (total := page.total()) <= shown:
        return ""
    return f"{shown:,} of {total:,} contacts shown; --limit 0 shows them all, --search narrows them down."


def duplicates(pairs: Sequence[DuplicatePair]) -> None:
    """Each likely pair: both contacts, why, and the command that merges them."""
    from followup_cli.contacts import describe_fully

    if not pairs:
        say("No likely duplicates.")
        return
    say(f"{len(pairs)} likely duplicate{'s' if len(pairs) != 1 else ''} (keep the first, or swap):")
    for pair in pairs:
        say("")
        say(f"  {describe_fully(pair.keep)}")
        say(f"  {describe_fully(pair.other)}")
        say(f"    {', '.join(pair.reasons)}: followup contact merge {pair.keep.id} {pair.other.id}")


def merge_plan(plan: MergePlan, *, done: bool = False) -> None:
    """What a merge does (the preview), or did."""
    from followup_cli.contacts import consent_summary, describe, describe_fully

    keep, other = plan.keep, plan.other
    moved = ", ".join(
        f"{count} {word}{'' if count == 1 else 's'}"
        for count, word in (
            (plan.interactions, "interaction"), (plan.followups, "follow-up"),
            (plan.calls, "call"), (plan.referrals, "referral"),
        )
    )  # fmt: skip
    if done:
        say(f"Merged {describe(other)} into {describe(keep)}: moved {moved}.")
    else:
        say(f"Merge {describe_fully(other)}")
        say(f" into {describe_fully(keep)}:")
        say(f"  Moves {moved}; then #{other.id} is deleted.")
    words = [FIELD_WORDS.get(name, name) for name in plan.filled]
    if words:
        say(f"  {'Filled in' if done else 'Fills in'}: {', '.join(words)}")
    consent = consent_summary(plan.merged)
    if consent != consent_summary(keep):
        say(f"  Consent: {consent} (the stricter of the two)")
    if plan.aliases:
        shown = ", ".join(value for _, value in plan.aliases)
        say(f"  Known by: {shown} (an import matches them to #{keep.id})")
    for dropped, kept in plan.collapsed:
        say(
            f"  {'Skipped' if done else 'Skips'} {followup_line(dropped)} "
            f"(due {day(dropped.due_on)}): a duplicate of #{kept.id}, due {day(kept.due_on)}"
        )


def followup_line(followup: FollowUpRow, contact_name: str | None = None) -> str:
    from followup_cli.scheduling import purpose_for

    who = f" with {contact_name}" if contact_name else ""
    return f"#{followup.id} {purpose_for(followup.purpose, followup.channel)}{who}"


def scheduling(result: Scheduling, indent: str = "  ") -> None:
    for followup in result.scheduled:
        say(f"{indent}Scheduled {followup_line(followup)} on {day(followup.due_on)}")
    if result.late:
        late = result.late
        say(
            f"{indent}{late} follow-up{' was' if late == 1 else 's were'} already past due "
            f"and {'is' if late == 1 else 'are'} due today."
        )
    for joined in result.joined:
        say(f"{indent}Added to {followup_line(joined)}, already pending (due {day(joined.due_on)})")
    for reason in result.not_scheduled:
        say(f"{indent}Not scheduled: {reason}")


def interaction_words(interaction: InteractionRow, contact: ContactRow, currency: str) -> str:
    """``sale ($129.00) for Ann Lee (#1) on Thu 2026-11-19``: what was logged, in words."""
    from followup_cli.values import format_money

    amount = (
        f" ({format_money(interaction.amount_cents, currency)})"
        if interaction.amount_cents is not None
        else ""
    )
    return (
        f"{interaction.kind}{amount} for {contact.name} (#{contact.id}) "
        f"on {day(interaction.occurred_on)}"
    )


def log_result(result: LogResult, currency: str) -> None:
    from followup_cli.enums import InteractionKind

    interaction = result.interaction
    say(f"Logged {interaction_words(interaction, result.contact, currency)}.")
    for followup in result.completed:
        say(f"  Completed {followup_line(followup)}")
    why = "the sale was refunded" if interaction.kind == InteractionKind.REFUND else "they bought"
    for followup in result.cancelled:
        say(f"  Dropped {followup_line(followup)} ({why})")
    scheduling(result.scheduling)
    if result.keep_in_touch is not None:
        say(f"  Next keep-in-touch {day(result.keep_in_touch.due_on)}")


def opt_out(result: OptOutResult) -> None:
    from followup_cli.contacts import consent_summary

    contact = result.contact
    say(f"{contact.name} (#{contact.id}): {consent_summary(contact)}.")
    for old, followup in result.moved:
        say(f"  Moved {followup_line(followup)} (was by {old})")
    for followup in result.skipped:
        say(f"  Skipped {followup_line(followup)}: {followup.note}")
    for followup in result.back:
        say(f"  Back on the agenda: {followup_line(followup)}, due {day(followup.due_on)}")


def done(result: DoneResult) -> None:
    line = followup_line(result.followup, result.contact.name)
    if result.wrong_number and result.gave_up:
        say(f"Wrong number, and no other channel to try: gave up on {line}.")
    elif result.wrong_number and result.switched_to:
        say(f"Wrong number: moved {line} to {result.switched_to}, due {day(result.retry_on)}.")
    elif result.gave_up:
        say(f"No answer again: gave up on {line} (no other channel to try).")
    elif result.switched_to:
        say(
            f"No answer {result.followup.attempts or 'several'} times: moved {line} to "
            f"{result.switched_to}, due {day(result.retry_on)}."
        )
    elif result.retry_on:
        say(
            f"No answer (attempt {result.followup.attempts}): will try {line} again "
            f"{day(result.retry_on)}."
        )
    else:
        outcome = f" ({result.followup.outcome})" if result.followup.outcome else ""
        say(f"Done: {line}{outcome}.")
    for other in result.also_done:
        say(f"  Also done: {followup_line(other)} (reached by {result.followup.channel})")
    if result.keep_in_touch is not None:
        say(f"  Next keep-in-touch {day(result.keep_in_touch.due_on)}")
    if result.make_it_right is not None:
        fix = result.make_it_right
        say(f"Make it right: scheduled {followup_line(fix)} (high priority) on {day(fix.due_on)}.")
    if result.escalated is not None:
        up = result.escalated
        say(
            f"Escalated, not another make-it-right call: scheduled {followup_line(up)} "
            f"(high priority) for you to handle personally, on {day(up.due_on)}."
        )
    for note in result.notes:
        say(note)


# How ``history`` names what an operation did, per journaled table: (one, many).
_ROW_WORDS = {
    "contact": ("contact", "contacts"),
    "interaction": ("interaction", "interactions"),
    "followup": ("follow-up", "follow-ups"),
    "followup_event": ("sale joined to a follow-up", "sales joined to follow-ups"),
    "call_log": ("call", "calls"),
    "call_answer": ("answer", "answers"),
}
_ACTION_WORDS = {"insert": "added", "update": "changed", "delete": "removed"}


def operation_changes(op: Operation) -> str:
    """ "2 follow-ups changed, 1 interaction added"."""
    parts = []
    for (table, action), number in sorted(op.counts.items()):
        one, many = _ROW_WORDS.get(table, (table, table))
        parts.append(f"{number} {one if number == 1 else many} {_ACTION_WORDS[action]}")
    return ", ".join(parts) or "nothing left to take back"


def operation_line(op: Operation) -> str:
    when = op.started_at.astimezone().strftime("%a %Y-%m-%d %H:%M")
    return f"#{op.id} {op.command} ({when}: {operation_changes(op)})"


def operations(ops: Sequence[Operation]) -> None:
    """The journal, newest first."""
    if not ops:
        say("No changes recorded yet; every command that changes something appears here.")
        return
    for op in ops:
        state = ""
        if op.undoes_id is not None:
            state = f"  [undid #{op.undoes_id}]"
        elif op.undone_by_id is not None:
            state = f"  [undone by #{op.undone_by_id}]"
        say(f"{operation_line(op)}{state}")


def forgotten(gone: Forgotten, backups: Sequence[Path]) -> None:
    say(
        f"Erased {gone.name} (#{gone.contact_id}): {gone.interactions} interactions, "
        f"{gone.followups} follow-ups, {gone.calls} calls."
    )
    if gone.mentions:
        rows = "record" if gone.mentions == 1 else "records"
        say(f"Erased their name, email and phone where {gone.mentions} other {rows} named them.")
    if backups:
        say("These copies made earlier still hold them; delete them if they must go too:")
        for path in backups:
            say(f"  {path}")


def waiting(seconds: float) -> None:
    """A write waiting for another command's (an import's) write lock: said on stderr after a
    few seconds, then every ten, so the owner knows why nothing happens."""
    shown = int(seconds)
    if shown == 3 or (shown > 3 and shown % 10 == 0):
        warn(f"Waiting for another followup command to finish writing (an import?)... {shown} s")
