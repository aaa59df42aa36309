"""Recording follow-up calls: each answer as it is given, and what the answers lead to.

Each function is one short unit of work on an open session, so the CLI can save every
answer in its own write transaction and never hold one open while the owner types.
Consequences (see docs/call.md):

* reach: anything but "reached" ends the call and applies the retry rule; a wrong number
  flags the phone and moves the follow-up off the phone at once.
* review "agreed": a "Send the review link" follow-up today, by the channel they prefer.
* each referral: a new contact linked to the referrer, an introduction follow-up the next
  working day, and (once per call) a thank-you note to the referrer.
* the end: the outcome (negative > neutral > positive over the labelled answers) completes
  the follow-up; a negative one schedules a high-priority "make it right" call.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from followup_cli import script as sc
from followup_cli.config import Settings
from followup_cli.contacts import add_contact, describe, resolve
from followup_cli.errors import Conflict, InvalidInput, NotFound
from followup_cli.followups import (
    DoneResult,
    complete,
    get_pending,
    now_utc,
    reachable,
    retry,
    schedule_for,
    unreachable_reason,
)
from followup_cli.models import (
    Answer,
    Call,
    Channel,
    Contact,
    ContactCreate,
    FollowUp,
    Interaction,
    Priority,
    Status,
)
from followup_cli.scheduling import RuleSet
from followup_cli.sentiment import DEFAULT_VOCABULARY, Vocabulary, explain

IN_PROGRESS = "in-progress"
INTERRUPTED = "interrupted"
COMPLETED = "completed"
MAKE_IT_RIGHT = "make-it-right"
REVIEW_LINK = "review-link"
REFERRAL_INTRO = "referral-intro"
REFERRAL_THANKS = "referral-thanks"
_ID_RE = re.compile(r"^#?(\d{1,18})$")


def vocabulary_for(settings: Settings) -> Vocabulary:
    """The default words plus the owner's own (settings.toml [sentiment])."""
    return DEFAULT_VOCABULARY.extended(
        positive=settings.sentiment_positive,
        neutral=settings.sentiment_neutral,
        negative=settings.sentiment_negative,
    )


# --------------------------------------------------------------------------------------------
# Who to call
# --------------------------------------------------------------------------------------------


def find_followup_id(session: Session, target: str) -> int:
    """``12`` / ``#12`` is a follow-up id; anything else names a contact, whose next pending
    phone follow-up is meant."""
    match = _ID_RE.match(target.strip())
    if match:
        return int(match.group(1))
    contact = resolve(session, target)
    followup = session.exec(
        select(FollowUp)
        .where(
            FollowUp.contact_id == contact.id,
            FollowUp.status == Status.PENDING,
            FollowUp.channel == Channel.PHONE,
        )
        .order_by(FollowUp.due_on, col(FollowUp.priority).desc(), FollowUp.id)
    ).first()
    if followup is None or followup.id is None:
        raise NotFound(
            f"{describe(contact)} has no pending phone follow-up. Schedule one with "
            f'`followup schedule "{contact.name}" today --channel phone`.'
        )
    return followup.id


@dataclass
class PastAnswer:
    called_on: dt.date
    question: str
    answer: str
    label: str | None


@dataclass
class CallContext:
    """What the owner sees before dialling."""

    followup: FollowUp
    contact: Contact
    purpose: str  # "Thank-you call for sale on Nov 20, $129.00"
    bought: str  # the sale's items, else "working with us"
    previous: list[PastAnswer]
    resumable: Call | None = None
    resumable_answers: int = 0


def review_channel(contact: Contact) -> str | None:
    """Where to send a review link: their preferred channel (a link cannot be said on the
    phone, so phone means a text), else the first usable of email, text, mail."""
    usable = reachable(contact)
    preferred = Channel.TEXT.value if contact.prefers == Channel.PHONE else contact.prefers
    for channel in (preferred, Channel.EMAIL.value, Channel.TEXT.value, Channel.MAIL.value):
        if channel in usable:
            return channel
    return None


