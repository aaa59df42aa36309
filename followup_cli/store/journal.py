"""The operation journal: every command that writes is one operation ``undo`` can take back.

How the changes are caught, in the same transaction as the change itself:
- **updates and deletes** by triggers on each journaled table, which keep the row as it was
  (JSON) in ``journal_change``. On SQLite the triggers read the current operation from
  ``journal_now`` (one writer at a time) and skip rows the operation itself inserted;
  on PostgreSQL they read it from a transaction-local setting, so sessions never share it.
- **inserts** in one set-based statement per table when the transaction commits: the rows
  above the table's highest id when it began (on PostgreSQL also written by this very
  transaction, as other sessions may insert meanwhile). A per-row insert trigger would
  double the cost of a large import; only ``followup_event`` (no id, few rows) has one.

Migrations that add or rebuild a journaled table call ``install_triggers`` again, so the
triggers copy every column (a test checks it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from followup_cli.store.tx import Tx

# Each journaled table and its key, parents before children: rows are put back in this
# order and removed in the reverse one.
JOURNALED: dict[str, tuple[str, ...]] = {
    "contact": ("id",),
    "contact_alias": ("id",),
    "interaction": ("id",),
    "followup": ("id",),
    "followup_event": ("followup_id", "interaction_id"),
    "call_log": ("id",),
    "call_answer": ("id",),
}
# followup_event has no id to compare with a mark, and a merge joins existing follow-ups to
# existing sales: its few inserts are recorded by a trigger too. It is never updated by a row
# it inserted, so its update trigger needs only its parents' marks.
_EVENT_MARKS = {"followup_id": "followup", "interaction_id": "interaction"}
_ID_TABLES = [table for table, key in JOURNALED.items() if key == ("id",)]
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def _key_sql(table: str, row: str = "") -> str:
    """SQL for a row's key as journal_change stores it (text; "f:i" for a pair)."""
    prefix = f"{row}." if row else ""
    return " || ':' || ".join(f"CAST({prefix}{column} AS TEXT)" for column in JOURNALED[table])


def _sqlite_triggers(table: str, columns: Iterable[str]) -> list[str]:
    pairs = ", ".join(f"'{column}', OLD.{column}" for column in columns)
    if table == "followup_event":
        fresh = " AND ".join(
            f"OLD.{column} <= (SELECT mark FROM journal_now WHERE table_name = '{parent}')"
            for column, parent in _EVENT_MARKS.items()
        )
        state = "followup"
    else:
        fresh = f"OLD.id <= (SELECT mark FROM journal_now WHERE table_name = '{table}')"
        state = table
    statements = []
    if table == "followup_event":
        name = "journal_followup_event_insert"
        statements += [
            f"DROP TRIGGER IF EXISTS {name}",
            f"CREATE TRIGGER {name} AFTER INSERT ON {table}"
            " WHEN (SELECT operation_id FROM journal_now WHERE table_name = 'followup')"
            " IS NOT NULL BEGIN"
            " INSERT INTO journal_change (operation_id, table_name, row_key, action)"
            f" SELECT operation_id, '{table}', {_key_sql(table, 'NEW')}, 'insert'"
            " FROM journal_now WHERE table_name = 'followup'; END",
        ]
    for action in ("update", "delete"):
        name = f"journal_{table}_{action}"
        statements += [
            f"DROP TRIGGER IF EXISTS {name}",
            f"CREATE TRIGGER {name} AFTER {action.upper()} ON {table} WHEN {fresh} BEGIN"
            " INSERT INTO journal_change (operation_id, table_name, row_key, action, old_row)"
            f" SELECT operation_id, '{table}', {_key_sql(table, 'OLD')}, '{action}',"
            f" json_object({pairs}) FROM journal_now WHERE table_name = '{state}'; END",
        ]
    return statements


_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION journal_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed jsonb := CASE WHEN TG_OP = 'INSERT' THEN to_jsonb(NEW) ELSE to_jsonb(OLD) END;
BEGIN
  INSERT INTO journal_change (operation_id, table_name, row_key, action, old_row)
  VALUES (current_setting('followup.operation')::integer, TG_TABLE_NAME,
          COALESCE(changed ->> 'id',
                   (changed ->> 'followup_id') || ':' || (changed ->> 'interaction_id')),
          lower(TG_OP), CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE changed::text END);
  RETURN NULL;
