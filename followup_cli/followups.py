"""Logging interactions, applying cadence rules, and acting on follow-ups.

Every function takes the session (or a ``Tx``) and ``today``; none reads the clock or prints.

Acting on one follow-up (done, no answer, snooze, skip) and the keep-in-touch check-in are
written once, as portable SQL over a ``Tx`` (``db.Database.transaction``), so the everyday
commands start without importing SQLAlchemy. The ``session`` versions used by the ORM code
(calls, the demo, logging) run the same functions through ``db.SessionTx``. Importing this
module must stay free of SQLAlchemy and SQLModel: ORM imports live inside the functions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from followup_cli.db import SessionTx
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
    PREFERRED,
    Offset,
    RuleSet,
    choose_channel,
    reachable_channels,
)
from followup_cli.values import check_channel, split_csv_set

if TYPE_CHECKING:
    from sqlmodel import Session

    from followup_cli.db import Tx
    from followup_cli.models import Contact, ContactCreate, ContactUpdate, FollowUp, Interaction

KIND_NAMES = ", ".join(k.value for k in InteractionKind)
OUTCOME_NAMES = ", ".join(o.value for o in Outcome)
KEEP_IN_TOUCH = "keep-in-touch"
MANUAL = "manual"

FOLLOWUP_COLUMNS = (
    "id, contact_id, interaction_id, rule, purpose, channel, due_on, priority, status, "
    "outcome, completed_on, attempts, until_sale, note, created_on"
)
CONTACT_COLUMNS = (
    "id, name, email, phone, prefers, tags, every_days, phone_invalid, do_not_contact, "
    "opted_out_channels, created_on"
)


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _date(value: Any) -> dt.date:
    """A date read by SQL: ISO text on SQLite, a date elsewhere."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _opt_date(value: Any) -> dt.date | None:
    return None if value is None else _date(value)


@dataclass(frozen=True)
class FollowUpRow:
    """A follow-up read by SQL; the same attribute names as ``models.FollowUp``."""

    id: int
    contact_id: int
    interaction_id: int | None
    rule: str
    purpose: str
    channel: str
    due_on: dt.date
    priority: int
    status: str
    outcome: str | None
    completed_on: dt.date | None
    attempts: int
    until_sale: bool
    note: str | None
    created_on: dt.date

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> FollowUpRow:
        (fid, contact_id, interaction_id, rule, purpose, channel, due_on, priority, status,
         outcome, completed_on, attempts, until_sale, note, created_on) = row  # fmt: skip
        return cls(
            int(fid), int(contact_id), interaction_id, rule, purpose, channel, _date(due_on),
            int(priority), status, outcome, _opt_date(completed_on), int(attempts),
            bool(until_sale), note, _date(created_on),
        )  # fmt: skip


@dataclass(frozen=True)
class ContactRow:
    """A contact read by SQL: what reaching them and keeping in touch need."""

    id: int
    name: str
    email: str | None
    phone: str | None
    prefers: str
    tags: str
    every_days: int | None
    phone_invalid: bool
    do_not_contact: bool
    opted_out_channels: str
    created_on: dt.date

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> ContactRow:
        (cid, name, email, phone, prefers, tags, every_days, phone_invalid, do_not_contact,
         opted_out, created_on) = row  # fmt: skip
        return cls(
            int(cid), name, email, phone, prefers, tags or "", every_days, bool(phone_invalid),
            bool(do_not_contact), opted_out or "", _date(created_on),
        )  # fmt: skip


def reachable(contact: Contact | ContactRow) -> set[str]:
    return reachable_channels(
        email=contact.email,
        phone=contact.phone,
        phone_invalid=contact.phone_invalid,
        do_not_contact=contact.do_not_contact,
        opted_out=split_csv_set(contact.opted_out_channels),
    )


def unreachable_reason(contact: Contact | ContactRow, channel: str | None = None) -> str:
    from followup_cli.contacts import describe

    who = describe(contact)  # type: ignore[arg-type]
    if contact.do_not_contact:
        return f"{who} asked not to be contacted"
    if channel and channel in split_csv_set(contact.opted_out_channels):
        return f"{who} opted out of {channel}"
    if channel == Channel.EMAIL:
        return f"{who} has no email on file"
    if channel in (Channel.PHONE, Channel.TEXT):
        return f"{who} has no working phone number on file"
    return f"{who} cannot be reached by any channel of the rule"


@dataclass
class Scheduling:
    """What applying the rules to one interaction did."""

    scheduled: list[FollowUp] = field(default_factory=list)
    late: int = 0  # due dates that had already passed; scheduled for today instead
    not_scheduled: list[str] = field(default_factory=list)  # "rule: reason"


