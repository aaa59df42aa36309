"""Cadence rules, working days and the dates people type. Pure: ``today`` is always passed in."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from followup_cli.enums import Channel, InteractionKind, Priority
from followup_cli.errors import ConfigError, InvalidInput

Unit = Literal["d", "w", "m", "y", "wd"]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ACTION_WORD = {
    Channel.PHONE: "call",
    Channel.EMAIL: "email",
    Channel.TEXT: "text",
    Channel.MAIL: "note",
    Channel.VISIT: "visit",
}
CHANNELS = tuple(c.value for c in Channel)
PREFERRED = "preferred"


@dataclass(frozen=True)
class Offset:
    """A distance in time as the rules write it: ``2d``, ``1w``, ``3m``, ``1wd`` (working days)."""

    amount: int
    unit: Unit

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    def describe(self) -> str:
        words = {"d": "day", "w": "week", "m": "month", "y": "year", "wd": "working day"}
        word = words[self.unit]
        return f"{self.amount} {word}{'' if self.amount == 1 else 's'}"


_OFFSET_RE = re.compile(
    r"^\s*\+?(\d{1,4})\s*(wd|workdays?|working\s*days?|d|days?|w|wks?|weeks?|m|mo|months?|y|years?)\s*$",
    re.IGNORECASE,
)


def _unit(word: str) -> Unit:
    word = word.lower().replace(" ", "")
    if word.startswith(("wd", "work")):
        return "wd"
    if word.startswith("w"):
        return "w"
    if word.startswith("d"):
        return "d"
    if word.startswith("m"):
        return "m"
    return "y"


def parse_offset(text: str) -> Offset:
    """``"90d"``, ``"2 weeks"``, ``"1wd"`` -> Offset; anything else is an InvalidInput."""
    match = _OFFSET_RE.match(str(text))
    if not match:
        raise InvalidInput(
            f"{text!r} is not a length of time; use e.g. 2d, 1w, 3m or 1wd (working days)."
        )
    return Offset(int(match.group(1)), _unit(match.group(2)))


@dataclass(frozen=True)
class WorkCalendar:
    """Which days the owner works; follow-ups never fall due on the others."""

    working_days: frozenset[int] = frozenset(range(5))  # Monday=0
    holidays: frozenset[dt.date] = frozenset()

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() in self.working_days and day not in self.holidays

    def roll_forward(self, day: dt.date) -> dt.date:
        """The day itself if it is a working day, else the next working day."""
        for _ in range(800):  # bounded: a calendar with working days always finds one
            if self.is_working_day(day):
                return day
            day += dt.timedelta(days=1)
        raise ConfigError("The calendar has no working day in the next two years.")

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        for _ in range(count):
            day = self.roll_forward(day + dt.timedelta(days=1))
        return day

    def apply(self, base: dt.date, offset: Offset) -> dt.date:
        """``base`` moved by ``offset``, rolled forward to a working day."""
        from dateutil.relativedelta import relativedelta

        if offset.unit == "wd":
            return self.add_working_days(base, offset.amount)
        if offset.unit == "d":
            moved = base + dt.timedelta(days=offset.amount)
        elif offset.unit == "w":
            moved = base + dt.timedelta(weeks=offset.amount)
        elif offset.unit == "m":
            moved = base + relativedelta(months=offset.amount)
        else:
            moved = base + relativedelta(years=offset.amount)
        return self.roll_forward(moved)


@dataclass(frozen=True)
class CadenceRule:
    """When an interaction of kind ``on`` happens, schedule ``purpose`` ``after`` it."""

    name: str
    on: tuple[str, ...]
    after: Offset
    channels: tuple[str, ...]
    purpose: str
    priority: int = Priority.NORMAL
    until_sale: bool = False


@dataclass(frozen=True)
class RetryPolicy:
    after: Offset = Offset(2, "wd")
    max_attempts: int = 3
    fallback: tuple[str, ...] = (Channel.EMAIL, Channel.TEXT, Channel.MAIL)


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[CadenceRule, ...]
    calendar: WorkCalendar = WorkCalendar()
    retry: RetryPolicy = RetryPolicy()
    outreach_window: Offset = Offset(3, "d")
    keep_in_touch_tags: Mapping[str, Offset] = field(default_factory=dict)
    keep_in_touch_channels: tuple[str, ...] = (PREFERRED,)
    keep_in_touch_purpose: str = "Keep-in-touch {action}"
    source: str = "built-in defaults"

    def for_kind(self, kind: str) -> list[CadenceRule]:
        return [rule for rule in self.rules if kind in rule.on]


def rules_path() -> Path:
    from followup_cli.config import app_dir

    return app_dir() / "rules.toml"


def default_rules_text() -> str:
    from importlib.resources import files

    return files("followup_cli").joinpath("default_rules.toml").read_text(encoding="utf-8")


def load_rules(path: Path | None = None) -> RuleSet:
    """The owner's ``rules.toml`` if there is one, else the built-in defaults."""
    import tomllib

    from followup_cli.config import read_toml

    path = path or rules_path()
    data = read_toml(path)
    if data is not None:
        return parse_rules(data, str(path))
    return parse_rules(tomllib.loads(default_rules_text()), "built-in defaults")