END $$
"""


def _postgres_triggers(table: str) -> list[str]:
    name = f"journal_{table}"
    actions = "INSERT OR UPDATE OR DELETE" if table == "followup_event" else "UPDATE OR DELETE"
    return [
        f"DROP TRIGGER IF EXISTS {name} ON {table}",
        f"CREATE TRIGGER {name} AFTER {actions} ON {table} FOR EACH ROW"
        " WHEN (current_setting('followup.operation', true) <> '')"
        " EXECUTE FUNCTION journal_row()",
    ]


def trigger_statements(dialect: str, columns: dict[str, list[str]]) -> list[str]:
    """The DDL that journals every table of ``columns`` (table -> its columns now)."""
    if dialect == "sqlite":
        return [s for table in columns for s in _sqlite_triggers(table, columns[table])]
    return [_PG_FUNCTION] + [s for table in columns for s in _postgres_triggers(table)]


def install_triggers(bind: Any) -> None:
    """(Re)create the journal's triggers from the live columns (a migration's connection)."""
    from sqlalchemy import inspect, text

    inspector = inspect(bind)
    columns = {
        t: [c["name"] for c in inspector.get_columns(t)]
        for t in JOURNALED
        if inspector.has_table(t)
    }
    for statement in trigger_statements(bind.dialect.name, columns):
        bind.execute(text(statement))


@dataclass
class Journal:
    """The operation one command's write transactions record into (``Database.journal``).

    A command that writes in several transactions (a call saves each answer as it is given)
    is still one operation; a transaction that changed nothing journaled leaves none.
    """

    command: str
    now: dt.datetime
    keep_days: Callable[[], int]  # read only when an operation starts
    operation_id: int | None = None
    marks: dict[str, int] = field(default_factory=dict)

    def start(self, tx: Tx) -> None:
        if self.operation_id is None or tx.one(_OPERATION_SQL, {"id": self.operation_id}) is None:
            cutoff = self.now - dt.timedelta(days=self.keep_days())
            tx.execute(
                "DELETE FROM journal_operation WHERE started_at < :cutoff", {"cutoff": cutoff}
            )
            self.operation_id = tx.insert(
                "INSERT INTO journal_operation (command, started_at) VALUES (:command, :now)"
                " RETURNING id",
                {"command": self.command, "now": self.now},
            )
        self.marks = {
            table: int(tx.value(f"SELECT COALESCE(MAX(id), 0) FROM {table}"))
            for table in _ID_TABLES
        }
        tx.journal_into(self.operation_id, self.marks)

    def finish(self, tx: Tx) -> None:
        """Record the inserts, and drop the operation if it changed nothing journaled."""
        op = self.operation_id
        mine = tx.own_rows_sql()
        for table in _ID_TABLES:  # followup_event's inserts have their trigger
            tx.execute(
                "INSERT INTO journal_change (operation_id, table_name, row_key, action)"
                f" SELECT :operation, '{table}', {_key_sql(table)}, 'insert' FROM {table}"
                f" WHERE id > :mark{mine}",
                {"operation": op, "mark": self.marks[table]},
            )
        tx.journal_into(None, {})
        if tx.one("SELECT 1 FROM journal_change WHERE operation_id = :id LIMIT 1", {"id": op}):
            return
        tx.execute("DELETE FROM journal_operation WHERE id = :id", {"id": op})
        self.operation_id = None


_OPERATIONS_SQL = "SELECT id, command, started_at, undoes_id, undone_by_id FROM journal_operation"
_OPERATION_SQL = f"{_OPERATIONS_SQL} WHERE id = :id"


class Operation(NamedTuple):
    """One journaled command and how many rows of each table it added, changed or removed."""

    id: int
    command: str
    started_at: dt.datetime
    undoes_id: int | None
    undone_by_id: int | None
    counts: dict[tuple[str, str], int]


def _operation(row: tuple[Any, ...], counts: dict[tuple[str, str], int]) -> Operation:
    from followup_cli.store.rows import as_datetime

    op_id, command, started_at, undoes, undone_by = row
    return Operation(int(op_id), command, as_datetime(started_at), undoes, undone_by, counts)


def _counts(tx: Tx, where: str, params: dict[str, Any]) -> dict[int, dict[tuple[str, str], int]]:
    counts: dict[int, dict[tuple[str, str], int]] = {}
    for op_id, table, action, number in tx.rows(
        "SELECT operation_id, table_name, action, COUNT(DISTINCT row_key) FROM journal_change"
        f" WHERE {where} GROUP BY operation_id, table_name, action",
        params,
    ):
        counts.setdefault(int(op_id), {})[(table, action)] = int(number)
    return counts


def operations(tx: Tx, limit: int) -> list[Operation]:
    """The latest operations, newest first."""
    rows = tx.rows(f"{_OPERATIONS_SQL} ORDER BY id DESC LIMIT :limit", {"limit": limit})
    if not rows:
        return []
    counts = _counts(tx, "operation_id >= :first", {"first": int(rows[-1][0])})
    return [_operation(row, counts.get(int(row[0]), {})) for row in rows]


def operation(tx: Tx, op_id: int) -> Operation | None:
    row = tx.one(_OPERATION_SQL, {"id": op_id})
    if row is None:
        return None
    return _operation(row, _counts(tx, "operation_id = :id", {"id": op_id}).get(op_id, {}))


def last_undoable(tx: Tx, before: int | None) -> Operation | None:
    """The newest operation neither undone nor itself an undo (older than ``before``)."""
    row = tx.one(
        "SELECT id FROM journal_operation WHERE undoes_id IS NULL AND undone_by_id IS NULL"
        " AND id < :before ORDER BY id DESC LIMIT 1",
        {"before": before if before is not None else 2**62},
    )
    return None if row is None else operation(tx, int(row[0]))


class Conflict(NamedTuple):
    """Why an operation cannot be taken back: a later one changed a row it changed."""

    operation: Operation | None  # None: a change made outside followup
    table: str
    row_key: str


def later_conflict(tx: Tx, op_id: int, current: int | None) -> Conflict | None:
    """The first later operation (not undone, not an undo, not ``current``) that touched a
    row ``op_id`` touched."""
    row = tx.one(
        "SELECT later.operation_id, later.table_name, later.row_key"
        " FROM journal_change mine JOIN journal_change later"
        " ON later.table_name = mine.table_name AND later.row_key = mine.row_key"
        " JOIN journal_operation o ON o.id = later.operation_id"
        " WHERE mine.operation_id = :op AND later.operation_id > :op"
        " AND later.operation_id <> :current"
        " AND o.undone_by_id IS NULL AND o.undoes_id IS NULL"
        " ORDER BY later.operation_id LIMIT 1",
        {"op": op_id, "current": current if current is not None else 0},
    )
    if row is None:
        return None
    found = operation(tx, int(row[0]))
    assert found is not None
    return Conflict(found, row[1], row[2])


def _key_where(table: str) -> str:
    return " AND ".join(f"{column} = :key_{column}" for column in JOURNALED[table])


def _key_params(table: str, row_key: str) -> dict[str, int]:
    parts = row_key.split(":")
    return {f"key_{c}": int(v) for c, v in zip(JOURNALED[table], parts, strict=True)}


def put_back(tx: Tx, op_id: int) -> Conflict | None:
    """Return every row ``op_id`` touched to how it was before, inside ``tx`` (itself a
    journaled operation). Returns the first row outside ``op_id`` this had to change (a later
    record hanging on a row the operation created); the caller then rolls back."""
    import json  # here: every write imports the journal, only undo and forget read it

    current = tx.journal.operation_id if tx.journal else None
    inserted = {
        (table, key)
        for table, key in tx.rows(
            "SELECT table_name, row_key FROM journal_change"
            " WHERE operation_id = :op AND action = 'insert'",
            {"op": op_id},
        )
    }
    before: dict[tuple[str, str], dict[str, Any]] = {}
    for table, key, old in tx.rows(
        "SELECT table_name, row_key, old_row FROM journal_change"
        " WHERE operation_id = :op AND action <> 'insert' ORDER BY id",
        {"op": op_id},
    ):
        if (table, key) not in inserted and (table, key) not in before:
            before[(table, key)] = json.loads(old)
    for table in reversed(JOURNALED):  # children first
        tx.execute(
            f"DELETE FROM {table} WHERE {_key_sql(table)} IN (SELECT row_key FROM journal_change"
            f" WHERE operation_id = :op AND table_name = '{table}' AND action = 'insert')",
            {"op": op_id},
        )
    # Parents first, so every foreign key points at a row already back (checked per
    # statement: PostgreSQL cannot defer them). In each table the rows still there go back
    # first, releasing the unique values (an email a merge moved) the rows put back take; a
    # contact's referrer, which may itself be coming back, is set once all are back.
    referrers: list[tuple[str, Any]] = []
    for table in JOURNALED:
        missing = []
        for (row_table, key), old in before.items():
            if row_table != table:
                continue
            if table == "contact":
                referrers.append((key, old["referred_by_id"]))
                old = {**old, "referred_by_id": None}
            where, params = _key_where(table), _key_params(table, key)
            if tx.one(f"SELECT 1 FROM {table} WHERE {where}", params):
                tx.restore_row(table, old, where=where, params=params)
            else:
                missing.append(old)
        for old in missing:
            tx.restore_row(table, old)
    tx.executemany(
        "UPDATE contact SET referred_by_id = :referrer WHERE id = :id",
        [{"id": int(key), "referrer": referrer} for key, referrer in referrers],
    )
    if current is not None:
        stray = tx.one(
            "SELECT u.table_name, u.row_key FROM journal_change u WHERE u.operation_id = :undo"
            " AND NOT EXISTS (SELECT 1 FROM journal_change t WHERE t.operation_id = :op"
            " AND t.table_name = u.table_name AND t.row_key = u.row_key) LIMIT 1",
            {"undo": current, "op": op_id},
        )
        if stray is not None:
            later = tx.one(
                "SELECT operation_id FROM journal_change WHERE table_name = :t AND row_key = :k"
                " AND operation_id > :op AND operation_id <> :undo ORDER BY id DESC LIMIT 1",
                {"t": stray[0], "k": stray[1], "op": op_id, "undo": current},
            )
            return Conflict(operation(tx, int(later[0])) if later else None, stray[0], stray[1])
        tx.execute(
            "UPDATE journal_operation SET undoes_id = :op WHERE id = :undo",
            {"op": op_id, "undo": current},
        )
    tx.execute(
        "UPDATE journal_operation SET undone_by_id = :undo WHERE id = :op",
        {"op": op_id, "undo": current},
    )
    return None


def check_names(row: dict[str, Any]) -> list[str]:
    """The column names of a kept row (written by our triggers; checked before they meet SQL)."""
    names = list(row)
    if not all(_NAME.match(name) for name in names):
        raise ValueError(f"unexpected column name in the journal: {names}")
    return names


# Every journaled row that belongs to one contact, as (table_name, row_key).
_CONTACT_ROWS_SQL = " UNION ALL ".join(
    [
        "SELECT 'contact', CAST(id AS TEXT) FROM contact WHERE id = :contact",
        *(
            f"SELECT '{table}', CAST(id AS TEXT) FROM {table} WHERE contact_id = :contact"
            for table in ("contact_alias", "interaction", "followup", "call_log")
        ),
        "SELECT 'call_answer', CAST(a.id AS TEXT) FROM call_answer a"
        " JOIN call_log c ON c.id = a.call_id WHERE c.contact_id = :contact",
        f"SELECT 'followup_event', {_key_sql('followup_event', 'e')} FROM followup_event e"
        " JOIN followup f ON f.id = e.followup_id WHERE f.contact_id = :contact",
    ]
)


def contact_rows(tx: Tx, contact_id: int) -> dict[str, list[str]]:
    """The keys of every journaled row of one contact (table -> row keys)."""
    keys: dict[str, list[str]] = {}
    for table, key in tx.rows(_CONTACT_ROWS_SQL, {"contact": contact_id}):
        keys.setdefault(table, []).append(key)
    return keys


def forget_rows(tx: Tx, keys: dict[str, list[str]], values: Iterable[str]) -> None:
    """Erase a person from the journal: every change to their rows (``keys``: table -> row
    keys) and every kept row that holds one of their email addresses or phone numbers."""
    import json

    for table, table_keys in keys.items():
        tx.executemany(
            "DELETE FROM journal_change WHERE table_name = :table AND row_key = :key",
            [{"table": table, "key": key} for key in table_keys],
        )
    for value in values:
        as_kept = json.dumps(value.lower(), ensure_ascii=False)[1:-1]  # as inside JSON
        escaped = re.sub(r"([\\%_])", r"\\\1", as_kept)
        tx.execute(
            "DELETE FROM journal_change WHERE LOWER(old_row) LIKE :pattern ESCAPE '\\'",
            {"pattern": f"%{escaped}%"},
        )
    # An operation with nothing left to take back leaves the history too.
    tx.execute(
        "DELETE FROM journal_operation WHERE NOT EXISTS"
        " (SELECT 1 FROM journal_change c WHERE c.operation_id = journal_operation.id)"
        " AND id <> :current",
        {"current": tx.journal.operation_id if tx.journal and tx.journal.operation_id else 0},
    )
