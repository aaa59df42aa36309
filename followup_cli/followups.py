"""Logging interactions, scheduling by the cadence rules, and acting on follow-ups.

Every function takes the one database handle (``Tx``), ``today`` and, where it stamps a row,
``now``; none reads the clock or prints. Importing this module stays free of SQLAlchemy and
SQLModel, so the everyday commands start fast.
"""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from followup_cli.contacts import (
    add_contact,
    describe,
    edit_contact,
    like_pattern,
    resolve,
    set_opt_out,
)
from followup_cli.enums import (
    CHANNEL_OUTREACH,
    OUTREACH_CHANNEL,
    Channel,
    InteractionKind,
    Outcome,
    Priority,
    Status,
)
from followup_cli.errors import Conflict, InvalidInput, NotFound
from followup_cli.scheduling import (
    ESCALATED,
    KEEP_IN_TOUCH,
    MAKE_IT_RIGHT,
    MANUAL,
    PREFERRED,
    CadenceRule,
    Offset,
    Planned,
    RuleSet,
    WorkCalendar,
    choose_channel,
    first_channel_spec,
    plan_followups,
    plan_one,
    reach_of,
    script_for,
)
from followup_cli.store.rows import (
    ContactRow,
    FollowUpRow,
    InteractionRow,
    as_date,
    columns_of,
    fetch,
    get,
    insert,
    insert_row,
    read_row,
    save,
    table_of,
)
from followup_cli.store.sql.followups import (
    CANCEL_REFUNDED_SQL,
    DELETE_FOLLOWUP_SQL,
    DROP_PROSPECTS_SQL,
    LAST_CONTACTED_SQL,
    REACHED_SQL,
    RESOLVE_COMPLAINT_SQL,
)
from followup_cli.store.sql.planning import (
    CONDITIONS_SQL,
    DROP_PLANNED,
    LINK_SQL,
    MAX_RANK_SQL,
    OUTCOME_COUNTS_SQL,
    OUTCOMES,
    OUTCOMES_SQL,
    PLANNED_DDL,
    PLANNED_INDEXES,
    PLANNED_RULE_SQL,
    PLANNED_SQL,
    PLANNED_TAG_SQL,
    RANK_ROWS_SQL,
    RANK_SQL,
    create_sql,
)
from followup_cli.values import check_channel, format_money, refund_ref, split_csv_set

if TYPE_CHECKING:
    from followup_cli.inputs import ContactCreate, ContactUpdate
    from followup_cli.store import Tx

KIND_NAMES = ", ".join(k.value for k in InteractionKind)
OUTCOME_NAMES = ", ".join(o.value for o in Outcome)

# A negative outcome, however it was recorded (a call's answers or `done --outcome negative`),
# leads to a high-priority call the next working day to put it right (a complaint call's
# promise sets its own day). Its calls follow the make-it-right script.
MAKE_IT_RIGHT_RULE = CadenceRule(
    name=MAKE_IT_RIGHT, on=(), after=Offset(1, "wd"), channels=(Channel.PHONE, PREFERRED),
    purpose="Make it right {action}", priority=Priority.HIGH, script="make-it-right",
)  # fmt: skip
# A make-it-right call that did not make it right escalates: one high-priority follow-up for
# the owner to handle personally (hear it again with the complaint script, promise again),
# never another make-it-right call, which is how one customer got three in a row.
ESCALATED_RULE = CadenceRule(
    name=ESCALATED, on=(), after=Offset(1, "wd"), channels=(Channel.PHONE, PREFERRED),
    purpose="Escalated {action}: still not right after making it right",
    priority=Priority.HIGH, script="complaint",
)  # fmt: skip


def reachable(contact: ContactRow) -> set[str]:
    return reach_of(contact).channels()


def unreachable_reason(contact: ContactRow, channel: str | None = None) -> str:
    who = describe(contact)
    if contact.do_not_contact:
        return f"{who} asked not to be contacted"
    if channel and channel in split_csv_set(contact.opted_out_channels):
        return f"{who} opted out of {channel}"
    if channel == Channel.EMAIL:
        return f"{who} has no email on file"
    if channel in (Channel.PHONE, Channel.TEXT):
        return f"{who} has no working phone number on file"
    if channel == Channel.MAIL:
        return f"{who} has no postal address on file (`followup contact edit {contact.id} --address ...`)"
    return f"{who} cannot be reached by any channel of the rule"


