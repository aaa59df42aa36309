"""Finding people, their duplicates, and merging two contacts into one (``contacts``,
``duplicates``). Every statement runs on SQLite and PostgreSQL alike."""

from __future__ import annotations

from followup_cli.store.sql.followups import EVENTS_OF

# A contact by an email or phone it holds, or is known by (``contact_alias``, after a merge).
_ALIAS_OF = "id IN (SELECT a.contact_id FROM contact_alias a WHERE a.kind = '{kind}' AND a.value = :{param})"
BY_EMAIL = f"email = :email OR {_ALIAS_OF.format(kind='email', param='email')}"
BY_PHONE = f"phone_key = :key OR {_ALIAS_OF.format(kind='phone', param='key')}"

# A name without accents or case: the whole folded name (the index), or at the start of any
# of its words (``:words`` is ``'% ann%'``: a space before every word, the first included).
NAME_IS = "name_key = :name"
NAME_WORDS = "(' ' || name_key) LIKE :words"

# The list's order: folded, so Øberg sorts with the O's; the index serves it.
LIST_ORDER = "name_key, id"

# An email's parts: its name and domain split at . @ + - _ (ann.lee+shop@example.com is
# "ann lee shop example com"), for search at the start of a part.
EMAIL_SEPARATORS = ".@+-_"
_EMAIL_WORDS = "email"
for _separator in EMAIL_SEPARATORS:
    _EMAIL_WORDS = f"replace({_EMAIL_WORDS}, '{_separator}', ' ')"


def search_sql(*, name: bool, email: bool, phone_key: bool, digits: bool) -> str:
    """``contact list --search``: a name at word starts (``:words``), an email at the start of
    a part (``:email_words``), a phone by its key (``:key``) or by digits anywhere in it
    (``:digits``), a tag by its start (``:tag``), the address or note at the start of any
    word or line (``:text``, ``:line``). Each part only when the search can match it."""
    parts = [
        "(',' || tags) LIKE :tag ESCAPE '\\'",
        *(
            f"((' ' || lower({column})) LIKE :text ESCAPE '\\' OR lower({column}) LIKE :line"
            " ESCAPE '\\')"
            for column in ("address", "note")
        ),
    ]
    if name:
        parts.insert(0, NAME_WORDS)
    if email:
        parts.append(f"(' ' || {_EMAIL_WORDS}) LIKE :email_words ESCAPE '\\'")
    if phone_key:
        parts.append(BY_PHONE)
    if digits:
        parts.append("phone_key LIKE :digits")
    return " OR ".join(f"({part})" for part in parts)


COUNT_CONTACTS_SQL = "SELECT COUNT(*) FROM contact"

# --- merging ---------------------------------------------------------------------------------

# What moves from :other to :keep, counted for the preview and moved by the merge.
MOVED_TABLES = ("interaction", "followup", "call_log")


def count_of_contact_sql(table: str) -> str:
    return f"SELECT COUNT(*) FROM {table} WHERE contact_id = :other"


def move_sql(table: str) -> str:
    return f"UPDATE {table} SET contact_id = :keep WHERE contact_id = :other"


REFERRALS_COUNT_SQL = "SELECT COUNT(*) FROM contact WHERE referred_by_id = :other AND id <> :keep"
MOVE_REFERRALS_SQL = (
    "UPDATE contact SET referred_by_id = :keep WHERE referred_by_id = :other AND id <> :keep"
)
ALIASES_OF_SQL = "SELECT kind, value FROM contact_alias WHERE contact_id = :contact ORDER BY id"
MOVE_ALIASES_SQL = "UPDATE contact_alias SET contact_id = :keep WHERE contact_id = :other"
ALIAS_TAKEN_SQL = "SELECT 1 FROM contact_alias WHERE kind = :kind AND value = :value"

# A pending follow-up collapsed into the one kept: the events it was about (its own sale and
# those it covered) are covered by the kept one from now on, as a rule's ``once_per`` joins them.
JOIN_EVENTS_SQL = (
    "INSERT INTO followup_event (followup_id, interaction_id) SELECT :kept, e.interaction_id"
    f" FROM ({EVENTS_OF}) e WHERE e.interaction_id NOT IN (SELECT k.interaction_id FROM"
    " followup k WHERE k.id = :kept AND k.interaction_id IS NOT NULL) AND NOT EXISTS"
    " (SELECT 1 FROM followup_event x WHERE x.followup_id = :kept"
    " AND x.interaction_id = e.interaction_id)"
)

# --- duplicates ------------------------------------------------------------------------------

# Every contact's matching details, in id order (the first holder of a key is the oldest).
DETAILS_SQL = "SELECT id, name_key, email, phone_key, address FROM contact ORDER BY id"
ALIASES_SQL = "SELECT contact_id, kind, value FROM contact_alias ORDER BY contact_id, id"
