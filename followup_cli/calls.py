"""Recording follow-up calls: each answer as it is given, and what the answers lead to.

Each function is one short unit of work in a transaction (``Tx``), so the CLI can save every
answer in its own write transaction and never hold one open while the owner types.
Consequences (see docs/call.md):

* reach: anything but "reached" ends the call and applies the retry rule; a wrong number
  flags the phone and moves the follow-up off the phone at once.
* review "agreed": a "Send the review link" follow-up today, by the channel they prefer.
* each referral: a new contact linked to the referrer, an introduction follow-up the next
  working day, and (once per call) a thank-you note to the referrer.
* promise_by (complaint calls): the promise becomes a make-it-right call on the day promised.
* the end: the outcome (negative > neutral > positive over the labelled answers) completes
  the follow-up; a negative one schedules a high-priority "make it right" call, unless the
  call promised one already; after a make-it-right call it escalates instead
  (``followups.complete``).

Which script a call follows is its follow-up's rule's (``script_purpose``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from followup_cli import script as sc
from followup_cli.config import Settings
from followup_cli.contacts import add_contact, describe, resolve
from followup_cli.enums import REFERRAL_INTRO, REFERRAL_THANKS, REVIEW_LINK, Channel, Status
from followup_cli.errors import Conflict, InvalidInput, NotFound
from followup_cli.followups import (
    MAKE_IT_RIGHT_RULE,
    DoneResult,
    complete,
    get_contact,
    get_pending,
    reachable,
    retry,
    schedule_consequence,
    unreachable_reason,
)
from followup_cli.scheduling import (
    PREFERRED,
    CadenceRule,
    Offset,
    RuleSet,
    WorkCalendar,
    script_for,
)
from followup_cli.sentiment import DEFAULT_VOCABULARY, Vocabulary, explain
from followup_cli.store import Tx
from followup_cli.store.rows import (
    AnswerRow,
    CallRow,
    ContactRow,
    FollowUpRow,
    InteractionRow,
    as_date,
    fetch,
    get,
    insert_row,
    save,
    table_of,
    update,
)
from followup_cli.store.sql.calls import ANSWER_COUNT_SQL, PREVIOUS_ANSWERS_SQL
from followup_cli.values import ID_RE

IN_PROGRESS = "in-progress"
INTERRUPTED = "interrupted"
COMPLETED = "completed"

# What a call's answers lead to, as cadence rules: planned by the same planner as a sale's
# (make it right is followups.MAKE_IT_RIGHT_RULE, for every negative outcome).
REVIEW_LINK_RULE = CadenceRule(
    name=REVIEW_LINK, on=(), after=Offset(0, "d"), channels=(), purpose="Send the review link"
)
REFERRAL_INTRO_RULE = CadenceRule(
    name=REFERRAL_INTRO, on=(), after=Offset(1, "wd"), channels=(PREFERRED,),
    purpose="Introduction {action} (referred by {referrer})", script="prospect",
)  # fmt: skip
REFERRAL_THANKS_RULE = CadenceRule(
    name=REFERRAL_THANKS, on=(), after=Offset(0, "d"), channels=(Channel.MAIL, PREFERRED),
    purpose="Thank-you {action} for the referral",  # a note if they have an address
)  # fmt: skip


def script_purpose(followup: FollowUpRow, rules: RuleSet) -> str:
    """The kind of call, so the script: the one the follow-up's rule names."""
    return script_for(followup.rule, rules, also=(REFERRAL_INTRO_RULE,))


# --------------------------------------------------------------------------------------------
# Who to call
# --------------------------------------------------------------------------------------------


def find_followup_id(tx: Tx, target: str) -> int:
    """``12`` / ``#12`` is a follow-up id; anything else names a contact, whose next pending
    phone follow-up is meant."""
    match = ID_RE.match(target.strip())
    if match:
        return int(match.group(1))
    contact = resolve(tx, target)
    found = fetch(
        tx, FollowUpRow, "contact_id = :contact AND status = :pending AND channel = :phone",
        {"contact": contact.id, "pending": Status.PENDING.value, "phone": Channel.PHONE.value},
        order="due_on, priority DESC, id",
        limit=1,
    )  # fmt: skip
    if not found:
        raise NotFound(
            f"{describe(contact)} has no pending phone follow-up. Schedule one with "
            f'`followup schedule "{contact.name}" today --channel phone`.'
        )
    return found[0].id


