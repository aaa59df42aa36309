"""Exports: CSV of every table the owner cares about, an iCalendar agenda, one person's data.

Why it is built this way:
- Rows stream from a database cursor in ``fetchmany`` batches straight into ``csv.writer``:
  memory stays flat whether the export has ten rows or ten million, and no ORM object is
  ever built (SQLite goes through the standard ``sqlite3`` module, in a read
  transaction, ``Database.reading``; PostgreSQL through a server-side cursor).
- Formula-safe (OWASP "CSV Injection", ``files.formula_safe``): a customer's name or answer is
  untrusted text, so a text cell that starts with ``=``, ``+``, ``-``, ``@``, tab, CR or LF (or
  a full-width look-alike, or any of them behind zero-width characters) gets a leading single
  quote. Only text columns are checked, so numbers and dates stay plain numbers and dates
  (a refund of -12.50 stays a number; a phone number "+1 555 0100" is text and is escaped).
- Every export is ordered by id, so the database reads rows in storage order and never sorts.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from followup_cli.errors import InvalidInput
from followup_cli.files import formula_safe
from followup_cli.scheduling import purpose_for
from followup_cli.store.sql import ALL_STATUSES

if TYPE_CHECKING:
    from followup_cli.store import Tx
    from followup_cli.store.rows import AnswerRow, CallRow, ContactRow, FollowUpRow, InteractionRow

BATCH_SIZE = 5000
# Read exports through a memory map: it speeds up the follow-ups export's contact join on a
# 1M-row database. Capped, because mapped pages count in the export's peak memory.
EXPORT_MMAP_BYTES = 48 << 20
UTF8_BOM = "\ufeff"

# Column types: how a value goes from the database into a CSV cell.
TEXT, NUMBER, DATE, BOOL, MONEY, PURPOSE = "text", "number", "date", "bool", "money", "purpose"


@dataclass(frozen=True)
class ExportKind:
    """One CSV export: its columns (name, type), its query, and the date ``--since`` filters."""

    name: str
    columns: tuple[tuple[str, str], ...]
    sql: str  # selects the columns in order; ``{where}`` takes the period filter
    date_column: str  # the SQL expression --since / --until compare with
    date_label: str  # what that date is, in words, for help and docs
    # Added to a period filter so it can walk an index that leads with another column.
    period_scope: str = ""

    @property
    def header(self) -> list[str]:
        return [name for name, _ in self.columns]


KINDS: dict[str, ExportKind] = {
    kind.name: kind
    for kind in (
        ExportKind(
            "contacts",
            (
                ("id", NUMBER),
                ("name", TEXT),
                ("email", TEXT),
                ("phone", TEXT),
                ("address", TEXT),
                ("prefers", TEXT),
                ("do_not_contact", BOOL),
                ("tags", TEXT),
                ("referred_by", NUMBER),
                ("created_on", DATE),
                ("last_interaction_on", DATE),
                ("last_outcome", TEXT),
            ),
            """
SELECT c.id, c.name, c.email, c.phone, c.address, c.prefers, c.do_not_contact, c.tags, c.referred_by_id,
       c.created_on,
       (SELECT MAX(i.occurred_on) FROM interaction i WHERE i.contact_id = c.id),
       (SELECT f.outcome FROM followup f
         WHERE f.contact_id = c.id AND f.status = 'done' AND f.outcome IS NOT NULL
         ORDER BY f.completed_on DESC, f.id DESC LIMIT 1)
FROM contact c WHERE 1 = 1{where}
ORDER BY c.id""",
            "c.created_on",
            "the day the contact was added",
        ),
        ExportKind(
            "sales",
            (
                ("id", NUMBER),
                ("source", TEXT),
                ("order_id", TEXT),
                ("contact_id", NUMBER),
                ("contact", TEXT),
                ("sold_on", DATE),
                ("amount", MONEY),
                ("items", TEXT),
            ),
            """
SELECT i.id, i.source, i.external_id, i.contact_id, c.name, i.occurred_on, i.amount_cents,
       i.items
FROM interaction i JOIN contact c ON c.id = i.contact_id
WHERE i.kind = 'sale'{where}
ORDER BY i.id""",
            "i.occurred_on",
            "the day of the sale",
        ),
        ExportKind(
            "followups",
            (
                ("id", NUMBER),
                ("contact_id", NUMBER),
                ("contact", TEXT),
                ("due", DATE),
                ("channel", TEXT),
                ("purpose", PURPOSE),
                ("status", TEXT),
                ("outcome", TEXT),
                ("completed_on", DATE),
                ("attempts", NUMBER),
            ),
            """
