"""Logging interactions, applying cadence rules, and acting on follow-ups.

Every function takes the session and ``today``; none reads the clock or prints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from followup_cli.contacts import add_contact, describe, edit_contact, resolve
from followup_cli.errors import Conflict, InvalidInput, NotFound
from followup_cli.models import (
    CHANNEL_OUTREACH,
    OUTREACH_CHANNEL,
    Channel,
    Contact,
    ContactCreate,
    ContactUpdate,
    FollowUp,
    Interaction,
    InteractionKind,
    Outcome,
    Priority,
    Status,
)
from followup_cli.scheduling import (
    PREFERRED,
    Offset,
    RuleSet,
    choose_channel,
    reachable_channels,
)
from followup_cli.values import check_channel, split_csv_set

KIND_NAMES = ", ".join(k.value for k in InteractionKind)
OUTCOME_NAMES = ", ".join(o.value for o in Outcome)
KEEP_IN_TOUCH = "keep-in-touch"
MANUAL = "manual"


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def reachable(contact: Contact) -> set[str]:
    return reachable_channels(
        email=contact.email,
        phone=contact.phone,
        phone_invalid=contact.phone_invalid,
        do_not_contact=contact.do_not_contact,
        opted_out=split_csv_set(contact.opted_out_channels),
    )


def unreachable_reason(contact: Contact, channel: str | None = None) -> str:
    if contact.do_not_contact:
        return f"{describe(contact)} asked not to be contacted"
    if channel and channel in split_csv_set(contact.opted_out_channels):
        return f"{describe(contact)} opted out of {channel}"
    if channel == Channel.EMAIL:
        return f"{describe(contact)} has no email on file"
    if channel in (Channel.PHONE, Channel.TEXT):
        return f"{describe(contact)} has no working phone number on file"
    return f"{describe(contact)} cannot be reached by any channel of the rule"


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
    keep_in_touch: FollowUp | None = None


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


def last_contacted_on(session: Session, contact_id: int | None) -> dt.date | None:
    """The last outreach (call, email, text, note, meeting) logged for a contact."""
    from sqlalchemy import func

    return session.exec(
        select(func.max(Interaction.occurred_on)).where(
            Interaction.contact_id == contact_id,
            col(Interaction.kind).in_(list(OUTREACH_CHANNEL)),
        )
    ).one()


def keep_in_touch_interval(contact: Contact, rules: RuleSet) -> Offset | None:
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
    session: Session,
    contact: Contact,
    rules: RuleSet,
    today: dt.date,
    last: dt.date | None = None,
) -> FollowUp | None:
    """Keep exactly one pending check-in, due one interval after the last real contact.

    Counted from when they were last contacted, not from the last due date, so a call made
    early pushes the next check-in out.
    """
    interval = keep_in_touch_interval(contact, rules)
    pending = [f for f in _pending(session, contact.id) if f.rule == KEEP_IN_TOUCH]
    channel = choose_channel(rules.keep_in_touch_channels, contact.prefers, reachable(contact))
    if interval is None or channel is None:
        for followup in pending:
            session.delete(followup)
        return None
    last = last or last_contacted_on(session, contact.id) or contact.created_on
    due = rules.calendar.apply(last, interval)
    followup = pending[0] if pending else None
    for extra in pending[1:]:
        session.delete(extra)
    if followup is None:
        followup = FollowUp(
            contact_id=contact.id,  # type: ignore[arg-type]
            rule=KEEP_IN_TOUCH,
            purpose=rules.keep_in_touch_purpose,
            channel=channel,
            due_on=due,
            created_on=today,
        )
    followup.due_on = due
    followup.channel = channel
    session.add(followup)
    session.flush()
    return followup


def get_followup(session: Session, followup_id: int) -> FollowUp:
    followup = session.get(FollowUp, followup_id)
    if followup is None:
        raise NotFound(f"No follow-up #{followup_id}. See `followup today` or `followup upcoming`.")
    return followup


def get_pending(session: Session, followup_id: int) -> FollowUp:
    followup = get_followup(session, followup_id)
    if followup.status != Status.PENDING:
        when = f" on {followup.completed_on.isoformat()}" if followup.completed_on else ""
        raise Conflict(f"Follow-up #{followup_id} is already {followup.status}{when}.")
    return followup


@dataclass
class DoneResult:
    followup: FollowUp
    contact: Contact
    retry_on: dt.date | None = None  # no answer: tried again on this day
    switched_to: str | None = None  # no answer too often: moved to this channel
    gave_up: bool = False  # no answer and no other channel left
    keep_in_touch: FollowUp | None = None


def check_outcome(outcome: str | None) -> str | None:
    if outcome is None:
        return None
    value = outcome.strip().lower().replace("_", "-").replace(" ", "-")
    if value not in {o.value for o in Outcome}:
        raise InvalidInput(f"Unknown outcome {outcome!r}; use one of {OUTCOME_NAMES}.")
    return value


def complete(
    session: Session,
    followup_id: int,
    *,
    today: dt.date,
    rules: RuleSet,
    outcome: str | None = None,
    note: str | None = None,
) -> DoneResult:
    """Mark a follow-up done; ``no-answer`` applies the retry rule instead."""
    outcome = check_outcome(outcome)
    followup = get_pending(session, followup_id)
    contact = session.get(Contact, followup.contact_id)
    assert contact is not None
    if outcome == Outcome.NO_ANSWER:
        return retry(session, followup, contact, today=today, rules=rules, note=note)
    followup.status = Status.DONE
    followup.outcome = outcome
    followup.completed_on = today
    if note:
        followup.note = note
    session.add(followup)
    kind = CHANNEL_OUTREACH[Channel(followup.channel)]
    session.add(
        Interaction(
            contact_id=contact.id,  # type: ignore[arg-type]
            kind=kind,
            occurred_on=today,
            note=note or f"Follow-up #{followup.id}",
            created_at=now_utc(),
        )
    )
    session.flush()
    result = DoneResult(followup, contact)
    result.keep_in_touch = refresh_keep_in_touch(session, contact, rules, today, last=today)
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
    """Nobody answered: try again later, and after too many tries switch channel."""
    result = DoneResult(followup, contact)
    followup.attempts += 1
    if note:
        followup.note = note
    if followup.attempts < rules.retry.max_attempts:
        followup.due_on = rules.calendar.apply(today, rules.retry.after)
        result.retry_on = followup.due_on
    else:
        usable = reachable(contact) - {followup.channel}
        channel = next((c for c in rules.retry.fallback if c in usable), None)
        if channel is None:
            followup.status = Status.SKIPPED
            followup.outcome = Outcome.NO_ANSWER
            followup.completed_on = today
            followup.note = f"No answer after {followup.attempts} attempts and no other channel"
            result.gave_up = True
        else:
            followup.channel = channel
            followup.attempts = 0
            followup.due_on = rules.calendar.add_working_days(today, 1)
            result.switched_to = channel
            result.retry_on = followup.due_on
    session.add(followup)
    session.flush()
    return result


def snooze(session: Session, followup_id: int, until: dt.date, *, today: dt.date) -> FollowUp:
    if until < today:
        raise InvalidInput(f"{until.isoformat()} is in the past; snooze to today or later.")
    followup = get_pending(session, followup_id)
    followup.due_on = until
    session.add(followup)
    session.flush()
    return followup


def skip(
    session: Session, followup_id: int, *, today: dt.date, reason: str | None = None
) -> FollowUp:
    followup = get_pending(session, followup_id)
    followup.status = Status.SKIPPED
    followup.completed_on = today
    followup.note = reason or followup.note
    session.add(followup)
    session.flush()
    return followup


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
) -> tuple[Contact, FollowUp | None]:
    """Add a contact and, if it has a keep-in-touch interval, its first check-in."""
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
) -> tuple[Contact, list[str], FollowUp | None]:
    """Edit a contact; a changed interval, tag or channel moves its keep-in-touch check-in."""
    contact, changed = edit_contact(session, ref, update, region=region)
    return contact, changed, refresh_keep_in_touch(session, contact, rules, today)