def prepare(session: Session, followup_id: int, *, currency: str = "$") -> CallContext:
    """Check that the follow-up can be called (pending, phone, consent) and gather the screen."""
    from followup_cli.agenda import purpose_in_words

    followup = get_pending(session, followup_id)
    contact = session.get(Contact, followup.contact_id)
    assert contact is not None
    if followup.channel != Channel.PHONE:
        raise Conflict(
            f"Follow-up #{followup_id} is a {followup.channel} follow-up, not a call; "
            f"mark it with `followup done {followup_id}`."
        )
    if Channel.PHONE not in reachable(contact):
        raise Conflict(f"Cannot call: {unreachable_reason(contact, Channel.PHONE)}.")
    interaction = (
        session.get(Interaction, followup.interaction_id) if followup.interaction_id else None
    )
    purpose = purpose_in_words(
        followup.purpose,
        followup.channel,
        interaction.kind if interaction else None,
        interaction.occurred_on if interaction else None,
        interaction.amount_cents if interaction else None,
        currency,
    )
    bought = (interaction.items or "").strip() if interaction else ""
    resumable = session.exec(
        select(Call)
        .where(Call.followup_id == followup_id, col(Call.status).in_([INTERRUPTED, IN_PROGRESS]))
        .order_by(col(Call.id).desc())
    ).first()
    count = 0
    if resumable is not None:
        count = len(session.exec(select(Answer.id).where(Answer.call_id == resumable.id)).all())
    return CallContext(
        followup=followup,
        contact=contact,
        purpose=purpose,
        bought=bought or "working with us",
        previous=previous_answers(session, contact.id, exclude_call=resumable),
        resumable=resumable,
        resumable_answers=count,
    )


def previous_answers(
    session: Session, contact_id: int | None, *, exclude_call: Call | None = None
) -> list[PastAnswer]:
    """The answers of the contact's last call that has any (not the one being resumed)."""
    query = (
        select(Call, Answer)
        .join(Answer, col(Answer.call_id) == col(Call.id))
        .where(Call.contact_id == contact_id, Answer.answer != sc.SAID)
        .order_by(col(Call.started_at).desc(), col(Call.id).desc(), col(Answer.id))
    )
    if exclude_call is not None:
        query = query.where(Call.id != exclude_call.id)
    rows = session.exec(query).all()
    if not rows:
        return []
    last = rows[0][0].id
    return [
        PastAnswer(call.called_on, a.question, a.answer, a.label)
        for call, a in rows
        if call.id == last
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
    session: Session,
    followup_id: int,
    *,
    today: dt.date,
    script_name: str = "default",
    resume_call_id: int | None = None,
) -> Call:
    """A new call_log row, or the interrupted one being resumed (status back to in-progress)."""
    followup = get_pending(session, followup_id)
    if resume_call_id is not None:
        call = session.get(Call, resume_call_id)
        if call is None or call.followup_id != followup_id or call.status == COMPLETED:
            raise Conflict(f"Call #{resume_call_id} cannot be resumed.")
        call.status = IN_PROGRESS
    else:
        call = Call(
            followup_id=followup_id,
            contact_id=followup.contact_id,
            called_on=today,
            started_at=now_utc(),
            status=IN_PROGRESS,
            script=script_name,
        )
    session.add(call)
    session.flush()
    return call


def _open_call(session: Session, call_id: int) -> Call:
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound(f"No call #{call_id}.")
    if call.status == COMPLETED:
        raise Conflict(f"Call #{call_id} is already completed.")
    return call


def answers_of(session: Session, call_id: int) -> dict[str, sc.Given]:
    """The answers of a call so far, as the state machine reads them."""
    rows = session.exec(select(Answer).where(Answer.call_id == call_id).order_by(Answer.id)).all()
    return {a.step: sc.Given(a.answer, a.label) for a in rows if a.step != sc.REFERRAL}


def referrals_of(session: Session, call_id: int) -> list[Answer]:
    return list(
        session.exec(
            select(Answer)
            .where(Answer.call_id == call_id, Answer.step == sc.REFERRAL)
            .order_by(Answer.id)
        ).all()
    )


@dataclass
class Recorded:
    """One saved answer and what it set in motion."""

    answer: Answer
    scheduled: list[FollowUp] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # "not scheduled: ...", "already a contact"
    contact: Contact | None = None  # a referral's new contact


