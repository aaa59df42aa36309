"""The import's SQL: TEMP staging tables and the set-based statements of its write.

Dates are ISO text on SQLite (and cast by PostgreSQL). The write phase builds one TEMP table
of sales, each already classified (new, old, no-contact) and matched to its existing contact
with the unique indexes on contact.email, contact.phone_key and interaction(source,
external_id); tests/test_import.py checks the query plans.
"""

from __future__ import annotations

from followup_cli.store.sql import unindexed
from followup_cli.store.sql.followups import drop_prospects_sql

ROW_COLUMNS = (
    "line", "order_id", "occurred_on", "name", "email", "phone", "phone_key", "amount_cents",
    "items", "prefers", "address", "kind", "fingerprint",
)  # fmt: skip


# A staged row: keyed by its line in the file, except in import_multi_row (keyed by order).
_STAGED = (
    "order_id TEXT NOT NULL, occurred_on TEXT NOT NULL, name TEXT, email TEXT, phone TEXT,"
    " phone_key TEXT, amount_cents BIGINT, items TEXT, prefers TEXT, address TEXT,"
    " kind TEXT NOT NULL, fingerprint TEXT NOT NULL"
)
STAGE_COLUMNS = f"line INTEGER PRIMARY KEY, {_STAGED}"


STAGE_TABLES = (
    "import_row", "import_multi", "import_multi_row", "import_merged", "import_sale",
    "import_hash", "import_dup_email", "import_dup_key", "import_dup_contact", "import_person",
    "import_reach", "import_bought",
    "import_due", "import_address", "import_source",
)  # fmt: skip


STAGE_DDL = (
    f"CREATE TEMP TABLE import_row ({STAGE_COLUMNS})",
    "CREATE TEMP TABLE import_multi (order_id TEXT PRIMARY KEY)",
    f"CREATE TEMP TABLE import_multi_row (seq INTEGER PRIMARY KEY, line INTEGER, {_STAGED})",
    f"CREATE TEMP TABLE import_merged ({STAGE_COLUMNS})",
    f"CREATE TEMP TABLE import_sale ({STAGE_COLUMNS}, state TEXT NOT NULL,"
    " old_fingerprint TEXT, other_source TEXT, contact_id INTEGER, person_line INTEGER)",
    "CREATE TEMP TABLE import_bought (contact_id INTEGER PRIMARY KEY, occurred_on TEXT NOT NULL)",
    "CREATE TEMP TABLE import_source (source TEXT PRIMARY KEY)",
)  # fmt: skip


DROP_STAGE = tuple(f"DROP TABLE IF EXISTS {table}" for table in STAGE_TABLES)


COPIED = ", ".join(ROW_COLUMNS)


# Orders spanning several rows: only those are read back and merged in Python.
MULTI_SQL = (
    "INSERT INTO import_multi (order_id) SELECT order_id FROM import_row"
    " GROUP BY order_id HAVING COUNT(*) > 1"
)


MULTI_ROWS_SQL = (
    f"INSERT INTO import_multi_row (seq, {COPIED}) SELECT ROW_NUMBER() OVER"
    f" (ORDER BY order_id, line), {COPIED} FROM import_row"
    " WHERE order_id IN (SELECT order_id FROM import_multi)"
)


# A merged sale's fingerprint is computed again, so the rows are read without theirs.
MERGED_COLUMNS = ROW_COLUMNS[:-1]


# One page of import_multi_row (in order id order), so memory stays flat however big the file.
MULTI_PAGE_SQL = (
    f"SELECT seq, {', '.join(MERGED_COLUMNS)} FROM import_multi_row WHERE seq > :after"
    " ORDER BY seq LIMIT :limit"
)


# The contact known by an email or phone ``contact_alias`` holds (after a merge).
_ALIAS_HOLDER = (
    "(SELECT a.contact_id FROM contact_alias a WHERE a.kind = '{kind}' AND a.value = {value})"
)


