"""What fixing a mistake says: a bulk command's preview, reopen and edit, and a corrected
or deleted interaction with what became of its follow-ups. Plain text, no rich."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from followup_cli.render.plain import day, followup_line, interaction_words, say, visible

if TYPE_CHECKING:
    import datetime as dt

    from followup_cli.fixing import Edited, LogFix, Logged, Reopened, Selected, Selection
    from followup_cli.store.rows import FollowUpRow


def count(n: int) -> str:
    return f"{n} follow-up{'s' if n != 1 else ''}"


def preview(verb: str, chosen: Sequence[Selected], detail: str = "") -> None:
    """What a bulk command would change: ``Skip 3 follow-ups:``, then one aligned line per
    follow-up (id, who, what, when due)."""
    from followup_cli.scheduling import purpose_for

    say(f"{verb} {count(len(chosen))}{detail}:")
    rows = [
        (
            f"#{s.followup.id}",
            visible(s.contact),
            visible(purpose_for(s.followup.purpose, s.followup.channel)),
            f"due {day(s.followup.due_on)}",
        )
        for s in chosen
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        cells = [row[0].rjust(widths[0]), row[1].ljust(widths[1]), row[2].ljust(widths[2])]
        say("  " + "  ".join([*cells, row[3]]))


def question(verb: str, chosen: Sequence[Selected], detail: str = "") -> str:
    return f"{verb} these {count(len(chosen))}{detail}?"


def nothing_selected(selection: Selection) -> None:
    """An empty selection is an answer, not an error: say what was asked and where to look."""
    asked = [", ".join(f"#{i}" for i in selection.ids)] if selection.ids else []
    if selection.overdue_before is not None:
        asked.append(f"due before {day(selection.overdue_before)}")
    if selection.channel is not None:
        asked.append(f"by {selection.channel}")
    if selection.rule is not None:
        asked.append(f"made by rule {selection.rule}")
    if selection.contact is not None:
        asked.append(f"for contact {selection.contact!r}")
    say(
        f"No pending follow-up is {', '.join(asked)}. See what is pending with "
        "`followup today` or `followup upcoming --days 30`."
    )


def reopened(result: Reopened) -> None:
    followup = result.followup
    say(
        f"Reopened {followup_line(followup, result.contact.name)} (it was {result.was}); "
        f"due {day(followup.due_on)}."
    )


def edited(result: Edited, asked_due: dt.date | None) -> None:
    from followup_cli.render.plain import not_a_working_day

    followup = result.followup
    rolled = not_a_working_day(asked_due, followup.due_on) if asked_due is not None else ""
    words = {
        "purpose": "purpose",
        "channel": f"channel {followup.channel}",
        "note": "note",
        "due_on": f"due {day(followup.due_on)}{rolled}",
        "priority": f"priority {'high' if followup.priority else 'normal'}",
    }
    what = ", ".join(words[name] for name in result.changed) or "nothing changed"
    say(f"Updated {followup_line(followup, result.contact.name)}: {what}.")


def delete_question(logged: Logged, currency: str) -> str:
    what = interaction_words(logged.interaction, logged.contact, currency)
    pending = f" and its {count(len(logged.pending))} still pending" if logged.pending else ""
    return f"Delete the {what}{pending}?"


def _closed(followup: FollowUpRow) -> str:
    when = f" on {followup.completed_on.isoformat()}" if followup.completed_on else ""
    return f"  Kept {followup_line(followup)} as it was ({followup.status}{when}): it stays in the history"


# The fields of an interaction as the owner knows them.
INTERACTION_WORDS = {"occurred_on": "date", "amount_cents": "amount", "contact_id": "contact"}


def log_fix(fix: LogFix, currency: str, *, deleted: bool = False) -> None:
    """A corrected (or deleted) interaction, and what became of each follow-up it scheduled."""
    if deleted:
        say(f"Deleted the {interaction_words(fix.interaction, fix.contact, currency)}.")
    else:
        what = ", ".join(INTERACTION_WORDS.get(f, f) for f in fix.changed) or "nothing changed"
        say(f"Updated the {interaction_words(fix.interaction, fix.contact, currency)}: {what}.")
    moved_contact = "contact_id" in fix.changed
    for followup in fix.moved:
        to = f"{fix.contact.name} (#{fix.contact.id}), due " if moved_contact else ""
        say(f"  Moved {followup_line(followup)} to {to}{day(followup.due_on)}")
    for followup, why in fix.skipped:
        say(f"  Skipped {followup_line(followup)}: {why}")
    for followup in fix.removed:
        say(f"  Removed {followup_line(followup)} (it was pending)")
    for followup in fix.handed_over:
        say(
            f"  Kept {followup_line(followup)} for the later interaction it also covers "
            f"(#{followup.interaction_id})"
        )
    for followup in fix.unjoined:
        say(f"  {followup_line(followup)} of contact #{followup.contact_id} no longer covers it")
    if deleted or moved_contact or "occurred_on" in fix.changed:
        for followup in fix.logged.closed:
            say(_closed(followup))