@dataclass
class PastAnswer:
    called_on: dt.date
    question: str
    answer: str
    label: str | None


@dataclass
class CallContext:
    """What the owner sees before dialling."""

    followup: FollowUpRow
    contact: ContactRow
    purpose: str  # "Thank-you call for sale on Nov 20, $129.00"
    bought: str  # the sale's items, else "working with us"
    previous: list[PastAnswer]
    resumable: CallRow | None = None
    resumable_answers: int = 0


def review_channel(contact: ContactRow) -> str | None:
    """Where to send a review link: their preferred channel (a link cannot be said on the
    phone, so phone means a text), else the first usable of email, text, mail."""
    usable = reachable(contact)
    preferred = Channel.TEXT.value if contact.prefers == Channel.PHONE else contact.prefers
    for channel in (preferred, Channel.EMAIL.value, Channel.TEXT.value, Channel.MAIL.value):
        if channel in usable:
            return channel
    return None


def prepare(
    tx: Tx, followup_id: int, *, currency: str = "$", today: dt.date | None = None
) -> CallContext:
    """Check that the follow-up can be called (pending, phone, consent) and gather the screen."""
    from followup_cli.agenda import Event, later_events, purpose_in_words

    followup = get_pending(tx, followup_id)
    contact = get_contact(tx, followup.contact_id)
    if followup.channel != Channel.PHONE:
        raise Conflict(
            f"Follow-up #{followup_id} is {'an' if followup.channel[0] in 'aeiou' else 'a'} "
            f"{followup.channel} follow-up, not a call; "
            f"mark it with `followup done {followup_id}`."
        )
    if Channel.PHONE not in reachable(contact):
        raise Conflict(f"Cannot call: {unreachable_reason(contact, Channel.PHONE)}.")
    interaction = (
        get(tx, InteractionRow, followup.interaction_id) if followup.interaction_id else None
    )
    first = (
        Event.of(interaction.kind, interaction.occurred_on, interaction.amount_cents)
        if interaction
        else None
    )
    events = (
        [first, *later_events(tx, params={"id": followup.id}).get(followup.id, [])] if first else []
    )
    purpose = purpose_in_words(followup.purpose, followup.channel, events, currency, today)
    bought = (interaction.items or "").strip() if interaction else ""
    open_calls = fetch(
        tx, CallRow, "followup_id = :followup AND status IN (:interrupted, :in_progress)",
        {"followup": followup_id, "interrupted": INTERRUPTED, "in_progress": IN_PROGRESS},
        order="id DESC",
        limit=1,
    )  # fmt: skip
    resumable = open_calls[0] if open_calls else None
    count = 0
    if resumable is not None:
        count = int(tx.value(ANSWER_COUNT_SQL, {"call": resumable.id}))
    return CallContext(
        followup=followup,
        contact=contact,
        purpose=purpose,
        bought=bought or "working with us",
        previous=previous_answers(tx, contact.id, exclude_call=resumable),
        resumable=resumable,
        resumable_answers=count,
    )


def previous_answers(
    tx: Tx, contact_id: int, *, exclude_call: CallRow | None = None
) -> list[PastAnswer]:
    """The answers of the contact's last call that has any (not the one being resumed)."""
    rows = tx.rows(
        PREVIOUS_ANSWERS_SQL,
        {
            "contact": contact_id,
            "said": sc.SAID,
            "exclude": -1 if exclude_call is None else exclude_call.id,
        },
    )
    if not rows:
        return []
    last = rows[0][0]
    return [
        PastAnswer(as_date(on), question, answer, label)
        for call_id, on, question, answer, label in rows
        if call_id == last
    ]


def prompt_values(ctx: CallContext, settings: Settings) -> dict[str, str]:
    """What the script's placeholders stand for on this call."""
    contact = ctx.contact
    return {
        "first_name": contact.name.split()[0] if contact.name.split() else contact.name,
        "name": contact.name,
        "owner": settings.owner,
        "business": settings.business,
        "bought": ctx.bought,
        "channel": review_channel(contact) or "email",
        "review_link": settings.review_link or "(no review link set)",
    }