# Each sale: already imported ('old', with the fingerprint it was imported with), already
# recorded under another source with the same order id, date and amount ('elsewhere': the
# same sale, from a renamed --source or logged by hand with --ref; two tills that number
# receipts alike rarely share one's day and amount too), without any way to reach the
# customer ('no-contact'), or 'new' with the id of the existing contact it belongs to (by
# email, else by phone; NULL for a new person). ``occurred_on``: the staged text as a date.
# The other sources are few (``import_source``): one search of the unique (source,
# external_id) index each, so no index of its own costs every import. The rows and their
# lookups are a MATERIALIZED CTE: flattened into the outer SELECT, the other-source search
# ran once for each of its three uses (0.49 s instead of 0.39 s for 100k sales).
def sales_sql(occurred_on: str) -> str:
    # Only the index's columns in WHERE: with the date there, SQLite's statistics chose the
    # (kind, occurred_on) index and read a whole day's sales per row (60 s for 100k rows).
    other = (
        "(SELECT MIN(CASE WHEN j.kind = x.kind AND j.occurred_on = "
        f"{occurred_on} AND (j.amount_cents = ABS(x.amount_cents) OR j.amount_cents IS NULL"
        " AND x.amount_cents IS NULL) THEN j.source END) FROM interaction j"
        " WHERE j.source IN (SELECT source FROM import_source) AND j.external_id = x.order_id)"
    )
    return (
        f"INSERT INTO import_sale ({COPIED}, state, old_fingerprint, other_source, contact_id)"
        f" WITH y AS MATERIALIZED (SELECT {', '.join('x.' + c for c in ROW_COLUMNS)},"
        " i.id AS old_id, i.fingerprint AS old_fingerprint,"
        f" CASE WHEN i.id IS NULL THEN {other} END AS other_source"
        f" FROM (SELECT {COPIED} FROM import_row"
        " WHERE order_id NOT IN (SELECT order_id FROM import_multi)"
        f" UNION ALL SELECT {COPIED} FROM import_merged) x"
        " LEFT JOIN interaction i ON i.source = :source AND i.external_id = x.order_id"
        " AND i.kind IN ('sale', 'refund'))"
        f" SELECT {', '.join('y.' + c for c in ROW_COLUMNS)},"
        " CASE WHEN y.old_id IS NOT NULL THEN 'old'"
        " WHEN y.other_source IS NOT NULL THEN 'elsewhere'"
        " WHEN y.email IS NULL AND y.phone_key IS NULL THEN 'no-contact' ELSE 'new' END,"
        " y.old_fingerprint, y.other_source,"
        " CASE WHEN y.old_id IS NULL AND y.other_source IS NULL THEN COALESCE("
        "(SELECT c.id FROM contact c WHERE c.email = y.email),"
        f" {_ALIAS_HOLDER.format(kind='email', value='y.email')},"
        " (SELECT c.id FROM contact c WHERE c.phone_key = y.phone_key),"
        f" {_ALIAS_HOLDER.format(kind='phone', value='y.phone_key')}) END FROM y"
    )


# Every source sales were recorded under, but this one: where else an order may be. Found
# by skipping from each source to the next on the (source, external_id) index, one search a
# source: SELECT DISTINCT read the whole index, 24 ms of a 100-row nightly import on 300k
# interactions.
OTHER_SOURCES_SQL = (
    "INSERT INTO import_source (source) WITH RECURSIVE s(source) AS"
    " (SELECT MIN(source) FROM interaction UNION ALL"
    " SELECT (SELECT MIN(j.source) FROM interaction j WHERE j.source > s.source)"
    " FROM s WHERE s.source IS NOT NULL)"
    " SELECT source FROM s WHERE source IS NOT NULL AND source <> :source"
)


STATE_COUNTS_SQL = (
    "SELECT COALESCE(SUM(CASE WHEN state = 'old' THEN 1 ELSE 0 END), 0),"
    " COALESCE(SUM(CASE WHEN state = 'elsewhere' THEN 1 ELSE 0 END), 0),"
    " COALESCE(SUM(CASE WHEN state = 'old' AND old_fingerprint = fingerprint"
    " THEN 1 ELSE 0 END), 0),"
    " COALESCE(SUM(CASE WHEN state = 'no-contact' THEN 1 ELSE 0 END), 0) FROM import_sale"
)


