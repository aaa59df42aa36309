"""Row types: one named tuple per table, the shape every query of that table returns.

The fields are the table's columns in ``models.py`` (a test checks they stay equal), so a row
read by ``SELECT {columns_of(kind)}`` becomes a row type with ``read_row``. Values are
converted from what the driver returns: SQLite gives dates as ISO text and booleans as 0/1,
PostgreSQL gives ``date`` and ``bool``; the rest of the code only ever sees the Python types.

Named tuples, not frozen dataclasses: a list of 100k contacts builds 100k of them, 0.4 s as
dataclasses against 0.1 s, and each command's start-up built five dataclasses for 5 ms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

if TYPE_CHECKING:
    from followup_cli.store.tx import Params, Tx


def as_date(value: Any) -> dt.date:
    """A date read by SQL: ISO text on SQLite, a date elsewhere."""
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def as_datetime(value: Any) -> dt.datetime:
    """A timestamp read by SQL, as an aware UTC instant: SQLite holds UTC wall time as
    ``YYYY-MM-DD HH:MM:SS.ffffff`` text, PostgreSQL a timestamptz."""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _optional(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else convert(value)


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "bool": bool,
    "dt.date": as_date,
    "dt.date | None": _optional(as_date),
    "dt.datetime": as_datetime,
    "dt.datetime | None": _optional(as_datetime),
}
# Text and integers arrive as they are, from either driver; a field of any other type must
# have a converter (a row type is refused at import, not read wrong on one driver).
_AS_READ = {"int", "int | None", "str", "str | None"}


class ContactRow(NamedTuple):
    id: int
    name: str
    email: str | None
    phone: str | None
    address: str | None
    prefers: str
    note: str | None
    tags: str
    every_days: int | None
    phone_key: str | None
    phone_invalid: bool
    do_not_contact: bool
    opted_out_channels: str
    referred_by_id: int | None
    created_on: dt.date
    name_key: str  # values.fold_text(name), for search


class InteractionRow(NamedTuple):
    id: int
    contact_id: int
    kind: str
    occurred_on: dt.date
    amount_cents: int | None
    items: str | None
    note: str | None
    source: str | None
    external_id: str | None
    fingerprint: str | None
    created_at: dt.datetime


class FollowUpRow(NamedTuple):
    id: int
    contact_id: int
    interaction_id: int | None
    rule: str
    purpose: str
    channel: str
    due_on: dt.date
    priority: int
    status: str
    outcome: str | None
    completed_on: dt.date | None
    attempts: int
    until_sale: bool
    note: str | None
    created_on: dt.date
    template: str | None  # the message template it was sent with (``drafts``)


class CallRow(NamedTuple):
    id: int
    followup_id: int | None
    contact_id: int
    called_on: dt.date
    started_at: dt.datetime
    status: str
    reach: str | None
    outcome: str | None
    would_recommend: str | None
    review: str | None
    referrals: int
    script: str


class AnswerRow(NamedTuple):
    id: int
    call_id: int
    step: str
    question: str
    answer: str
    label: str | None
    suggested_label: str | None
    overridden: bool
    answered_at: dt.datetime
    learn: bool = True  # a hand-set label teaches the suggestions until forgotten


R = TypeVar("R", ContactRow, InteractionRow, FollowUpRow, CallRow, AnswerRow)

TABLES: dict[type[Any], str] = {
    ContactRow: "contact",
    InteractionRow: "interaction",
    FollowUpRow: "followup",
    CallRow: "call_log",
    AnswerRow: "call_answer",
}
ROW_TYPES = tuple(TABLES)


def table_of(kind: type[R]) -> str:
    """The table rows of ``kind`` are read from."""
    return TABLES[kind]


def columns_of(kind: type[R]) -> str:
    """``"id, name, ..."`` in field order, for SELECT, INSERT and RETURNING."""
    return ", ".join(kind._fields)


def _converts(kind: type[Any]) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    """The (field index, converter) of the fields of ``kind`` a value read by SQL needs
    converting for: a list of 100k contacts converts three of their sixteen fields.
    (``NamedTuple`` keeps each annotation as a ``ForwardRef`` to the text written here.)"""
    found = []
    for i, (name, annotation) in enumerate(kind.__annotations__.items()):
        written = getattr(annotation, "__forward_arg__", str(annotation))
        if written in _CONVERTERS:
            found.append((i, _CONVERTERS[written]))
        elif written not in _AS_READ:
            raise TypeError(f"{kind.__name__}.{name}: no converter for {written!r}")
    return tuple(found)


_CONVERTS = {kind: _converts(kind) for kind in TABLES}


def read_row(kind: type[R], row: Sequence[Any]) -> R:
    """The row type of a row read by SQL."""
    values = list(row)
    if len(values) != len(kind._fields):
        raise ValueError(f"{kind.__name__} has {len(kind._fields)} fields, the row {len(values)}")
    for i, convert in _CONVERTS[kind]:
        values[i] = convert(values[i])
    return kind._make(values)


def _select(kind: type[R], where: str, order: str, limit: int | None) -> str:
    condition = f" WHERE {where}" if where else ""
    most = f" LIMIT {int(limit)}" if limit is not None else ""
    return f"SELECT {columns_of(kind)} FROM {table_of(kind)}{condition} ORDER BY {order}{most}"


def fetch(
    tx: Tx,
    kind: type[R],
    where: str = "",
    params: Params = None,
    *,
    order: str = "id",
    limit: int | None = None,
) -> list[R]:
    """Rows of ``kind``'s table matching ``where`` (SQL with ``:name`` parameters)."""
    return [read_row(kind, row) for row in tx.rows(_select(kind, where, order, limit), params)]


