"""Row types: one frozen dataclass per table, the shape every query of that table returns.

The fields are the table's columns in ``models.py`` (a test checks they stay equal), so a row
read by ``SELECT {COLUMNS}`` becomes an object with ``from_row``. Values are converted from
what the driver returns: SQLite gives dates as ISO text and booleans as 0/1, PostgreSQL
gives ``date`` and ``bool``; the rest of the code only ever sees the Python types.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

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


def _same(value: Any) -> Any:
    return value


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "int": int,
    "int | None": _optional(int),
    "bool": bool,
    "dt.date": as_date,
    "dt.date | None": _optional(as_date),
    "dt.datetime": as_datetime,
    "dt.datetime | None": _optional(as_datetime),
    "str": _same,
    "str | None": _same,
}


class Row:
    """What every row type shares: its table, its column list, and reading a row."""

    TABLE: ClassVar[str]
    COLUMNS: ClassVar[str]  # "id, name, ..." in field order, for SELECT and INSERT
    # (field index, converter) for the fields a value read by SQL needs converting for
    _convert: ClassVar[tuple[tuple[int, Callable[[Any], Any]], ...]]
    _width: ClassVar[int]

    def __init_subclass__(cls, table: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.TABLE = table

    @classmethod
    def _setup(cls) -> None:
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        cls.COLUMNS = ", ".join(f.name for f in fields)
        converters = (_CONVERTERS[str(f.type)] for f in fields)
        cls._convert = tuple((i, c) for i, c in enumerate(converters) if c is not _same)
        cls._width = len(fields)

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Self:
        """The row type of a row read by SQL (a list of 100k contacts reads 100k of these:
        only the fields that need it are converted)."""
        values = list(row)
        if len(values) != cls._width:
            raise ValueError(f"{cls.__name__} has {cls._width} fields, the row {len(values)}")
        for i, convert in cls._convert:
            values[i] = convert(values[i])
        return cls(*values)

    def replace(self, **changes: Any) -> Self:
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


@dataclass(frozen=True)
class ContactRow(Row, table="contact"):
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


@dataclass(frozen=True)
class InteractionRow(Row, table="interaction"):
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


@dataclass(frozen=True)
class FollowUpRow(Row, table="followup"):
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


@dataclass(frozen=True)
class CallRow(Row, table="call_log"):
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


@dataclass(frozen=True)
class AnswerRow(Row, table="call_answer"):
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


ROW_TYPES: tuple[type[Row], ...] = (ContactRow, InteractionRow, FollowUpRow, CallRow, AnswerRow)
for _type in ROW_TYPES:
    _type._setup()


R = TypeVar("R", bound=Row)


def _select(kind: type[R], where: str, order: str, limit: int | None) -> str:
    condition = f" WHERE {where}" if where else ""
    most = f" LIMIT {int(limit)}" if limit is not None else ""
    return f"SELECT {kind.COLUMNS} FROM {kind.TABLE}{condition} ORDER BY {order}{most}"


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
    return [kind.from_row(row) for row in tx.rows(_select(kind, where, order, limit), params)]


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
    return map(kind.from_row, tx.iter(_select(kind, where, order, limit), params))


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
    sql = f"INSERT INTO {kind.TABLE} ({names}) VALUES ({marks}) RETURNING {kind.COLUMNS}"
    return kind.from_row(tx.rows(sql, values)[0])


def update(tx: Tx, table: str, row_id: int, changes: Mapping[str, Any]) -> None:
    """UPDATE the columns of ``changes`` of one row."""
    if changes:
        assignments = ", ".join(f"{name} = :{name}" for name in changes)
        tx.execute(f"UPDATE {table} SET {assignments} WHERE id = :id", {**changes, "id": row_id})
