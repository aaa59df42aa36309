"""The statements of fixing mistakes: a bulk command's selection, and what a logged
interaction scheduled (the rest go through ``store.rows``' helpers)."""

from __future__ import annotations

from collections.abc import Sequence

from followup_cli.scheduling import consent_sql
from followup_cli.store.rows import FollowUpRow, columns_of

_FOLLOWUP_COLUMNS = ", ".join(f"f.{column}" for column in columns_of(FollowUpRow).split(", "))


# A bulk command's filters, by name; each compares with the parameter of its name.
SELECTION_FILTERS = {
    "before": "f.due_on < :before",
    "channel": "f.channel = :channel",
    "rule": "f.rule = :rule",
    "contact": "f.contact_id = :contact",
}


def selection_sql(*, ids: int, filters: Sequence[str]) -> str:
    """The pending follow-ups a bulk ``done``, ``skip`` or ``snooze`` picks, each with its
    contact's name, by due date: ``ids`` of them (``:id0``, ``:id1``...), narrowed by each of
    ``filters`` (names of ``SELECTION_FILTERS``). A filter picks only what the agenda shows:
    nobody is acted on in a channel they opted out of."""
    conditions = ["f.status = :pending"]
    if ids:
        conditions.append("f.id IN (" + ", ".join(f":id{n}" for n in range(ids)) + ")")
    conditions += [SELECTION_FILTERS[name] for name in filters]
    if filters:
        conditions.append(consent_sql("c", "f.channel"))
    return (
        f"SELECT {_FOLLOWUP_COLUMNS}, c.name FROM followup f JOIN contact c ON c.id = f.contact_id"
        f" WHERE {' AND '.join(conditions)} ORDER BY f.due_on, f.id"
    )


# Whether any follow-up was ever made by rule :rule (a rule no longer in the rules file
# still selects what it made).
RULE_USED_SQL = "SELECT 1 FROM followup WHERE rule = :rule LIMIT 1"

# The follow-ups whose later events include interaction :interaction (``followup_event``):
# a regular's second sale joined to the thank-you call of the first.
JOINED_SQL = (
    f"SELECT {_FOLLOWUP_COLUMNS} FROM followup f JOIN followup_event e ON e.followup_id = f.id"
    " WHERE e.interaction_id = :interaction ORDER BY f.id"
)

# An interaction moved to another contact no longer joins that contact's follow-ups.
UNJOIN_SQL = "DELETE FROM followup_event WHERE interaction_id = :interaction"

# Deleting an interaction deletes the follow-ups still pending for it; the done and skipped
# ones stay in the history (their interaction_id is set NULL by the foreign key).
DELETE_PENDING_SQL = (
    "DELETE FROM followup WHERE interaction_id = :interaction AND status = :pending"
)
DELETE_INTERACTION_SQL = "DELETE FROM interaction WHERE id = :interaction"

# A pending follow-up of a deleted (or moved) interaction that also covers later events
# stays for them: the first of them becomes its own event. The rows come back to be shown.
HAND_OVER_SQL = (
    "UPDATE followup SET interaction_id = (SELECT MIN(e.interaction_id) FROM followup_event e"
    " WHERE e.followup_id = followup.id) WHERE interaction_id = :interaction"
    " AND status = :pending AND EXISTS (SELECT 1 FROM followup_event e"
    " WHERE e.followup_id = followup.id)"
    f" RETURNING {columns_of(FollowUpRow)}"
)
# ... and that event is no longer a later one.
UNJOIN_OWN_SQL = (
    "DELETE FROM followup_event WHERE interaction_id ="
    " (SELECT f.interaction_id FROM followup f WHERE f.id = followup_event.followup_id)"
)