def apply_rules(
    session: Session,
    contact: Contact,
    interaction: Interaction,
    rules: RuleSet,
    today: dt.date,
) -> Scheduling:
    """Schedule the follow-ups the cadence rules ask for after ``interaction``."""
    from followup_cli.models import FollowUp

    result = Scheduling()
    usable = reachable(contact)
    for rule in rules.for_kind(interaction.kind):
        channel = choose_channel(rule.channels, contact.prefers, usable)
        if channel is None:
            spec = next((c for c in rule.channels if c != PREFERRED), contact.prefers)
            result.not_scheduled.append(f"{rule.name}: {unreachable_reason(contact, spec)}")
            continue
        due = rules.calendar.apply(interaction.occurred_on, rule.after)
        if due < today:
            due = today
            result.late += 1
        followup = FollowUp(
            contact_id=contact.id,  # type: ignore[arg-type]
            interaction_id=interaction.id,
            rule=rule.name,
            purpose=rule.purpose,
            channel=channel,
            due_on=due,
            priority=rule.priority,
            until_sale=rule.until_sale,
            created_on=today,
        )
        session.add(followup)
        result.scheduled.append(followup)
    session.flush()
    return result


@dataclass
class LogResult:
    contact: Contact
    interaction: Interaction
    scheduling: Scheduling
    completed: list[FollowUp] = field(default_factory=list)
    cancelled: list[FollowUp] = field(default_factory=list)
    keep_in_touch: FollowUpRow | None = None


def check_kind(kind: str) -> str:
    value = kind.strip().lower()
    if value not in {k.value for k in InteractionKind}:
        raise InvalidInput(f"Unknown interaction {kind!r}; use one of {KIND_NAMES}.")
    return value


def log_interaction(
    session: Session,
    ref: str,
    kind: str,
    *,
    on: dt.date,
    today: dt.date,
    rules: RuleSet,
    amount_cents: int | None = None,
    note: str | None = None,
    external_id: str | None = None,
) -> LogResult:
    """Record what happened, then let the rules and the agenda react to it."""
    from sqlmodel import select

    from followup_cli.contacts import resolve
    from followup_cli.models import Interaction

    kind = check_kind(kind)
    if on > today:
        raise InvalidInput(f"{on.isoformat()} is in the future; log what has happened.")
    contact = resolve(session, ref)
    if external_id:
        existing = session.exec(
            select(Interaction).where(
                Interaction.source == MANUAL, Interaction.external_id == external_id
            )
        ).first()
        if existing is not None:
            raise Conflict(
                f"Reference {external_id!r} was already logged ({existing.kind} on "
                f"{existing.occurred_on.isoformat()} for contact #{existing.contact_id})."
            )
    interaction = Interaction(
        contact_id=contact.id,  # type: ignore[arg-type]
        kind=kind,
        occurred_on=on,
        amount_cents=amount_cents,
        note=note,
        source=MANUAL if external_id else None,
        external_id=external_id,
        created_at=now_utc(),
    )
    session.add(interaction)
    session.flush()
    result = LogResult(contact, interaction, Scheduling())
    if kind == InteractionKind.SALE:
        result.cancelled = _drop_prospect_followups(session, contact, on, today)
    if kind in OUTREACH_CHANNEL:
        result.completed = _complete_by_outreach(session, contact, kind, on, rules)
        result.keep_in_touch = refresh_keep_in_touch(session, contact, rules, today, last=on)
    result.scheduling = apply_rules(session, contact, interaction, rules, today)
    return result


def _pending(session: Session, contact_id: int | None) -> list[FollowUp]:
    from sqlmodel import select

    from followup_cli.models import FollowUp

    return list(
        session.exec(
            select(FollowUp)
            .where(FollowUp.contact_id == contact_id, FollowUp.status == Status.PENDING)
            .order_by(FollowUp.due_on, FollowUp.id)
        ).all()
    )


def _drop_prospect_followups(
    session: Session, contact: Contact, on: dt.date, today: dt.date
) -> list[FollowUp]:
    """A prospect who buys no longer needs "are you still interested?" follow-ups."""
    dropped = [f for f in _pending(session, contact.id) if f.until_sale]
    for followup in dropped:
        followup.status = Status.SKIPPED
        followup.completed_on = today
        followup.note = f"Bought on {on.isoformat()}"
        session.add(followup)
    return dropped