def new_followup(
    tx: Tx,
    contact_id: int,
    *,
    rule: str,
    purpose: str,
    channel: str,
    due_on: dt.date,
    today: dt.date,
    **more: Any,
) -> FollowUpRow:
    """Save a pending follow-up; ``more`` sets other columns (interaction_id, priority,
    until_sale, note). Every column it does not set takes the schema's default."""
    values = {
        "contact_id": contact_id, "rule": rule, "purpose": purpose, "channel": channel,
        "due_on": due_on, "created_on": today, **more,
    }  # fmt: skip
    return insert_row(tx, FollowUpRow, values)


@dataclass
class Scheduling:
    """What applying the rules to one interaction did."""

    scheduled: list[FollowUpRow] = field(default_factory=list)
    late: int = 0  # due dates that had already passed; scheduled for today instead
    joined: list[FollowUpRow] = field(default_factory=list)  # pending ones this event joined
    not_scheduled: list[str] = field(default_factory=list)  # "rule: reason"


@dataclass
class Settled:
    """How the planned rows were settled (``store.sql.planning``): rows by outcome."""

    created: int
    late: int  # of the created: due today, as their date had passed
    outcomes: dict[str, int]
    rows: list[FollowUpRow] = field(default_factory=list)  # with ``show``, in planned order

    @property
    def joined(self) -> int:
        return self.outcomes.get("merged", 0)

    @property
    def not_needed(self) -> int:
        """Left out by a rule's conditions, ``once_per`` or one note per sale."""
        return sum(n for outcome, n in self.outcomes.items() if outcome != "merged")


def _rule_row(number: int, rule: CadenceRule) -> dict[str, Any]:
    return {
        "rule_no": number, "rule": rule.name, "purpose": rule.purpose, "priority": rule.priority,
        "until_sale": rule.until_sale, "min_amount": rule.min_amount_cents,
        "customer": rule.customer,
    }  # fmt: skip


def plan_rules(tx: Tx, rules: Sequence[CadenceRule]) -> None:
    """Create the ``planned`` tables and write the rules the rows will refer to by number
    (their place in ``rules``), with their conditions."""
    for statement in PLANNED_DDL:
        tx.execute(statement)
    tx.executemany(PLANNED_RULE_SQL, [_rule_row(n, rule) for n, rule in enumerate(rules)])
    tx.executemany(
        PLANNED_TAG_SQL,
        [
            {"rule_no": number, "pattern": like_pattern(f",{tag},")}
            for number, rule in enumerate(rules)
            for tag in sorted(rule.tags)
        ],
    )


def settle_planned(tx: Tx, today: dt.date, *, show: bool = False) -> Settled:
    """Apply the rules' conditions and caps to the rows in ``planned`` (``plan_rules``, then
    the rows), then create the follow-ups left and link the merged events (``log`` and the
    import alike). ``show``: return the follow-ups made (a file's would be too many)."""
    tx.build_indexes(PLANNED_INDEXES)
    tx.execute(RANK_ROWS_SQL)
    for statement in CONDITIONS_SQL:
        tx.execute(statement)
    made: list[FollowUpRow] = []
    created = 0
    for rank in range(1, int(tx.value(MAX_RANK_SQL) or 0) + 1):  # a rank sees the last's
        for statement in RANK_SQL:
            tx.execute(statement, {"rank": rank})
        params = {"today": today, "rank": rank}
        if show:  # ids follow the planned order, whatever order RETURNING gives them in
            returned = tx.rows(create_sql(columns_of(FollowUpRow)), params)
            made += sorted((read_row(FollowUpRow, row) for row in returned), key=lambda f: f.id)
            created = len(made)
        else:
            created += tx.execute(create_sql(), params)
    tx.execute(LINK_SQL)
    counted = tx.one(OUTCOME_COUNTS_SQL)
    assert counted is not None
    _, late, *by_outcome = (int(n) for n in counted)
    counts = {outcome: n for outcome, n in zip(OUTCOMES, by_outcome, strict=True) if n}
    return Settled(created, late, counts, made)


