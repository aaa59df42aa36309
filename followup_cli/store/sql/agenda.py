"""The agenda's queries: one indexed search of ``ix_followup_status_due_on`` each.

``:channel`` is a channel name, or NULL for every channel.
"""

from __future__ import annotations

from followup_cli.scheduling import consent_sql

# Follow-ups of contacts who opted out (of everything, or of that channel) never show.
_CONSENT = consent_sql("c", "f.channel")
_CHANNEL = "(CAST(:channel AS VARCHAR) IS NULL OR f.channel = :channel)"
_PENDING = f"""
FROM followup f
JOIN contact c ON c.id = f.contact_id
LEFT JOIN interaction i ON i.id = f.interaction_id
WHERE f.status = 'pending' AND {_CONSENT} AND {_CHANNEL}
"""
_SELECT = (
    """
SELECT f.id, f.contact_id, c.name, f.due_on, f.channel, f.purpose, f.priority, f.attempts,
       c.phone, c.email, c.address, i.kind, i.occurred_on, i.amount_cents, f.note, f.rule
"""
    + _PENDING
)
_DUE = " AND f.due_on <= :today"
_COMING = " AND f.due_on > :today AND f.due_on <= :until"
_ORDER = " ORDER BY f.due_on, f.priority DESC, f.id"
AGENDA_SQL = _SELECT + _DUE + _ORDER
UPCOMING_SQL = _SELECT + _COMING + _ORDER
NEXT_DUE_SQL = f"""
SELECT min(f.due_on) FROM followup f JOIN contact c ON c.id = f.contact_id
WHERE f.status = 'pending' AND f.due_on > :today AND {_CONSENT} AND {_CHANNEL}
"""


def _later_events(where: str) -> str:
    """The later events follow-ups cover (a rule's ``once_per``), by follow-up, oldest
    first, for the follow-ups ``where`` picks: read from ``followup_event``, which holds
    only merged events, so it stays small and costs the agenda nothing when it is empty."""
    return f"""
SELECT e.followup_id, i.kind, i.occurred_on, i.amount_cents FROM followup_event e
JOIN followup f ON f.id = e.followup_id
JOIN interaction i ON i.id = e.interaction_id
WHERE {where} ORDER BY e.followup_id, i.occurred_on, i.id
"""


AGENDA_EVENTS_SQL = _later_events("f.status = 'pending'" + _DUE)
UPCOMING_EVENTS_SQL = _later_events("f.status = 'pending'" + _COMING)
FOLLOWUP_EVENTS_SQL = _later_events("e.followup_id = :id")
