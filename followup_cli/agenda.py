"""The morning agenda: what is due today or overdue, and what comes next.

Read with one indexed query (``ix_followup_status_due_on``), so it costs the same on a
database of a million follow-ups as on an empty one. The SQL is portable (SQLite and
PostgreSQL) and runs in a read transaction (``Database.reading``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from followup_cli.scheduling import WorkCalendar, purpose_for
from followup_cli.store.rows import as_date
from followup_cli.store.sql.agenda import (
    AGENDA_EVENTS_SQL,
    AGENDA_SQL,
    FOLLOWUP_EVENTS_SQL,
    NEXT_DUE_SQL,
    UPCOMING_EVENTS_SQL,
    UPCOMING_SQL,
)
from followup_cli.values import address_line, format_money

if TYPE_CHECKING:
    from followup_cli.store import Tx
    from followup_cli.store.tx import Params

# The default working week, for callers that have no owner's calendar at hand.
MON_TO_FRI = WorkCalendar()


class AgendaItem(NamedTuple):
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
    address: str | None
    days_overdue: int
    note: str | None
    rule: str = ""  # the cadence rule that made it (``review-link``: the row shows the link)

    @property
    def reach_at(self) -> str:
        """Where it goes: the email, the postal address (on one line) for a note or a visit,
        else the phone."""
        if self.channel == "email":
            return self.email or ""
        if self.channel in ("mail", "visit"):
            return address_line(self.address)
        return self.phone or ""

    def to_json(self) -> dict[str, Any]:
        """Its fields, the date as ISO text (``dataclasses.asdict`` deep-copied: 4.8 s of 8.9 s
        for a 33k-item agenda)."""
        data = self._asdict()
        data["due"] = self.due.isoformat()
        return data


class Event(NamedTuple):
    """What a follow-up is about: a sale on a day for an amount, a visit, a complaint."""

    kind: str
    occurred_on: dt.date
    amount_cents: int | None = None

    @classmethod
    def of(cls, kind: str | None, occurred_on: Any, amount_cents: int | None) -> Event | None:
        if kind is None or occurred_on is None:
            return None
        return cls(kind, as_date(occurred_on), amount_cents)


def _and(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def purpose_in_words(
    template: str,
    channel: str,
    events: Sequence[Event],
    currency: str = "$",
    today: dt.date | None = None,
) -> str:
    """``Thank-you call for sales on Nov 20 and Nov 24, $129.00 + $45.00``: what the
    follow-up is about (every event it covers). The year is shown when it is not
    ``today``'s, so a year-old sale never reads as yesterday's."""
    words = purpose_for(template, channel)
    if not events:
        return words

    def when(day: dt.date) -> str:
        return f"{day:%b} {day.day}" + (f", {day.year}" if today and day.year != today.year else "")

    events = sorted(events, key=lambda e: e.occurred_on)  # a sale logged late joins too
    days = _and(list(dict.fromkeys(when(e.occurred_on) for e in events)))  # two sales a day
    kind = events[0].kind
    plural = "s" if len(events) > 1 else ""
    if kind == "sale":
        amounts = [
            format_money(e.amount_cents, currency) for e in events if e.amount_cents is not None
        ]
        money = f", {' + '.join(amounts)}" if amounts else ""
        return f"{words} for sale{plural} on {days}{money}"
    return f"{words} ({kind}{plural} on {days})"


def later_events(
    tx: Tx, sql: str = FOLLOWUP_EVENTS_SQL, params: Params = None
) -> dict[int, list[Event]]:
    """The later events each follow-up ``sql`` selects also covers (a rule's ``once_per``),
    oldest first; by default those of follow-up ``params["id"]``."""
    found: dict[int, list[Event]] = {}
    for fid, kind, on, cents in tx.rows(sql, params):
        found.setdefault(fid, []).append(Event(kind, as_date(on), cents))
    return found


def _items(
    tx: Tx,
    rows: Iterable[tuple[Any, ...]],
    also: dict[int, list[Event]],
    today: dt.date,
    currency: str,
    calendar: WorkCalendar,
) -> Iterator[AgendaItem]:
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
        address,
        kind,
        on,
        cents,
        note,
        rule,
    ) in rows:
        due_date = as_date(due)
        first = Event.of(kind, on, cents)
        events = [first, *also.get(fid, [])] if first else []
        yield AgendaItem(
            id=fid,
            contact_id=cid,
            contact=name,
            due=due_date,
            channel=channel,
            purpose=purpose_in_words(purpose, channel, events, currency, today),
            priority=prio,
            attempts=attempts,
            phone=phone,
            email=email,
            address=address,
            # past due is overdue, even on a day off (Friday's call, on Saturday)
            days_overdue=max(calendar.working_days_since(due_date, today), 1)
            if due_date < today
            else 0,
            note=note,
            rule=rule,
        )


def read_due(
    tx: Tx,
    today: dt.date,
    *,
    channel: str | None = None,
    currency: str = "$",
    calendar: WorkCalendar = MON_TO_FRI,
) -> Iterator[AgendaItem]:
    """Every pending follow-up due today or earlier, as it is read (a 33k-item agenda
    holds one batch in memory): most overdue first, then by priority. How overdue counts
    the working days of ``calendar`` (the owner's)."""
    params = {"today": today, "channel": channel}
    also = later_events(tx, AGENDA_EVENTS_SQL, params)
    return _items(tx, tx.iter(AGENDA_SQL, params), also, today, currency, calendar)


def due_today(
    tx: Tx,
    today: dt.date,
    *,
    channel: str | None = None,
    currency: str = "$",
    calendar: WorkCalendar = MON_TO_FRI,
) -> list[AgendaItem]:
    """``read_due``, as a list."""
    return list(read_due(tx, today, channel=channel, currency=currency, calendar=calendar))


def read_upcoming(
    tx: Tx,
    today: dt.date,
    days: int,
    *,
    channel: str | None = None,
    currency: str = "$",
    limit: int | None = None,
) -> Iterator[AgendaItem]:
    """Pending follow-ups due after today, within ``days`` days, as they are read; at most
    ``limit``."""
    until = today + dt.timedelta(days=days)
    params = {"today": today, "until": until, "channel": channel}
    also = later_events(tx, UPCOMING_EVENTS_SQL, params)
    rows = tx.iter(UPCOMING_SQL + (f" LIMIT {int(limit)}" if limit else ""), params)
    return _items(tx, rows, also, today, currency, MON_TO_FRI)  # none is overdue


def upcoming(
    tx: Tx, today: dt.date, days: int, *, channel: str | None = None, currency: str = "$"
) -> list[AgendaItem]:
    """``read_upcoming``, as a list."""
    return list(read_upcoming(tx, today, days, channel=channel, currency=currency))


def next_due(tx: Tx, today: dt.date, *, channel: str | None = None) -> dt.date | None:
    """When the next follow-up after today falls due, for the "nothing due" message."""
    value = tx.value(NEXT_DUE_SQL, {"today": today, "channel": channel})
    return as_date(value) if value is not None else None
