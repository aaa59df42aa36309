"""Fixing mistakes: many follow-ups at once, reopening and editing one, and correcting or
deleting what was logged.

Like ``followups``, every function takes the one database handle (``Tx``) and ``today``; none
reads the clock or prints. A bulk action runs ``complete``, ``skip`` or ``snooze`` for each
follow-up in the caller's one transaction, so they all change or none does, and a later undo
takes them back as one unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from followup_cli.contacts import resolve
from followup_cli.enums import Status
from followup_cli.errors import Conflict, InvalidInput, NotFound
from followup_cli.followups import (
    DoneResult,
    check_amount,
    complete,
    due_day,
    get_contact,
    get_followup,
    get_pending,
    reachable,
    skip,
    snooze,
    unreachable_reason,
)
from followup_cli.scheduling import (
    ESCALATED,
    KEEP_IN_TOUCH,
    MAKE_IT_RIGHT,
    MANUAL,
    RuleSet,
    WorkCalendar,
)
from followup_cli.store.rows import (
    ContactRow,
    FollowUpRow,
    InteractionRow,
    fetch,
    get,
    read_row,
    save,
)
from followup_cli.store.sql.fixing import (
    DELETE_INTERACTION_SQL,
    DELETE_PENDING_SQL,
    HAND_OVER_SQL,
    JOINED_SQL,
    RULE_USED_SQL,
    UNJOIN_OWN_SQL,
    UNJOIN_SQL,
    selection_sql,
)
from followup_cli.values import check_channel, check_priority

if TYPE_CHECKING:
    from followup_cli.store import Tx


# --------------------------------------------------------------------------------------------
# Many follow-ups at once
# --------------------------------------------------------------------------------------------


class Selection(NamedTuple):
    """Which pending follow-ups a bulk ``done``, ``skip`` or ``snooze`` acts on: the ids given,
    narrowed by each filter given (as Taskwarrior reads ``task 1 2 +OVERDUE``)."""

    ids: tuple[int, ...] = ()
    overdue_before: dt.date | None = None  # due before this day
    channel: str | None = None
    rule: str | None = None
    contact: str | None = None  # a contact reference, as typed

    @property
    def filtered(self) -> bool:
        return any(
            value is not None
            for value in (self.overdue_before, self.channel, self.rule, self.contact)
        )

    def require(self, usage: str = "followup done 3 5 7") -> None:
        """Refuse an empty selection (it would be every follow-up); ``usage`` is an example
        of asking for some."""
        if not self.ids and not self.filtered:
            raise InvalidInput(
                f"Say which follow-ups: ids, as in `{usage}`, or a selection with "
                "--overdue-before, --channel, --rule or --contact."
            )

    @property
    def one_id(self) -> bool:
        """One id and no filter: the command as it always was, no preview or question."""
        return len(self.ids) == 1 and not self.filtered


class Selected(NamedTuple):
    followup: FollowUpRow
    contact: str  # the contact's name


def select(tx: Tx, selection: Selection, *, today: dt.date, rules: RuleSet) -> list[Selected]:
    """The pending follow-ups ``selection`` picks, by due date. An id that is unknown or no
    longer pending is refused as it is for one follow-up; a filter may match nothing."""
    selection.require()
    before = selection.overdue_before
    if before is not None and before > today:
        raise InvalidInput(
            f"{before.isoformat()} is in the future; --overdue-before takes today (everything "
            "overdue) or an earlier day."
        )
    for followup_id in selection.ids:
        get_pending(tx, followup_id)
    filters = {
        "before": before,
        "channel": None if selection.channel is None else check_channel(selection.channel),
        "rule": selection.rule,
        "contact": None if selection.contact is None else resolve(tx, selection.contact).id,
    }
    given = {name: value for name, value in filters.items() if value is not None}
    ids = {f"id{n}": followup_id for n, followup_id in enumerate(selection.ids)}
    sql = selection_sql(ids=len(ids), filters=list(given))
    params = {"pending": Status.PENDING.value, **ids, **given}
    found = [Selected(read_row(FollowUpRow, row[:-1]), row[-1]) for row in tx.rows(sql, params)]
    if not found and selection.rule is not None:
        _check_rule(tx, selection.rule, rules)
    return found


def _check_rule(tx: Tx, rule: str, rules: RuleSet) -> None:
    """A rule name that no rules file, built-in rule or follow-up knows is a typo."""
    known = {r.name for r in rules.rules} | {MANUAL, KEEP_IN_TOUCH, MAKE_IT_RIGHT, ESCALATED}
    if rule not in known and tx.value(RULE_USED_SQL, {"rule": rule}) is None:
        raise InvalidInput(
            f"Unknown rule {rule!r}; use one of {', '.join(sorted(known))} (see `followup rules`)."
        )


def complete_all(
    tx: Tx,
    followup_ids: Sequence[int],
    *,
    today: dt.date,
    now: dt.datetime,
    rules: RuleSet,
    outcome: str | None = None,
    note: str | None = None,
) -> list[DoneResult]:
    """``complete`` each follow-up. One that reaching the customer for an earlier one has
    already done (the same sale's email after its call) is in that one's ``also_done``."""
    results: list[DoneResult] = []
    closed: set[int] = set()
    for followup_id in followup_ids:
        if followup_id in closed:
            continue
        result = complete(
            tx, followup_id, today=today, now=now, rules=rules, outcome=outcome, note=note
        )
        closed.update(other.id for other in result.also_done)
        results.append(result)
    return results


def skip_all(
    tx: Tx, followup_ids: Sequence[int], *, today: dt.date, reason: str | None = None
) -> list[FollowUpRow]:
    """``skip`` each follow-up."""
    return [skip(tx, followup_id, today=today, reason=reason) for followup_id in followup_ids]


def snooze_all(
    tx: Tx,
    followup_ids: Sequence[int],
    until: dt.date,
    *,
    today: dt.date,
    calendar: WorkCalendar | None = None,
) -> list[FollowUpRow]:
    """``snooze`` each follow-up to ``until``."""
    return [
        snooze(tx, followup_id, until, today=today, calendar=calendar)
        for followup_id in followup_ids
    ]


# --------------------------------------------------------------------------------------------
# Reopening and editing one follow-up
# --------------------------------------------------------------------------------------------


class Reopened(NamedTuple):
    followup: FollowUpRow
    contact: ContactRow
    was: str  # done or skipped


def _check_reachable(contact: ContactRow, channel: str, what: str) -> None:
    if channel not in reachable(contact):
        raise Conflict(f"{what}: {unreachable_reason(contact, channel)}.")


def reopen(tx: Tx, followup_id: int) -> Reopened:
    """Put a follow-up done or skipped by mistake back on the agenda, its outcome and
    completion cleared (what completing it did besides, such as the outreach it logged,
    stays). Refused if the contact can no longer be reached by its channel: it would be
    pending and never shown; ``followup schedule`` makes one by a channel they take."""
    followup = get_followup(tx, followup_id)
    if followup.status == Status.PENDING:
        raise Conflict(
            f"Follow-up #{followup_id} is already pending (due {followup.due_on.isoformat()}); "
            "nothing to reopen."
        )
    contact = get_contact(tx, followup.contact_id)
    _check_reachable(
        contact, followup.channel, f"Cannot reopen #{followup_id} by {followup.channel}"
    )
    changes = {"status": Status.PENDING.value, "outcome": None, "completed_on": None}
    return Reopened(save(tx, followup, changes), contact, followup.status)


class FollowUpChanges(NamedTuple):
    """What ``followup edit`` changes; None leaves a field as it is, a note of "" clears it."""

    purpose: str | None = None
    channel: str | None = None
    note: str | None = None
    due: dt.date | None = None
    priority: str | None = None  # normal or high

    def given(self) -> bool:
        return any(value is not None for value in self)


class Edited(NamedTuple):
    followup: FollowUpRow
    contact: ContactRow
    changed: list[str]  # the columns that changed, in the order of FollowUpChanges


def edit_followup(
    tx: Tx,
    followup_id: int,
    changes: FollowUpChanges,
    *,
    today: dt.date,
    calendar: WorkCalendar | None = None,
) -> Edited:
    """Change a pending follow-up's purpose, channel, note, due day or priority. A channel the
    contact opted out of or cannot be reached by is refused; a due day is rolled to a working
    day of ``calendar``, as ``snooze`` does; a new channel starts its attempts afresh."""
    if not changes.given():
        raise InvalidInput(
            "Nothing to change; give an option such as --due friday, --channel email or --note."
        )
    followup = get_pending(tx, followup_id)
    contact = get_contact(tx, followup.contact_id)
    values: dict[str, Any] = {}
    if changes.purpose is not None:
        values["purpose"] = " ".join(changes.purpose.split())
        if not values["purpose"]:
            raise InvalidInput('A purpose is a few words, e.g. --purpose "Ask about the repair".')
    if changes.channel is not None:
        values["channel"] = check_channel(changes.channel)
        _check_reachable(
            contact, values["channel"], f"Cannot move #{followup_id} to {values['channel']}"
        )
    if changes.note is not None:
        values["note"] = changes.note.strip() or None
    if changes.due is not None:
        values["due_on"] = due_day(changes.due, today=today, calendar=calendar, verb="move it")
    if changes.priority is not None:
        values["priority"] = check_priority(changes.priority)
    values = {k: v for k, v in values.items() if getattr(followup, k) != v}
    if "channel" in values:
        values["attempts"] = 0  # the retry rule counts attempts in one channel
    changed = [k for k in values if k != "attempts"]
    return Edited(save(tx, followup, values), contact, changed)


# --------------------------------------------------------------------------------------------
# Correcting what was logged
# --------------------------------------------------------------------------------------------


@dataclass
class Logged:
    """A logged interaction, whose it is, and the follow-ups it scheduled."""

    interaction: InteractionRow
    contact: ContactRow
    pending: list[FollowUpRow]
    closed: list[FollowUpRow]  # done or skipped: they stay in the history


def logged(tx: Tx, interaction_id: int) -> Logged:
    """An interaction by id (``contact show`` lists them) and the follow-ups it scheduled."""
    interaction = get(tx, InteractionRow, interaction_id)
    if interaction is None:
        raise NotFound(
            f"No interaction #{interaction_id}. `followup contact show REF` lists a contact's "
            "interactions with their ids."
        )
    made = fetch(
        tx, FollowUpRow, "interaction_id = :interaction", {"interaction": interaction.id},
        order="due_on, id",
    )  # fmt: skip
    return Logged(
        interaction,
        get_contact(tx, interaction.contact_id),
        [f for f in made if f.status == Status.PENDING],
        [f for f in made if f.status != Status.PENDING],
    )


class InteractionChanges(NamedTuple):
    """What ``log edit`` changes; None leaves a field as it is, a note of "" clears it."""

    on: dt.date | None = None
    amount_cents: int | None = None
    note: str | None = None
    contact: str | None = None  # a contact reference, as typed

    def given(self) -> bool:
        return any(value is not None for value in self)


@dataclass
class LogFix:
    """What correcting (or deleting) a logged interaction did to the follow-ups it had
    scheduled."""

    logged: Logged  # as it was
    interaction: InteractionRow  # as it is now (as it was, when deleted)
    contact: ContactRow  # whose it is now
    changed: list[str] = field(default_factory=list)  # the columns that changed
    moved: list[FollowUpRow] = field(default_factory=list)  # pending: to the new day or contact
    removed: list[FollowUpRow] = field(default_factory=list)  # pending: deleted with it
    skipped: list[tuple[FollowUpRow, str]] = field(default_factory=list)  # (row, why)
    handed_over: list[FollowUpRow] = field(default_factory=list)  # stay for their later events
    unjoined: list[FollowUpRow] = field(default_factory=list)  # no longer cover it


def edit_interaction(
    tx: Tx,
    interaction_id: int,
    changes: InteractionChanges,
    *,
    today: dt.date,
    calendar: WorkCalendar,
) -> LogFix:
    """Correct what was logged: its day, amount, note or contact. The pending follow-ups it
    scheduled move with it: by as many days as it moved (rolled to a working day, never
    before today), and to the new contact (skipped, saying why, when the new contact cannot
    be reached by that channel). Done and skipped ones stay in the history as they are."""
    if not changes.given():
        raise InvalidInput("Nothing to change; give --on, --amount, --note or --contact.")
    before = logged(tx, interaction_id)
    interaction = before.interaction
    values: dict[str, Any] = {}
    if changes.on is not None:
        if changes.on > today:
            raise InvalidInput(f"{changes.on.isoformat()} is in the future; log what has happened.")
        values["occurred_on"] = changes.on
    if changes.amount_cents is not None:
        check_amount(changes.amount_cents, str(before.contact.id))
        values["amount_cents"] = changes.amount_cents
    if changes.note is not None:
        values["note"] = changes.note.strip() or None
    contact = before.contact
    if changes.contact is not None:
        contact = resolve(tx, changes.contact)
        values["contact_id"] = contact.id
    values = {k: v for k, v in values.items() if getattr(interaction, k) != v}
    fix = LogFix(before, save(tx, interaction, values), contact, changed=list(values))
    pending = before.pending
    if "contact_id" in values:
        fix.unjoined = _unjoin(tx, interaction.id)
        fix.handed_over = _hand_over(tx, interaction.id)
        handed = {f.id for f in fix.handed_over}
        pending = [f for f in pending if f.id not in handed]
    shift = fix.interaction.occurred_on - interaction.occurred_on
    for followup in pending:
        moves: dict[str, Any] = {}
        if shift:
            moved_to = max(followup.due_on + shift, today)
            moves["due_on"] = calendar.roll_forward(moved_to)
        if "contact_id" in values:
            if followup.channel not in reachable(contact):
                why = unreachable_reason(contact, followup.channel)
                skipped = {"status": Status.SKIPPED.value, "completed_on": today, "note": why}
                fix.skipped.append((save(tx, followup, skipped), why))
                continue
            moves["contact_id"] = contact.id
        if moves:
            fix.moved.append(save(tx, followup, moves))
    return fix


def _hand_over(tx: Tx, interaction_id: int) -> list[FollowUpRow]:
    """The pending follow-ups of the interaction that also cover later events stay for
    them."""
    kept = [
        read_row(FollowUpRow, row)
        for row in tx.rows(
            HAND_OVER_SQL, {"interaction": interaction_id, "pending": Status.PENDING.value}
        )
    ]
    if kept:
        tx.execute(UNJOIN_OWN_SQL)
    return sorted(kept, key=lambda f: f.id)


def _unjoin(tx: Tx, interaction_id: int) -> list[FollowUpRow]:
    """The interaction no longer joins other follow-ups (they are the old contact's)."""
    joined = [
        read_row(FollowUpRow, row) for row in tx.rows(JOINED_SQL, {"interaction": interaction_id})
    ]
    tx.execute(UNJOIN_SQL, {"interaction": interaction_id})
    return joined


def delete_interaction(tx: Tx, interaction_id: int) -> LogFix:
    """Delete what was logged by mistake, with the follow-ups still pending for it (one that
    also covers a later event stays, for that event). Done and skipped ones stay in the
    history; the interaction they were about is gone."""
    before = logged(tx, interaction_id)
    fix = LogFix(before, before.interaction, before.contact)
    fix.handed_over = _hand_over(tx, interaction_id)
    handed = {f.id for f in fix.handed_over}
    fix.removed = [f for f in before.pending if f.id not in handed]
    tx.execute(DELETE_PENDING_SQL, {"interaction": interaction_id, "pending": Status.PENDING.value})
    tx.execute(DELETE_INTERACTION_SQL, {"interaction": interaction_id})
    return fix