# --------------------------------------------------------------------------------------------
# Recording
# --------------------------------------------------------------------------------------------


def start_call(
    tx: Tx,
    followup_id: int,
    *,
    today: dt.date,
    now: dt.datetime,
    script_name: str = "default",
    resume_call_id: int | None = None,
) -> CallRow:
    """A new call_log row, or the interrupted one being resumed (status back to in-progress)."""
    followup = get_pending(tx, followup_id)
    if resume_call_id is not None:
        call = get(tx, CallRow, resume_call_id)
        if call is None or call.followup_id != followup_id or call.status == COMPLETED:
            raise Conflict(f"Call #{resume_call_id} cannot be resumed.")
        return save(tx, call, {"status": IN_PROGRESS})
    values = {
        "followup_id": followup_id, "contact_id": followup.contact_id, "called_on": today,
        "started_at": now, "status": IN_PROGRESS, "script": script_name,
    }  # fmt: skip
    return insert_row(tx, CallRow, values)


def _open_call(tx: Tx, call_id: int) -> CallRow:
    call = get(tx, CallRow, call_id)
    if call is None:
        raise NotFound(f"No call #{call_id}.")
    if call.status == COMPLETED:
        raise Conflict(f"Call #{call_id} is already completed.")
    return call


def _answers(tx: Tx, call_id: int) -> list[AnswerRow]:
    return fetch(tx, AnswerRow, "call_id = :call", {"call": call_id})


def answers_of(tx: Tx, call_id: int) -> dict[str, sc.Given]:
    """The answers of a call so far, as the state machine reads them."""
    return {
        a.step: sc.Given(a.answer, a.label) for a in _answers(tx, call_id) if a.step != sc.REFERRAL
    }


def referrals_of(tx: Tx, call_id: int) -> list[AnswerRow]:
    return [a for a in _answers(tx, call_id) if a.step == sc.REFERRAL]


