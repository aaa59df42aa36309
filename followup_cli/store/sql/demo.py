"""The demo's closing counts, for its summary."""

from __future__ import annotations

SALES_COUNT_SQL = "SELECT COUNT(*) FROM interaction WHERE kind = 'sale'"
FOLLOWUPS_COUNT_SQL = "SELECT COUNT(*) FROM followup"
