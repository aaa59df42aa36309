"""Dates as people type them: ``today``, ``monday``, ``+2w``, ``dec 1``, ``2026-12-01``."""

from __future__ import annotations

import datetime as dt
import re

from followup_cli.errors import InvalidInput
from followup_cli.scheduling import UNIT_WORDS, WEEKDAYS, Offset, WorkCalendar, unit_of

WHEN_EXAMPLES = "2026-12-01, today, tomorrow, monday, next friday, in 3 days, +2w or dec 1"
_WEEKDAY_NAMES = {
    **{name: i for i, name in enumerate(WEEKDAYS)},
    **{
        name: i
        for i, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    "tues": 1,
    "wednes": 2,
    "thur": 3,
    "thurs": 3,
}
_RELATIVE_RE = re.compile(
    rf"^(?:(?P<sign>[+-])|in\s+)?(?P<n>\d{{1,4}})\s*(?P<unit>{UNIT_WORDS})(?P<ago>\s+ago)?$"
)
_WEEKDAY_RE = re.compile(r"^(?:(?P<which>next|this|last|on|coming)\s+)?(?P<day>[a-z]+)$")


def parse_when(
    text: str, today: dt.date, *, calendar: WorkCalendar, future: bool = True
) -> dt.date:
    """Turn what the owner typed into a date, relative to ``today``.

    ``future`` says which way an incomplete date leans: ``snooze 12 dec 1`` means the next
    Dec 1, ``log sale Ann --on dec 1`` the last one. ``+3wd`` counts the working days of
    ``calendar``: the owner's, from their rules file. A weekday, with or without ``next``,
    is the coming one, never today (on a Tuesday, ``next friday`` is in three days, as GNU
    ``date`` reads it); ``last friday`` the one before today.
    """
    raw = text
    text = " ".join(str(text).strip().lower().split())
    if not text:
        raise _bad_date(raw)
    if text in ("today", "now"):
        return today
    if text == "tomorrow":
        return today + dt.timedelta(days=1)
    if text == "yesterday":
        return today - dt.timedelta(days=1)
    if text in ("next week", "next month", "next year"):
        text = "+1" + text.split()[1][0]
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return _checked(dt.date.fromisoformat(text), raw)
        match = _RELATIVE_RE.match(text)
        if match:
            offset = Offset(int(match.group("n")), unit_of(match.group("unit")))
            backwards = match.group("sign") == "-" or bool(match.group("ago"))
            return _checked(calendar.shift(today, offset, backwards=backwards), raw)
        match = _WEEKDAY_RE.match(text)
        if match and match.group("day") in _WEEKDAY_NAMES:
            weekday = _WEEKDAY_NAMES[match.group("day")]
            if match.group("which") == "last" or (not future and match.group("which") is None):
                delta = (today.weekday() - weekday) % 7 or 7
                return today - dt.timedelta(days=delta)
            delta = (weekday - today.weekday()) % 7 or 7
            return today + dt.timedelta(days=delta)
        return _checked(_parse_calendar_date(text, today, future), raw)
    except (ValueError, OverflowError):
        raise _bad_date(raw) from None


def _parse_calendar_date(text: str, today: dt.date, future: bool) -> dt.date:
    """``dec 1``, ``1 december 2026``, ``12/01/2026``: dateutil, with guard rails.

    dateutil happily reads ``1`` or ``5pm`` as today; we insist on a month name or a
    date separator so a typo is refused instead of silently meaning today.
    """
    from dateutil import parser

    has_month_name = re.search(r"[a-z]{3,}", text) is not None
    has_separator = re.search(r"\d[/.\-]\d", text) is not None
    if not (has_month_name or has_separator):
        raise ValueError(text)
    # Without a four-digit year, dateutil reads a day past 31 as a year ("dec 32" is 2032).
    if not re.search(r"\d{4}", text) and any(int(n) > 31 for n in re.findall(r"\d+", text)):
        raise InvalidInput(f"{text!r} has no such day: days run from 1 to 31, e.g. dec 31.")
    default = dt.datetime(today.year, today.month, today.day)
    try:
        parsed = parser.parse(text, default=default, fuzzy=False, ignoretz=True).date()
    except (parser.ParserError, TypeError) as exc:
        raise ValueError(text) from exc
    if not re.search(r"\d{4}", text):  # no year given: lean the way the command wants
        if future and parsed < today:
            parsed = parsed.replace(year=parsed.year + 1)
        elif not future and parsed > today:
            parsed = parsed.replace(year=parsed.year - 1)
    return parsed


def _checked(day: dt.date, raw: str) -> dt.date:
    if not 1900 <= day.year <= 2199:
        raise InvalidInput(f"The date {raw!r} is out of range: dates run from 1900 to 2199.")
    return day


def _bad_date(raw: str) -> InvalidInput:
    return InvalidInput(f"Could not understand the date {raw!r}. Try {WHEN_EXAMPLES}.")
