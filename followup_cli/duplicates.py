"""One person under two contacts: finding the likely pairs, and merging one into the other.

Finding is grouping: every contact's phone, email and name are turned into keys in one pass
over the table, and only contacts that share a key are compared (never every pair). A pair is
listed only for a detail they share, so two different people called Ann Lee, with their own
emails and phones, are never paired.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from followup_cli.contacts import describe, resolve
from followup_cli.enums import Status
from followup_cli.errors import InvalidInput
from followup_cli.store.rows import (
    ContactRow,
    FollowUpRow,
    columns_of,
    fetch,
    insert,
    table_of,
    update,
)
from followup_cli.store.sql.contacts import (
    ALIAS_TAKEN_SQL,
    ALIASES_OF_SQL,
    ALIASES_SQL,
    DETAILS_SQL,
    JOIN_EVENTS_SQL,
    MOVE_ALIASES_SQL,
    MOVE_REFERRALS_SQL,
    MOVED_TABLES,
    REFERRALS_COUNT_SQL,
    count_of_contact_sql,
    move_sql,
)
from followup_cli.store.sql.privacy import DELETE_CONTACT_SQL
from followup_cli.values import email_key, fold_text, normalize_tags, split_csv_set

if TYPE_CHECKING:
    from followup_cli.store import Tx

SAME_PHONE = "same phone"
SAME_EMAIL = "same email"
SAME_MAILBOX = "same email ignoring dots and +tags"
SAME_NAME_ADDRESS = "same name and address"
SAME_NAME_EMAIL_NAME = "same name and email name"
SAME_NAME = "same name"
NEAR_NAMES = "near-identical names"


@dataclass(frozen=True)
class _Person:
    """What duplicates are recognised by: a contact's keys."""

    id: int
    name: str
    phones: frozenset[str]
    emails: frozenset[str]  # lower-cased
    address: str  # folded; "" for none

    @property
    def mailboxes(self) -> set[str]:
        return {email_key(e) for e in self.emails}

    @property
    def email_names(self) -> set[str]:
        return {m.partition("@")[0] for m in self.mailboxes}


@dataclass(frozen=True)
class DuplicatePair:
    """Two contacts that look like one person: ``keep`` is the older, with why."""

    keep: ContactRow
    other: ContactRow
    reasons: list[str]


def find_duplicates(tx: Tx) -> list[DuplicatePair]:
    """Likely duplicate pairs, oldest first, each with the details that make it likely."""
    aliases: dict[int, list[tuple[str, str]]] = {}
    for contact_id, kind, value in tx.iter(ALIASES_SQL):
        aliases.setdefault(int(contact_id), []).append((kind, value))
    first: dict[tuple[str, ...], int] = {}  # a key -> the oldest contact holding it
    candidates: set[tuple[int, int]] = set()
    for person in _people(tx.iter(DETAILS_SQL), aliases):
        for key in _keys(person):
            holder = first.setdefault(key, person.id)
            if holder != person.id:
                candidates.add((holder, person.id))
    if not candidates:
        return []
    ids = sorted({i for pair in candidates for i in pair})
    rows: dict[int, ContactRow] = {}
    for start in range(0, len(ids), 500):
        chunk = ", ".join(str(i) for i in ids[start : start + 500])
        rows.update((c.id, c) for c in fetch(tx, ContactRow, f"id IN ({chunk})"))
    people = {
        c.id: _person(c.id, c.name_key, c.email, c.phone_key, c.address, aliases)
        for c in rows.values()
    }
    pairs = []
    for keep, other in sorted(candidates):
        reasons = _reasons(people[keep], people[other])
        if reasons:
            pairs.append(DuplicatePair(rows[keep], rows[other], reasons))
    return pairs


def _people(
    details: Iterable[tuple[Any, ...]], aliases: dict[int, list[tuple[str, str]]]
) -> Iterator[_Person]:
    for contact_id, name_key, email, phone_key, address in details:
        yield _person(int(contact_id), name_key, email, phone_key, address, aliases)