def _complete_by_outreach(
    session: Session, contact: Contact, kind: str, on: dt.date, rules: RuleSet
) -> list[FollowUp]:
    channel = OUTREACH_CHANNEL[kind]
    horizon = _window_end(on, rules.outreach_window)
    done = [
        f for f in _pending(session, contact.id) if f.channel == channel and f.due_on <= horizon
    ]
    for followup in done:
        followup.status = Status.DONE
        followup.completed_on = on
        followup.note = followup.note or f"Done by the {kind} logged on {on.isoformat()}"
        session.add(followup)
    return done


def _window_end(on: dt.date, window: Offset) -> dt.date:
    from followup_cli.scheduling import WorkCalendar, _shift

    if window.unit == "wd":
        return WorkCalendar().add_working_days(on, window.amount)
    return _shift(on, window, backwards=False)


# --------------------------------------------------------------------------------------------
# Acting on follow-ups: portable SQL over a Tx, shared by the CLI and the ORM callers
# --------------------------------------------------------------------------------------------

_Found = TypeVar("_Found", "FollowUp", FollowUpRow)


def _found(followup_id: int, followup: _Found | None) -> _Found:
    if followup is None:
        raise NotFound(f"No follow-up #{followup_id}. See `followup today` or `followup upcoming`.")
    return followup


def _still_pending(followup_id: int, followup: _Found) -> _Found:
    if followup.status != Status.PENDING:
        when = f" on {followup.completed_on.isoformat()}" if followup.completed_on else ""
        raise Conflict(f"Follow-up #{followup_id} is already {followup.status}{when}.")
    return followup


def get_followup_tx(tx: Tx, followup_id: int) -> FollowUpRow:
    rows = tx.rows(f"SELECT {FOLLOWUP_COLUMNS} FROM followup WHERE id = :id", {"id": followup_id})
    return _found(followup_id, FollowUpRow.from_row(rows[0]) if rows else None)


def get_pending_tx(tx: Tx, followup_id: int) -> FollowUpRow:
    return _still_pending(followup_id, get_followup_tx(tx, followup_id))


def get_followup(session: Session, followup_id: int) -> FollowUp:
    """The ORM object, for the callers that go on working on it (the call script)."""
    from followup_cli.models import FollowUp

    return _found(followup_id, session.get(FollowUp, followup_id))


def get_pending(session: Session, followup_id: int) -> FollowUp:
    return _still_pending(followup_id, get_followup(session, followup_id))


def get_contact_tx(tx: Tx, contact_id: int) -> ContactRow:
    rows = tx.rows(f"SELECT {CONTACT_COLUMNS} FROM contact WHERE id = :id", {"id": contact_id})
    if not rows:
        raise NotFound(f"No contact #{contact_id}. See `followup contact list`.")
    return ContactRow.from_row(rows[0])


def _pending_rows(tx: Tx, contact_id: int, rule: str) -> list[FollowUpRow]:
    rows = tx.rows(
        f"SELECT {FOLLOWUP_COLUMNS} FROM followup WHERE contact_id = :contact "
        "AND status = :pending AND rule = :rule ORDER BY due_on, id",
        {"contact": contact_id, "pending": Status.PENDING.value, "rule": rule},
    )
    return [FollowUpRow.from_row(row) for row in rows]


def _update(tx: Tx, followup: FollowUpRow, **changes: Any) -> FollowUpRow:
    """Write ``changes`` (column names of ``followup``) and return the row as it now is."""
    assignments = ", ".join(f"{name} = :{name}" for name in changes)
    tx.execute(f"UPDATE followup SET {assignments} WHERE id = :id", {**changes, "id": followup.id})
    return dataclasses.replace(followup, **changes)


def _delete(tx: Tx, followups: Sequence[FollowUpRow]) -> None:
    for followup in followups:
        tx.execute("DELETE FROM followup WHERE id = :id", {"id": followup.id})


def last_contacted_on(tx: Tx, contact_id: int | None) -> dt.date | None:
    """The last outreach (call, email, text, note, meeting) logged for a contact."""
    kinds = {f"k{i}": str(kind) for i, kind in enumerate(OUTREACH_CHANNEL)}
    rows = tx.rows(
        "SELECT MAX(occurred_on) FROM interaction WHERE contact_id = :contact "
        f"AND kind IN ({', '.join(':' + name for name in kinds)})",
        {"contact": contact_id, **kinds},
    )
    return _opt_date(rows[0][0]) if rows else None