# The sales already recorded under another source, listed up to :limit with it.
ELSEWHERE_SQL = (
    "SELECT order_id, other_source FROM import_sale WHERE state = 'elsewhere'"
    " ORDER BY line LIMIT :limit"
)


# Sales imported before with another fingerprint, listed up to :limit.
CHANGED_ORDERS_SQL = (
    "SELECT order_id FROM import_sale WHERE state = 'old'"
    " AND (old_fingerprint IS NULL OR old_fingerprint <> fingerprint)"
    " ORDER BY line LIMIT :limit"
)


MATCHED_CONTACTS_SQL = (
    "SELECT COUNT(DISTINCT contact_id) FROM import_sale"
    " WHERE state = 'new' AND contact_id IS NOT NULL"
)


# The sales inserted next get ids above this one (``new_sales``' :before).
LAST_INTERACTION_ID_SQL = "SELECT COALESCE(MAX(id), 0) FROM interaction"


# Whether anybody has been forgotten at all: if not, no hash is computed.
ANY_SUPPRESSED_SQL = "SELECT 1 FROM suppression LIMIT 1"


# One page of the sales to hash, after line :after.
TO_HASH_SQL = (
    "SELECT line, email, phone_key FROM import_sale WHERE state = 'new' AND line > :after"
    " ORDER BY line LIMIT :limit"
)


HASH_DDL = (
    "CREATE TEMP TABLE import_hash (line INTEGER PRIMARY KEY, email_hash TEXT, phone_hash TEXT)"
)


SUPPRESSED_SQL = (
    "UPDATE import_sale SET state = 'suppressed', contact_id = NULL WHERE line IN ("
    " SELECT h.line FROM import_hash h WHERE"
    " EXISTS (SELECT 1 FROM suppression s WHERE s.key_hash = h.email_hash)"
    " OR EXISTS (SELECT 1 FROM suppression s WHERE s.key_hash = h.phone_hash))"
)


# The sale's contact: the existing one it matched, else the one created for it just before.
CONTACT_OF_SALE = (
    "COALESCE(s.contact_id, (SELECT p.contact_id FROM import_person p"
    " WHERE p.line = COALESCE(s.person_line, s.line)))"
)


def interactions_sql(occurred_on: str) -> str:
    """The new sales and refunds (``kind``, as the file's reading decided it), in file
    order; ``occurred_on`` is the staged text as a date. A refund keeps what was given back,
    a positive amount."""
    return (
        "INSERT INTO interaction (contact_id, kind, occurred_on, amount_cents, items, note,"
        f" source, external_id, fingerprint, created_at) SELECT {CONTACT_OF_SALE}, s.kind,"
        f" {occurred_on}, ABS(s.amount_cents), s.items, NULL, :source, s.order_id,"
        " s.fingerprint, :now FROM import_sale s WHERE s.state = 'new' ORDER BY s.line"
    )


# The file's refunds (this import's, even with another writer: its source and timestamp),
# counted, and for ``followups.cancel_refunded_sql``.
_NEW_REFUNDS = (
    " FROM interaction WHERE id > :before AND kind = 'refund' AND source = :source"
    " AND created_at = :now"
)
REFUNDS_COUNT_SQL = "SELECT COUNT(*)" + _NEW_REFUNDS
NEW_REFUNDS = "SELECT contact_id, occurred_on, amount_cents" + _NEW_REFUNDS


# A contact without a postal address gains the first one the file gives for them (set-based:
# the first row with an address per contact, then one keyed update).
ADDRESS_SQL = (
    "CREATE TEMP TABLE import_address (contact_id INTEGER PRIMARY KEY, address TEXT NOT NULL)",
    f"INSERT INTO import_address (contact_id, address) SELECT cid, address FROM (SELECT"
    f" {CONTACT_OF_SALE} AS cid, s.address, ROW_NUMBER() OVER (PARTITION BY"
    f" {CONTACT_OF_SALE} ORDER BY s.line) AS n FROM import_sale s"
    " WHERE s.state = 'new' AND s.address IS NOT NULL) x WHERE n = 1",
    "UPDATE contact SET address = (SELECT a.address FROM import_address a"
    " WHERE a.contact_id = contact.id) WHERE address IS NULL"
    " AND id IN (SELECT contact_id FROM import_address)",
)


