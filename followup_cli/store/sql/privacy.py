"""Erasure's statements (see ``privacy.forget``)."""

from __future__ import annotations


def _rows_of_contact(table: str) -> str:
    return f"SELECT COUNT(*) FROM {table} WHERE contact_id = :contact"


# What the erasure takes with it through ON DELETE CASCADE, counted for the confirmation.
INTERACTIONS_COUNT_SQL = _rows_of_contact("interaction")
FOLLOWUPS_COUNT_SQL = _rows_of_contact("followup")
CALLS_COUNT_SQL = _rows_of_contact("call_log")

# Whether a hash is already suppressed (somebody with the same email or phone was forgotten).
SUPPRESSED_KEY_SQL = "SELECT 1 FROM suppression WHERE key_hash = :key"

DELETE_CONTACT_SQL = "DELETE FROM contact WHERE id = :id"

# Hashes not yet keyed with the installation's secret (an older followup's), and the
# fingerprint row of the secret ("key:..."): see ``privacy.ready_suppression``.
UNKEYED_SQL = "SELECT id, key_hash FROM suppression WHERE key_hash NOT LIKE 'k1:%'"
REKEY_SQL = "UPDATE suppression SET key_hash = :key WHERE id = :id"

# The free text where other people's records can name someone: a referral's answer in the
# referrer's call, "Referred by Ann Lee" in a note, "(referred by Ann Lee)" in a purpose.
MENTION_COLUMNS = (
    ("contact", "note"),
    ("interaction", "note"),
    ("interaction", "items"),
    ("followup", "purpose"),
    ("followup", "note"),
    ("call_answer", "answer"),
)


def mentions_sql(table: str, column: str, patterns: int) -> str:
    """Rows whose ``column`` may mention one of several texts (``:p0``, ``:p1``...; case
    aside): one scan of the table for all of them. The caller checks whole words."""
    found = " OR ".join(f"LOWER({column}) LIKE :p{n} ESCAPE '\\'" for n in range(patterns))
    return f"SELECT id, {column} FROM {table} WHERE {found}"


def rewrite_sql(table: str, column: str) -> str:
    return f"UPDATE {table} SET {column} = :text WHERE id = :id"