SELECT f.id, f.contact_id, c.name, f.due_on, f.channel, f.purpose, f.status, f.outcome,
       f.completed_on, f.attempts
FROM followup f JOIN contact c ON c.id = f.contact_id
WHERE 1 = 1{where}
ORDER BY f.id""",
            "f.due_on",
            "the due date",
            f" AND f.status IN {ALL_STATUSES}",  # ix_followup_status_due_on
        ),
        ExportKind(
            "answers",
            (
                ("call_id", NUMBER),
                ("followup_id", NUMBER),
                ("contact_id", NUMBER),
                ("contact", TEXT),
                ("called_on", DATE),
                ("step", TEXT),
                ("question", TEXT),
                ("answer", TEXT),
                ("label", TEXT),
                ("overridden", BOOL),
            ),
            """
SELECT a.call_id, l.followup_id, l.contact_id, c.name, l.called_on, a.step, a.question,
       a.answer, a.label, a.overridden
FROM call_answer a
JOIN call_log l ON l.id = a.call_id
JOIN contact c ON c.id = l.contact_id
WHERE 1 = 1{where}
ORDER BY a.id""",
            "l.called_on",
            "the day of the call",
        ),
        ExportKind(
            "calls",
            (
                ("id", NUMBER),
                ("followup_id", NUMBER),
                ("contact_id", NUMBER),
                ("contact", TEXT),
                ("called_on", DATE),
                ("status", TEXT),
                ("reached", TEXT),
                ("outcome", TEXT),
                ("would_recommend", TEXT),
                ("review", TEXT),
                ("referrals", NUMBER),
            ),
            """
SELECT l.id, l.followup_id, l.contact_id, c.name, l.called_on, l.status, l.reach, l.outcome,
       l.would_recommend, l.review, l.referrals
FROM call_log l JOIN contact c ON c.id = l.contact_id
WHERE 1 = 1{where}
ORDER BY l.id""",
            "l.called_on",
            "the day of the call",
        ),
    )
}
KIND_NAMES = ", ".join(KINDS)


def get_kind(name: str) -> ExportKind:
    kind = KINDS.get(name.strip().lower())
    if kind is None:
        raise InvalidInput(f"Unknown export {name!r}; use one of {KIND_NAMES}, or ics.")
    return kind


def check_period(since: dt.date | None, until: dt.date | None) -> None:
    if since is not None and until is not None and since > until:
        raise InvalidInput(
            f"--since {since.isoformat()} is after --until {until.isoformat()}; swap them."
        )


def period_filter(
    column: str, since: dt.date | None, until: dt.date | None
) -> tuple[str, dict[str, Any]]:
    """`` AND col >= :since AND col <= :until`` for the bounds that were given."""
    sql, params = "", {}
    if since is not None:
        sql += f" AND {column} >= :since"
        params["since"] = since
    if until is not None:
        sql += f" AND {column} <= :until"
        params["until"] = until
    return sql, params


# ---------------------------------------------------------------------------------------------
# Streaming reads


def _converter(columns: Sequence[tuple[str, str]]) -> Callable[[tuple[Any, ...]], list[Any]]:
    """A per-row function that touches only the cells that need it: text (``formula_safe``),
    money (cents to ``129.50``), booleans (``1``/``0``) and the purpose (in words, cached per
    template and channel). Dates need nothing: SQLite returns ISO text, other drivers
    ``date`` objects whose ``str`` is ISO."""
    channel_at = next((i for i, (name, _) in enumerate(columns) if name == "channel"), None)
    words: dict[tuple[str, str], str | None] = {}
    texts = [i for i, (_, kind) in enumerate(columns) if kind == TEXT]
    money = [i for i, (_, kind) in enumerate(columns) if kind == MONEY]
    flags = [i for i, (_, kind) in enumerate(columns) if kind == BOOL]
    purposes = [i for i, (_, kind) in enumerate(columns) if kind == PURPOSE]

    def convert(row: tuple[Any, ...]) -> list[Any]:
        cells = list(row)
        for i in texts:
            cells[i] = formula_safe(cells[i])
        for i in money:
            if cells[i] is not None:
                cells[i] = f"{cells[i] / 100:.2f}"
        for i in flags:
            if cells[i] is not None:
                cells[i] = 1 if cells[i] else 0
        for i in purposes:
            key = (cells[i] or "", cells[channel_at] if channel_at is not None else "")
            said = words.get(key)
            if said is None:
                said = words[key] = formula_safe(_purpose_words(*key))
            cells[i] = said
        return cells

    return convert


def _purpose_words(template: str | None, channel: str) -> str:
    if not template:
        return ""
    try:
        return purpose_for(template, channel)
    except ValueError:  # an unknown channel: keep the template as it is
        return template


def export_csv(
    tx: Tx,
    kind: ExportKind,
    out: IO[str],
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    excel: bool = False,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Write ``kind`` as CSV (header first) to ``out``; returns the number of data rows.

    ``out`` must be opened with ``newline=""`` (the csv module writes CRLF, as RFC 4180 says).
    ``excel`` starts the file with a UTF-8 BOM, which is how Excel recognises UTF-8.
    """
    check_period(since, until)
    where, params = period_filter(kind.date_column, since, until)
    if where:
        where = kind.period_scope + where
    if excel:
        out.write(UTF8_BOM)
    writer = csv.writer(out)
    writer.writerow(kind.header)
    convert = _converter(kind.columns)
    count = 0
    sql = kind.sql.format(where=where)
    for batch in tx.batches(sql, params, batch_size):
        writer.writerows(map(convert, batch))
        count += len(batch)
    return count