def record_answer(
    session: Session,
    call_id: int,
    step: sc.Step,
    answer: str,
    *,
    question: str,
    today: dt.date,
    label: str | None = None,
    suggested_label: str | None = None,
    settings: Settings | None = None,
) -> Recorded:
    """Save one answer (and its immediate consequence) to the call."""
    settings = settings or Settings()
    call = _open_call(session, call_id)
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
        count = len(referrals_of(session, call_id))
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
    if step.key in answers_of(session, call_id):
        raise Conflict(f"Call #{call_id} already has an answer for {step.key}.")
    row = Answer(
        call_id=call_id,
        step=step.key,
        question=question,
        answer=answer,
        label=label,
        suggested_label=suggested_label,
        overridden=label != suggested_label,
        answered_at=now_utc(),
    )
    session.add(row)
    result = Recorded(row)
    if step.key == sc.REACH:
        call.reach = answer
    elif step.key == sc.RECOMMEND:
        call.would_recommend = answer
    elif step.key == sc.REVIEW:
        call.review = answer
        if answer == sc.REVIEW_AGREED:
            _schedule_review_link(session, call, today, settings, result)
    session.add(call)
    session.flush()
    return result


def _schedule_review_link(
    session: Session, call: Call, today: dt.date, settings: Settings, result: Recorded
) -> None:
    contact = session.get(Contact, call.contact_id)
    assert contact is not None
    channel = review_channel(contact)
    if channel is None:
        result.notes.append(f"Review link not scheduled: {unreachable_reason(contact)}.")
        return
    result.scheduled.append(
        schedule_for(
            session,
            contact,
            today,
            today=today,
            channel=channel,
            purpose="Send the review link",
            rule=REVIEW_LINK,
            note=settings.review_link or None,
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
    session: Session,
    call_id: int,
    referral: Referral,
    *,
    question: str,
    today: dt.date,
    rules: RuleSet,
    region: str = "US",
) -> Recorded:
    """A new contact referred by the customer, an intro follow-up the next working day, and
    (first referral of the call) a thank-you note to the referrer. A person already on file
    is reported and left as they are."""
    call = _open_call(session, call_id)
    referrer = session.get(Contact, call.contact_id)
    assert referrer is not None
    text = referral.describe()
    new: Contact | None = None
    notes: list[str] = []
    try:
        new = add_contact(
            session,
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
    row = Answer(
        call_id=call_id,
        step=sc.REFERRAL,
        question=question,
        answer=text,
        answered_at=now_utc(),
    )
    session.add(row)
    result = Recorded(row, notes=notes, contact=new)
    if new is not None:
        result.scheduled.append(
            schedule_for(
                session,
                new,
                rules.calendar.add_working_days(today, 1),
                today=today,
                purpose=f"Introduction {{action}} (referred by {referrer.name})",
                rule=REFERRAL_INTRO,
            )
        )
        call.referrals += 1
        if call.referrals == 1:
            try:
                result.scheduled.append(
                    schedule_for(
                        session,
                        referrer,
                        today,
                        today=today,
                        channel=Channel.MAIL,
                        purpose="Thank-you note for the referral",
                        rule=REFERRAL_THANKS,
                    )
                )
            except Conflict as exc:
                result.notes.append(f"No thank-you note scheduled: {exc}")
        session.add(call)
    session.flush()
    return result


def interrupt_call(session: Session, call_id: int) -> Call:
    """Ctrl-C or end of input: keep the answers, leave the follow-up pending."""
    call = _open_call(session, call_id)
    call.status = INTERRUPTED
    session.add(call)
    session.flush()
    return call


@dataclass
class CallResult:
    call: Call
    contact: Contact
    followup: FollowUp
    done: DoneResult
    outcome: str | None = None
    phone_flagged: bool = False
    make_it_right: FollowUp | None = None
    words: list[str] = field(default_factory=list)  # what they said, when it went badly
    notes: list[str] = field(default_factory=list)


def finish_call(session: Session, call_id: int, *, today: dt.date, rules: RuleSet) -> CallResult:
    """Apply the end of the call: retry if not reached, else the outcome and its follow-ups."""
    call = _open_call(session, call_id)
    if call.followup_id is None:
        raise Conflict(f"Call #{call_id} has no follow-up any more.")
    followup = get_pending(session, call.followup_id)
    contact = session.get(Contact, call.contact_id)
    assert contact is not None
    rows = session.exec(select(Answer).where(Answer.call_id == call_id).order_by(Answer.id)).all()
    call.status = COMPLETED
    if call.reach != sc.REACHED:
        flagged = call.reach == sc.WRONG_NUMBER
        if flagged:
            contact.phone_invalid = True
            session.add(contact)
            # Trying a wrong number again is pointless: go straight to the channel switch.
            followup.attempts = max(followup.attempts, rules.retry.max_attempts - 1)
        done = retry(session, followup, contact, today=today, rules=rules)
        session.add(call)
        session.flush()
        return CallResult(call, contact, followup, done, phone_flagged=flagged)
    result_outcome = sc.outcome(a.label for a in rows)
    call.outcome = result_outcome
    session.add(call)
    done = complete(session, followup.id, today=today, rules=rules, outcome=result_outcome)  # type: ignore[arg-type]
    result = CallResult(call, contact, followup, done, outcome=result_outcome)
    if result_outcome == "negative":
        result.words = [
            f'{a.step.replace("_", " ")}: "{a.answer}"' for a in rows if a.label == "negative"
        ]
        usable = reachable(contact)
        channel = Channel.PHONE.value if Channel.PHONE in usable else None
        try:
            result.make_it_right = schedule_for(
                session, contact, rules.calendar.add_working_days(today, 1), today=today,
                channel=channel, purpose="Make it right {action}", rule=MAKE_IT_RIGHT,
                priority=Priority.HIGH, note="They said: " + "; ".join(result.words),
            )  # fmt: skip
        except Conflict as exc:
            result.notes.append(f"No make-it-right follow-up scheduled: {exc}")
    session.flush()
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
    region: str = "US",
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
) -> list[Planned]:
    """Walk the script with the answers of a JSON file; every problem is listed at once."""
    if not isinstance(data, Mapping):
        raise InvalidInput(
            'The answers file must hold one JSON object, e.g. {"reach": "reached", ...}.'
        )
    errors: list[str] = []
    used: set[str] = set()
    given: dict[str, sc.Given] = {}
    planned: list[Planned] = []
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
                break  # later steps depend on this answer
            planned.append(Planned(step, choice.value, choice.label, choice.label))
            given[key] = sc.Given(choice.value, choice.label)
            continue
        if not isinstance(value, str) or not value.strip():
            what = "is missing" if value is None else "must be the text they said"
            errors.append(f'"{key}" {what}; it is asked here: "{step.prompt}".')
            break
        suggested = explain(value, vocabulary).label if step.classify else None
        label = suggested
        label_key = f"{key}_label"
        if label_key in data:
            used.add(label_key)
            override = data[label_key]
            if not step.classify:
                errors.append(f'"{label_key}": {key} is not labelled; remove it.')
            elif override not in sc.LABELS:
                errors.append(
                    f'"{label_key}": {override!r} is not one of positive, neutral, negative.'
                )
            else:
                label = override
        planned.append(Planned(step, value.strip(), label, suggested))
        given[key] = sc.Given(value.strip(), label)
    complete_walk = not errors  # after a bad answer, later keys cannot be judged
    step_keys = {s.key for s in script.steps if s.kind != "say"}
    for key in data:
        if key in used:
            continue
        base = key.removesuffix("_label")
        if base not in step_keys:
            errors.append(
                f'Unknown key "{key}"; the script\'s keys are '
                + ", ".join(s.key for s in script.steps if s.kind != "say")
                + " (and KEY_label for a text answer's label)."
            )
        elif complete_walk:
            step = script.step(base)
            when = f" (it is asked only if {step.ask_if.text})" if step and step.ask_if else ""
            errors.append(f'"{key}" is not asked with these answers{when}; remove it.')
    if errors:
        raise InvalidInput("The answers file needs fixing:\n  " + "\n  ".join(errors))
    return planned


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
    session: Session,
    followup_id: int,
    script: sc.Script,
    data: Any,
    *,
    today: dt.date,
    rules: RuleSet,
    settings: Settings,
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
) -> FileCall:
    """A whole call from a file, checked first, then recorded with the same consequences."""
    planned = plan_answers(script, data, region=settings.phone_region, vocabulary=vocabulary)
    ctx = prepare(session, followup_id, currency=settings.currency)
    values = prompt_values(ctx, settings)
    call = start_call(session, followup_id, today=today, script_name=script.name)
    assert call.id is not None
    recorded: list[Recorded] = []
    for item in planned:
        question = sc.fill(item.step.prompt, values)
        for person in item.referrals:
            recorded.append(
                record_referral(
                    session,
                    call.id,
                    person,
                    question=question,
                    today=today,
                    rules=rules,
                    region=settings.phone_region,
                )
            )
        recorded.append(
            record_answer(
                session,
                call.id,
                item.step,
                item.answer,
                question=question,
                today=today,
                label=item.label,
                suggested_label=item.suggested,
                settings=settings,
            )
        )
    return FileCall(recorded, finish_call(session, call.id, today=today, rules=rules))
