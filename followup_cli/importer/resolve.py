"""Whose sale is it: contacts matched, created or filled in, exactly as if the rows came one
at a time in file order; forgotten people suppressed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from followup_cli.importer.stage import BATCH
from followup_cli.importer.summary import MAX_CONFLICTS_LISTED, Conflict, ImportSummary
from followup_cli.privacy import ready_suppression, suppression_hash
from followup_cli.store.sql.importer import (
    ALIASES_SQL,
    ANY_SUPPRESSED_SQL,
    GAINED_EMAIL_SQL,
    GAINED_PHONE_SQL,
    HASH_DDL,
    LINKED_DDL,
    LONE_MATCHED_SQL,
    LONE_PEOPLE_SQL,
    NEW_CONTACTS_SQL,
    PERSON_CONTACTS_SQL,
    PERSON_NAME_KEY_SQL,
    PERSON_NAMES_SQL,
    SALE_OWNER_SQL,
    SUPPRESSED_SQL,
    TO_HASH_SQL,
    WALK_SQL,
)
from followup_cli.values import fold_text

if TYPE_CHECKING:
    from followup_cli.store import Tx


def suppress(tx: Tx, secret_of: Callable[[], bytes], today: dt.date) -> int:
    """Sales of forgotten people (their email or phone hash is in `suppression`) are skipped.

    The hashes cost more than the rest of a row, so they are computed only when somebody has
    been forgotten, and only for the sales that would otherwise be imported."""
    if tx.one(ANY_SUPPRESSED_SQL) is None:
        return 0
    secret = secret_of()
    ready_suppression(tx, secret, today)  # refuses another machine's secret
    tx.execute(HASH_DDL)
    after = 0
    while True:
        rows = tx.rows(TO_HASH_SQL, {"after": after, "limit": BATCH})
        if not rows:
            break
        after = rows[-1][0]
        tx.insert_rows(
            "import_hash",
            ("line", "email_hash", "phone_hash"),
            [
                (
                    line,
                    suppression_hash("email", email, secret) if email else None,
                    suppression_hash("phone", key, secret) if key else None,
                )
                for line, email, key in rows
            ],
        )
    return tx.execute(SUPPRESSED_SQL)


@dataclass
class _Owner:
    """Who a sale belongs to while contacts are resolved: an existing contact (``cid``) or a
    person this import creates (``line``: their first row), with what they hold so far."""

    cid: int | None
    line: int | None
    name: str | None
    email: str | None
    key: str | None
    phone: str | None = None
    prefers: str | None = None


class _Contacts:
    """Resolves the contact of every new sale exactly as if the rows were imported one at a
    time, in file order: a row belongs to the contact with its email, else the one with its
    phone, else to a new person; whoever it belongs to gains a missing email or phone that
    nobody else has; a different name, email or phone of an existing contact is reported,
    never written.

    Rows can only affect each other through a shared email, phone or matched contact, so only
    those ("linked" rows) are walked in Python; every other row is settled with set-based SQL:
    memory and time grow with the repeat customers of the file, not with its size.
    """

    def __init__(self, summary: ImportSummary) -> None:
        self.summary = summary
        self.reported: set[tuple[int, str, str]] = set()
        self.named: set[int] = set()
        self.listed: list[tuple[int, Conflict]] = []  # (line, conflict), at most the cap each
        self.emails: dict[int, str] = {}  # existing contact id -> the email it gains
        self.phones: dict[int, tuple[str, str]] = {}  # -> (phone, key) it gains

    def report(self, line: int, owner: _Owner, what: str, old: str, new: str, order: str) -> None:
        assert owner.cid is not None and owner.name is not None
        if (owner.cid, what, new) in self.reported:
            return
        self.reported.add((owner.cid, what, new))
        self.summary.conflict_count += 1
        if what == "name":
            self.named.add(owner.cid)
        if len(self.listed) < MAX_CONFLICTS_LISTED:  # each group's first, in file order
            label = f"{owner.name} (#{owner.cid})"
            self.listed.append((line, Conflict(owner.cid, label, what, old, new, order)))

    def offer(
        self, owner: _Owner, line: int, row: tuple[Any, ...], email_free: bool, key_free: bool
    ) -> None:
        """A row's details offered to the contact it belongs to."""
        name, email, phone, key, order = row
        existing = owner.cid is not None
        if existing and name and owner.name and not _same_name(name, owner.name):
            self.report(line, owner, "name", owner.name, name, order)
        if email and owner.email is None:
            if email_free:
                owner.email = email
                if existing:
                    self.emails[owner.cid] = email  # type: ignore[index]
        elif email and owner.email != email and existing:
            self.report(line, owner, "email", owner.email or "", email, order)
        if key and owner.key is None:
            if key_free:
                owner.phone, owner.key = phone, key
                if existing:
                    self.phones[owner.cid] = (phone, key)  # type: ignore[index]
        elif key and owner.key != key and existing:
            self.report(line, owner, "phone", owner.key or "", key, order)