def keep_in_touch_interval(contact: Contact | ContactRow, rules: RuleSet) -> Offset | None:
    """The contact's own interval, else the shortest interval of its tags."""
    if contact.every_days:
        return Offset(contact.every_days, "d")
    offsets = [rules.keep_in_touch_tags.get(t) for t in split_csv_set(contact.tags)]
    known = [o for o in offsets if o is not None]
    if not known:
        return None
    base = dt.date(2000, 1, 1)
    return min(known, key=lambda o: rules.calendar.apply(base, o))


def refresh_keep_in_touch_tx(
    tx: Tx,
    contact: Contact | ContactRow,
    rules: RuleSet,
    today: dt.date,
    last: dt.date | None = None,
) -> FollowUpRow | None:
    """Keep exactly one pending check-in, due one interval after the last real contact.

    Counted from when they were last contacted, not from the last due date, so a call made
    early pushes the next check-in out.
    """
    contact_id = int(contact.id)  # type: ignore[arg-type]
    interval = keep_in_touch_interval(contact, rules)
    pending = _pending_rows(tx, contact_id, KEEP_IN_TOUCH)
    channel = choose_channel(rules.keep_in_touch_channels, contact.prefers, reachable(contact))
    if interval is None or channel is None:
        _delete(tx, pending)
        return None
    last = last or last_contacted_on(tx, contact_id) or contact.created_on
    due = rules.calendar.apply(last, interval)
    if pending:
        _delete(tx, pending[1:])
        kept = pending[0]
        if (kept.due_on, kept.channel) == (due, channel):
            return kept
        return _update(tx, kept, due_on=due, channel=channel)
    row = FollowUpRow(
        0, contact_id, None, KEEP_IN_TOUCH, rules.keep_in_touch_purpose, channel, due,
        Priority.NORMAL, Status.PENDING.value, None, None, 0, False, None, today,
    )  # fmt: skip
    values = dataclasses.asdict(row)
    del values["id"]
    new_id = tx.insert(
        f"INSERT INTO followup ({', '.join(values)}) "
        f"VALUES ({', '.join(':' + name for name in values)}) RETURNING id",
        values,
    )
    return dataclasses.replace(row, id=new_id)


def refresh_keep_in_touch(
    session: Session,
    contact: Contact,
    rules: RuleSet,
    today: dt.date,
    last: dt.date | None = None,
) -> FollowUpRow | None:
    """``refresh_keep_in_touch_tx`` inside an ORM session."""
    with SessionTx(session) as tx:
        return refresh_keep_in_touch_tx(tx, contact, rules, today, last)


@dataclass
class DoneResult:
    followup: FollowUpRow
    contact: ContactRow
    retry_on: dt.date | None = None  # no answer: tried again on this day
    switched_to: str | None = None  # no answer too often: moved to this channel
    gave_up: bool = False  # no answer and no other channel left
    keep_in_touch: FollowUpRow | None = None


def check_outcome(outcome: str | None) -> str | None:
    if outcome is None:
        return None
    value = outcome.strip().lower().replace("_", "-").replace(" ", "-")
    if value not in {o.value for o in Outcome}:
        raise InvalidInput(f"Unknown outcome {outcome!r}; use one of {OUTCOME_NAMES}.")
    return value


def complete_tx(
    tx: Tx,
    followup_id: int,
    *,
    today: dt.date,
    rules: RuleSet,
    outcome: str | None = None,
    note: str | None = None,
) -> DoneResult:
    """Mark a follow-up done; ``no-answer`` applies the retry rule instead."""
    outcome = check_outcome(outcome)
    followup = get_pending_tx(tx, followup_id)
    contact = get_contact_tx(tx, followup.contact_id)
    if outcome == Outcome.NO_ANSWER:
        return retry_tx(tx, followup, contact, today=today, rules=rules, note=note)
    followup = _update(
        tx, followup, status=Status.DONE.value, outcome=outcome, completed_on=today,
        note=note or followup.note,
    )  # fmt: skip
    tx.execute(
        "INSERT INTO interaction (contact_id, kind, occurred_on, note, created_at) "
        "VALUES (:contact, :kind, :on, :note, :at)",
        {
            "contact": contact.id,
            "kind": CHANNEL_OUTREACH[Channel(followup.channel)].value,
            "on": today,
            "note": note or f"Follow-up #{followup.id}",
            "at": now_utc(),
        },
    )
    result = DoneResult(followup, contact)
    result.keep_in_touch = refresh_keep_in_touch_tx(tx, contact, rules, today, last=today)
    return result


def complete(
    session: Session,
    followup_id: int,
    *,
    today: dt.date,
    rules: RuleSet,
    outcome: str | None = None,
    note: str | None = None,
) -> DoneResult:
    """``complete_tx`` inside an ORM session."""
    with SessionTx(session) as tx:
        return complete_tx(
            tx, followup_id, today=today, rules=rules, outcome=outcome, note=note
        )  # fmt: skip