def _offset(value: Any, where: str) -> Offset:
    if not isinstance(value, str):
        raise ConfigError(f'{where} must be text like "2d", "1w" or "1wd".')
    try:
        return parse_offset(value)
    except InvalidInput as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _channels(value: Any, where: str, allow_preferred: bool = True) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    allowed = (*CHANNELS, PREFERRED) if allow_preferred else CHANNELS
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{where} must be a channel or a list of channels.")
    for item in items:
        if item not in allowed:
            raise ConfigError(
                f"{where}: unknown channel {item!r}; use one of {', '.join(allowed)}."
            )
    return tuple(items)


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{key}] must be a table.")
    return value


def parse_rules(data: Mapping[str, Any], where: str) -> RuleSet:
    """Validate a parsed rules file; every error names the file, the rule and the fix."""
    known = {"calendar", "retry", "outreach", "keep_in_touch", "rule"}
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"{where}: unknown section {sorted(unknown)[0]!r}.")

    cal = _table(data, "calendar", where)
    days = cal.get("working_days", list(WEEKDAYS[:5]))
    if not isinstance(days, list) or not days or any(d not in WEEKDAYS for d in days):
        raise ConfigError(
            f"{where}: calendar.working_days must list days among {', '.join(WEEKDAYS)}."
        )
    holidays: set[dt.date] = set()
    for value in cal.get("holidays", []):
        try:
            holidays.add(value if isinstance(value, dt.date) else dt.date.fromisoformat(value))
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: holiday {value!r} is not a YYYY-MM-DD date.") from None
    calendar = WorkCalendar(frozenset(WEEKDAYS.index(d) for d in days), frozenset(holidays))

    retry_data = _table(data, "retry", where)
    attempts = retry_data.get("max_attempts", 3)
    if not isinstance(attempts, int) or isinstance(attempts, bool) or not 1 <= attempts <= 20:
        raise ConfigError(f"{where}: retry.max_attempts must be a whole number from 1 to 20.")
    retry = RetryPolicy(
        after=_offset(retry_data.get("after", "2wd"), f"{where}: retry.after"),
        max_attempts=attempts,
        fallback=_channels(
            retry_data.get("fallback", ["email", "text", "mail"]),
            f"{where}: retry.fallback",
            allow_preferred=False,
        ),
    )

    outreach = _table(data, "outreach", where)
    window = _offset(outreach.get("completes_within", "3d"), f"{where}: outreach.completes_within")

    kit = _table(data, "keep_in_touch", where)
    tags = kit.get("tags", {})
    if not isinstance(tags, dict):
        raise ConfigError(f'{where}: keep_in_touch.tags must be a table like {{ vip = "30d" }}.')
    tag_offsets = {
        str(tag).lower(): _offset(v, f"{where}: keep_in_touch.tags.{tag}")
        for tag, v in tags.items()
    }

    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list):
        raise ConfigError(f"{where}: rules are written as [[rule]] tables.")
    rules: list[CadenceRule] = []
    names: set[str] = set()
    kinds = {k.value for k in InteractionKind}
    rule_keys = {"name", "on", "after", "channel", "purpose", "priority", "until_sale"}
    for index, raw in enumerate(raw_rules, start=1):
        label = f"{where}: rule {index}"
        if not isinstance(raw, dict):
            raise ConfigError(f"{label} must be a table.")
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f'{label} needs a name, e.g. name = "sale-thank-you".')
        label = f"{where}: rule {name!r}"
        if name in names:
            raise ConfigError(f"{label} is defined twice; rule names must be unique.")
        names.add(name)
        extra = set(raw) - rule_keys
        if extra:
            raise ConfigError(f"{label}: unknown key {sorted(extra)[0]!r}.")
        on = [raw.get("on")] if isinstance(raw.get("on"), str) else raw.get("on")
        if not isinstance(on, list) or not on or any(k not in kinds for k in on):
            raise ConfigError(f"{label}: 'on' must be one or more of {', '.join(sorted(kinds))}.")
        if "after" not in raw:
            raise ConfigError(f'{label} needs after = "2d" (how long after the interaction).')
        purpose = raw.get("purpose")
        if not isinstance(purpose, str) or not purpose.strip():
            raise ConfigError(f'{label} needs a purpose, e.g. purpose = "Thank-you {{action}}".')
        priority = raw.get("priority", "normal")
        if priority not in ("normal", "high"):
            raise ConfigError(f'{label}: priority must be "normal" or "high".')
        until_sale = raw.get("until_sale", False)
        if not isinstance(until_sale, bool):
            raise ConfigError(f"{label}: until_sale must be true or false.")
        rules.append(
            CadenceRule(
                name=name,
                on=tuple(on),
                after=_offset(raw["after"], f"{label}: after"),
                channels=_channels(raw.get("channel", PREFERRED), f"{label}: channel"),
                purpose=purpose.strip(),
                priority=Priority.HIGH if priority == "high" else Priority.NORMAL,
                until_sale=until_sale,
            )
        )
    return RuleSet(
        rules=tuple(rules),
        calendar=calendar,
        retry=retry,
        outreach_window=window,
        keep_in_touch_tags=tag_offsets,
        keep_in_touch_channels=_channels(kit.get("channel", PREFERRED), f"{where}: keep_in_touch"),
        keep_in_touch_purpose=str(kit.get("purpose", "Keep-in-touch {action}")),
        source=where,
    )