@dataclass
class Recorded:
    """One saved answer and what it set in motion."""

    answer: AnswerRow
    scheduled: list[FollowUpRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # "not scheduled: ...", "already a contact"
    contact: ContactRow | None = None  # a referral's new contact


def _save_answer(
    tx: Tx, call_id: int, step: str, question: str, answer: str, now: dt.datetime, **labels: Any
) -> AnswerRow:
    """One answer, saved the moment it is given; ``labels``: label, suggested_label, overridden."""
    values = {
        "call_id": call_id, "step": step, "question": question, "answer": answer,
        "answered_at": now, **labels,
    }  # fmt: skip
    return insert_row(tx, AnswerRow, values)


def record_answer(
    tx: Tx,
    call_id: int,
    step: sc.Step,
    answer: str,
    *,
    question: str,
    today: dt.date,
    now: dt.datetime,
    rules: RuleSet,
    label: str | None = None,
    suggested_label: str | None = None,
    settings: Settings | None = None,
) -> Recorded:
    """Save one answer (and its immediate consequence) to the call."""
    settings = settings or Settings()
    call = _open_call(tx, call_id)
    if step.kind == "choice":
        choice = sc.parse_choice(step, answer, loose=False)
        if choice is None:
            raise InvalidInput(
                f"{answer!r} is not an answer to {step.key}; use "
                + ", ".join(c.value for c in step.choices)
                + "."
            )
        answer, label, suggested_label = choice.value, choice.label, choice.label
    elif step.kind == "say":
        answer, label, suggested_label = sc.SAID, None, None
    elif step.kind == "referrals":
        count = len(referrals_of(tx, call_id))
        answer = f"{count} referral{'s' if count != 1 else ''}" if count else "none"
        label = suggested_label = None
    else:
        answer = answer.strip()
        if not answer:
            raise InvalidInput(f"Type what they said for {step.key}.")
        for value in (label, suggested_label):
            if value is not None and value not in sc.LABELS:
                raise InvalidInput(f"Unknown label {value!r}; use positive, neutral or negative.")
        if not step.classify:
            label = suggested_label = None
        if step.key == sc.PROMISE_BY:
            answer = promise_day(answer, today, rules.calendar).isoformat()
    given = answers_of(tx, call_id)
    if step.key in given:
        raise Conflict(f"Call #{call_id} already has an answer for {step.key}.")
    if step.key == sc.PROMISE_BY and sc.PROMISE not in given:
        raise Conflict(f"Call #{call_id} has no promise yet; record {sc.PROMISE} first.")
    row = _save_answer(
        tx, call_id, step.key, question, answer, now,
        label=label, suggested_label=suggested_label, overridden=label != suggested_label,
    )  # fmt: skip
    result = Recorded(row)
    column = {sc.REACH: "reach", sc.RECOMMEND: "would_recommend", sc.REVIEW: "review"}
    if step.key in column:
        update(tx, table_of(CallRow), call.id, {column[step.key]: answer})
    if step.key == sc.REVIEW and answer == sc.REVIEW_AGREED:
        _schedule_review_link(tx, call, today, rules, settings, result)
    if step.key == sc.PROMISE_BY:
        promise = given[sc.PROMISE].value
        _schedule_promise(tx, call, promise, dt.date.fromisoformat(answer), today, rules, result)
    return result


def promise_day(text: str, today: dt.date, calendar: WorkCalendar) -> dt.date:
    """The day a complaint call promised, as the owner typed it; today or later."""
    from followup_cli.when import WHEN_EXAMPLES, parse_when

    day = parse_when(text, today, calendar=calendar)
    if day < today:
        raise InvalidInput(
            f"{day.isoformat()} is in the past; promise a day from today on ({WHEN_EXAMPLES})."
        )
    return day


def _schedule_promise(
    tx: Tx,
    call: CallRow,
    promise: str,
    day: dt.date,
    today: dt.date,
    rules: RuleSet,
    result: Recorded,
) -> None:
    """What a complaint call promised, as a make-it-right call on the day promised: it asks
    whether it is right now (and a no escalates)."""
    contact = get_contact(tx, call.contact_id)
    words = " ".join(promise.split())
    short = words if len(words) <= 60 else words[:59].rstrip() + "…"  # the agenda's line
    rule = MAKE_IT_RIGHT_RULE._replace(
        after=Offset(0, "d"), purpose=f"Make it right {{action}}: {short}"
    )
    note = f"Promised on the call of {today.isoformat()}: {words}"
    try:
        result.scheduled.append(
            schedule_consequence(tx, contact, rule, day, rules=rules, today=today, note=note)
        )
    except Conflict as exc:
        result.notes.append(f"The promise is not scheduled: {exc}")


def _schedule_review_link(
    tx: Tx, call: CallRow, today: dt.date, rules: RuleSet, settings: Settings, result: Recorded
) -> None:
    contact = get_contact(tx, call.contact_id)
    channel = review_channel(contact)
    if channel is None:
        result.notes.append(f"Review link not scheduled: {unreachable_reason(contact)}.")
        return
    rule = REVIEW_LINK_RULE._replace(channels=(channel,))
    result.scheduled.append(
        schedule_consequence(
            tx, contact, rule, today, rules=rules, today=today, note=settings.review_link or None
        )
    )
    if not settings.review_link:
        result.notes.append("No review link is set: `followup config set review_link https://...`.")


@dataclass(frozen=True)
class Referral:
    name: str
    phone: str | None = None
    email: str | None = None

    def describe(self) -> str:
        return ", ".join(x for x in (self.name, self.phone, self.email) if x)


def parse_referral(
    name: str, phone: str | None = None, email: str | None = None, *, region: str = "US"
) -> Referral:
    """A referral needs a name and a phone or an email; both are checked now, not later."""
    from followup_cli.values import normalize_email, normalize_phone

    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("A referral needs a name.")
    phone, _ = normalize_phone(phone, region)
    email = normalize_email(email)
    if not phone and not email:
        raise InvalidInput(f"Give a phone number or an email for {name}.")
    return Referral(name, phone, email)


def parse_referral_contact(text: str, name: str, *, region: str = "US") -> Referral:
    """``555-010-0102`` or ``bob@example.com``: what the owner types after the name."""
    text = text.strip()
    if "@" in text:
        return parse_referral(name, email=text, region=region)
    return parse_referral(name, phone=text or None, region=region)


def record_referral(
    tx: Tx,
    call_id: int,
    referral: Referral,
    *,
    question: str,
    today: dt.date,
    now: dt.datetime,
    rules: RuleSet,
    region: str = "US",
) -> Recorded:
    """A new contact referred by the customer, an intro follow-up the next working day, and
    (first referral of the call) a thank-you note to the referrer. A person already on file
    is reported and left as they are."""
    from followup_cli.inputs import ContactCreate

    call = _open_call(tx, call_id)
    referrer = get_contact(tx, call.contact_id)
    text = referral.describe()
    new: ContactRow | None = None
    notes: list[str] = []
    try:
        new = add_contact(
            tx,
            ContactCreate(
                name=referral.name,
                phone=referral.phone,
                email=referral.email,
                prefers=Channel.PHONE if referral.phone else Channel.EMAIL,
                note=f"Referred by {referrer.name}",
            ),
            today=today,
            region=region,
            referred_by_id=referrer.id,
        )
    except Conflict as exc:
        notes.append(f"Not added: {exc}")
        text += f" (already a contact: {exc})"
    row = _save_answer(tx, call_id, sc.REFERRAL, question, text, now)
    result = Recorded(row, notes=notes, contact=new)
    if new is None:
        return result
    intro = REFERRAL_INTRO_RULE._replace(
        purpose=REFERRAL_INTRO_RULE.purpose.replace("{referrer}", referrer.name),
    )
    result.scheduled.append(schedule_consequence(tx, new, intro, today, rules=rules, today=today))
    referrals = call.referrals + 1
    update(tx, table_of(CallRow), call.id, {"referrals": referrals})
    if referrals == 1:
        try:
            result.scheduled.append(
                schedule_consequence(
                    tx, referrer, REFERRAL_THANKS_RULE, today, rules=rules, today=today
                )
            )
        except Conflict as exc:
            result.notes.append(f"No thank-you note scheduled: {exc}")
    return result


def interrupt_call(tx: Tx, call_id: int) -> CallRow:
    """Ctrl-C or end of input: keep the answers, leave the follow-up pending."""
    call = _open_call(tx, call_id)
    return save(tx, call, {"status": INTERRUPTED})


@dataclass
class CallResult:
    call: CallRow
    contact: ContactRow
    followup: FollowUpRow
    done: DoneResult
    outcome: str | None = None
    phone_flagged: bool = False
    make_it_right: FollowUpRow | None = None
    escalated: FollowUpRow | None = None
    words: list[str] = field(default_factory=list)  # what they said, when it went badly
    notes: list[str] = field(default_factory=list)
    negative: list[AnswerRow] = field(default_factory=list)  # the answers labelled negative


def finish_call(
    tx: Tx, call_id: int, *, today: dt.date, now: dt.datetime, rules: RuleSet
) -> CallResult:
    """Apply the end of the call: retry if not reached, else the outcome and its follow-ups."""
    call = _open_call(tx, call_id)
    if call.followup_id is None:
        raise Conflict(f"Call #{call_id} has no follow-up any more.")
    followup = get_pending(tx, call.followup_id)
    contact = get_contact(tx, call.contact_id)
    answers = _answers(tx, call_id)
    if call.reach != sc.REACHED:
        call = save(tx, call, {"status": COMPLETED})
        flagged = call.reach == sc.WRONG_NUMBER
        if flagged:
            contact = save(tx, contact, {"phone_invalid": True})
            # Trying a wrong number again is pointless: go straight to the channel switch.
            followup = followup._replace(
                attempts=max(followup.attempts, rules.retry.max_attempts - 1)
            )
        done = retry(tx, followup, contact, today=today, rules=rules)
        done.wrong_number = flagged
        return CallResult(call, contact, done.followup, done, phone_flagged=flagged)
    result_outcome = sc.outcome(a.label for a in answers)
    call = save(tx, call, {"status": COMPLETED, "outcome": result_outcome})
    words = [f'{a.step.replace("_", " ")}: "{a.answer}"' for a in answers if a.label == "negative"]
    promised = any(a.step == sc.PROMISE_BY for a in answers)  # its make-it-right is scheduled
    done = complete(
        tx, followup.id, today=today, now=now, rules=rules, outcome=result_outcome, said=words,
        promised=promised,
    )  # fmt: skip
    result = CallResult(call, contact, done.followup, done, outcome=result_outcome)
    result.make_it_right, result.escalated = done.make_it_right, done.escalated
    result.notes = done.notes
    result.negative = [a for a in answers if a.label == "negative"]
    if result_outcome == "negative":
        result.words = words
    return result


# --------------------------------------------------------------------------------------------
# A whole call from a file (--answers)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    step: sc.Step
    answer: str = ""
    label: str | None = None
    suggested: str | None = None
    referrals: tuple[Referral, ...] = ()


def plan_answers(
    script: sc.Script,
    data: Any,
    *,
    today: dt.date,
    calendar: WorkCalendar,
    values: Mapping[str, str],
    region: str = "US",
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
) -> list[Planned]:
    """Walk the script with the answers of a JSON file; every problem is listed at once.

    Each text answer is labelled with its question as asked (``values`` fill the prompt);
    a label that is only a guess is saved as the suggestion all the same."""
    if not isinstance(data, Mapping):
        raise InvalidInput(
            'The answers file must hold one JSON object, e.g. {"reach": "reached", ...}.'
        )
    errors: list[str] = []
    used: set[str] = set()
    given: dict[str, sc.Given] = {}
    planned: list[Planned] = []
    stopped: sc.Step | None = None  # the step whose bad answer ended the walk
    while (step := sc.next_step(script, given)) is not None:
        key = step.key
        if step.kind == "say":
            planned.append(Planned(step, sc.SAID))
            given[key] = sc.Given(sc.SAID)
            continue
        if step.kind == "referrals":
            used.add(key)
            people = _plan_referrals(data.get(key, []), region, errors)
            planned.append(Planned(step, referrals=people))
            given[key] = sc.Given(str(len(people)))
            continue
        used.add(key)
        value = data.get(key)
        if step.kind == "choice":
            allowed = ", ".join(f'"{c.value}"' for c in step.choices)
            choice = sc.parse_choice(step, value, loose=False) if isinstance(value, str) else None
            if value is None:
                errors.append(f'"{key}" is missing; it is asked here. Use one of {allowed}.')
            elif choice is None:
                errors.append(f'"{key}": {value!r} is not one of {allowed}.')
            if choice is None:
                stopped = step  # later steps depend on this answer
                break
            planned.append(Planned(step, choice.value, choice.label, choice.label))
            given[key] = sc.Given(choice.value, choice.label)
            continue
        if not isinstance(value, str) or not value.strip():
            what = "is missing" if value is None else "must be the text they said"
            errors.append(f'"{key}" {what}; it is asked here: "{step.prompt}".')
            stopped = step
            break
        if key == sc.PROMISE_BY:
            try:
                promise_day(value, today, calendar)
            except InvalidInput as exc:
                errors.append(f'"{key}": {exc}')
        question = sc.fill(step.prompt, values)
        suggested = explain(value, vocabulary, question).label if step.classify else None
        label: str | None = suggested
        label_key = f"{key}_label"
        if label_key in data:
            used.add(label_key)
            label = _label_override(step, label_key, data[label_key], errors) or label
        planned.append(Planned(step, value.strip(), label, suggested))
        given[key] = sc.Given(value.strip(), label)
    # Every other key: a step the walk went past was not asked with these answers; one after
    # a bad answer (whose branch is unknown) is still checked on its own, so every problem
    # is listed at once.
    past = script.steps.index(stopped) if stopped else len(script.steps)
    step_keys = {s.key for s in script.steps if s.kind != "say"}
    for key in data:
        if key in used:
            continue
        base = key.removesuffix("_label")
        step = script.step(base) if base in step_keys else None
        if step is None:
            errors.append(
                f'Unknown key "{key}"; the script\'s keys are '
                + ", ".join(s.key for s in script.steps if s.kind != "say")
                + " (and KEY_label for a text answer's label)."
            )
        elif script.steps.index(step) < past:
            when = f" (it is asked only if {step.ask_if.text})" if step.ask_if else ""
            errors.append(f'"{key}" is not asked with these answers{when}; remove it.')
        elif key != base:
            _label_override(step, key, data[key], errors)
        else:
            _check_alone(step, data[key], region, errors)
    if errors:
        raise InvalidInput("The answers file needs fixing:\n  " + "\n  ".join(errors))
    return planned


def _label_override(step: sc.Step, key: str, value: Any, errors: list[str]) -> str | None:
    """``KEY_label``: the owner's label for a text answer, if it is one."""
    if not step.classify:
        errors.append(f'"{key}": {step.key} is not labelled; remove it.')
    elif value not in sc.LABELS:
        errors.append(f'"{key}": {value!r} is not one of positive, neutral, negative.')
    else:
        return str(value)
    return None


def _check_alone(step: sc.Step, value: Any, region: str, errors: list[str]) -> None:
    """An answer the walk did not reach (an earlier answer was bad): checked on its own."""
    if step.kind == "referrals":
        _plan_referrals(value, region, errors)
    elif step.kind == "choice":
        allowed = ", ".join(f'"{c.value}"' for c in step.choices)
        if not isinstance(value, str) or sc.parse_choice(step, value, loose=False) is None:
            errors.append(f'"{step.key}": {value!r} is not one of {allowed}.')
    elif not isinstance(value, str) or not value.strip():
        errors.append(f'"{step.key}" must be the text they said: "{step.prompt}".')


def _plan_referrals(value: Any, region: str, errors: list[str]) -> tuple[Referral, ...]:
    if not isinstance(value, list):
        errors.append(
            '"referrals" must be a list, e.g. [{"name": "Bob Ray", "phone": "555-0102"}].'
        )
        return ()
    people = []
    for index, item in enumerate(value, 1):
        where = f'"referrals" #{index}'
        if not isinstance(item, Mapping):
            errors.append(
                f'{where} must be an object like {{"name": "Bob Ray", "email": "bob@example.com"}}.'
            )
            continue
        unknown = sorted(set(item) - {"name", "phone", "email"})
        if unknown:
            errors.append(f"{where}: unknown key {unknown[0]!r}; use name, phone, email.")
            continue
        if not all(isinstance(item.get(k, ""), str | None) for k in ("name", "phone", "email")):
            errors.append(f"{where}: name, phone and email must be text.")
            continue
        try:
            people.append(
                parse_referral(
                    item.get("name", ""), item.get("phone"), item.get("email"), region=region
                )
            )
        except InvalidInput as exc:
            errors.append(f"{where}: {exc}")
    return tuple(people)


@dataclass
class FileCall:
    recorded: list[Recorded]
    result: CallResult


def record_answers_file(
    tx: Tx,
    followup_id: int,
    script: sc.Script,
    data: Any,
    *,
    today: dt.date,
    now: dt.datetime,
    rules: RuleSet,
    settings: Settings,
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
) -> FileCall:
    """A whole call from a file, checked first, then recorded with the same consequences."""
    ctx = prepare(tx, followup_id, currency=settings.currency, today=today)
    values = prompt_values(ctx, settings)
    planned = plan_answers(
        script, data, today=today, calendar=rules.calendar, values=values,
        region=settings.phone_region, vocabulary=vocabulary,
    )  # fmt: skip
    call = start_call(tx, followup_id, today=today, now=now, script_name=script.name)
    recorded: list[Recorded] = []
    for item in planned:
        question = sc.fill(item.step.prompt, values)
        for person in item.referrals:
            recorded.append(
                record_referral(
                    tx,
                    call.id,
                    person,
                    question=question,
                    today=today,
                    now=now,
                    rules=rules,
                    region=settings.phone_region,
                )
            )
        recorded.append(
            record_answer(
                tx,
                call.id,
                item.step,
                item.answer,
                question=question,
                today=today,
                now=now,
                rules=rules,
                label=item.label,
                suggested_label=item.suggested,
                settings=settings,
            )
        )
    return FileCall(recorded, finish_call(tx, call.id, today=today, now=now, rules=rules))