def resolve_contacts(tx: Tx, summary: ImportSummary, today: dt.date) -> None:
    """Every new sale's contact (see ``_Contacts``); creates the new ones, fills gaps."""
    for statement in (*ALIASES_SQL, *LINKED_DDL):
        tx.execute(statement)
    contacts = _Contacts(summary)
    # A row on its own with no contact is a new person of its own.
    tx.execute(LONE_PEOPLE_SQL)
    # A row on its own matched to an existing contact: no other row offers its details. Its
    # email is nobody else's (it would have matched that contact first); its phone may be
    # another contact's, read in the same query (k).
    for cid, cname, cemail, ckey, line, name, email, phone, key, order, holder in tx.iter(
        LONE_MATCHED_SQL, {}
    ):
        owner = _Owner(cid, None, cname, cemail, ckey)
        row = (name, email, phone, key, order)
        contacts.offer(owner, line, row, email_free=True, key_free=holder is None)
    singles = contacts.listed
    contacts.listed = []
    _walk_linked(tx, contacts)
    listed = sorted(singles + contacts.listed, key=lambda item: item[0])
    summary.conflicts = [conflict for _, conflict in listed[:MAX_CONFLICTS_LISTED]]
    summary.conflicting_names = len(contacts.named)
    tx.executemany(GAINED_EMAIL_SQL, [{"e": e, "id": cid} for cid, e in contacts.emails.items()])
    tx.executemany(
        GAINED_PHONE_SQL,
        [{"p": p, "k": k, "id": cid} for cid, (p, k) in contacts.phones.items()],
    )
    _fold_names(tx)
    summary.new_contacts = tx.execute(NEW_CONTACTS_SQL, {"today": today})
    tx.execute(PERSON_CONTACTS_SQL)


def _fold_names(tx: Tx) -> None:
    """Each new person's name as search finds it (``fold_text``), a page at a time."""
    after = 0
    while names := tx.rows(PERSON_NAMES_SQL, {"after": after, "limit": BATCH}):
        after = names[-1][0]
        tx.executemany(
            PERSON_NAME_KEY_SQL, [{"key": fold_text(name), "line": line} for line, name in names]
        )


def _walk_linked(tx: Tx, contacts: _Contacts) -> None:
    """The linked rows, one at a time in file order (see ``_Contacts``). Each row arrives with
    the existing contacts that hold its email and its phone, read in the same query."""
    rows = tx.iter(WALK_SQL)
    by_email: dict[str, _Owner] = {}  # every email seen so far, with who holds it
    by_key: dict[str, _Owner] = {}
    existing: dict[int, _Owner] = {}
    people: list[_Owner] = []
    owners: list[dict[str, Any]] = []

    def known(cid: int | None, name: str, email: str | None, key: str | None) -> _Owner | None:
        if cid is None:
            return None
        owner = existing.get(cid)
        if owner is None:
            owner = existing[cid] = _Owner(cid, None, name, email, key)
            if email:
                by_email[email] = owner
            if key:
                by_key[key] = owner
        return owner

    for line, name, email, phone, key, prefers, order, *holders in rows:
        of_email = known(*holders[:4]) if email else None
        of_key = known(*holders[4:]) if key else None
        owner = (by_email.get(email) if email else None) or of_email
        if owner is None and key:
            owner = by_key.get(key) or of_key
        if owner is None:
            owner = _Owner(None, line, name or email or phone, None, None, None, prefers)
            people.append(owner)
        email_free = bool(email) and email not in by_email
        key_free = bool(key) and key not in by_key
        contacts.offer(owner, line, (name, email, phone, key, order), email_free, key_free)
        if email and owner.email == email:
            by_email[email] = owner
        if key and owner.key == key:
            by_key[key] = owner
        owners.append({"line": line, "cid": owner.cid, "person": owner.line})
    tx.insert_rows(
        "import_person",
        ("line", "name", "email", "phone", "phone_key", "prefers"),
        [(p.line, p.name, p.email, p.phone, p.key, p.prefers) for p in people],
    )
    tx.executemany(SALE_OWNER_SQL, owners)


def _same_name(a: str, b: str) -> bool:
    """Accents, case and punctuation aside (a till that drops the accents of "Zoë Øberg"
    names the same person)."""
    return fold_text(a) == fold_text(b)
