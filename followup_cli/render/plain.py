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
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from pathlib import Path

    from followup_cli.agenda import AgendaItem
    from followup_cli.contacts import ContactList
    from followup_cli.duplicates import DuplicatePair, MergePlan
    from followup_cli.followups import DoneResult, LogResult, OptOutResult, Scheduling
    from followup_cli.privacy import Forgotten
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


class _Style:
    def __init__(self, out: TextIO) -> None:
        self.on = out.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"

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


def aligned(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Aligned columns, the first (an id) to the right; nothing is cut short (a long line
    wraps in the terminal). The cells are shown as they are: escape them first (``visible``)."""
    widths = [max(len(header[i]), *(len(row[i]) for row in rows)) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        padded = [cells[0].rjust(widths[0])]
        padded += [cell.ljust(width) for cell, width in zip(cells[1:-1], widths[1:-1], strict=True)]
        return "  " + "  ".join([*padded, cells[-1]]).rstrip()

    return [line(header), *(line(row) for row in rows)]


def _why(item: AgendaItem, review_link: str) -> str:
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


def contacts(page: ContactList, searched: str | None, out: TextIO | None = None) -> None:
    """The contact list as plain columns: a rich table took minutes for 100k contacts."""
    from followup_cli.contacts import consent_summary

    out = out or sys.stdout
    if not page.contacts:
        if searched:
            out.write(visible(f"No contact matches {searched!r}.") + "\n")
        else:
            out.write("No contacts yet. Add one with `followup contact add NAME --phone ...`.\n")
        return
    rows = [
        [
            str(c.id), c.name, c.email or "", c.phone or "", c.prefers,
            c.tags.replace(",", ", "), consent_summary(c),
        ]
        for c in page.contacts
    ]  # fmt: skip
    header = ("ID", "Name", "Email", "Phone", "Prefers", "Tags", "Consent")
    lines = aligned(header, [[visible(cell) for cell in row] for row in rows])
    style = _Style(out)
    out.write("\n".join([style(lines[0], "2"), *lines[1:]]) + "\n")
    if page.total > len(page.contacts):
        out.write(
            f"{len(page.contacts):,} of {page.total:,} contacts shown; --limit 0 shows them all, "
            "--search narrows them down.\n"
        )


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
