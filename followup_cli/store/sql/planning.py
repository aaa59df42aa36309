"""Who a planned follow-up applies to and how often: the one place the rules' conditions,
``once_per`` caps and "one note per sale" are decided, for one logged sale or a whole file.

The cadence planner (``scheduling.plan_followups``) chooses each follow-up's channel and due
date; what it planned is written to the TEMP table ``planned`` (``log`` a row at a time, the
import with one INSERT ... SELECT), and these statements settle the rows:

1. ``outcome`` says why a row makes no follow-up: ``amount`` (under the rule's min_amount),
   ``tags``, ``customer`` (first-time or repeat), ``bought`` (a prospect rule, for a contact
   who bought that day or since), ``done-recently`` (one was done within ``once_per``;
   ``target`` is it), ``merged`` (joins the pending follow-up ``target``) or ``one-note``
   (another rule writes this event's note, or has one pending for it). NULL: it is created.
2. The rule's conditions (``CONDITIONS_SQL``) are settled for every row at once. The caps
   and the one note (``RANK_SQL``) are settled a rank at a time: ``rank`` is the event's
   place among the contact's events in this batch, by date (then id), so rank 1 is every
   contact's first sale of the file, rank 2 their second... Each rank is settled for all
   contacts at once and its follow-ups created before the next, so a second sale finds the
   follow-up its first made, exactly as when the sales are logged one by one in date order.
   A night's file is one or two ranks; a year's catch-up, as many as a regular's sales.
3. The merged rows are linked to their follow-ups in ``followup_event``.

Every statement reads only its own row's contact and rule through indexes
(``planned_contact_rule``, ``planned_rank``, ``ix_followup_contact_id_status_rule``), so a
file costs in proportion to its sales.
"""

from __future__ import annotations

PLANNED_COLUMNS = (
    "seq", "contact_id", "interaction_id", "occurred_on", "rule_no", "channel", "due_on",
    "note", "named", "cap_since", "late",
)  # fmt: skip

# Built once the rows are in (``Tx.build_indexes``): one sort, not an index kept up row by
# row (half the time of filling ``planned`` for 100k sales).
PLANNED_INDEXES = (
    "CREATE INDEX planned_contact_rule ON planned (contact_id, rule_no, occurred_on, seq)",
    "CREATE INDEX planned_interaction ON planned (interaction_id)",
    "CREATE INDEX planned_rank ON planned (rank)",  # and seq: a rank's rows in planned order
)

DROP_PLANNED = (
    "DROP TABLE IF EXISTS planned",
    "DROP TABLE IF EXISTS planned_rule",
    "DROP TABLE IF EXISTS planned_tag",
)

# A planned row is narrow (the rule's text and conditions are in ``planned_rule``, by
# number), so a night's rows stay within SQLite's temp cache.
PLANNED_DDL = (
    *DROP_PLANNED,
    "CREATE TEMP TABLE planned (seq INTEGER PRIMARY KEY, contact_id INTEGER NOT NULL,"
    " interaction_id INTEGER, occurred_on DATE, rule_no INTEGER NOT NULL,"
    " channel TEXT NOT NULL, due_on DATE NOT NULL, note TEXT, named BOOLEAN NOT NULL,"
    " cap_since DATE, late BOOLEAN NOT NULL, rank INTEGER NOT NULL DEFAULT 1, outcome TEXT,"
    " target INTEGER)",
    "CREATE TEMP TABLE planned_rule (rule_no INTEGER PRIMARY KEY, rule TEXT NOT NULL,"
    " purpose TEXT NOT NULL, priority INTEGER NOT NULL, until_sale BOOLEAN NOT NULL,"
    " min_amount_cents BIGINT, customer TEXT NOT NULL)",
    # A rule's tags, one row each: the contact needs one of them. ``pattern``: the tag as a
    # LIKE pattern of the contact's tags (``_`` and ``%`` in a tag taken literally).
    "CREATE TEMP TABLE planned_tag (rule_no INTEGER NOT NULL, pattern TEXT NOT NULL)",
    "CREATE INDEX planned_tag_rule ON planned_tag (rule_no)",
)

