"""Consent and erasure helpers: a forgotten person leaves only a one-way hash behind."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from followup_cli.store import journal
from followup_cli.store.rows import insert
from followup_cli.store.sql.privacy import (
    CALLS_COUNT_SQL,
    DELETE_CONTACT_SQL,
    FOLLOWUPS_COUNT_SQL,
    INTERACTIONS_COUNT_SQL,
    MENTION_COLUMNS,
    SUPPRESSED_KEY_SQL,
    mentions_sql,
    rewrite_sql,
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
    mentions: int = 0  # other people's records that named them, now saying "[erased]"


def forget(tx: Tx, ref: str, *, today: dt.date) -> Forgotten:
    """Erase a person: their contact row and, through ON DELETE CASCADE, their interactions,
    follow-ups, calls and answers. Their email and phone stay behind only as one-way hashes,
    so tomorrow's import reports them as suppressed instead of recreating them.

    Every change to their rows leaves the operation journal too: ``undo`` cannot bring them
    back. The caller compacts the file afterwards (``Database.compact``) so the freed pages are gone
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
    keys = []
    if contact.email:
        keys.append(suppression_hash("email", contact.email))
    if contact.phone_key:
        keys.append(suppression_hash("phone", contact.phone_key))
    for key in keys:
        if tx.one(SUPPRESSED_KEY_SQL, {"key": key}) is None:
            insert(tx, "suppression", {"key_hash": key, "created_on": today})
    rows = journal.contact_rows(tx, contact.id)
    tx.execute(DELETE_CONTACT_SQL, {"id": contact.id})
    words = [w for w in (contact.email, contact.phone, _erasable_name(contact.name)) if w]
    mentions = _erase_mentions(tx, words)
    # Nothing of theirs stays in the journal either, so the erasure cannot be undone.
    journal.forget_rows(tx, rows, [*words, *([contact.phone_key] if contact.phone_key else [])])
    return replace(result, mentions=mentions)


ERASED = "[erased]"


def _erasable_name(name: str) -> str | None:
    """A name specific enough to erase wherever it appears as words: "Ann Lee", "Zelda"; not
    "Al" or "Jo", which would take every "al" out of other people's notes."""
    name = " ".join(name.split())
    return name if len(name) >= 3 else None


def _erase_mentions(tx: Tx, words: list[str]) -> int:
    """Replace each of ``words`` (whole words, any case) in the free text of other people's
    records; how many rows changed. (The SQL pre-filter folds ASCII case only, as SQLite's
    LOWER does: a name typed in capitals with accents may be missed.)"""
    changed = 0
    for table, column in MENTION_COLUMNS:
        found: dict[int, str] = {}
        for word in words:
            pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
            like = "%" + re.sub(r"([\\%_])", r"\\\1", word.lower()) + "%"
            for row_id, text in tx.rows(mentions_sql(table, column), {"pattern": like}):
                found[row_id] = pattern.sub(ERASED, found.get(row_id, text))
        for row_id, text in found.items():
            if ERASED in text:
                changed += 1
                tx.execute(rewrite_sql(table, column), {"text": text, "id": row_id})
    return changed