def retry_tx(
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
    result.followup = _update(tx, followup, **changes)
    return result


def retry(
    session: Session,
    followup: FollowUp,
    contact: Contact,
    *,
    today: dt.date,
    rules: RuleSet,
    note: str | None = None,
) -> DoneResult:
    """``retry_tx`` inside an ORM session, on the objects as changed so far (flushed first)."""
    with SessionTx(session) as tx:
        row = get_followup_tx(tx, followup.id)  # type: ignore[arg-type]
        who = get_contact_tx(tx, contact.id)  # type: ignore[arg-type]
        return retry_tx(tx, row, who, today=today, rules=rules, note=note)


def snooze_tx(tx: Tx, followup_id: int, until: dt.date, *, today: dt.date) -> FollowUpRow:
    if until < today:
        raise InvalidInput(f"{until.isoformat()} is in the past; snooze to today or later.")
    return _update(tx, get_pending_tx(tx, followup_id), due_on=until)


def snooze(session: Session, followup_id: int, until: dt.date, *, today: dt.date) -> FollowUpRow:
    with SessionTx(session) as tx:
        return snooze_tx(tx, followup_id, until, today=today)


def skip_tx(tx: Tx, followup_id: int, *, today: dt.date, reason: str | None = None) -> FollowUpRow:
    followup = get_pending_tx(tx, followup_id)
    return _update(
        tx, followup, status=Status.SKIPPED.value, completed_on=today,
        note=reason or followup.note,
    )  # fmt: skip


def skip(
    session: Session, followup_id: int, *, today: dt.date, reason: str | None = None
) -> FollowUpRow:
    with SessionTx(session) as tx:
        return skip_tx(tx, followup_id, today=today, reason=reason)


def schedule(
    session: Session,
    ref: str,
    due: dt.date,
    *,
    today: dt.date,
    channel: str | None = None,
    purpose: str | None = None,
    priority: int = Priority.NORMAL,
    rule: str = MANUAL,
    note: str | None = None,
) -> FollowUp:
    """A one-off follow-up the owner asks for (or the call script does)."""
    from followup_cli.contacts import resolve

    if due < today:
        raise InvalidInput(f"{due.isoformat()} is in the past; schedule for today or later.")
    contact = resolve(session, ref)
    return schedule_for(
        session, contact, due, today=today, channel=channel, purpose=purpose,
        priority=priority, rule=rule, note=note,
    )  # fmt: skip


def schedule_for(
    session: Session,
    contact: Contact,
    due: dt.date,
    *,
    today: dt.date,
    channel: str | None = None,
    purpose: str | None = None,
    priority: int = Priority.NORMAL,
    rule: str = MANUAL,
    note: str | None = None,
) -> FollowUp:
    from followup_cli.models import FollowUp

    usable = reachable(contact)
    if channel is not None:
        channel = check_channel(channel)
        if channel not in usable:
            raise Conflict(f"Cannot schedule by {channel}: {unreachable_reason(contact, channel)}.")
    else:
        channel = choose_channel([PREFERRED], contact.prefers, usable)
        if channel is None:
            raise Conflict(f"Cannot schedule: {unreachable_reason(contact)}.")
    followup = FollowUp(
        contact_id=contact.id,  # type: ignore[arg-type]
        rule=rule,
        purpose=(purpose or "Follow-up {action}").strip(),
        channel=channel,
        due_on=due,
        priority=priority,
        note=note,
        created_on=today,
    )
    session.add(followup)
    session.flush()
    return followup


def add_contact_scheduled(
    session: Session, data: ContactCreate, *, today: dt.date, rules: RuleSet, region: str = "US"
) -> tuple[Contact, FollowUpRow | None]:
    """Add a contact and, if it has a keep-in-touch interval, its first check-in."""
    from followup_cli.contacts import add_contact

    contact = add_contact(session, data, today=today, region=region)
    return contact, refresh_keep_in_touch(session, contact, rules, today)


def edit_contact_scheduled(
    session: Session,
    ref: str,
    update: ContactUpdate,
    *,
    today: dt.date,
    rules: RuleSet,
    region: str = "US",
) -> tuple[Contact, list[str], FollowUpRow | None]:
    """Edit a contact; a changed interval, tag or channel moves its keep-in-touch check-in."""
    from followup_cli.contacts import edit_contact

    contact, changed = edit_contact(session, ref, update, region=region)
    return contact, changed, refresh_keep_in_touch(session, contact, rules, today)
