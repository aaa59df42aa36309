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