def stream(
    tx: Tx,
    kind: type[R],
    where: str = "",
    params: Params = None,
    *,
    order: str = "id",
    limit: int | None = None,
) -> Iterator[R]:
    """``fetch`` for a list of any length: rows as they are read, one batch in memory."""
    select = _select(kind, where, order, limit)
    return (read_row(kind, row) for row in tx.iter(select, params))


def get(tx: Tx, kind: type[R], row_id: int) -> R | None:
    """One row by id, or None."""
    found = fetch(tx, kind, "id = :id", {"id": row_id})
    return found[0] if found else None


def insert(tx: Tx, table: str, values: Mapping[str, Any]) -> int:
    """INSERT one row of ``values`` (column -> value); its new id."""
    names = ", ".join(values)
    marks = ", ".join(":" + name for name in values)
    return tx.insert(f"INSERT INTO {table} ({names}) VALUES ({marks}) RETURNING id", values)


def insert_row(tx: Tx, kind: type[R], values: Mapping[str, Any]) -> R:
    """INSERT one row of ``values``, naming only the columns it sets (the schema holds every
    default); the row as stored, defaults and id included."""
    names = ", ".join(values)
    marks = ", ".join(":" + name for name in values)
    sql = f"INSERT INTO {table_of(kind)} ({names}) VALUES ({marks}) RETURNING {columns_of(kind)}"
    return read_row(kind, tx.rows(sql, values)[0])


def save(tx: Tx, row: R, changes: Mapping[str, Any]) -> R:
    """UPDATE the columns of ``changes`` of ``row``; the row as it now is."""
    update(tx, table_of(type(row)), row.id, changes)
    return row._replace(**changes)


def update(tx: Tx, table: str, row_id: int, changes: Mapping[str, Any]) -> None:
    """UPDATE the columns of ``changes`` of one row."""
    if changes:
        assignments = ", ".join(f"{name} = :{name}" for name in changes)
        tx.execute(f"UPDATE {table} SET {assignments} WHERE id = :id", {**changes, "id": row_id})
