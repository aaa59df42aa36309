"""The call recorder's queries."""

from __future__ import annotations

# How many answers an interrupted call already saved, to resume after them.
ANSWER_COUNT_SQL = "SELECT COUNT(*) FROM call_answer WHERE call_id = :call"

# Every answer of the contact's calls, newest call first; the caller keeps the first call's.
# :said (a "say" step's record) is no answer; :exclude is the call being resumed, or -1.
PREVIOUS_ANSWERS_SQL = (
    "SELECT c.id, c.called_on, a.question, a.answer, a.label FROM call_log c"
    " JOIN call_answer a ON a.call_id = c.id"
    " WHERE c.contact_id = :contact AND a.answer <> :said AND c.id <> :exclude"
    " ORDER BY c.started_at DESC, c.id DESC, a.id"
)
