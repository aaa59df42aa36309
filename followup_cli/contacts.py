"""Contacts: adding, finding by reference, editing, consent, and a person's full history."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from followup_cli.errors import AmbiguousReference, Conflict, InvalidInput, NotFound
from followup_cli.store.rows import (
    AnswerRow,
    CallRow,
    ContactRow,
    FollowUpRow,
    InteractionRow,
    fetch,
    get,
    insert_row,
    update,
)
from followup_cli.values import (
    ID_RE,
    check_channel,
    normalize_address,
    normalize_email,
    normalize_phone,
    normalize_tags,
    split_csv_set,
)

if TYPE_CHECKING:
    import datetime as dt

    from followup_cli.models import ContactCreate, ContactUpdate
    from followup_cli.store import Tx

MAX_CANDIDATES = 20


def describe(contact: ContactRow) -> str:
    """``Ann Lee (#12)``: how errors and summaries name a contact."""
    return f"{contact.name} (#{contact.id})"


def like_pattern(text: str) -> str:
    """``text`` as a LIKE pattern matching it anywhere (``%`` and ``_`` taken literally,
    with ``ESCAPE '\\'``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def resolve(tx: Tx, ref: str) -> ContactRow:
    """Find a contact by ``12``/``#12``, an email, a phone, or a name matching exactly one contact.

    A name matches case-insensitively, whole name first, then as a part of names; several
    matches are an error that lists them, so the owner never acts on the wrong person.
    """
    ref = ref.strip()
    if not ref or "\x00" in ref:
        raise InvalidInput("Give a contact: an id like 12, an email, or a name.")
    match = ID_RE.match(ref)
    if match:
        contact = get(tx, ContactRow, int(match.group(1)))
        if contact is None:
            raise NotFound(f"No contact #{match.group(1)}. See `followup contact list`.")
        return contact
    if "@" in ref:
        email = ref.lower()
        found = fetch(tx, ContactRow, "email = :email", {"email": email})
        if not found:
            raise NotFound(f"No contact with email {email}. See `followup contact list`.")
        return found[0]
    if re.fullmatch(r"[+\d\s().\-]{7,}", ref):
        from followup_cli.values import phone_key

        try:
            key = phone_key(ref)
        except InvalidInput:
            key = None
        by_phone = fetch(tx, ContactRow, "phone_key = :key", {"key": key}) if key else []
        if by_phone:
            return by_phone[0]
    limit = MAX_CANDIDATES + 1
    candidates = fetch(
        tx, ContactRow, "lower(name) = :name", {"name": ref.lower()}, limit=limit
    ) or fetch(
        tx,
        ContactRow,
        "lower(name) LIKE :pattern ESCAPE '\\'",
        {"pattern": like_pattern(ref.lower())},
        order="name, id",
        limit=limit,
    )
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise NotFound(f"No contact matches {ref!r}. Try `followup contact list --search {ref}`.")
    shown = ", ".join(describe(c) for c in candidates[:MAX_CANDIDATES])
    more = " and more" if len(candidates) > MAX_CANDIDATES else ""
    raise AmbiguousReference(
        f"{ref!r} matches {len(candidates)} contacts: {shown}{more}. "
        f"Use the id, e.g. #{candidates[0].id}."
    )


def _check_unique(
    tx: Tx, email: str | None, phone_key: str | None, exclude_id: int | None = None
) -> None:
    conditions = []
    if email:
        conditions.append("email = :email")
    if phone_key:
        conditions.append("phone_key = :key")
    if not conditions:
        return
    where = f"({' OR '.join(conditions)}) AND id <> :exclude"
    params = {"email": email, "key": phone_key, "exclude": -1 if exclude_id is None else exclude_id}
    existing = fetch(tx, ContactRow, where, params, limit=1)
    if existing:
        what = "email" if email and existing[0].email == email else "phone number"
        raise Conflict(f"{describe(existing[0])} already has that {what}.")


def _check_interval(every_days: int | None) -> None:
    if every_days is not None and every_days <= 0:
        raise InvalidInput("The keep-in-touch interval must be at least one day.")


def _clean_name(text: str | None) -> str:
    name = " ".join((text or "").split())
    if not name:
        raise InvalidInput("A contact needs a name.")
    return name


def add_contact(
    tx: Tx,
    data: ContactCreate,
    *,
    today: dt.date,
    region: str = "US",
    referred_by_id: int | None = None,
) -> ContactRow:
    """Create a contact; a duplicate email or phone is refused, naming who has it."""
    name = _clean_name(data.name)
    email = normalize_email(data.email)
    phone, key = normalize_phone(data.phone, region)
    _check_unique(tx, email, key)
    _check_interval(data.every_days)
    values = {
        "name": name, "email": email, "phone": phone, "phone_key": key,
        "address": normalize_address(data.address), "prefers": check_channel(data.prefers, "preferred channel"), "note": data.note,
        "tags": normalize_tags(data.tags), "every_days": data.every_days,
        "referred_by_id": referred_by_id, "created_on": today,
    }  # fmt: skip
    return insert_row(tx, ContactRow, values)


def list_contacts(tx: Tx, search: str | None = None, limit: int | None = None) -> list[ContactRow]:
    """Contacts by name; ``search`` matches a part of the name, email, phone, address, tags or
    note."""
    where, params = "", {}
    if search:
        where = " OR ".join(
            f"lower({column}) LIKE :pattern ESCAPE '\\'"
            for column in ("name", "email", "phone", "address", "tags", "note")
        )
        params = {"pattern": like_pattern(search.strip().lower())}
    return fetch(tx, ContactRow, where, params, order="lower(name), id", limit=limit or None)


def edit_contact(
    tx: Tx, ref: str, changes_given: ContactUpdate, *, region: str = "US"
) -> tuple[ContactRow, list[str]]:
    """Change the fields that were given; returns the contact and the names of changed fields."""
    contact = resolve(tx, ref)
    changes = changes_given.model_dump(exclude_unset=True)
    if "name" in changes:
        changes["name"] = _clean_name(changes["name"])
    if "email" in changes:
        changes["email"] = normalize_email(changes["email"])
        _check_unique(tx, changes["email"], None, exclude_id=contact.id)
    if "phone" in changes:
        changes["phone"], changes["phone_key"] = normalize_phone(changes["phone"], region)
        _check_unique(tx, None, changes["phone_key"], exclude_id=contact.id)
        changes["phone_invalid"] = False
    if "address" in changes:
        changes["address"] = normalize_address(changes["address"])
    if changes.get("prefers") is not None:
        changes["prefers"] = check_channel(changes["prefers"], "preferred channel")
    if "tags" in changes:
        changes["tags"] = normalize_tags(changes["tags"])
    if "every_days" in changes:
        _check_interval(changes["every_days"])
    changes = {k: v for k, v in changes.items() if getattr(contact, k) != v}
    update(tx, ContactRow.TABLE, contact.id, changes)
    changed = [k for k in changes if k != "phone_key" and k != "phone_invalid"]
    return contact.replace(**changes), changed


def set_opt_out(tx: Tx, ref: str, channel: str | None, *, undo: bool = False) -> ContactRow:
    """Do not contact at all (no channel) or not in one channel; ``undo`` lifts it."""
    contact = resolve(tx, ref)
    changes: dict[str, object]
    if channel is None:
        changes = {"do_not_contact": not undo}
        if undo:
            changes["opted_out_channels"] = ""
    else:
        channel = check_channel(channel)
        channels = set(split_csv_set(contact.opted_out_channels))
        if undo:
            channels.discard(channel)
        else:
            channels.add(channel)
        changes = {"opted_out_channels": ",".join(sorted(channels))}
    update(tx, ContactRow.TABLE, contact.id, changes)
    return contact.replace(**changes)


def consent_summary(contact: ContactRow) -> str:
    if contact.do_not_contact:
        return "do not contact"
    channels = split_csv_set(contact.opted_out_channels)
    return f"not by {', '.join(channels)}" if channels else "ok"


@dataclass
class CallWithAnswers:
    call: CallRow
    answers: list[AnswerRow] = field(default_factory=list)


@dataclass
class ContactHistory:
    contact: ContactRow
    referred_by: ContactRow | None
    referrals: list[ContactRow]
    interactions: list[InteractionRow]
    followups: list[FollowUpRow]
    calls: list[CallWithAnswers]


def history(tx: Tx, ref: str) -> ContactHistory:
    """Everything the database holds about one person, newest first."""
    contact = resolve(tx, ref)
    mine = {"contact": contact.id}
    calls = fetch(tx, CallRow, "contact_id = :contact", mine, order="started_at DESC, id DESC")
    by_call = {c.id: CallWithAnswers(c) for c in calls}
    answers = fetch(
        tx,
        AnswerRow,
        "call_id IN (SELECT id FROM call_log WHERE contact_id = :contact)",
        mine,
    )
    for answer in answers:
        by_call[answer.call_id].answers.append(answer)
    return ContactHistory(
        contact=contact,
        referred_by=get(tx, ContactRow, contact.referred_by_id) if contact.referred_by_id else None,
        referrals=fetch(tx, ContactRow, "referred_by_id = :contact", mine),
        interactions=fetch(
            tx, InteractionRow, "contact_id = :contact", mine, order="occurred_on DESC, id DESC"
        ),
        followups=fetch(
            tx, FollowUpRow, "contact_id = :contact", mine, order="due_on DESC, id DESC"
        ),
        calls=list(by_call.values()),
    )
