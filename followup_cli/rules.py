"""Cadence rules files: the built-in defaults, the owner's ``rules.toml``, and checking them.

Every error names the file, the rule and the fix; ``followup rules check`` shows them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from followup_cli.enums import InteractionKind
from followup_cli.errors import ConfigError, InvalidInput
from followup_cli.scheduling import (
    CHANNELS,
    CUSTOMERS,
    PREFERRED,
    SCRIPTS,
    WEEKDAYS,
    CadenceRule,
    Offset,
    RetryPolicy,
    RuleSet,
    WorkCalendar,
    parse_offset,
)
from followup_cli.values import PRIORITIES


def rules_path() -> Path:
    from followup_cli.config import app_dir

    return app_dir() / "rules.toml"


def default_rules_text() -> str:
    # beside this module: importlib.resources would cost the commands that start fast 12 ms
    return (Path(__file__).parent / "default_rules.toml").read_text(encoding="utf-8")


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


def _purpose(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            f'{where}: keep_in_touch.purpose must be text like "Check in by {{action}}".'
        )
    return value.strip()


def _min_amount(value: Any, label: str) -> int | None:
    """``min_amount = 20`` (in the shop's currency) as cents."""
    from followup_cli.values import parse_amount

    fix = f"{label}: min_amount must be an amount like 20 or 19.99"
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(f"{fix}.")
    try:
        cents = parse_amount(str(value))
    except InvalidInput:
        raise ConfigError(f"{fix}, not {value!r}.") from None
    if cents is None or cents <= 0:
        raise ConfigError(f"{fix}, above zero.")
    return cents


def _tags(value: Any, label: str) -> frozenset[str]:
    from followup_cli.values import normalize_tags, split_csv_set

    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(t, str) for t in items):
        raise ConfigError(f'{label}: tags must be a tag or a list like ["vip", "wholesale"].')
    return frozenset(split_csv_set(normalize_tags(items)))


# The script a rule's calls follow when it names none, by what the rule is on: a rules file
# copied before rules named scripts must not open a complaint call with a thank-you.
SCRIPT_BY_KIND = {
    InteractionKind.COMPLAINT: "complaint",
    InteractionKind.RESOLVED: "satisfaction",
    InteractionKind.VISIT: "prospect",
    InteractionKind.INQUIRY: "prospect",
}


def _script(value: Any, on: list[str], label: str) -> str:
    if value is None:
        found = {SCRIPT_BY_KIND.get(InteractionKind(kind), "thank-you") for kind in on}
        return found.pop() if len(found) == 1 else "thank-you"
    if value not in SCRIPTS:
        raise ConfigError(f"{label}: script must be one of {', '.join(SCRIPTS)}, not {value!r}.")
    return str(value)


def _check_some_working_day(calendar: WorkCalendar, where: str) -> None:
    """A year of holidays in a row leaves nowhere to put a follow-up: every `log` would fail."""
    if len(calendar.holidays) < 52:  # a year without a working day takes a holiday a week
        return
    day, last, run = min(calendar.holidays), max(calendar.holidays), 0
    while day <= last:
        run = 0 if calendar.is_working_day(day) else run + 1
        if run > 366:
            raise ConfigError(
                f"{where}: calendar.holidays leave no working day for a year from "
                f"{day - dt.timedelta(days=run - 1)}; follow-ups would have nowhere to go."
            )
        day += dt.timedelta(days=1)


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
    listed = cal.get("holidays", [])
    if not isinstance(listed, list):
        raise ConfigError(f'{where}: calendar.holidays must be a list like ["2026-12-25"].')
    for value in listed:
        try:
            holidays.add(value if isinstance(value, dt.date) else dt.date.fromisoformat(value))
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: holiday {value!r} is not a YYYY-MM-DD date.") from None
    calendar = WorkCalendar(frozenset(WEEKDAYS.index(d) for d in days), frozenset(holidays))
    _check_some_working_day(calendar, where)

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
    rule_keys = {
        "name", "on", "after", "channel", "purpose", "priority", "until_sale", "expires_after",
        "min_amount", "tags", "customer", "once_per", "script",
    }  # fmt: skip
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
        named = raw.get("priority", "normal")
        priority = PRIORITIES.get(named) if isinstance(named, str) else None
        if priority is None:
            raise ConfigError(f'{label}: priority must be "normal" or "high".')
        until_sale = raw.get("until_sale", False)
        if not isinstance(until_sale, bool):
            raise ConfigError(f"{label}: until_sale must be true or false.")
        life = raw.get("expires_after", "never")
        if not isinstance(life, str):
            raise ConfigError(f'{label}: expires_after must be "never" or a length like "14d".')
        expires = None if life == "never" else _offset(life, f"{label}: expires_after")
        customer = raw.get("customer", "any")
        if customer not in CUSTOMERS:
            raise ConfigError(
                f'{label}: customer must be "any", "first-time" (their first sale) or "repeat".'
            )
        cap = raw.get("once_per")
        rules.append(
            CadenceRule(
                name=name,
                on=tuple(on),
                after=_offset(raw["after"], f"{label}: after"),
                channels=_channels(raw.get("channel", PREFERRED), f"{label}: channel"),
                purpose=purpose.strip(),
                priority=priority,
                until_sale=until_sale,
                expires_after=expires,
                min_amount_cents=_min_amount(raw.get("min_amount"), label),
                tags=_tags(raw.get("tags", []), label),
                customer=customer,
                once_per=None if cap is None else _offset(cap, f"{label}: once_per"),
                script=_script(raw.get("script"), on, label),
            )
        )
    return RuleSet(
        rules=tuple(rules),
        calendar=calendar,
        retry=retry,
        outreach_window=window,
        keep_in_touch_tags=tag_offsets,
        keep_in_touch_channels=_channels(kit.get("channel", PREFERRED), f"{where}: keep_in_touch"),
        keep_in_touch_purpose=_purpose(kit.get("purpose", "Keep-in-touch {action}"), where),
        source=where,
    )
