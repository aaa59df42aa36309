"""Contacts: adding, finding by reference, editing, consent, and a person's full history."""

from __future__ import annotations

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
    save,
    stream,
)
from followup_cli.store.sql.contacts import (
    BY_EMAIL,
    BY_PHONE,
    COUNT_CONTACTS_SQL,
    EMAIL_SEPARATORS,
    LIST_ORDER,
    NAME_IS,
    NAME_WORDS,
    search_sql,
)
from followup_cli.values import (
    ID_RE,
    check_channel,
    fold_text,
    normalize_address,
    normalize_email,
    normalize_phone,
    normalize_tags,
    split_csv_set,
    typed_phone,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Iterator

    from followup_cli.inputs import ContactCreate, ContactUpdate
    from followup_cli.store import Tx

MAX_CANDIDATES = 20
MIN_SEARCH_DIGITS = 3  # "0101" finds the phones with those digits; "12" is too many


def describe(contact: ContactRow) -> str:
    """``Ann Lee (#12)``: how errors and summaries name a contact."""
    return f"{contact.name} (#{contact.id})"


def like_pattern(text: str) -> str:
    """``text`` as a LIKE pattern matching it anywhere (``%`` and ``_`` taken literally,
    with ``ESCAPE '\\'``)."""
    return f"%{_like_escaped(text)}%"


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def describe_fully(contact: ContactRow) -> str:
    """``Ann Lee (#12, ann@example.com, 555-010-0101)``: enough to tell two Ann Lees apart."""
    details = ", ".join(d for d in (f"#{contact.id}", contact.email, contact.phone) if d)
    return f"{contact.name} ({details})"


def resolve(tx: Tx, ref: str) -> ContactRow:
    """Find a contact by ``12``/``#12``, an email, a phone, or a name matching exactly one contact.

    A bare number is an id, or else a phone typed with any punctuation (``5550100202``). An
    email or phone a merged contact was known by finds the contact kept. A name matches
    without accents or case, the whole name first, then at the start of its words (``Ann``
    finds "Mary Ann Smith", not "Hannah"); several matches are an error that lists them with
    their email and phone, so the owner never acts on the wrong person.
    """
    ref = ref.strip()
    if not ref or "\x00" in ref:
        raise InvalidInput("Give a contact: an id like 12, an email, or a name.")
    key = typed_phone(ref)
    match = ID_RE.match(ref)
    if match:
        contact = get(tx, ContactRow, int(match.group(1)))
        if contact is not None:
            return contact
        if ref.startswith("#") or key is None:
            raise NotFound(f"No contact #{match.group(1)}. See `followup contact list`.")
    if "@" in ref:
        email = ref.lower()
        found = fetch(tx, ContactRow, BY_EMAIL, {"email": email}, limit=1)
        if not found:
            raise NotFound(f"No contact with email {email}. See `followup contact list`.")
        return found[0]
    if key is not None:
        by_phone = fetch(tx, ContactRow, BY_PHONE, {"key": key}, limit=1)
        if by_phone:
            return by_phone[0]
        if match:
            raise NotFound(
                f"No contact #{match.group(1)}, and nobody has the phone number {ref}. "
                "See `followup contact list`."
            )
    candidates = _by_name(tx, fold_text(ref))
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise NotFound(f"No contact matches {ref!r}. Try `followup contact list --search {ref}`.")
    shown = ", ".join(describe_fully(c) for c in candidates[:MAX_CANDIDATES])
    more = " and more" if len(candidates) > MAX_CANDIDATES else ""
    raise AmbiguousReference(
        f"{ref!r} matches {len(candidates)} contacts: {shown}{more}. "
        f"Use the id, e.g. #{candidates[0].id}."
    )


def _by_name(tx: Tx, name: str) -> list[ContactRow]:
    """Contacts with this folded name, else those with it at the start of a word."""
    if not name:
        return []
    limit = MAX_CANDIDATES + 1
    return fetch(tx, ContactRow, NAME_IS, {"name": name}, limit=limit) or fetch(
        tx, ContactRow, NAME_WORDS, {"words": f"% {name}%"}, order=LIST_ORDER, limit=limit
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
        "name": name, "name_key": fold_text(name), "email": email, "phone": phone, "phone_key": key,
        "address": normalize_address(data.address), "prefers": check_channel(data.prefers, "preferred channel"), "note": data.note,
        "tags": normalize_tags(data.tags), "every_days": data.every_days,
        "referred_by_id": referred_by_id, "created_on": today,
    }  # fmt: skip
    return insert_row(tx, ContactRow, values)


@dataclass(frozen=True)
class ContactList:
    """The contact list as it is read (a list of 100k contacts holds one batch in memory),
    at most ``limit`` of them, and how to count them all."""

    contacts: Iterator[ContactRow]
    limit: int | None
    _count: Callable[[], int]

    def total(self) -> int:
        """Every contact that matches: one more query, for when the list stopped at
        ``limit``."""
        return self._count()


def list_contacts(tx: Tx, search: str | None = None, limit: int | None = None) -> ContactList:
    """Contacts by name (accents and case aside), at most ``limit`` of them.

    ``search`` finds a name at the start of any of its words, without accents or case; an
    email at the start of any part (``lee`` finds ann.lee@..., ``example.com`` everyone
    there); a phone typed with any punctuation, or a run of its digits; a tag by its start;
    the address or note at the start of any word.
    """
    where, params = "", {}
    text = (search or "").strip().lower()
    if text:
        name = fold_text(text)
        key = typed_phone(text)
        digits = "".join(ch for ch in text if ch.isdigit())
        by_digits = len(digits) >= MIN_SEARCH_DIGITS and not any(ch.isalpha() for ch in text)
        email_words = text
        for separator in EMAIL_SEPARATORS:
            email_words = email_words.replace(separator, " ")
        email_words = " ".join(email_words.split())
        where = search_sql(
            name=bool(name), email=bool(email_words), phone_key=key is not None, digits=by_digits
        )
        escaped = _like_escaped(text)
        params = {
            "words": f"% {name}%", "email_words": f"% {_like_escaped(email_words)}%",
            "key": key, "digits": f"%{digits}%", "tag": f"%,{escaped}%",
            "text": f"% {escaped}%", "line": f"%\n{escaped}%",
        }  # fmt: skip
    rows = stream(tx, ContactRow, where, params, order=LIST_ORDER, limit=limit or None)
    count = f"{COUNT_CONTACTS_SQL} WHERE {where}" if where else COUNT_CONTACTS_SQL
    return ContactList(rows, limit or None, lambda: int(tx.value(count, params)))


def edit_contact(
    tx: Tx, ref: str, changes_given: ContactUpdate, *, region: str = "US"
) -> tuple[ContactRow, list[str]]:
    """Change the fields that were given; returns the contact and the names of changed fields."""
    contact = resolve(tx, ref)
    changes = changes_given.model_dump(exclude_unset=True)
    if "name" in changes:
        changes["name"] = _clean_name(changes["name"])
        changes["name_key"] = fold_text(changes["name"])
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
    changed = [k for k in changes if k not in ("phone_key", "phone_invalid", "name_key")]
    return save(tx, contact, changes), changed


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
    return save(tx, contact, changes)


def consent_summary(contact: ContactRow) -> str:
    if contact.do_not_contact:
        return "do not contact"
    if not contact.opted_out_channels:  # most people: nothing to split (per row of a list)
        return "ok"
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