# Each existing contact's first sale in the file, keyed by contact: the prospect update
# below looks it up once per follow-up (a lookup in import_sale itself was a scan each time).
BOUGHT_SQL = (
    "INSERT INTO import_bought (contact_id, occurred_on) SELECT s.contact_id, s.occurred_on"
    " FROM import_sale s JOIN (SELECT contact_id, MIN(line) AS line FROM import_sale"
    " WHERE state = 'new' AND contact_id IS NOT NULL AND kind = 'sale' GROUP BY contact_id) f"
    " ON f.line = s.line"
)


PROSPECTS_SQL = drop_prospects_sql("SELECT contact_id, occurred_on FROM import_bought")


# A sale under an alias is read as if it gave the email or phone of the contact known by it
# (unless another contact holds it as their own), so that contact's details are not reported
# as different and the rows of one person link up as one.
def _as_alias_holders(kind: str, columns: tuple[str, ...]) -> str:
    value = columns[-1]
    holder = (
        "(SELECT c.{column} FROM contact_alias a JOIN contact c ON c.id = a.contact_id"
        f" WHERE a.kind = '{kind}' AND a.value = import_sale.{value})"
    )
    assignments = ", ".join(
        f"{column} = COALESCE({holder.format(column=column)}, {column})" for column in columns
    )
    primary = "email" if kind == "email" else "phone_key"
    return (
        f"UPDATE import_sale SET {assignments} WHERE state = 'new'"
        f" AND {value} IN (SELECT a.value FROM contact_alias a WHERE a.kind = '{kind}')"
        f" AND NOT EXISTS (SELECT 1 FROM contact c WHERE c.{primary} = import_sale.{value})"
    )


ALIASES_SQL = (
    _as_alias_holders("email", ("email",)),
    _as_alias_holders("phone", ("phone", "phone_key")),
)


LINKED_DDL = (
    "CREATE TEMP TABLE import_person (line INTEGER PRIMARY KEY, name TEXT, email TEXT,"
    " phone TEXT, phone_key TEXT, prefers TEXT, contact_id INTEGER, name_key TEXT)",
    "CREATE TEMP TABLE import_dup_email (email TEXT PRIMARY KEY)",
    "CREATE TEMP TABLE import_dup_key (phone_key TEXT PRIMARY KEY)",
    "CREATE TEMP TABLE import_dup_contact (contact_id INTEGER PRIMARY KEY)",
    "INSERT INTO import_dup_email (email) SELECT email FROM import_sale"
    " WHERE state = 'new' AND email IS NOT NULL GROUP BY email HAVING COUNT(*) > 1",
    "INSERT INTO import_dup_key (phone_key) SELECT phone_key FROM import_sale"
    " WHERE state = 'new' AND phone_key IS NOT NULL GROUP BY phone_key HAVING COUNT(*) > 1",
    "INSERT INTO import_dup_contact (contact_id) SELECT contact_id FROM import_sale"
    " WHERE state = 'new' AND contact_id IS NOT NULL GROUP BY contact_id HAVING COUNT(*) > 1",
)


# Never NULL, so NOT LINKED means "a row on its own". Rows matched to one contact through
# different details are linked too: that contact can gain nothing, but a difference both report
# must be listed with the first of them, so they are taken in file order together.
LINKED = (
    "(s.email IS NOT NULL AND s.email IN (SELECT email FROM import_dup_email)"
    " OR s.phone_key IS NOT NULL AND s.phone_key IN (SELECT phone_key FROM import_dup_key)"
    " OR s.contact_id IS NOT NULL AND s.contact_id IN (SELECT contact_id FROM import_dup_contact))"
)