def _planned_row(seq: int, contact_id: int, planned: Planned, **event: Any) -> dict[str, Any]:
    return {
        "seq": seq, "contact_id": contact_id, "rule_no": seq, "channel": planned.channel,
        "due_on": planned.due_on, "named": planned.named, "cap_since": planned.cap_since,
        "late": planned.late, **event,
    }  # fmt: skip


def _left_out(rule: CadenceRule, outcome: str, target: int | None) -> str:
    """Why a rule made no follow-up for this event, in words."""
    if outcome == "amount":
        return f"{rule.name}: the sale is under the rule's min_amount"
    if outcome == "tags":
        return f"{rule.name}: only for contacts tagged {', '.join(sorted(rule.tags))}"
    if outcome == "customer":
        who = "a customer's first sale" if rule.customer == "first-time" else "repeat customers"
        return f"{rule.name}: only for {who}"
    if outcome == "bought":
        return f"{rule.name}: for prospects, and they bought that day or since"
    if outcome == "one-note":
        return f"{rule.name}: one note per sale, and another rule writes it"
    cap = rule.once_per.describe() if rule.once_per else ""
    return f"{rule.name}: follow-up #{target} was done less than {cap} ago"


def save_plan(
    tx: Tx,
    contact: ContactRow,
    plan: Sequence[Planned],
    today: dt.date,
    *,
    interaction: InteractionRow | None = None,
    note: str | None = None,
) -> Scheduling:
    """Write the follow-ups the planner chose, as the rules' conditions and caps allow
    (``settle_planned``); say which it could not schedule and why."""
    result = Scheduling()
    rows = []
    for planned in plan:
        rule = planned.rule
        if planned.stale:
            life = rule.expires_after.describe() if rule.expires_after else ""
            result.not_scheduled.append(
                f"{rule.name}: too old to follow up (it was due more than {life} ago)"
            )
        elif planned.channel is None:
            spec = first_channel_spec(rule.channels, contact.prefers)
            result.not_scheduled.append(f"{rule.name}: {unreachable_reason(contact, spec)}")
        else:
            rows.append(planned)
    if not rows:
        return result
    plan_rules(tx, [planned.rule for planned in rows])  # rule_no: the row's place
    event = {
        "occurred_on": interaction.occurred_on if interaction else None,
        "interaction_id": interaction.id if interaction else None,
    }
    tx.executemany(
        PLANNED_SQL,
        [
            _planned_row(seq, contact.id, planned, note=note, **event)
            for seq, planned in enumerate(rows)
        ],
    )
    created = iter(settle_planned(tx, today, show=True).rows)
    outcomes = tx.rows(OUTCOMES_SQL)
    for (_, outcome, target), planned in zip(outcomes, rows, strict=True):
        if outcome is None:
            result.scheduled.append(next(created))
            result.late += planned.late
        elif outcome == "merged":
            joined = get(tx, FollowUpRow, target)
            assert joined is not None  # settle_planned just linked the event to it
            result.joined.append(joined)
        else:
            result.not_scheduled.append(_left_out(planned.rule, outcome, target))
    for statement in DROP_PLANNED:
        tx.execute(statement)
    return result


@dataclass
class LogResult:
    contact: ContactRow
    interaction: InteractionRow
    scheduling: Scheduling
    completed: list[FollowUpRow] = field(default_factory=list)
    cancelled: list[FollowUpRow] = field(default_factory=list)
    keep_in_touch: FollowUpRow | None = None


def check_kind(kind: str) -> str:
    value = kind.strip().lower()
    if value not in {k.value for k in InteractionKind}:
        raise InvalidInput(f"Unknown interaction {kind!r}; use one of {KIND_NAMES}.")
    return value


def check_amount(amount_cents: int | None, ref: str) -> None:
    """An amount is what changed hands, never negative: money given back is a refund of
    ``ref`` (the contact as typed), logged with what was given back."""
    if amount_cents is not None and amount_cents < 0:
        back = format_money(-amount_cents, currency="")
        raise InvalidInput(
            f"An amount is never negative; for money given back, log a refund of what was "
            f"given back: `followup log refund {shlex.quote(ref)} --amount {back}`."
        )


