"""The follow-ups' own statements (the rest go through ``store.rows``' helpers)."""

from __future__ import annotations

from followup_cli.store.rows import FollowUpRow, columns_of
from followup_cli.store.sql import OUTREACH_KINDS, unindexed

# The last outreach (call, email, text, note, meeting) logged for :contact.
LAST_CONTACTED_SQL = (
    "SELECT MAX(occurred_on) FROM interaction WHERE contact_id = :contact"
    f" AND kind IN {OUTREACH_KINDS}"
)

DELETE_FOLLOWUP_SQL = "DELETE FROM followup WHERE id = :id"


def drop_prospects_sql(bought: str) -> str:
    """A prospect who buys no longer needs "are you still interested?" follow-ups: the one
    statement for it, over ``bought``, a query of (contact_id, occurred_on), one row per
    buyer (the import's every new buyer, or the one sale ``log`` records)."""
    return (
        "UPDATE followup SET status = :skipped, completed_on = :today,"
        f" note = 'Bought on ' || (SELECT b.occurred_on FROM ({bought}) b"
        " WHERE b.contact_id = followup.contact_id)"
        " WHERE status = :pending AND until_sale = :true"
        f" AND contact_id IN (SELECT b.contact_id FROM ({bought}) b)"
    )


def cancel_refunded_sql(refunds: str) -> str:
    """A full refund takes back the sale's thank-yous: the pending follow-ups of each
    refunded sale are skipped. ``refunds`` is a query of (contact_id, occurred_on,
    amount_cents), one row per refund (a file's, or the one ``log`` records); the sale it
    refunds is the contact's latest on or before it for the same amount. A follow-up that
    also covers another sale (``once_per``) stays: that sale still stands."""
    # Neither status nor kind may pick the index: the refunded sales' follow-ups are found
    # by interaction, a customer's sales by contact (by kind, every earlier sale is read).
    return (
        "UPDATE followup SET status = :skipped, completed_on = :today,"
        f" note = 'The sale was refunded' WHERE {unindexed('status')} = :pending"
        " AND interaction_id IN (SELECT (SELECT s.id FROM interaction s"
        " WHERE s.contact_id = r.contact_id AND s.occurred_on <= r.occurred_on"
        f" AND {unindexed('s.kind')} = 'sale' AND s.amount_cents = r.amount_cents"
        f" ORDER BY s.occurred_on DESC, s.id DESC LIMIT 1) FROM ({refunds}) r)"
        " AND NOT EXISTS (SELECT 1 FROM followup_event e WHERE e.followup_id = followup.id)"
    )


# For one refund logged by hand; the rows it skipped come back to be shown.
CANCEL_REFUNDED_SQL = (
    cancel_refunded_sql("SELECT :contact AS contact_id, :on AS occurred_on, :cents AS amount_cents")
    + f" RETURNING {columns_of(FollowUpRow)}"
)

# For one sale logged by hand; the rows it dropped come back to be shown.
DROP_PROSPECTS_SQL = (
    drop_prospects_sql("SELECT :contact AS contact_id, :on AS occurred_on")
    + f" RETURNING {columns_of(FollowUpRow)}"
)

# A resolved complaint closes what the complaint set going: the complaint's own follow-ups
# and any make-it-right call or escalation. The rows it closed come back to be shown.
RESOLVE_COMPLAINT_SQL = (
    "UPDATE followup SET status = :done, completed_on = :on, note = :note"
    " WHERE contact_id = :contact AND status = :pending AND (rule IN (:make_it_right, :escalated)"
    " OR interaction_id IN (SELECT i.id FROM interaction i"
    " WHERE i.contact_id = :contact AND i.kind = :complaint))"
    f" RETURNING {columns_of(FollowUpRow)}"
)

# The events :followup is about: its own and the later ones it covers (``followup_event``).
EVENTS_OF = (
    "SELECT interaction_id FROM followup WHERE id = :followup AND interaction_id IS NOT NULL"
    " UNION SELECT interaction_id FROM followup_event WHERE followup_id = :followup"
)

# The customer was reached about these events: what is still pending for them in another
# channel is done too (a note, :mail, is a gift of its own, not a way of reaching them, and
# is still written). The rows it closed come back to be shown.
REACHED_SQL = (
    "UPDATE followup SET status = :done, completed_on = :on, note = COALESCE(note, :note)"
    " WHERE contact_id = :contact AND status = :pending AND id <> :followup"
    " AND channel <> :channel AND channel <> :mail"
    f" AND (interaction_id IN ({EVENTS_OF}) OR id IN (SELECT followup_id FROM followup_event"
    f" WHERE interaction_id IN ({EVENTS_OF})))"
    f" RETURNING {columns_of(FollowUpRow)}"
)
