"""The morning agenda: what is due today or overdue, and what comes next.

Read with one indexed query (``ix_followup_status_due_on``), so it costs the same on a
database of a million follow-ups as on an empty one. The SQL is portable (SQLite and
PostgreSQL) and runs in a read transaction (``Database.reading``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from followup_cli.scheduling import purpose_for
from followup_cli.store.rows import as_date
from followup_cli.store.sql.agenda import AGENDA_SQL, NEXT_DUE_SQL, UPCOMING_SQL
from followup_cli.values import format_money

if TYPE_CHECKING:
    from followup_cli.store import Tx


@dataclass(frozen=True)
class AgendaItem:
    id: int
    contact_id: int
    contact: str
    due: dt.date
    channel: str
    purpose: str  # in words: "Thank-you call for sale on Nov 20, $129.00"
    priority: int
    attempts: int
    phone: str | None
    email: str | None
    days_overdue: int
    note: str | None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["due"] = self.due.isoformat()
        return data


def purpose_in_words(
    template: str,
    channel: str,
    kind: str | None,
    occurred_on: Any,
    amount_cents: int | None,
    currency: str = "$",
    today: dt.date | None = None,
) -> str:
    """``Thank-you call for sale on Nov 20, $129.00``: what the follow-up is about. The year
    is shown when it is not ``today``'s, so a year-old sale never reads as yesterday's."""
    words = purpose_for(template, channel)
    if kind is None or occurred_on is None:
        return words
    day = as_date(occurred_on)
    when = f"{day:%b} {day.day}" + (f", {day.year}" if today and day.year != today.year else "")
    if kind == "sale":
        money = f", {format_money(amount_cents, currency)}" if amount_cents is not None else ""
        return f"{words} for sale on {when}{money}"
    return f"{words} ({kind} on {when})"


def _items(rows: list[tuple[Any, ...]], today: dt.date, currency: str) -> list[AgendaItem]:
    items = []
    for (
        fid,
        cid,
        name,
        due,
        channel,
        purpose,
        prio,
        attempts,
        phone,
        email,
        kind,
        on,
        cents,
        note,
    ) in rows:
        due_date = as_date(due)
        items.append(
            AgendaItem(
                id=fid,
                contact_id=cid,
                contact=name,
                due=due_date,
                channel=channel,
                purpose=purpose_in_words(purpose, channel, kind, on, cents, currency, today),
                priority=prio,
                attempts=attempts,
                phone=phone,
                email=email,
                days_overdue=max((today - due_date).days, 0),
                note=note,
            )
        )
    return items


def due_today(
    tx: Tx, today: dt.date, *, channel: str | None = None, currency: str = "$"
) -> list[AgendaItem]:
    """Every pending follow-up due today or earlier: most overdue first, then by priority."""
    rows = tx.rows(AGENDA_SQL, {"today": today, "channel": channel})
    return _items(rows, today, currency)


def upcoming(
    tx: Tx, today: dt.date, days: int, *, channel: str | None = None, currency: str = "$"
) -> list[AgendaItem]:
    """Pending follow-ups due after today, within ``days`` days."""
    until = today + dt.timedelta(days=days)
    rows = tx.rows(UPCOMING_SQL, {"today": today, "until": until, "channel": channel})
    return _items(rows, today, currency)


def next_due(tx: Tx, today: dt.date, *, channel: str | None = None) -> dt.date | None:
    """When the next follow-up after today falls due, for the "nothing due" message."""
    value = tx.value(NEXT_DUE_SQL, {"today": today, "channel": channel})
    return as_date(value) if value is not None else None