PLANNED_SQL = (
    f"INSERT INTO planned ({', '.join(PLANNED_COLUMNS)})"
    f" VALUES ({', '.join(':' + c for c in PLANNED_COLUMNS)})"
)
PLANNED_RULE_SQL = (
    "INSERT INTO planned_rule (rule_no, rule, purpose, priority, until_sale, min_amount_cents,"
    " customer) VALUES (:rule_no, :rule, :purpose, :priority, :until_sale, :min_amount,"
    " :customer)"
)
PLANNED_TAG_SQL = "INSERT INTO planned_tag (rule_no, pattern) VALUES (:rule_no, :pattern)"

_OPEN = "outcome IS NULL"
# The row's rule name, and its rule's other columns (``r``).
_RULE_NAME = "(SELECT r.rule FROM planned_rule r WHERE r.rule_no = planned.rule_no)"
_RULES_WITH = "rule_no IN (SELECT r.rule_no FROM planned_rule r WHERE {})"
_AMOUNT_RULES = _RULES_WITH.format("r.min_amount_cents IS NOT NULL")
_CUSTOMER_RULES = _RULES_WITH.format("r.customer <> 'any'")
_PROSPECT_RULES = _RULES_WITH.format("r.until_sale")

# An earlier sale of the same contact (by date, then by id for sales of one day).
_EARLIER_SALE = (
    "EXISTS (SELECT 1 FROM interaction e WHERE e.contact_id = planned.contact_id"
    " AND e.kind = 'sale' AND e.id <> planned.interaction_id"
    " AND (e.occurred_on < planned.occurred_on"
    " OR e.occurred_on = planned.occurred_on AND e.id < planned.interaction_id))"
)


# A contact's events in this batch, by date then id: each row's rank among them. Only
# contacts with more than one event (a few, on a night's file) are counted; the rest keep
# rank 1.
RANK_ROWS_SQL = (
    "UPDATE planned SET rank = 1 + (SELECT COUNT(DISTINCT q.interaction_id) FROM planned q"
    " WHERE q.contact_id = planned.contact_id AND (q.occurred_on < planned.occurred_on"
    " OR q.occurred_on = planned.occurred_on AND q.interaction_id < planned.interaction_id))"
    " WHERE interaction_id IS NOT NULL AND contact_id IN (SELECT contact_id FROM planned"
    " GROUP BY contact_id HAVING MIN(interaction_id) < MAX(interaction_id))"
)

MAX_RANK_SQL = "SELECT MAX(rank) FROM planned"

# Settled once for every row: the rule's conditions depend on nothing else planned.
CONDITIONS_SQL = (
    f"UPDATE planned SET outcome = 'amount' WHERE {_OPEN}"
    f" AND {_AMOUNT_RULES}"
    " AND EXISTS (SELECT 1 FROM interaction i JOIN planned_rule r"
    " ON r.rule_no = planned.rule_no WHERE i.id = planned.interaction_id"
    " AND i.amount_cents < r.min_amount_cents)",
    f"UPDATE planned SET outcome = 'tags' WHERE {_OPEN}"
    " AND rule_no IN (SELECT rule_no FROM planned_tag) AND NOT EXISTS (SELECT 1"
    " FROM planned_tag t JOIN contact c ON c.id = planned.contact_id"
    " WHERE t.rule_no = planned.rule_no AND (',' || c.tags || ',') LIKE t.pattern ESCAPE '\\')",
    f"UPDATE planned SET outcome = 'customer' WHERE {_OPEN}"
    f" AND {_CUSTOMER_RULES}"
    f" AND (CASE WHEN {_EARLIER_SALE} THEN 'repeat' ELSE 'first-time' END)"
    " <> (SELECT r.customer FROM planned_rule r WHERE r.rule_no = planned.rule_no)",
    # A prospect rule is for prospects: a sale that day or since would have dropped it.
    f"UPDATE planned SET outcome = 'bought' WHERE {_OPEN} AND {_PROSPECT_RULES}"
    " AND occurred_on IS NOT NULL AND EXISTS (SELECT 1 FROM interaction e"
    " WHERE e.contact_id = planned.contact_id AND e.occurred_on >= planned.occurred_on"
    " AND e.kind = 'sale')",
)

_RANK = "rank = :rank"

