"""Contacts: adding, finding by reference, editing, consent, and a person's full history."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from followup_cli.errors import AmbiguousReference, Conflict, InvalidInput, NotFound
from followup_cli.models import (
    Answer,
    Call,
    Contact,
    ContactCreate,
    ContactUpdate,
    FollowUp,
    Interaction,
)
from followup_cli.values import (
    check_channel,
    normalize_email,
    normalize_phone,
    normalize_tags,
    split_csv_set,
)

_ID_RE = re.compile(r"^#?(\d{1,18})$")  # bounded: SQLite integers are 64-bit


def describe(contact: Contact) -> str:
    """``Ann Lee (#12)``: how errors and summaries name a contact."""
    return f"{contact.name} (#{contact.id})"


def resolve(session: Session, ref: str) -> Contact:
    """Find a contact by ``12``/``#12``, an email, a phone, or a name matching exactly one contact.

    A name matches case-insensitively, whole name first, then as a part of names; several
    matches are an error that lists them, so the owner never acts on the wrong person.
    """
    ref = ref.strip()
    if not ref or "\x00" in ref:
        raise InvalidInput("Give a contact: an id like 12, an email, or a name.")
    match = _ID_RE.match(ref)
    if match:
        contact = session.get(Contact, int(match.group(1)))
        if contact is None:
            raise NotFound(f"No contact #{match.group(1)}. See `followup contact list`.")
        return contact
    if "@" in ref:
        email = ref.lower()
        contact = session.exec(select(Contact).where(Contact.email == email)).first()
        if contact is None:
            raise NotFound(f"No contact with email {email}. See `followup contact list`.")
        return contact
    if re.fullmatch(r"[+\d\s().\-]{7,}", ref):
        from followup_cli.values import phone_key

        try:
            key = phone_key(ref)
        except InvalidInput:
            key = None
        contact = (
            session.exec(select(Contact).where(Contact.phone_key == key)).first() if key else None
        )
        if contact is not None:
            return contact
    exact = session.exec(
        select(Contact).where(func.lower(Contact.name) == ref.lower()).limit(21)
    ).all()
    candidates = (
        exact
        or session.exec(
            select(Contact)
            .where(func.lower(Contact.name).contains(ref.lower(), autoescape=True))
            .order_by(Contact.name, Contact.id)
            .limit(21)
        ).all()
    )
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise NotFound(f"No contact matches {ref!r}. Try `followup contact list --search {ref}`.")
    shown = ", ".join(describe(c) for c in candidates[:20])
    more = " and more" if len(candidates) > 20 else ""
    raise AmbiguousReference(
        f"{ref!r} matches {len(candidates)} contacts: {shown}{more}. "
        f"Use the id, e.g. #{candidates[0].id}."
    )


def _check_unique(
    session: Session, email: str | None, phone_key: str | None, exclude_id: int | None = None
) -> None:
    conditions = []
    if email:
        conditions.append(Contact.email == email)
    if phone_key:
        conditions.append(Contact.phone_key == phone_key)
    if not conditions:
        return
    query = select(Contact).where(or_(*conditions))
    if exclude_id is not None:
        query = query.where(Contact.id != exclude_id)
    existing = session.exec(query).first()
    if existing is not None:
        what = "email" if email and existing.email == email else "phone number"
        raise Conflict(f"{describe(existing)} already has that {what}.")


def add_contact(
    session: Session,
    data: ContactCreate,
    *,
    today: dt.date,
    region: str = "US",
    referred_by_id: int | None = None,
) -> Contact:
    """Create a contact; a duplicate email or phone is refused, naming who has it."""
    name = " ".join(data.name.split())
    if not name:
        raise InvalidInput("A contact needs a name.")
    email = normalize_email(data.email)
    phone, key = normalize_phone(data.phone, region)
    _check_unique(session, email, key)
    if data.every_days is not None and data.every_days <= 0:
        raise InvalidInput("The keep-in-touch interval must be at least one day.")
    contact = Contact(
        name=name,
        email=email,
        phone=phone,
        phone_key=key,
        prefers=check_channel(data.prefers, "preferred channel"),
        note=data.note,
        tags=normalize_tags(data.tags),
        every_days=data.every_days,
        referred_by_id=referred_by_id,
        created_on=today,
    )
    session.add(contact)
    session.flush()
    return contact


def list_contacts(
    session: Session, search: str | None = None, limit: int | None = None
) -> list[Contact]:
    query = select(Contact).order_by(func.lower(Contact.name), Contact.id)
    if search:
        needle = search.strip().lower()
        query = query.where(
            or_(
                func.lower(Contact.name).contains(needle, autoescape=True),
                col(Contact.email).contains(needle, autoescape=True),
                col(Contact.phone).contains(needle, autoescape=True),
                col(Contact.tags).contains(needle, autoescape=True),
                func.lower(col(Contact.note)).contains(needle, autoescape=True),
            )
        )
    if limit:
        query = query.limit(limit)
    return list(session.exec(query).all())


def edit_contact(
    session: Session, ref: str, update: ContactUpdate, *, region: str = "US"
) -> tuple[Contact, list[str]]:
    """Change the fields that were given; returns the contact and the names of changed fields."""
    contact = resolve(session, ref)
    changes = update.model_dump(exclude_unset=True)
    if "name" in changes:
        changes["name"] = " ".join((changes["name"] or "").split())
        if not changes["name"]:
            raise InvalidInput("A contact needs a name.")
    if "email" in changes:
        changes["email"] = normalize_email(changes["email"])
        _check_unique(session, changes["email"], None, exclude_id=contact.id)
    if "phone" in changes:
        changes["phone"], changes["phone_key"] = normalize_phone(changes["phone"], region)
        _check_unique(session, None, changes["phone_key"], exclude_id=contact.id)
        changes["phone_invalid"] = False
    if changes.get("prefers") is not None:
        changes["prefers"] = check_channel(changes["prefers"], "preferred channel")
    if "tags" in changes:
        changes["tags"] = normalize_tags(changes["tags"])
    if "every_days" in changes and changes["every_days"] is not None and changes["every_days"] <= 0:
        raise InvalidInput("The keep-in-touch interval must be at least one day.")
    changed = [k for k, v in changes.items() if getattr(contact, k) != v]
    contact.sqlmodel_update(changes)
    session.add(contact)
    session.flush()
    return contact, changed


def set_opt_out(session: Session, ref: str, channel: str | None, *, undo: bool = False) -> Contact:
    """Do not contact at all (no channel) or not in one channel; ``undo`` lifts it."""
    contact = resolve(session, ref)
    if channel is None:
        contact.do_not_contact = not undo
        if undo:
            contact.opted_out_channels = ""
    else:
        channel = check_channel(channel)
        channels = set(split_csv_set(contact.opted_out_channels))
        if undo:
            channels.discard(channel)
        else:
            channels.add(channel)
        contact.opted_out_channels = ",".join(sorted(channels))
    session.add(contact)
    session.flush()
    return contact


def consent_summary(contact: Contact) -> str:
    if contact.do_not_contact:
        return "do not contact"
    channels = split_csv_set(contact.opted_out_channels)
    return f"not by {', '.join(channels)}" if channels else "ok"


@dataclass
class CallWithAnswers:
    call: Call
    answers: list[Answer] = field(default_factory=list)


@dataclass
class ContactHistory:
    contact: Contact
    referred_by: Contact | None
    referrals: list[Contact]
    interactions: list[Interaction]
    followups: list[FollowUp]
    calls: list[CallWithAnswers]


def history(session: Session, ref: str) -> ContactHistory:
    """Everything the database holds about one person, newest first."""
    contact = resolve(session, ref)
    interactions = session.exec(
        select(Interaction)
        .where(Interaction.contact_id == contact.id)
        .order_by(col(Interaction.occurred_on).desc(), col(Interaction.id).desc())
    ).all()
    followups = session.exec(
        select(FollowUp)
        .where(FollowUp.contact_id == contact.id)
        .order_by(col(FollowUp.due_on).desc(), col(FollowUp.id).desc())
    ).all()
    calls = session.exec(
        select(Call).where(Call.contact_id == contact.id).order_by(col(Call.started_at).desc())
    ).all()
    answers = session.exec(
        select(Answer)
        .join(Call, col(Answer.call_id) == col(Call.id))
        .where(Call.contact_id == contact.id)
        .order_by(Answer.id)
    ).all()
    by_call: dict[int, CallWithAnswers] = {c.id: CallWithAnswers(c) for c in calls if c.id}
    for answer in answers:
        by_call[answer.call_id].answers.append(answer)
    referrals = session.exec(
        select(Contact).where(Contact.referred_by_id == contact.id).order_by(Contact.id)
    ).all()
    referred_by = session.get(Contact, contact.referred_by_id) if contact.referred_by_id else None
    return ContactHistory(
        contact=contact,
        referred_by=referred_by,
        referrals=list(referrals),
        interactions=list(interactions),
        followups=list(followups),
        calls=list(by_call.values()),
    )