def _person(
    contact_id: int,
    name_key: str,
    email: str | None,
    phone_key: str | None,
    address: str | None,
    aliases: dict[int, list[tuple[str, str]]],
) -> _Person:
    known = aliases.get(contact_id, [])
    return _Person(
        id=contact_id,
        name=name_key,
        phones=frozenset([phone_key] if phone_key else []) | {v for k, v in known if k == "phone"},
        emails=frozenset([email.lower()] if email else []) | {v for k, v in known if k == "email"},
        address=fold_text(address or ""),
    )


def _keys(person: _Person) -> Iterator[tuple[str, ...]]:
    """The keys two contacts of one person are likely to share."""
    for phone in person.phones:
        yield ("phone", phone)
    for mailbox in person.mailboxes:
        yield ("email", mailbox)
    if person.name:
        if person.address:
            yield ("name-address", person.name, person.address)
        for name in person.email_names:
            yield ("name-email", person.name, name)


def _reasons(a: _Person, b: _Person) -> list[str]:
    """Why ``a`` and ``b`` look like one person; empty if they share no detail."""
    reasons = []
    if a.phones & b.phones:
        reasons.append(SAME_PHONE)
    if a.emails & b.emails:
        reasons.append(SAME_EMAIL)
    elif a.mailboxes & b.mailboxes:
        reasons.append(SAME_MAILBOX)
    same_name = bool(a.name) and a.name == b.name
    if same_name and a.address and a.address == b.address:
        reasons.append(SAME_NAME_ADDRESS)
    if same_name and a.email_names & b.email_names and not a.mailboxes & b.mailboxes:
        reasons.append(SAME_NAME_EMAIL_NAME)
    if reasons and same_name and not {SAME_NAME_ADDRESS, SAME_NAME_EMAIL_NAME} & set(reasons):
        reasons.append(SAME_NAME)
    elif reasons and _near(a.name, b.name):
        reasons.append(NEAR_NAMES)
    return reasons


def _near(a: str, b: str) -> bool:
    """The same first name and a surname in common: "Zoë Øberg" and "Zoë Łukasz-Øberg"."""
    first, *rest = a.split() or [""]
    other_first, *other_rest = b.split() or [""]
    return a != b and first == other_first and bool(set(rest) & set(other_rest))


# --- merging ---------------------------------------------------------------------------------

# Details the contact kept gains from the other when it has none (a phone with its key and
# its wrong-number flag).
FILLED = ("email", "phone", "address", "note", "every_days")
PHONE_COLUMNS = ("phone", "phone_key", "phone_invalid")


@dataclass(frozen=True)
class MergePlan:
    """What merging ``other`` into ``keep`` does; the preview shows it, ``merge`` does it."""

    keep: ContactRow
    other: ContactRow
    merged: ContactRow  # ``keep`` as it will be
    interactions: int
    followups: int
    calls: int
    referrals: int
    aliases: list[tuple[str, str]]  # (kind, value): what ``keep`` is known by from now on
    collapsed: list[tuple[FollowUpRow, FollowUpRow]]  # (skipped as a duplicate, the one kept)

    @property
    def filled(self) -> list[str]:
        """The details ``keep`` gains (consent aside: ``merged`` shows it)."""
        return [
            name
            for name in (*FILLED, "tags", "referred_by_id", "created_on")
            if getattr(self.merged, name) != getattr(self.keep, name)
        ]


def plan_merge(tx: Tx, keep_ref: str, other_ref: str) -> MergePlan:
    """Everything merging ``other_ref`` into ``keep_ref`` would change, changing nothing."""
    keep, other = resolve(tx, keep_ref), resolve(tx, other_ref)
    if keep.id == other.id:
        raise InvalidInput(
            f"{keep_ref!r} and {other_ref!r} are both {describe(keep)}; give two different "
            "contacts, the one to keep first."
        )
    merged = _merged(keep, other)
    ids = {"keep": keep.id, "other": other.id}
    interactions, followups, calls = (
        int(tx.value(count_of_contact_sql(table), ids)) for table in MOVED_TABLES
    )
    aliases = [(kind, value) for kind, value in tx.rows(ALIASES_OF_SQL, {"contact": other.id})]
    for kind, value, own in (
        ("email", other.email, merged.email),
        ("phone", other.phone_key, merged.phone_key),
    ):
        if value and value != own:
            aliases.append((kind, value))
    return MergePlan(
        keep, other, merged, interactions, followups, calls,
        referrals=int(tx.value(REFERRALS_COUNT_SQL, ids)),
        aliases=aliases,
        collapsed=_collapsed(tx, keep, other),
    )  # fmt: skip


