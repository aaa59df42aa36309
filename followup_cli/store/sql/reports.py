"""The reports' set-based queries (see ``reports`` for what each figure means).

Portable SQL: ``CASE WHEN``, ``COALESCE``, booleans as ``col`` / ``NOT col``. Each summary
query covers the period and the one before it at once: a ``CASE`` puts each row in its
bucket, so the trend costs nothing extra.
"""

from __future__ import annotations

from followup_cli.store.sql import ALL_STATUSES, OUTREACH_KINDS, unindexed


def _bucket(column: str) -> str:
    """1 for a row in the current period, 0 for the previous one."""
    return f"CASE WHEN {column} >= :since THEN 1 ELSE 0 END"


# Grouped in the order of ix_followup_status_due_on (which covers every column read), so
# SQLite aggregates while it walks the index: no sort, no table access. The few hundred
# (status, day, channel) groups are folded into the two periods in Python.
FOLLOWUP_SQL = f"""
SELECT f.status, f.due_on, f.channel,
       COUNT(*),
       SUM(CASE WHEN f.completed_on <= f.due_on THEN 1 ELSE 0 END),
       SUM(f.attempts),
       SUM(CASE WHEN f.outcome IN ('positive', 'neutral', 'negative') THEN 1 ELSE 0 END)
FROM followup f
WHERE f.status IN {ALL_STATUSES} AND f.due_on >= :prev_since AND f.due_on <= :until
GROUP BY f.status, f.due_on, f.channel
"""

CALL_SQL = f"""
SELECT {_bucket("l.called_on")} AS cur,
       COUNT(*),
       SUM(CASE WHEN l.reach = 'reached' THEN 1 ELSE 0 END),
       SUM(CASE WHEN l.outcome = 'positive' THEN 1 ELSE 0 END),
       SUM(CASE WHEN l.outcome = 'neutral' THEN 1 ELSE 0 END),
       SUM(CASE WHEN l.outcome = 'negative' THEN 1 ELSE 0 END),
       SUM(CASE WHEN l.would_recommend IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN l.would_recommend = 'yes' THEN 1 ELSE 0 END),
       SUM(CASE WHEN l.review IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN l.review = 'agreed' THEN 1 ELSE 0 END),
       COALESCE(SUM(l.referrals), 0)
FROM call_log l
WHERE l.called_on >= :prev_since AND l.called_on <= :until
GROUP BY {_bucket("l.called_on")}
"""

# Sales in each period: how many, the money, the customers, and of those the ones who had
# bought before the period began (returning). Grouped by customer first (one walk of
# ix_interaction_kind_occurred_on), so the returning check is one search per customer of
# their interactions by date; not by kind, which would walk every earlier sale.
SALES_SQL = f"""
SELECT x.cur, SUM(x.sales), COALESCE(SUM(x.cents), 0), COUNT(*),
       SUM(CASE WHEN EXISTS (
             SELECT 1 FROM interaction e
             WHERE e.contact_id = x.contact_id
               AND e.occurred_on < CASE WHEN x.cur = 1 THEN :since ELSE :prev_since END
               AND {unindexed("e.kind")} = 'sale')
           THEN 1 ELSE 0 END)
FROM (SELECT {_bucket("i.occurred_on")} AS cur, i.contact_id, COUNT(*) AS sales,
             SUM(i.amount_cents) AS cents
      FROM interaction i
      WHERE i.kind = 'sale' AND i.occurred_on >= :prev_since AND i.occurred_on <= :until
      GROUP BY {_bucket("i.occurred_on")}, i.contact_id) x
GROUP BY x.cur
"""

# Refunds in each period: how many, and the money given back.
REFUNDS_SQL = f"""
SELECT {_bucket("i.occurred_on")} AS cur, COUNT(*), COALESCE(SUM(i.amount_cents), 0)
FROM interaction i
WHERE i.kind = 'refund' AND i.occurred_on >= :prev_since AND i.occurred_on <= :until
GROUP BY {_bucket("i.occurred_on")}
"""

ANSWER_SQL = f"""
SELECT {_bucket("l.called_on")} AS cur, a.label, COUNT(*)
FROM call_answer a JOIN call_log l ON l.id = a.call_id
WHERE l.called_on >= :prev_since AND l.called_on <= :until AND a.label IS NOT NULL
GROUP BY {_bucket("l.called_on")}, a.label
"""

REFERRAL_SQL = f"""
SELECT {_bucket("r.created_on")} AS cur,
       COUNT(*),
       SUM(CASE WHEN EXISTS (
             SELECT 1 FROM interaction i
             WHERE i.contact_id = r.id AND i.kind = 'sale' AND i.occurred_on >= r.created_on
               AND i.occurred_on <= CASE WHEN r.created_on >= :since THEN :until
                                         ELSE :prev_until END
           ) THEN 1 ELSE 0 END)
FROM contact r
WHERE r.referred_by_id > 0 AND r.created_on >= :prev_since AND r.created_on <= :until
GROUP BY {_bucket("r.created_on")}
"""


SILENCE_SQL = f"""
SELECT c.id, c.name, c.phone, c.email, c.prefers, t.last_on, t.sales, t.visits, t.amount,
       COUNT(*) OVER ()
FROM (
    SELECT i.contact_id,
           MAX(i.occurred_on) AS last_on,
           SUM(CASE WHEN i.kind = 'sale' THEN 1 ELSE 0 END) AS sales,
           SUM(CASE WHEN i.kind = 'visit' THEN 1 ELSE 0 END) AS visits,
           COALESCE(SUM(CASE WHEN i.kind = 'sale' THEN i.amount_cents ELSE 0 END), 0) AS amount
    FROM interaction i
    WHERE i.kind IN ('sale', 'visit') AND i.occurred_on >= :since AND i.occurred_on <= :today
    GROUP BY i.contact_id
) t
JOIN contact c ON c.id = t.contact_id
WHERE NOT c.do_not_contact
  AND NOT EXISTS (
      SELECT 1 FROM followup f
      WHERE f.contact_id = c.id AND f.status = 'done' AND f.completed_on >= t.last_on)
  AND NOT EXISTS (
      SELECT 1 FROM interaction o
      WHERE o.contact_id = c.id AND o.kind IN {OUTREACH_KINDS} AND o.occurred_on >= t.last_on)
ORDER BY t.amount DESC, t.last_on DESC, c.id
LIMIT :limit
"""

_FEEDBACK = """
SELECT a.call_id, l.contact_id, c.name, l.called_on, a.step, a.question, a.answer, a.label
FROM call_answer a
JOIN call_log l ON l.id = a.call_id
JOIN contact c ON c.id = l.contact_id
WHERE l.called_on >= :since AND """
_FEEDBACK_ORDER = " ORDER BY l.called_on DESC, a.answered_at DESC, a.id DESC LIMIT :limit"
# What could be better, and every negative answer; or the answers with one label.
FEEDBACK_SQL = f"{_FEEDBACK}(a.step = :do_better OR a.label = 'negative'){_FEEDBACK_ORDER}"
FEEDBACK_BY_LABEL_SQL = f"{_FEEDBACK}a.label = :label{_FEEDBACK_ORDER}"