# ---------------------------------------------------------------------------------------------
# The agenda as a calendar

ICS_PRODID = "-//followup-cli//followup agenda//EN"


def uid_for(followup_id: int) -> str:
    """Stable per follow-up, so importing a newer file updates the event instead of adding one."""
    return f"followup-{followup_id}@followup-cli"


def agenda_calendar(
    tx: Tx, today: dt.date, days: int, *, stamp: dt.datetime, currency: str = "$"
) -> tuple[bytes, int]:
    """The pending follow-ups due up to ``today + days`` as iCalendar bytes, and their count.

    Overdue ones are placed on today (an event in the past is one nobody sees); opted-out
    contacts and channels are left out, exactly as in ``followup today``.
    """
    from icalendar import Calendar, Event

    from followup_cli import agenda

    if days < 0:
        raise InvalidInput("--days must be 0 or more.")
    items = agenda.due_today(tx, today, currency=currency)
    items += agenda.upcoming(tx, today, days, currency=currency) if days else []
    cal = Calendar()
    cal.add("prodid", ICS_PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Follow-ups")
    for item in items:
        on = max(item.due, today)
        reach = item.reach_at
        event = Event()
        event.add("uid", uid_for(item.id))
        event.add("dtstamp", stamp)
        event.add("dtstart", on)
        event.add("dtend", on + dt.timedelta(days=1))
        event.add("summary", f"{item.purpose}: {item.contact}")
        lines = [
            f"Contact: {item.contact} (#{item.contact_id})",
            f"Channel: {item.channel}" + (f", {reach}" if reach else ""),
            f"Why: {item.purpose}",
        ]
        if item.days_overdue:
            lines.append(f"Overdue since {item.due.isoformat()}")
        if item.note:
            lines.append(f"Note: {item.note}")
        lines.append(f"Done? followup done {item.id} --outcome positive")
        event.add("description", "\n".join(lines))
        event.add("categories", [item.channel])
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical(), len(items)


# ---------------------------------------------------------------------------------------------
# Everything about one person


def contact_document(tx: Tx, ref: str, *, exported_on: dt.date) -> dict[str, Any]:
    """Everything the database holds about one person, as JSON-ready data (a subject access
    request: "what do you keep about me?")."""
    from followup_cli.contacts import history
    from followup_cli.scheduling import purpose_for

    h = history(tx, ref)

    def plain(
        row: ContactRow | InteractionRow | FollowUpRow | CallRow | AnswerRow,
    ) -> dict[str, Any]:
        return {
            name: value.isoformat() if isinstance(value, dt.date) else value
            for name, value in row._asdict().items()
        }

    return {
        "exported_on": exported_on.isoformat(),
        "contact": plain(h.contact),
        "referred_by": (
            {"id": h.referred_by.id, "name": h.referred_by.name} if h.referred_by else None
        ),
        "referrals": [{"id": r.id, "name": r.name} for r in h.referrals],
        "interactions": [plain(i) for i in h.interactions],
        # the purpose in words ("Thank-you call"), as everywhere a person reads it
        "followups": [
            {**plain(f), "purpose": purpose_for(f.purpose, f.channel)} for f in h.followups
        ],
        "calls": [
            {**plain(entry.call), "answers": [plain(a) for a in entry.answers]} for entry in h.calls
        ],
    }