def log_interaction(
    tx: Tx,
    ref: str,
    kind: str,
    *,
    on: dt.date,
    today: dt.date,
    now: dt.datetime,
    rules: RuleSet,
    amount_cents: int | None = None,
    note: str | None = None,
    external_id: str | None = None,
) -> LogResult:
    """Record what happened, then let the rules and the agenda react to it."""
    kind = check_kind(kind)
    if on > today:
        raise InvalidInput(f"{on.isoformat()} is in the future; log what has happened.")
    check_amount(amount_cents, ref)
    if kind == InteractionKind.REFUND and amount_cents is None:
        raise InvalidInput(
            "A refund needs the amount given back, e.g. "
            f"`followup log refund {shlex.quote(ref)} --amount 20`."
        )
    contact = resolve(tx, ref)
    if external_id and kind == InteractionKind.REFUND:
        external_id = refund_ref(external_id)  # the sale's receipt number, marked
    if external_id:
        existing = fetch(
            tx, InteractionRow, "source = :source AND external_id = :ref",
            {"source": MANUAL, "ref": external_id},
        )  # fmt: skip
        if existing:
            raise Conflict(
                f"Reference {external_id!r} was already logged ({existing[0].kind} on "
                f"{existing[0].occurred_on.isoformat()} for contact #{existing[0].contact_id})."
            )
    interaction = insert_row(
        tx, InteractionRow,
        {
            "contact_id": contact.id, "kind": kind, "occurred_on": on,
            "amount_cents": amount_cents, "note": note,
            "source": MANUAL if external_id else None, "external_id": external_id,
            "created_at": now,
        },
    )  # fmt: skip
    result = LogResult(contact, interaction, Scheduling())
    if kind == InteractionKind.SALE:
        result.cancelled = _drop_prospect_followups(tx, contact, on, today)
    if kind == InteractionKind.REFUND:
        params = {
            "contact": contact.id, "on": on, "cents": amount_cents, "today": today,
            "skipped": Status.SKIPPED.value, "pending": Status.PENDING.value,
        }  # fmt: skip
        result.cancelled = _changed(tx, CANCEL_REFUNDED_SQL, params)
    if kind == InteractionKind.RESOLVED:
        result.completed = _close_complaint(tx, contact, on)
    if kind in OUTREACH_CHANNEL:
        result.completed = _complete_by_outreach(tx, contact, kind, on, rules)
        result.keep_in_touch = refresh_keep_in_touch(tx, contact, rules, today, last=on)
    plan = plan_followups(reach_of(contact), kind, on, rules, today)
    result.scheduling = save_plan(tx, contact, plan, today, interaction=interaction)
    return result


def _pending(tx: Tx, contact_id: int) -> list[FollowUpRow]:
    return fetch(
        tx, FollowUpRow, "contact_id = :contact AND status = :pending",
        {"contact": contact_id, "pending": Status.PENDING.value}, order="due_on, id",
    )  # fmt: skip


def _drop_prospect_followups(
    tx: Tx, contact: ContactRow, on: dt.date, today: dt.date
) -> list[FollowUpRow]:
    """A prospect who buys no longer needs "are you still interested?" follow-ups (the same
    statement the import runs for every buyer in a file)."""
    params = {
        "contact": contact.id, "on": on, "today": today, "true": True,
        "skipped": Status.SKIPPED.value, "pending": Status.PENDING.value,
    }  # fmt: skip
    return _changed(tx, DROP_PROSPECTS_SQL, params)


def _close_complaint(tx: Tx, contact: ContactRow, on: dt.date) -> list[FollowUpRow]:
    """The complaint is resolved: its pending follow-ups (and make-it-right calls and
    escalations) are done."""
    params = {
        "contact": contact.id, "on": on, "note": f"Complaint resolved on {on.isoformat()}",
        "done": Status.DONE.value, "pending": Status.PENDING.value,
        "make_it_right": MAKE_IT_RIGHT, "escalated": ESCALATED,
        "complaint": InteractionKind.COMPLAINT.value,
    }  # fmt: skip
    return _changed(tx, RESOLVE_COMPLAINT_SQL, params)


def _changed(tx: Tx, sql: str, params: dict[str, Any]) -> list[FollowUpRow]:
    """The follow-ups an ``UPDATE ... RETURNING`` changed, in agenda order (RETURNING has none)."""
    changed = [read_row(FollowUpRow, row) for row in tx.rows(sql, params)]
    return sorted(changed, key=lambda f: (f.due_on, f.id))