def _merged(keep: ContactRow, other: ContactRow) -> ContactRow:
    """``keep`` with what it lacks from ``other``, the stricter consent of the two, the tags
    of both, and the earlier date they became a contact."""
    changes: dict[str, Any] = {
        name: getattr(other, name) for name in FILLED if getattr(keep, name) is None
    }
    if "phone" in changes:
        changes.update((name, getattr(other, name)) for name in PHONE_COLUMNS)
    referrer = keep.referred_by_id if keep.referred_by_id != other.id else None
    if referrer is None and other.referred_by_id != keep.id:
        referrer = other.referred_by_id
    opted_out = set(split_csv_set(keep.opted_out_channels)) | set(
        split_csv_set(other.opted_out_channels)
    )
    changes.update(
        referred_by_id=referrer,
        tags=normalize_tags([keep.tags, other.tags]),
        do_not_contact=keep.do_not_contact or other.do_not_contact,
        opted_out_channels=",".join(sorted(opted_out)),
        created_on=min(keep.created_on, other.created_on),
    )
    return keep._replace(**changes)


def _collapsed(
    tx: Tx, keep: ContactRow, other: ContactRow
) -> list[tuple[FollowUpRow, FollowUpRow]]:
    """Pending follow-ups of the same rule and purpose that both contacts have: the one due
    first stays, each other one is (skipped, the one that stays)."""
    pending = fetch(
        tx,
        FollowUpRow,
        "contact_id IN (:keep, :other) AND status = :pending",
        {"keep": keep.id, "other": other.id, "pending": Status.PENDING.value},
        order="due_on, id",
    )
    groups: dict[tuple[str, str], list[FollowUpRow]] = {}
    for followup in pending:
        groups.setdefault((followup.rule, followup.purpose), []).append(followup)
    return [
        (dropped, group[0])
        for group in groups.values()
        if len({f.contact_id for f in group}) == 2
        for dropped in group[1:]
    ]


def merge(tx: Tx, keep_ref: str, other_ref: str, *, today: dt.date) -> MergePlan:
    """Move everything of ``other_ref`` onto ``keep_ref`` and delete it, in the caller's one
    transaction: sales and other interactions, follow-ups, calls (their answers come along),
    the people they referred, the stricter consent, the details ``keep`` lacks, and their
    email and phone as aliases, so an import matches them to ``keep`` from now on. Duplicate
    pending follow-ups collapse into the one due first, which covers their sales too."""
    plan = plan_merge(tx, keep_ref, other_ref)
    keep, other = plan.keep, plan.other
    ids = {"keep": keep.id, "other": other.id}
    for table in MOVED_TABLES:
        tx.execute(move_sql(table), ids)
    tx.execute(MOVE_REFERRALS_SQL, ids)
    tx.execute(MOVE_ALIASES_SQL, ids)
    for dropped, kept in plan.collapsed:
        tx.execute(JOIN_EVENTS_SQL, {"kept": kept.id, "followup": dropped.id})
        update(tx, table_of(FollowUpRow), dropped.id, {
            "status": Status.SKIPPED.value, "completed_on": today,
            "note": f"Duplicate of #{kept.id} (merged {describe(other)} into #{keep.id})",
        })  # fmt: skip
    tx.execute(DELETE_CONTACT_SQL, {"id": other.id})  # its email and phone are free now
    columns = [name for name in columns_of(ContactRow).split(", ") if name != "id"]
    changes = {
        k: getattr(plan.merged, k) for k in columns if getattr(plan.merged, k) != getattr(keep, k)
    }
    update(tx, table_of(ContactRow), keep.id, changes)
    for kind, value in plan.aliases:  # OTHER's own ones were moved above
        if tx.one(ALIAS_TAKEN_SQL, {"kind": kind, "value": value}) is None:
            insert(tx, "contact_alias", {"contact_id": keep.id, "kind": kind, "value": value})
    return plan