# A row on its own with no contact is a new person of its own.
LONE_PEOPLE_SQL = (
    "INSERT INTO import_person (line, name, email, phone, phone_key, prefers)"
    " SELECT s.line, COALESCE(s.name, s.email, s.phone), s.email, s.phone, s.phone_key,"
    " s.prefers FROM import_sale s"
    f" WHERE s.state = 'new' AND s.contact_id IS NULL AND NOT {LINKED}"
)


# The rows on their own matched to an existing contact whose details differ, with the contact
# holding the row's phone, if any (k).
LONE_MATCHED_SQL = (
    "SELECT c.id, c.name, c.email, c.phone_key, s.line, s.name, s.email, s.phone,"
    " s.phone_key, s.order_id, k.id FROM import_sale s JOIN contact c ON c.id = s.contact_id"
    " LEFT JOIN contact k ON k.phone_key = s.phone_key"
    f" WHERE s.state = 'new' AND NOT {LINKED} AND ("
    " (s.name IS NOT NULL AND s.name <> c.name)"
    " OR (s.email IS NOT NULL AND (c.email IS NULL OR c.email <> s.email))"
    " OR (s.phone_key IS NOT NULL AND (c.phone_key IS NULL OR c.phone_key <> s.phone_key)))"
    " ORDER BY s.line"
)


WALK_SQL = (
    "SELECT s.line, s.name, s.email, s.phone, s.phone_key, s.prefers, s.order_id,"
    " c.id, c.name, c.email, c.phone_key, p.id, p.name, p.email, p.phone_key"
    " FROM import_sale s LEFT JOIN contact c ON c.email = s.email"
    " LEFT JOIN contact p ON p.phone_key = s.phone_key"
    f" WHERE s.state = 'new' AND {LINKED} ORDER BY s.line"
)


# Who each walked row belongs to: an existing contact, or the person first seen on a line.
SALE_OWNER_SQL = (
    "UPDATE import_sale SET contact_id = :cid, person_line = :person WHERE line = :line"
)


# The details an existing contact gains (nobody else has them).
GAINED_EMAIL_SQL = "UPDATE contact SET email = :e WHERE id = :id"
GAINED_PHONE_SQL = "UPDATE contact SET phone = :p, phone_key = :k WHERE id = :id"


# A new person prefers what their first row says, else email if that row gave only an email,
# else the phone (the one place this default is decided, for lone and linked rows alike).
# One page of the new people, after line :after, whose names are folded for search.
PERSON_NAMES_SQL = (
    "SELECT line, name FROM import_person WHERE line > :after ORDER BY line LIMIT :limit"
)
PERSON_NAME_KEY_SQL = "UPDATE import_person SET name_key = :key WHERE line = :line"


NEW_CONTACTS_SQL = (
    "INSERT INTO contact (name, name_key, email, phone, phone_key, prefers, created_on)"
    " SELECT p.name, p.name_key, p.email, p.phone, p.phone_key, COALESCE(p.prefers, CASE"
    " WHEN s.email IS NOT NULL AND s.phone_key IS NULL THEN 'email' ELSE 'phone' END), :today"
    " FROM import_person p JOIN import_sale s ON s.line = p.line ORDER BY p.line"
)


# Each new person's contact id, found by the unique email, else phone key, just inserted.
PERSON_CONTACTS_SQL = (
    "UPDATE import_person SET contact_id = COALESCE("
    "(SELECT c.id FROM contact c WHERE c.email = import_person.email),"
    " (SELECT c.id FROM contact c WHERE c.phone_key = import_person.phone_key))"
)


# What decides a contact's channels (``scheduling.Reach``), read as plain values: whether they
# have an email and a phone on file, not the details themselves, so a night's sales fall into
# a handful of profiles.
PROFILE = (
    "COALESCE(c.prefers, '')",
    "CASE WHEN c.email IS NOT NULL AND c.email <> '' THEN 1 ELSE 0 END",
    "CASE WHEN c.phone IS NOT NULL AND c.phone <> '' THEN 1 ELSE 0 END",
    "CASE WHEN c.address IS NOT NULL THEN 1 ELSE 0 END",
    "CASE WHEN c.phone_invalid THEN 1 ELSE 0 END",
    "CASE WHEN c.do_not_contact THEN 1 ELSE 0 END",
    "COALESCE(c.opted_out_channels, '')",
)