def reachable_channels(
    *,
    email: str | None,
    phone: str | None,
    phone_invalid: bool,
    do_not_contact: bool,
    opted_out: Iterable[str],
) -> set[str]:
    """Channels a contact can be reached by: they have the details and did not opt out."""
    if do_not_contact:
        return set()
    usable = {Channel.MAIL.value, Channel.VISIT.value}
    if email:
        usable.add(Channel.EMAIL.value)
    if phone and not phone_invalid:
        usable |= {Channel.PHONE.value, Channel.TEXT.value}
    return usable - set(opted_out)


def choose_channel(spec: Iterable[str], prefers: str, reachable: set[str]) -> str | None:
    """The first channel of ``spec`` (``preferred`` = the contact's) the contact can be reached by.

    ``preferred`` also falls back through phone, email, text, mail when the preferred channel
    cannot be used (no email on file, opted out of it).
    """
    for item in spec:
        candidates = [prefers, *CHANNELS[:4]] if item == PREFERRED else [item]
        for channel in candidates:
            if channel in reachable:
                return channel
    return None


def purpose_for(template: str, channel: str) -> str:
    return template.replace("{action}", ACTION_WORD.get(Channel(channel), channel))


# ---------------------------------------------------------------------------------------------
# Dates as people type them

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
    r"^(?:(?P<sign>[+-])|in\s+)?(?P<n>\d{1,4})\s*(?P<unit>wd|workdays?|working\s*days?|d|days?|"
    r"w|wks?|weeks?|m|mos?|months?|y|yrs?|years?)(?P<ago>\s+ago)?$"
)
_WEEKDAY_RE = re.compile(r"^(?:(?P<which>next|this|last|on|coming)\s+)?(?P<day>[a-z]+)$")


def parse_when(text: str, today: dt.date, *, future: bool = True) -> dt.date:
    """Turn what the owner typed into a date, relative to ``today``.

    ``future`` says which way an incomplete date leans: ``snooze 12 dec 1`` means the next
    Dec 1, ``log sale Ann --on dec 1`` the last one.
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
            offset = Offset(int(match.group("n")), _unit(match.group("unit")))
            backwards = match.group("sign") == "-" or bool(match.group("ago"))
            return _checked(_shift(today, offset, backwards), raw)
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


def _shift(day: dt.date, offset: Offset, backwards: bool) -> dt.date:
    from dateutil.relativedelta import relativedelta

    n = -offset.amount if backwards else offset.amount
    if offset.unit == "wd":
        calendar = WorkCalendar()
        if not backwards:
            return calendar.add_working_days(day, offset.amount)
        for _ in range(offset.amount):
            day -= dt.timedelta(days=1)
            while not calendar.is_working_day(day):
                day -= dt.timedelta(days=1)
        return day
    units = {"d": "days", "w": "weeks", "m": "months", "y": "years"}
    return day + relativedelta(**{units[offset.unit]: n})  # type: ignore[arg-type]


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
    default = dt.datetime(today.year, today.month, today.day)
    try:
        parsed = parser.parse(text, default=default, fuzzy=False).date()
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
        raise _bad_date(raw)
    return day


def _bad_date(raw: str) -> InvalidInput:
    return InvalidInput(f"Could not understand the date {raw!r}. Try {WHEN_EXAMPLES}.")
