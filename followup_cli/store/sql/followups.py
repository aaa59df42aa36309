"""The follow-ups' own statements (the rest go through ``store.rows``' helpers)."""

from __future__ import annotations

from followup_cli.enums import OUTREACH_CHANNEL

# The outreach kinds as bound parameters (:k0, :k1, ...), passed with LAST_CONTACTED_SQL.
OUTREACH_PARAMS = {f"k{i}": str(kind) for i, kind in enumerate(OUTREACH_CHANNEL)}

# The last outreach (call, email, text, note, meeting) logged for :contact.
LAST_CONTACTED_SQL = (
    "SELECT MAX(occurred_on) FROM interaction WHERE contact_id = :contact "
    f"AND kind IN ({', '.join(':' + name for name in OUTREACH_PARAMS)})"
)

DELETE_FOLLOWUP_SQL = "DELETE FROM followup WHERE id = :id"
