"""The agenda's queries: one indexed search of ``ix_followup_status_due_on`` each.

``:channel`` is a channel name, or NULL for every channel.
"""

from __future__ import annotations

from followup_cli.scheduling import consent_sql

# Follow-ups of contacts who opted out (of everything, or of that channel) never show.
_CONSENT = consent_sql("c", "f.channel")
_CHANNEL = "(CAST(:channel AS VARCHAR) IS NULL OR f.channel = :channel)"
_SELECT = f"""
SELECT f.id, f.contact_id, c.name, f.due_on, f.channel, f.purpose, f.priority, f.attempts,
       c.phone, c.email, c.address, i.kind, i.occurred_on, i.amount_cents, f.note, f.rule
FROM followup f
JOIN contact c ON c.id = f.contact_id
LEFT JOIN interaction i ON i.id = f.interaction_id
WHERE f.status = 'pending' AND {_CONSENT} AND {_CHANNEL}
"""
_ORDER = " ORDER BY f.due_on, f.priority DESC, f.id"
AGENDA_SQL = _SELECT + " AND f.due_on <= :today" + _ORDER
UPCOMING_SQL = _SELECT + " AND f.due_on > :today AND f.due_on <= :until" + _ORDER
NEXT_DUE_SQL = f"""
SELECT min(f.due_on) FROM followup f JOIN contact c ON c.id = f.contact_id
WHERE f.status = 'pending' AND f.due_on > :today AND {_CONSENT} AND {_CHANNEL}
"""

# The later events follow-ups cover (``followup_event``), from follow-up :first on: the table
# holds only merged events, so it stays small, and the ids filter it in one range search.
LATER_EVENTS_SQL = """
SELECT e.followup_id, i.kind, i.occurred_on, i.amount_cents FROM followup_event e
JOIN interaction i ON i.id = e.interaction_id
WHERE e.followup_id >= :first ORDER BY e.followup_id, i.occurred_on, i.id
"""