def _complete_by_outreach(
    tx: Tx, contact: ContactRow, kind: str, on: dt.date, rules: RuleSet
) -> list[FollowUpRow]:
    """Logging a call (email, ...) completes the pending follow-ups in that channel due within
    the rules' outreach window, counted on the owner's calendar."""
    channel = OUTREACH_CHANNEL[kind]
    horizon = rules.calendar.shift(on, rules.outreach_window)
    done = [
        save(
            tx,
            f,
            {
                "status": Status.DONE.value,
                "completed_on": on,
                "note": f.note or f"Done by the {kind} logged on {on.isoformat()}",
            },
        )
        for f in _pending(tx, contact.id)
        if f.channel == channel and f.due_on <= horizon
    ]
    also = [other for f in done for other in reached_elsewhere(tx, f, on)]
    return sorted(done + also, key=lambda f: (f.due_on, f.id))


def reached_elsewhere(tx: Tx, followup: FollowUpRow, on: dt.date) -> list[FollowUpRow]:
    """``followup`` reached the customer: the follow-ups pending for the same events in
    another channel are done too (a call answered, the thank-you email is not needed). Notes
    stay: a note is not a way of reaching them."""
    if followup.channel == Channel.MAIL or followup.interaction_id is None:
        return []
    params = {
        "contact": followup.contact_id, "followup": followup.id, "channel": followup.channel,
        "mail": Channel.MAIL.value, "on": on, "done": Status.DONE.value,
        "pending": Status.PENDING.value,
        "note": f"Reached by {followup.channel} on {on.isoformat()} (#{followup.id})",
    }  # fmt: skip
    return _changed(tx, REACHED_SQL, params)


# --------------------------------------------------------------------------------------------
# Acting on follow-ups
# --------------------------------------------------------------------------------------------


def get_followup(tx: Tx, followup_id: int) -> FollowUpRow:
    followup = get(tx, FollowUpRow, followup_id)
    if followup is None:
        raise NotFound(f"No follow-up #{followup_id}. See `followup today` or `followup upcoming`.")
    return followup


def get_pending(tx: Tx, followup_id: int) -> FollowUpRow:
    followup = get_followup(tx, followup_id)
    if followup.status != Status.PENDING:
        when = f" on {followup.completed_on.isoformat()}" if followup.completed_on else ""
        raise Conflict(f"Follow-up #{followup_id} is already {followup.status}{when}.")
    return followup


def get_contact(tx: Tx, contact_id: int) -> ContactRow:
    contact = get(tx, ContactRow, contact_id)
    if contact is None:
        raise NotFound(f"No contact #{contact_id}. See `followup contact list`.")
    return contact


def last_contacted_on(tx: Tx, contact_id: int) -> dt.date | None:
    """The last outreach (call, email, text, note, meeting) logged for a contact."""
    value = tx.value(LAST_CONTACTED_SQL, {"contact": contact_id})
    return None if value is None else as_date(value)


def keep_in_touch_interval(contact: ContactRow, rules: RuleSet) -> Offset | None:
    """The contact's own interval, else the shortest interval of its tags."""
    if contact.every_days:
        return Offset(contact.every_days, "d")
    offsets = [rules.keep_in_touch_tags.get(t) for t in split_csv_set(contact.tags)]
    known = [o for o in offsets if o is not None]
    if not known:
        return None
    base = dt.date(2000, 1, 1)
    return min(known, key=lambda o: rules.calendar.apply(base, o))


def refresh_keep_in_touch(
    tx: Tx,
    contact: ContactRow,
    rules: RuleSet,
    today: dt.date,
    last: dt.date | None = None,
) -> FollowUpRow | None:
    """Keep exactly one pending check-in, due one interval after the last real contact.

    Counted from when they were last contacted, not from the last due date, so a call made
    early pushes the next check-in out.
    """
    interval = keep_in_touch_interval(contact, rules)
    pending = fetch(
        tx, FollowUpRow, "contact_id = :contact AND status = :pending AND rule = :rule",
        {"contact": contact.id, "pending": Status.PENDING.value, "rule": KEEP_IN_TOUCH},
        order="due_on, id",
    )  # fmt: skip
    channel = choose_channel(rules.keep_in_touch_channels, contact.prefers, reachable(contact))
    if interval is None or channel is None:
        _delete(tx, pending)
        return None
    last = last or last_contacted_on(tx, contact.id) or contact.created_on
    due = rules.calendar.apply(last, interval)
    if pending:
        _delete(tx, pending[1:])
        kept = pending[0]
        if (kept.due_on, kept.channel) == (due, channel):
            return kept
        return save(tx, kept, {"due_on": due, "channel": channel})
    return new_followup(
        tx, contact.id, rule=KEEP_IN_TOUCH, purpose=rules.keep_in_touch_purpose,
        channel=channel, due_on=due, today=today,
    )  # fmt: skip


