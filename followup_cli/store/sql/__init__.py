"""Named SQL statements, by the domain module that runs them, and the fragments they share."""

from __future__ import annotations

from followup_cli.enums import OUTREACH_CHANNEL, Status

# Every status, for ``status IN (...)``: it lets SQLite walk the (status, due_on) index for a
# due-date range instead of scanning the table.
ALL_STATUSES = "(" + ", ".join(f"'{s.value}'" for s in Status) + ")"
# The outreach kinds (a call, email, text, note or meeting logged), for ``kind IN ...``.
OUTREACH_KINDS = "(" + ", ".join(f"'{kind}'" for kind in OUTREACH_CHANNEL) + ")"


def unindexed(column: str) -> str:
    """``column`` as an expression no index serves (SQLite and PostgreSQL alike): for a filter
    that must not steer the planner, e.g. ``kind = 'sale'`` beside a better range on id."""
    return f"({column} || '')"