# The profile as one string, so the follow-up insert finds its channel with one index lookup
# (joining on the parts made SQLite try every profile for every sale).
PROFILE_KEY = " || '|' || ".join(PROFILE)


def new_sales(sole_writer: bool, joins: str = " JOIN contact c ON c.id = i.contact_id") -> str:
    """The sales just inserted (ids above ``:before``), with their contacts unless ``joins``
    says otherwise. When the transaction is the only writer (SQLite's write lock) the id range
    alone finds them and keeps the scan in id order; otherwise (PostgreSQL) another session
    may log a sale meanwhile, so the source and this import's timestamp are checked too."""
    where = f"i.id > :before AND {unindexed('i.kind')} = 'sale'" + (
        "" if sole_writer else " AND i.source = :source AND i.created_at = :now"
    )
    return f" FROM interaction i{joins} WHERE {where}"


def sale_days_sql(sole_writer: bool) -> str:
    """Each new sale's date (its contact is not read)."""
    return f"SELECT i.occurred_on{new_sales(sole_writer, joins='')}"


def sale_profiles_sql(sole_writer: bool) -> str:
    """Each new sale's date and its contact's reach profile (``PROFILE``), for the sales of
    the days in ``import_due`` (a sale of any other day is history: its contact is not read)."""
    return (
        f"SELECT i.occurred_on, {', '.join(PROFILE)}{new_sales(sole_writer)}"
        " AND i.occurred_on IN (SELECT occurred_on FROM import_due)"
    )


SCHEDULE_DDL = (  # DATE, as interaction.occurred_on, so SQLite can join on the key
    "CREATE TEMP TABLE import_reach (profile TEXT NOT NULL, rule_no INTEGER NOT NULL,"
    " channel TEXT NOT NULL, named BOOLEAN NOT NULL, PRIMARY KEY (profile, rule_no))",
    "CREATE TEMP TABLE import_due (occurred_on DATE NOT NULL, rule_no INTEGER NOT NULL,"
    " due_on DATE NOT NULL, cap_since DATE, late BOOLEAN NOT NULL,"
    " PRIMARY KEY (occurred_on, rule_no))",
)


# What the planner chose: the channel of each (profile, rule) and the due date of each (sale
# date, rule); the rules themselves are ``planned_rule``, by their number.
REACH_SQL = (
    "INSERT INTO import_reach (profile, rule_no, channel, named)"
    " VALUES (:profile, :rule, :channel, :named)"
)
DUE_SQL = (
    "INSERT INTO import_due (occurred_on, rule_no, due_on, cap_since, late)"
    " VALUES (:day, :rule, :due, :cap_since, :late)"
)


def planned_sql(sole_writer: bool) -> str:
    """Every follow-up planned for the new sales, into ``planned`` in one INSERT ... SELECT:
    the due date by the sale's date, the channel by the contact's reach profile, both looked
    up by key; ``seq`` orders them by sale, then rule (``:rules`` is the number of rules).
    ``store.sql.planning`` settles them as it does a logged sale's.

    A sale whose date has no due date (all its follow-ups too old) is passed over before its
    contact is read: SQLite reads the contact first otherwise (0.35 s against 0.23 s for
    100k sales of which two in three are history)."""
    return (
        "INSERT INTO planned (seq, contact_id, interaction_id, occurred_on, rule_no, channel,"
        " due_on, named, cap_since, late)"
        " SELECT i.id * :rules + d.rule_no, i.contact_id, i.id, i.occurred_on, d.rule_no,"
        " r.channel, d.due_on, r.named, d.cap_since, d.late"
        + new_sales(
            sole_writer,
            " JOIN contact c ON c.id = i.contact_id"
            " JOIN import_due d ON d.occurred_on = i.occurred_on"
            f" JOIN import_reach r ON r.profile = {PROFILE_KEY} AND r.rule_no = d.rule_no",
        )
        + " AND i.occurred_on IN (SELECT occurred_on FROM import_due) ORDER BY i.id, d.rule_no"
    )
