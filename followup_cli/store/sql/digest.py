"""The morning digest's queries, beside the agenda's own.

Imports are read from the operation journal: each ``followup import`` that saved anything is
one ``journal_operation`` (command ``import``), and the rows it added are its ``insert``
changes, so what an import did is known without a table of its own. An import taken back
with ``undo`` is left out.
"""

from __future__ import annotations

IMPORTS_SQL = """
SELECT o.id, o.started_at,
       SUM(CASE WHEN c.table_name = 'interaction' AND c.action = 'insert' THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.table_name = 'contact' AND c.action = 'insert' THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.table_name = 'followup' AND c.action = 'insert' THEN 1 ELSE 0 END)
FROM journal_operation o
LEFT JOIN journal_change c ON c.operation_id = o.id
WHERE o.command = 'import' AND o.started_at >= :since AND o.started_at < :until
  AND o.undone_by_id IS NULL
GROUP BY o.id, o.started_at
ORDER BY o.id
"""

# Negative and neutral answers given since :since (the last digest), newest last.
ATTENTION_SQL = """
SELECT a.id, l.id, l.followup_id, c.id, c.name, c.phone, c.email, a.step, a.question,
       a.answer, a.label, a.answered_at
FROM call_answer a
JOIN call_log l ON l.id = a.call_id
JOIN contact c ON c.id = l.contact_id
WHERE a.label IN ('negative', 'neutral') AND a.answered_at >= :since AND a.answered_at < :until
ORDER BY a.answered_at, a.id
LIMIT :limit
"""