def _delete(tx: Tx, followups: Sequence[FollowUpRow]) -> None:
    for followup in followups:
        tx.execute(DELETE_FOLLOWUP_SQL, {"id": followup.id})


@dataclass
class DoneResult:
    followup: FollowUpRow
    contact: ContactRow
    retry_on: dt.date | None = None  # no answer: tried again on this day
    switched_to: str | None = None  # no answer too often: moved to this channel
    gave_up: bool = False  # no answer and no other channel left
    keep_in_touch: FollowUpRow | None = None
    make_it_right: FollowUpRow | None = None  # a negative outcome: the call to put it right
    escalated: FollowUpRow | None = None  # a make-it-right call that did not make it right
    wrong_number: bool = False  # the call found the number wrong, not unanswered
    notes: list[str] = field(default_factory=list)  # why no make-it-right (or escalation)
    also_done: list[FollowUpRow] = field(default_factory=list)  # same events, other channels


def check_outcome(outcome: str | None) -> str | None:
    if outcome is None:
        return None
    value = outcome.strip().lower().replace("_", "-").replace(" ", "-")
    if value not in {o.value for o in Outcome}:
        raise InvalidInput(f"Unknown outcome {outcome!r}; use one of {OUTCOME_NAMES}.")
    return value


def complete(
    tx: Tx,
    followup_id: int,
    *,
    today: dt.date,
    now: dt.datetime,
    rules: RuleSet,
    outcome: str | None = None,
    note: str | None = None,
    said: Sequence[str] = (),
    promised: bool = False,
) -> DoneResult:
    """Mark a follow-up done; ``no-answer`` applies the retry rule instead, and ``negative``
    schedules a make-it-right call with what they said (``said``, else the note).

    Never a make-it-right after a make-it-right: that escalates, and an escalation leads to
    nothing more by itself. ``promised``: the call already scheduled its make-it-right (a
    complaint call's promise, on the day promised)."""
    outcome = check_outcome(outcome)
    followup = get_pending(tx, followup_id)
    contact = get_contact(tx, followup.contact_id)
    if outcome == Outcome.NO_ANSWER:
        return retry(tx, followup, contact, today=today, rules=rules, note=note)
    followup = save(tx, followup, {
        "status": Status.DONE.value, "outcome": outcome, "completed_on": today,
        "note": note or followup.note,
    })  # fmt: skip
    outreach = {
        "contact_id": contact.id, "kind": CHANNEL_OUTREACH[Channel(followup.channel)].value,
        "occurred_on": today, "note": note or f"Follow-up #{followup.id}", "created_at": now,
    }  # fmt: skip
    insert(tx, table_of(InteractionRow), outreach)
    result = DoneResult(followup, contact, also_done=reached_elsewhere(tx, followup, today))
    result.keep_in_touch = refresh_keep_in_touch(tx, contact, rules, today, last=today)
    if outcome == Outcome.NEGATIVE and not promised:
        _after_negative(tx, result, rules, today, "They said: " + "; ".join(said) if said else note)
    return result


def _after_negative(
    tx: Tx, result: DoneResult, rules: RuleSet, today: dt.date, words: str | None
) -> None:
    """A make-it-right call, or after one an escalation; after an escalation, a note."""
    followup, contact = result.followup, result.contact
    if followup.rule == ESCALATED:
        result.notes.append(
            "Already escalated: nothing more is scheduled by itself; schedule what you agreed "
            f'with `followup schedule "{contact.name}" WHEN`.'
        )
        return
    escalate = script_for(followup.rule, rules) == "make-it-right"  # whichever rule names it
    rule = ESCALATED_RULE if escalate else MAKE_IT_RIGHT_RULE
    try:
        made = schedule_consequence(tx, contact, rule, today, rules=rules, today=today, note=words)
    except Conflict as exc:
        what = "escalation" if escalate else "make-it-right follow-up"
        result.notes.append(f"No {what} scheduled: {exc}")
        return
    if escalate:
        result.escalated = made
    else:
        result.make_it_right = made


