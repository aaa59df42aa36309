"""Consent and erasure helpers: a forgotten person leaves only a one-way hash behind."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from followup_cli.store.rows import insert
from followup_cli.store.sql.contacts import ALIASES_OF_SQL
from followup_cli.store.sql.privacy import (
    CALLS_COUNT_SQL,
    DELETE_CONTACT_SQL,
    FOLLOWUPS_COUNT_SQL,
    INTERACTIONS_COUNT_SQL,
    SUPPRESSED_KEY_SQL,
)

if TYPE_CHECKING:
    from followup_cli.store import Tx

# Not a secret: the hash only has to stop a re-import from recreating the person, without
# keeping their email or phone in readable form.
_SALT = b"followup-suppression-v1:"


def suppression_hash(kind: str, value: str) -> str:
    """``kind`` is "email" (lower-cased address) or "phone" (E.164 key)."""
    return hashlib.sha256(_SALT + f"{kind}:{value}".encode()).hexdigest()


@dataclass(frozen=True)
class Forgotten:
    """What ``forget`` erased, for the confirmation message."""

    name: str
    contact_id: int
    interactions: int
    followups: int
    calls: int


def forget(tx: Tx, ref: str, *, today: dt.date) -> Forgotten:
    """Erase a person: their contact row and, through ON DELETE CASCADE, their interactions,
    follow-ups, calls, answers and aliases. Their email and phone (and those they were known
    by after a merge) stay behind only as one-way hashes, so tomorrow's import reports them
    as suppressed instead of recreating them.

    The caller compacts the file afterwards (``Database.compact``) so the freed pages are gone
    from disk too (``secure_delete`` is on for every connection).
    """
    from followup_cli.contacts import resolve

    contact = resolve(tx, ref)

    def count(sql: str) -> int:
        return int(tx.value(sql, {"contact": contact.id}))

    result = Forgotten(
        name=contact.name,
        contact_id=contact.id,
        interactions=count(INTERACTIONS_COUNT_SQL),
        followups=count(FOLLOWUPS_COUNT_SQL),
        calls=count(CALLS_COUNT_SQL),
    )
    known = [("email", contact.email), ("phone", contact.phone_key)]
    known += tx.rows(ALIASES_OF_SQL, {"contact": contact.id})  # a merged contact's, too
    keys = [suppression_hash(kind, value) for kind, value in known if value]
    for key in keys:
        if tx.one(SUPPRESSED_KEY_SQL, {"key": key}) is None:
            insert(tx, "suppression", {"key_hash": key, "created_on": today})
    tx.execute(DELETE_CONTACT_SQL, {"id": contact.id})
    return result