# Settled a rank at a time (``:rank``), then that rank's follow-ups are created.
RANK_SQL = (
    # once_per: one done recently means none (the newest is named); else one pending takes
    # the event in (the oldest). One search of the contact's follow-ups finds either.
    f"UPDATE planned SET target = (SELECT f.id FROM followup f"
    f" WHERE f.contact_id = planned.contact_id AND f.rule = {_RULE_NAME} AND (f.status = 'pending'"
    # a pending one in the channel chosen now (so one they can still be reached by), for an
    # event within once_per: an older one is not made to carry a new sale
    " AND f.channel = planned.channel AND EXISTS (SELECT 1 FROM interaction e"
    " WHERE e.id = f.interaction_id AND e.occurred_on >= planned.cap_since)"
    " OR f.status = 'done' AND f.completed_on >= planned.cap_since)"
    " ORDER BY CASE WHEN f.status = 'done' THEN -f.id ELSE f.id END"  # done first: ids > 0
    f" LIMIT 1) WHERE {_OPEN} AND {_RANK} AND cap_since IS NOT NULL"
    # only rows that can have one: a row is rewritten whatever it is set to, and a night's
    # new customers (most rows) have no follow-up yet
    " AND EXISTS (SELECT 1 FROM followup f WHERE f.contact_id = planned.contact_id"
    f" AND f.status IN ('pending', 'done') AND f.rule = {_RULE_NAME})",
    "UPDATE planned SET outcome = CASE WHEN (SELECT f.status FROM followup f"
    " WHERE f.id = planned.target) = 'done' THEN 'done-recently' ELSE 'merged' END"
    f" WHERE {_OPEN} AND {_RANK} AND target IS NOT NULL",
    # One note per event, decided after the caps: a note pending for it (merged) stands; of
    # the notes still to make, the rule that asked for a note keeps it, else the first rule.
    # A note left out by once_per leaves the event to another rule's note.
    f"UPDATE planned SET outcome = 'one-note' WHERE {_OPEN} AND {_RANK} AND channel = 'mail'"
    " AND interaction_id IS NOT NULL AND EXISTS (SELECT 1 FROM planned q"
    " WHERE q.interaction_id = planned.interaction_id AND q.channel = 'mail'"
    " AND q.seq <> planned.seq AND (q.outcome = 'merged' OR q.outcome IS NULL"
    " AND (q.named AND NOT planned.named OR q.named = planned.named AND q.seq < planned.seq)))",
)


def create_sql(returning: str = "") -> str:
    """A rank's rows left open become follow-ups, in planned order (``returning``: their
    columns, for `log`, which shows what it made)."""
    return (
        "INSERT INTO followup (contact_id, interaction_id, rule, purpose, channel, due_on,"
        " priority, until_sale, note, created_on) SELECT p.contact_id, p.interaction_id,"
        " r.rule, r.purpose, p.channel, p.due_on, r.priority, r.until_sale, p.note, :today"
        " FROM planned p JOIN planned_rule r ON r.rule_no = p.rule_no"
        " WHERE p.outcome IS NULL AND p.rank = :rank ORDER BY p.seq"
        + (f" RETURNING {returning}" if returning else "")
    )


LINK_SQL = (
    "INSERT INTO followup_event (followup_id, interaction_id) SELECT target, interaction_id"
    " FROM planned WHERE outcome = 'merged' AND interaction_id IS NOT NULL ORDER BY seq"
)

OUTCOMES = ("amount", "tags", "customer", "bought", "one-note", "done-recently", "merged")

# How the rows were settled: how many were created, how many of those were late (due today
# as their date had passed), then how many had each of OUTCOMES. One pass, no GROUP BY: a
# file's million rows are counted without sorting them.
OUTCOME_COUNTS_SQL = (
    "SELECT "
    + ", ".join(
        [
            "COALESCE(SUM(CASE WHEN outcome IS NULL THEN 1 ELSE 0 END), 0)",
            "COALESCE(SUM(CASE WHEN outcome IS NULL AND late THEN 1 ELSE 0 END), 0)",
            *(f"COALESCE(SUM(CASE WHEN outcome = '{o}' THEN 1 ELSE 0 END), 0)" for o in OUTCOMES),
        ]
    )
    + " FROM planned"
)

# Each row's outcome and target, for `log` to say what happened to each rule.
OUTCOMES_SQL = "SELECT seq, outcome, target FROM planned ORDER BY seq"