def retry(
    tx: Tx,
    followup: FollowUpRow,
    contact: ContactRow,
    *,
    today: dt.date,
    rules: RuleSet,
    note: str | None = None,
) -> DoneResult:
    """Nobody answered: try again later, and after too many tries switch channel."""
    result = DoneResult(followup, contact)
    attempts = followup.attempts + 1
    changes: dict[str, Any] = {"attempts": attempts, "note": note or followup.note}
    if attempts < rules.retry.max_attempts:
        changes["due_on"] = result.retry_on = rules.calendar.apply(today, rules.retry.after)
    else:
        usable = reachable(contact) - {followup.channel}
        channel = next((c for c in rules.retry.fallback if c in usable), None)
        if channel is None:
            changes.update(
                status=Status.SKIPPED.value, outcome=Outcome.NO_ANSWER.value, completed_on=today,
                note=f"No answer after {attempts} attempts and no other channel",
            )  # fmt: skip
            result.gave_up = True
        else:
            changes.update(channel=channel, attempts=0)
            changes["due_on"] = result.retry_on = rules.calendar.add_working_days(today, 1)
            result.switched_to = channel
    result.followup = save(tx, followup, changes)
    return result


@dataclass
class OptOutResult:
    """What a changed opt-out did to the contact's pending follow-ups."""

    contact: ContactRow
    moved: list[tuple[str, FollowUpRow]] = field(default_factory=list)  # (old channel, row)
    skipped: list[FollowUpRow] = field(default_factory=list)  # nowhere else to go
    back: list[FollowUpRow] = field(default_factory=list)  # on the agenda again


def change_opt_out(
    tx: Tx, ref: str, channel: str | None, *, today: dt.date, undo: bool = False
) -> OptOutResult:
    """Opt a contact out of one channel (or all: do not contact), or lift it (``undo``).

    Out of one channel, their pending follow-ups in it move to the channel they can still be
    reached by, first the one they prefer (as after a wrong number); one whose sale already
    has a follow-up pending in another channel, or a note (a note is a note), is skipped.
    Do-not-contact hides everything from the agenda until it is lifted. Lifting either puts
    what comes back on the agenda due today, not weeks overdue."""
    before = resolve(tx, ref)
    channel = check_channel(channel) if channel is not None else None
    contact = set_opt_out(tx, str(before.id), channel, undo=undo)
    result = OptOutResult(contact)
    pending = fetch(
        tx, FollowUpRow, "contact_id = :c AND status = :p",
        {"c": contact.id, "p": Status.PENDING.value}, order="id",
    )  # fmt: skip
    usable = reachable(contact)
    if undo:
        hidden = reachable(before)
        for followup in pending:
            if followup.channel in usable and followup.channel not in hidden:
                result.back.append(save(tx, followup, {"due_on": max(followup.due_on, today)}))
        return result
    if channel is None or contact.do_not_contact:  # do not contact hides all until lifted
        return result
    # a sale already being followed up in a channel they still take (a note reaches nobody);
    # a call or an email never becomes a note, which is a follow-up of its own
    reaching = usable - {Channel.MAIL}
    covered = {f.interaction_id for f in pending if f.channel in reaching}
    moved_to = choose_channel([PREFERRED], contact.prefers, reaching)
    for followup in pending:
        if followup.channel != channel:
            continue
        if (
            followup.channel == Channel.MAIL
            or moved_to is None
            or (followup.interaction_id is not None and followup.interaction_id in covered)
        ):
            note = f"Opted out of {followup.channel} on {today.isoformat()}"
            result.skipped.append(
                save(
                    tx,
                    followup,
                    {"status": Status.SKIPPED.value, "completed_on": today, "note": note},
                )
            )
        else:
            result.moved.append(
                (followup.channel, save(tx, followup, {"channel": moved_to, "attempts": 0}))
            )
    return result


