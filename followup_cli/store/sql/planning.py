"""Who a planned follow-up applies to and how often: the one place the rules' conditions,
``once_per`` caps and "one note per sale" are decided, for one logged sale or a whole file.

The cadence planner (``scheduling.plan_followups``) chooses each follow-up's channel and due
date; what it planned is written to the TEMP table ``planned`` (``log`` a row at a time, the
import with one INSERT ... SELECT), and these statements settle every row at once:

1. ``outcome`` says why a row makes no follow-up: ``amount`` (under the rule's min_amount),
   ``tags``, ``customer`` (first-time or repeat), ``bought`` (a prospect rule, for a contact
   who bought that day or since), ``done-recently`` (one was done within
   ``once_per``; ``target`` is it), ``merged`` (joins the pending follow-up ``target``),
   ``one-note`` (another rule writes this event's note, or has one pending for it) or
   ``joins`` (joins the planned row ``target`` of the same contact and rule, the one that
   starts its ``once_per`` window). NULL: it is created.
2. The created rows become follow-ups; the merged ones are linked to theirs in
   ``followup_event``.

The result is the same as logging the file's sales one by one in date order: a row joins
the follow-up of an earlier one only within ``once_per`` of that one's event, so a catch-up
of January, June and November sales makes three follow-ups, not one.

Every statement reads only its own row's contact and rule through indexes
(``planned_contact_rule``, ``ix_followup_contact_id_status_rule``), so a file costs in proportion
to its sales. The evaluation order of rows never changes a result: a row is only compared
with rows whose outcome the same statement cannot change.
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
)

DROP_PLANNED = (
    "DROP TABLE IF EXISTS planned",
    "DROP TABLE IF EXISTS planned_rule",
    "DROP TABLE IF EXISTS planned_tag",
    "DROP TABLE IF EXISTS planned_head",
)

# A planned row is narrow (the rule's text and conditions are in ``planned_rule``, by
# number), so a night's rows stay within SQLite's temp cache.
PLANNED_DDL = (
    *DROP_PLANNED,
    "CREATE TEMP TABLE planned (seq INTEGER PRIMARY KEY, contact_id INTEGER NOT NULL,"
    " interaction_id INTEGER, occurred_on DATE, rule_no INTEGER NOT NULL,"
    " channel TEXT NOT NULL, due_on DATE NOT NULL, note TEXT, named BOOLEAN NOT NULL,"
    " cap_since DATE, late BOOLEAN NOT NULL, outcome TEXT, target INTEGER)",
    "CREATE TEMP TABLE planned_rule (rule_no INTEGER PRIMARY KEY, rule TEXT NOT NULL,"
    " purpose TEXT NOT NULL, priority INTEGER NOT NULL, until_sale BOOLEAN NOT NULL,"
    " min_amount_cents BIGINT, customer TEXT NOT NULL)",
    # A rule's tags, one row each: the contact needs one of them. ``pattern``: the tag as a
    # LIKE pattern of the contact's tags (``_`` and ``%`` in a tag taken literally).
    "CREATE TEMP TABLE planned_tag (rule_no INTEGER NOT NULL, pattern TEXT NOT NULL)",
    "CREATE INDEX planned_tag_rule ON planned_tag (rule_no)",
    # The rows that start a once_per window: each makes the follow-up later rows join.
    "CREATE TEMP TABLE planned_head (seq INTEGER PRIMARY KEY, contact_id INTEGER NOT NULL,"
    " rule_no INTEGER NOT NULL, occurred_on DATE NOT NULL)",
    "CREATE INDEX planned_head_window ON planned_head (contact_id, rule_no, occurred_on, seq)",
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
# A row that can join another's follow-up, or start a window others join: its rule has a
# once_per, and it is about an event.
_CAPPED = "cap_since IS NOT NULL AND interaction_id IS NOT NULL"

# An earlier sale of the same contact (by date, then by id for sales of one day).
_EARLIER_SALE = (
    "EXISTS (SELECT 1 FROM interaction e WHERE e.contact_id = planned.contact_id"
    " AND e.kind = 'sale' AND e.id <> planned.interaction_id"
    " AND (e.occurred_on < planned.occurred_on"
    " OR e.occurred_on = planned.occurred_on AND e.id < planned.interaction_id))"
)


SETTLE_SQL = (
    # The rule's conditions.
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
    f" LIMIT 1) WHERE {_OPEN} AND cap_since IS NOT NULL"
    # only rows that can have one: a row is rewritten whatever it is set to, and a night's
    # new customers (most rows) have no follow-up yet
    " AND EXISTS (SELECT 1 FROM followup f WHERE f.contact_id = planned.contact_id"
    f" AND f.status IN ('pending', 'done') AND f.rule = {_RULE_NAME})",
    "UPDATE planned SET outcome = CASE WHEN (SELECT f.status FROM followup f"
    " WHERE f.id = planned.target) = 'done' THEN 'done-recently' ELSE 'merged' END"
    f" WHERE {_OPEN} AND target IS NOT NULL",
    # A prospect rule is for prospects: a sale that day or since would have dropped it.
    f"UPDATE planned SET outcome = 'bought' WHERE {_OPEN} AND {_PROSPECT_RULES}"
    " AND occurred_on IS NOT NULL AND EXISTS (SELECT 1 FROM interaction e"
    " WHERE e.contact_id = planned.contact_id AND e.occurred_on >= planned.occurred_on"
    " AND e.kind = 'sale')",
    # One note per event, decided after the caps: a note pending for it (merged) stands; of
    # the notes still to make, the rule that asked for a note keeps it, else the first rule.
    # A note left out by once_per leaves the event to another rule's note.
    f"UPDATE planned SET outcome = 'one-note' WHERE {_OPEN} AND channel = 'mail'"
    " AND interaction_id IS NOT NULL AND EXISTS (SELECT 1 FROM planned q"
    " WHERE q.interaction_id = planned.interaction_id AND q.channel = 'mail'"
    " AND q.seq <> planned.seq AND (q.outcome = 'merged' OR q.outcome IS NULL"
    " AND (q.named AND NOT planned.named OR q.named = planned.named AND q.seq < planned.seq)))",
    # Several events of one contact and rule planned at once, as if logged one by one in date
    # order: in each group of rows with a contact and rule in common (found from the index
    # alone), the earliest open row starts a window (a head), and the first row past once_per
    # of the current head starts the next. ``cap_since`` rises with the event's date, so each
    # head is one forward search of ``planned_contact_rule``.
    "WITH RECURSIVE head (seq, contact_id, rule_no, occurred_on) AS ("
    " SELECT q.seq, q.contact_id, q.rule_no, q.occurred_on FROM (SELECT contact_id, rule_no"
    " FROM planned GROUP BY contact_id, rule_no HAVING COUNT(*) > 1) g JOIN planned q"
    " ON q.seq = (SELECT n.seq FROM planned n WHERE n.contact_id = g.contact_id"
    " AND n.rule_no = g.rule_no AND n.outcome IS NULL AND n.cap_since IS NOT NULL"
    " AND n.interaction_id IS NOT NULL ORDER BY n.occurred_on, n.seq LIMIT 1)"
    " UNION ALL SELECT n.seq, n.contact_id, n.rule_no, n.occurred_on FROM head h"
    " JOIN planned n ON n.seq = (SELECT q.seq FROM planned q WHERE q.contact_id = h.contact_id"
    " AND q.rule_no = h.rule_no AND q.outcome IS NULL AND q.interaction_id IS NOT NULL"
    " AND q.occurred_on > h.occurred_on AND q.cap_since > h.occurred_on"
    " ORDER BY q.occurred_on, q.seq LIMIT 1))"
    " INSERT INTO planned_head (seq, contact_id, rule_no, occurred_on)"
    " SELECT seq, contact_id, rule_no, occurred_on FROM head",
    # Every other open row of those groups joins the latest head before it: within its
    # window, by the above.
    "UPDATE planned SET outcome = 'joins', target = (SELECT h.seq FROM planned_head h"
    " WHERE h.contact_id = planned.contact_id AND h.rule_no = planned.rule_no"
    " AND (h.occurred_on < planned.occurred_on"
    " OR h.occurred_on = planned.occurred_on AND h.seq < planned.seq)"
    " ORDER BY h.occurred_on DESC, h.seq DESC LIMIT 1)"
    " WHERE seq IN (SELECT q.seq FROM planned_head h JOIN planned q"
    " ON q.contact_id = h.contact_id AND q.rule_no = h.rule_no)"
    f" AND {_OPEN} AND {_CAPPED} AND seq NOT IN (SELECT seq FROM planned_head)",
)


def create_sql(returning: str = "") -> str:
    """The rows left open become follow-ups, in planned order (``returning``: their columns,
    for `log`, which shows what it made)."""
    return (
        "INSERT INTO followup (contact_id, interaction_id, rule, purpose, channel, due_on,"
        " priority, until_sale, note, created_on) SELECT p.contact_id, p.interaction_id,"
        " r.rule, r.purpose, p.channel, p.due_on, r.priority, r.until_sale, p.note, :today"
        " FROM planned p JOIN planned_rule r ON r.rule_no = p.rule_no"
        " WHERE p.outcome IS NULL ORDER BY p.seq" + (f" RETURNING {returning}" if returning else "")
    )


LINK_SQL = (
    # A joining row's target: the follow-up its first row just made.
    "UPDATE planned SET outcome = 'merged', target = (SELECT f.id FROM planned p"
    " JOIN planned_rule r ON r.rule_no = p.rule_no"
    " JOIN followup f ON f.contact_id = p.contact_id AND f.interaction_id = p.interaction_id"
    " AND f.rule = r.rule AND f.status = 'pending' WHERE p.seq = planned.target)"
    " WHERE outcome = 'joins'",
    "INSERT INTO followup_event (followup_id, interaction_id) SELECT target, interaction_id"
    " FROM planned WHERE outcome = 'merged' AND interaction_id IS NOT NULL ORDER BY seq",
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
