"""The follow-ups' own statements (the rest go through ``store.rows``' helpers)."""

from __future__ import annotations

from followup_cli.store.sql import OUTREACH_KINDS

# The last outreach (call, email, text, note, meeting) logged for :contact.
LAST_CONTACTED_SQL = (
    "SELECT MAX(occurred_on) FROM interaction WHERE contact_id = :contact"
    f" AND kind IN {OUTREACH_KINDS}"
)

DELETE_FOLLOWUP_SQL = "DELETE FROM followup WHERE id = :id"