def snooze(
    tx: Tx,
    followup_id: int,
    until: dt.date,
    *,
    today: dt.date,
    calendar: WorkCalendar | None = None,
) -> FollowUpRow:
    """Move a follow-up to ``until``, or to the next working day of ``calendar`` after it."""
    due = due_day(until, today=today, calendar=calendar)
    return save(tx, get_pending(tx, followup_id), {"due_on": due})


def due_day(
    until: dt.date, *, today: dt.date, calendar: WorkCalendar | None = None, verb: str = "snooze"
) -> dt.date:
    """The day a follow-up moved to ``until`` falls due: ``until``, or the next working day of
    ``calendar`` after it; never in the past (``verb`` says what to do instead)."""
    if until < today:
        raise InvalidInput(f"{until.isoformat()} is in the past; {verb} to today or later.")
    return calendar.roll_forward(until) if calendar else until


def skip(tx: Tx, followup_id: int, *, today: dt.date, reason: str | None = None) -> FollowUpRow:
    followup = get_pending(tx, followup_id)
    return save(tx, followup, {
        "status": Status.SKIPPED.value, "completed_on": today, "note": reason or followup.note,
    })  # fmt: skip


def schedule(
    tx: Tx,
    ref: str,
    due: dt.date,
    *,
    today: dt.date,
    channel: str | None = None,
    purpose: str | None = None,
    priority: int = Priority.NORMAL,
    note: str | None = None,
    calendar: WorkCalendar | None = None,
) -> FollowUpRow:
    """A one-off follow-up the owner asks for, by the channel given or the one they prefer,
    on ``due`` or the next working day of ``calendar`` after it."""
    if due < today:
        raise InvalidInput(f"{due.isoformat()} is in the past; schedule for today or later.")
    if calendar:
        due = calendar.roll_forward(due)
    contact = resolve(tx, ref)
    usable = reachable(contact)
    if channel is not None:
        channel = check_channel(channel)
        if channel not in usable:
            raise Conflict(f"Cannot schedule by {channel}: {unreachable_reason(contact, channel)}.")
    else:
        channel = choose_channel([PREFERRED], contact.prefers, usable)
        if channel is None:
            raise Conflict(f"Cannot schedule: {unreachable_reason(contact)}.")
    return new_followup(
        tx, contact.id, rule=MANUAL, purpose=(purpose or "Follow-up {action}").strip(),
        channel=channel, due_on=due, today=today, priority=priority, note=note,
    )  # fmt: skip


def schedule_consequence(
    tx: Tx,
    contact: ContactRow,
    rule: CadenceRule,
    base: dt.date,
    *,
    rules: RuleSet,
    today: dt.date,
    note: str | None = None,
) -> FollowUpRow:
    """One follow-up a call's answer leads to (``calls``), planned like every other: by the
    one planner, on the owner's calendar. Conflict if the contact cannot be reached by it."""
    planned = plan_one(rule, reach_of(contact), base, rules.calendar, today)
    saved = save_plan(tx, contact, [planned], today, note=note)
    if not saved.scheduled:
        if len(rule.channels) == 1 and rule.channels[0] != PREFERRED:
            channel = rule.channels[0]
            raise Conflict(f"Cannot schedule by {channel}: {unreachable_reason(contact, channel)}.")
        raise Conflict(f"Cannot schedule: {unreachable_reason(contact)}.")
    return saved.scheduled[0]


def add_contact_scheduled(
    tx: Tx, data: ContactCreate, *, today: dt.date, rules: RuleSet, region: str = "US"
) -> tuple[ContactRow, FollowUpRow | None]:
    """Add a contact and, if it has a keep-in-touch interval, its first check-in."""
    contact = add_contact(tx, data, today=today, region=region)
    return contact, refresh_keep_in_touch(tx, contact, rules, today)


def edit_contact_scheduled(
    tx: Tx,
    ref: str,
    changes: ContactUpdate,
    *,
    today: dt.date,
    rules: RuleSet,
    region: str = "US",
) -> tuple[ContactRow, list[str], FollowUpRow | None]:
    """Edit a contact; a changed interval, tag or channel moves its keep-in-touch check-in."""
    contact, changed = edit_contact(tx, ref, changes, region=region)
    return contact, changed, refresh_keep_in_touch(tx, contact, rules, today)
