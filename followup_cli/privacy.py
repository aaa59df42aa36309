"""Consent and erasure helpers: a forgotten person leaves only a one-way hash behind."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from typing import TYPE_CHECKING, NamedTuple

from followup_cli.config import ENV_SECRET
from followup_cli.errors import ConfigError
from followup_cli.store import journal
from followup_cli.store.rows import insert
from followup_cli.store.sql.contacts import ALIASES_OF_SQL
from followup_cli.store.sql.privacy import (
    CALLS_COUNT_SQL,
    DELETE_CONTACT_SQL,
    FOLLOWUPS_COUNT_SQL,
    INTERACTIONS_COUNT_SQL,
    MENTION_COLUMNS,
    REKEY_SQL,
    SUPPRESSED_KEY_SQL,
    UNKEYED_SQL,
    mentions_sql,
    rewrite_sql,
)

if TYPE_CHECKING:
    from followup_cli.store import Tx

# The hash only has to stop a re-import from recreating the person. A plain hash of a phone
# number is reversed by trying every number of an area code (10 million tries: seconds), so
# it is keyed with the installation's secret (``config.suppression_key``), kept outside the
# database: the file alone cannot be searched.
_SALT = b"followup-suppression-v1:"
KEYED = "k1:"  # a hash keyed with the secret; older followups stored bare sha256 hex
_FINGERPRINT = "key:"  # the row naming the secret every keyed hash was made with


def _bare(kind: str, value: str) -> str:
    return hashlib.sha256(_SALT + f"{kind}:{value}".encode()).hexdigest()


def _keyed(secret: bytes, bare: str) -> str:
    return KEYED + hmac.new(secret, bare.encode(), hashlib.sha256).hexdigest()


def suppression_hash(kind: str, value: str, secret: bytes) -> str:
    """``kind`` is "email" (lower-cased address) or "phone" (E.164 key)."""
    return _keyed(secret, _bare(kind, value))


def ready_suppression(tx: Tx, secret: bytes, today: dt.date) -> None:
    """Check ``secret`` is the one this database's hashes were made with, and key the bare
    hashes an older followup left (so the file alone no longer gives them away)."""
    fingerprint = _FINGERPRINT + hmac.new(secret, b"fingerprint", hashlib.sha256).hexdigest()[:16]
    rows = tx.rows(UNKEYED_SQL)
    prints = {value for _, value in rows if value.startswith(_FINGERPRINT)}
    if prints and fingerprint not in prints:
        raise ConfigError(
            "The secret key on this machine is not the one this database's forgotten people "
            "were recorded with, so they cannot be recognised: copy secret.key from the app "
            "folder of the machine that forgot them (`followup config` shows the folder), or "
            f"set {ENV_SECRET}."
        )
    for row_id, value in rows:
        if not value.startswith(_FINGERPRINT):
            tx.execute(REKEY_SQL, {"id": row_id, "key": _keyed(secret, value)})
    if not prints:
        insert(tx, "suppression", {"key_hash": fingerprint, "created_on": today})


class Forgotten(NamedTuple):
    """What ``forget`` erased, for the confirmation message."""

    name: str
    contact_id: int
    interactions: int
    followups: int
    calls: int
    mentions: int = 0  # other people's records that named them, now saying "[erased]"


def forget(tx: Tx, ref: str, *, today: dt.date, secret: bytes) -> Forgotten:
    """Erase a person: their contact row and, through ON DELETE CASCADE, their interactions,
    follow-ups, calls, answers and aliases. Their email and phone (and those they were known
    by after a merge) stay behind only as one-way hashes, so tomorrow's import reports them
    as suppressed instead of recreating them.

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
    ready_suppression(tx, secret, today)
    known = [("email", contact.email), ("phone", contact.phone_key)]
    known += tx.rows(ALIASES_OF_SQL, {"contact": contact.id})  # a merged contact's, too
    keys = [suppression_hash(kind, value, secret) for kind, value in known if value]
    for key in keys:
        if tx.one(SUPPRESSED_KEY_SQL, {"key": key}) is None:
            insert(tx, "suppression", {"key_hash": key, "created_on": today})
    rows = journal.contact_rows(tx, contact.id)
    tx.execute(DELETE_CONTACT_SQL, {"id": contact.id})
    words = [w for w in (contact.email, contact.phone, _erasable_name(contact.name)) if w]
    mentions = _erase_mentions(tx, words)
    # Nothing of theirs stays in the journal either, so the erasure cannot be undone.
    journal.forget_rows(tx, rows, [*words, *(value for _, value in known if value)])
    return result._replace(mentions=mentions)


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
    if not words:
        return 0
    whole = re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in words), re.IGNORECASE)
    likes = {
        f"p{n}": "%" + re.sub(r"([\\%_])", r"\\\1", w.lower()) + "%" for n, w in enumerate(words)
    }
    changed = 0
    for table, column in MENTION_COLUMNS:
        for row_id, text in tx.rows(mentions_sql(table, column, len(words)), likes):
            erased = whole.sub(ERASED, text)
            if erased != text:
                changed += 1
                tx.execute(rewrite_sql(table, column), {"text": erased, "id": row_id})
    return changed
