"""The drafts' queries: a few reads for any number of follow-ups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def in_list(column: str, ids: Sequence[int]) -> tuple[str, dict[str, Any]]:
    """``column IN (:p0, :p1, ...)`` and its parameters (the caller keeps a list short)."""
    params = {f"p{i}": value for i, value in enumerate(ids)}
    return f"{column} IN ({', '.join(':' + name for name in params) or 'NULL'})", params


# What a draft is made of, for the follow-ups of {where} (an ``in_list`` over f.id): the
# follow-up, its contact as reaching them needs, who referred them, and its event.
DRAFT_FACTS_SQL = """
SELECT f.id, f.contact_id, f.rule, f.channel, f.note,
       c.name, c.email, c.phone, c.phone_key, c.address, c.prefers, c.phone_invalid,
       c.do_not_contact, c.opted_out_channels, r.name,
       i.kind, i.occurred_on, i.amount_cents, i.items
FROM followup f
JOIN contact c ON c.id = f.contact_id
LEFT JOIN contact r ON r.id = c.referred_by_id
LEFT JOIN interaction i ON i.id = f.interaction_id
WHERE {where}
"""

# Who each contact referred, oldest first: the caller keeps the latest. {where} is an
# ``in_list`` over referred_by_id.
REFERRED_SQL = "SELECT referred_by_id, name FROM contact WHERE {where} ORDER BY id"

# The templates each contact's follow-ups were sent with, oldest first: the caller keeps the
# latest of each kind. {where} is an ``in_list`` over contact_id (the partial index of the
# follow-ups sent with a template serves it).
TEMPLATES_USED_SQL = (
    "SELECT contact_id, template FROM followup WHERE {where} AND template IS NOT NULL"
    " ORDER BY completed_on, id"
)

# The labelled answers of the contact's calls, newest call first: the caller keeps the first.
LAST_CALL_WORDS_SQL = (
    "SELECT c.id, a.answer, a.label FROM call_log c JOIN call_answer a ON a.call_id = c.id"
    " WHERE c.contact_id = :contact AND a.label IS NOT NULL"
    " ORDER BY c.started_at DESC, c.id DESC, a.id"
)
