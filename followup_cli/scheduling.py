"""The one cadence planner, working days, channels and who can be reached.

Pure functions of their arguments: ``today`` is always passed in, nothing reads the clock or
the database. ``log``, the call's consequences and the import all plan their follow-ups with
``plan_followups``; every channel decision goes through ``Reach``.
Loading rules files lives in ``rules``; dates as people type them in ``when``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Literal, NamedTuple, Protocol

from followup_cli.enums import Channel, Priority
from followup_cli.errors import ConfigError, InvalidInput
from followup_cli.values import split_csv_set

Unit = Literal["d", "w", "m", "y", "wd"]
Customer = Literal["any", "first-time", "repeat"]
CUSTOMERS: tuple[Customer, ...] = ("any", "first-time", "repeat")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ACTION_WORD = {
    Channel.PHONE: "call",
    Channel.EMAIL: "email",
    Channel.TEXT: "text",
    Channel.MAIL: "note",
    Channel.VISIT: "visit",
}
CHANNELS = tuple(c.value for c in Channel)
# The call scripts a rule can name (``script.PURPOSES`` says what each is for).
SCRIPTS = ("thank-you", "satisfaction", "complaint", "make-it-right", "prospect", "keep-in-touch")
PREFERRED = "preferred"
# Follow-ups no rules file makes: a one-off (`followup schedule`), a keep-in-touch check-in,
# making it right after a negative outcome, and the escalation after a make-it-right call that
# did not (their rules are in ``followups``), with the scripts their calls follow.
MANUAL = "manual"
KEEP_IN_TOUCH = "keep-in-touch"
MAKE_IT_RIGHT = "make-it-right"
ESCALATED = "escalated"
BUILT_IN_SCRIPTS = {MAKE_IT_RIGHT: "make-it-right", ESCALATED: "complaint"}


class Offset(NamedTuple):
    """A distance in time as the rules write it: ``2d``, ``1w``, ``3m``, ``1wd`` (working days)."""

    amount: int
    unit: Unit

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    def describe(self) -> str:
        words = {"d": "day", "w": "week", "m": "month", "y": "year", "wd": "working day"}
        word = words[self.unit]
        return f"{self.amount} {word}{'' if self.amount == 1 else 's'}"


# The words for a unit of time, in rules files and typed dates alike (``unit_of`` reads them).
UNIT_WORDS = r"wd|workdays?|working\s*days?|d|days?|w|wks?|weeks?|m|mos?|months?|y|yrs?|years?"
_OFFSET_RE = re.compile(rf"^\s*\+?(\d{{1,4}})\s*({UNIT_WORDS})\s*$", re.IGNORECASE)


def unit_of(word: str) -> Unit:
    """The unit of an offset as written: ``wd``, ``workdays``, ``weeks``, ``mo`` ..."""
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
    offset = Offset(int(match.group(1)), unit_of(match.group(2)))
    if offset.amount * _APPROX_DAYS[offset.unit] > MAX_OFFSET_DAYS:
        raise InvalidInput(f"{text!r} is longer than 10 years; use at most e.g. 10y or 120m.")
    return offset


# The longest length of time a rule, a keep-in-touch interval or a typed date may span: ten
# years keeps every date a rule computes inside the calendar (dates run from 1900 to 2199).
MAX_OFFSET_DAYS = 3660
_APPROX_DAYS = {"d": 1, "w": 7, "m": 30.5, "y": 366, "wd": 1.4}


class WorkCalendar(NamedTuple):
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

    def working_days_since(self, start: dt.date, end: dt.date) -> int:
        """The working days after ``start`` up to ``end``: how late a follow-up due on
        ``start`` is on ``end`` (Friday's call is one working day late on Monday)."""
        days = (end - start).days
        if days <= 0:
            return 0
        weeks, rest = divmod(days, 7)
        tail = (start + dt.timedelta(days=7 * weeks + i) for i in range(1, rest + 1))
        off = sum(1 for h in self.holidays if start < h <= end and h.weekday() in self.working_days)
        return (
            weeks * len(self.working_days)
            + sum(d.weekday() in self.working_days for d in tail)
            - off
        )

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        for _ in range(count):
            day = self.roll_forward(day + dt.timedelta(days=1))
        return day

    def subtract_working_days(self, day: dt.date, count: int) -> dt.date:
        for _ in range(count):
            day -= dt.timedelta(days=1)
            for _ in range(800):
                if self.is_working_day(day):
                    break
                day -= dt.timedelta(days=1)
        return day

    def shift(self, day: dt.date, offset: Offset, *, backwards: bool = False) -> dt.date:
        """``day`` moved by ``offset`` exactly (working days counted on this calendar), not
        rolled to a working day: how far a window reaches, or what ``+3d`` typed means."""
        from dateutil.relativedelta import relativedelta

        if offset.unit == "wd":
            if backwards:
                return self.subtract_working_days(day, offset.amount)
            return self.add_working_days(day, offset.amount)
        n = -offset.amount if backwards else offset.amount
        units = {"d": "days", "w": "weeks", "m": "months", "y": "years"}
        return day + relativedelta(**{units[offset.unit]: n})  # type: ignore[arg-type]

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


class CadenceRule(NamedTuple):
    """When an interaction of kind ``on`` happens, schedule ``purpose`` ``after`` it."""

    name: str
    on: tuple[str, ...]
    after: Offset
    channels: tuple[str, ...]
    purpose: str
    priority: int = Priority.NORMAL
    until_sale: bool = False
    # How long past its due date the follow-up is still worth doing; None: always (a
    # complaint). An older event is recorded but makes no stale work.
    expires_after: Offset | None = None
    # Who it applies to (checked by the store's planning SQL, for one sale or a whole file):
    min_amount_cents: int | None = None  # a smaller sale makes none (an unknown amount does)
    tags: frozenset[str] = frozenset()  # only contacts with one of these tags
    customer: Customer = "any"  # "first-time": a contact's first sale; "repeat": the others
    # At most one per contact this often: while one is pending, later events join it ("for
    # sales on Nov 20 and Nov 24"); within this long after one was done, none is made.
    once_per: Offset | None = None
    script: str = "thank-you"  # the script a call for it follows (one of SCRIPTS)


class RetryPolicy(NamedTuple):
    after: Offset = Offset(2, "wd")
    max_attempts: int = 3
    fallback: tuple[str, ...] = (Channel.EMAIL, Channel.TEXT, Channel.MAIL)


class RuleSet(NamedTuple):
    rules: tuple[CadenceRule, ...]
    calendar: WorkCalendar = WorkCalendar()
    retry: RetryPolicy = RetryPolicy()
    outreach_window: Offset = Offset(3, "d")
    keep_in_touch_tags: Mapping[str, Offset] = MappingProxyType({})
    keep_in_touch_channels: tuple[str, ...] = (PREFERRED,)
    keep_in_touch_purpose: str = "Keep-in-touch {action}"
    source: str = "built-in defaults"

    def for_kind(self, kind: str) -> list[CadenceRule]:
        return [rule for rule in self.rules if kind in rule.on]


# Which contact detail each channel needs (None: none, a visit can always be made). A note
# needs a postal address, unless they prefer visits: then it is handed over.
CHANNEL_NEEDS: Mapping[str, str | None] = {
    Channel.PHONE.value: "phone",
    Channel.TEXT.value: "phone",
    Channel.EMAIL.value: "email",
    Channel.MAIL.value: "address",
    Channel.VISIT.value: None,
}


class Reach(NamedTuple):
    """Everything that decides how a contact can be reached: the one definition of it.

    ``contact_reach`` builds it from a contact; the import builds it from the few columns of
    its grouped query, so both decide alike.
    """

    prefers: str
    has_email: bool
    has_phone: bool
    has_address: bool = False
    phone_invalid: bool = False
    do_not_contact: bool = False
    opted_out: frozenset[str] = frozenset()

    def consents_to(self, channel: str) -> bool:
        """They have not asked us to stop (at all, or in this channel)."""
        return not self.do_not_contact and channel not in self.opted_out

    def channels(self) -> set[str]:
        """Channels they can be reached by: they have the details and consent to it."""
        details = {
            "email": self.has_email,
            "phone": self.has_phone and not self.phone_invalid,
            "address": self.has_address or self.prefers == Channel.VISIT,
        }
        return {
            channel
            for channel, need in CHANNEL_NEEDS.items()
            if (need is None or details[need]) and self.consents_to(channel)
        }


def opted_out_set(text: str | None) -> frozenset[str]:
    """The stored form of opted-out channels (comma-separated) as a set."""
    return frozenset(split_csv_set(text))


def consent_sql(contact: str, channel: str) -> str:
    """``Reach.consents_to`` as a SQL condition, for queries that filter many follow-ups at
    once (the agenda): ``contact`` is the contact table's alias, ``channel`` an expression."""
    return (
        f"NOT {contact}.do_not_contact AND (',' || {contact}.opted_out_channels || ',')"
        f" NOT LIKE ('%,' || {channel} || ',%')"
    )


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


class Planned(NamedTuple):
    """One follow-up a rule asks for: its channel (None if the contact cannot be reached by
    any channel of the rule) and due date (today if the date had passed: ``late``).
    ``stale``: so late that it is past the step's useful life; the event is history.
    ``cap_since``: with the rule's ``once_per``, the day from which a follow-up of the rule
    already done means none is needed. ``named``: the rule asked for this channel itself
    (not as the contact's preferred one): of two notes for one sale, that one is kept."""

    rule: CadenceRule
    channel: str | None
    due_on: dt.date
    late: bool
    stale: bool = False
    cap_since: dt.date | None = None
    named: bool = False


def plan_one(
    rule: CadenceRule, reach: Reach, base: dt.date, calendar: WorkCalendar, today: dt.date
) -> Planned:
    """What ``rule`` schedules ``rule.after`` the day ``base`` for a contact of ``reach``."""
    channel = choose_channel(rule.channels, reach.prefers, reach.channels())
    due = calendar.apply(base, rule.after)
    life = rule.expires_after
    stale = life is not None and calendar.shift(due, life) < today
    cap = rule.once_per
    since = calendar.shift(base, cap, backwards=True) if cap is not None else None
    return Planned(
        rule, channel, max(due, today), due < today, stale, since, channel in rule.channels
    )


def plan_followups(
    reach: Reach, kind: str, occurred_on: dt.date, rules: RuleSet, today: dt.date
) -> list[Planned]:
    """The one cadence planner: every follow-up the rules ask for after an interaction."""
    return [
        plan_one(rule, reach, occurred_on, rules.calendar, today) for rule in rules.for_kind(kind)
    ]


def first_channel_spec(rule_channels: Sequence[str], prefers: str) -> str:
    """The channel a rule asked for first, to say why it could not be used."""
    return next((c for c in rule_channels if c != PREFERRED), prefers)


def script_for(rule: str, rules: RuleSet, also: Sequence[CadenceRule] = ()) -> str:
    """The script a call for a follow-up of ``rule`` (its name) follows: a built-in rule's,
    else the rules file's (``also``: more built-in rules), else thank-you."""
    if rule in BUILT_IN_SCRIPTS:
        return BUILT_IN_SCRIPTS[rule]
    if rule == KEEP_IN_TOUCH:
        return "keep-in-touch"
    named = next((r for r in (*also, *rules.rules) if r.name == rule), None)
    return named.script if named is not None else "thank-you"


class Contactable(Protocol):
    """What deciding how to reach a contact reads: a stored contact row, or the few columns
    of it a query selected (the drafts' facts)."""

    @property
    def prefers(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def phone_key(self) -> str | None: ...
    @property
    def address(self) -> str | None: ...
    @property
    def phone_invalid(self) -> bool: ...
    @property
    def do_not_contact(self) -> bool: ...
    @property
    def opted_out_channels(self) -> str: ...


def reach_of(contact: Contactable) -> Reach:
    """How a contact can be reached."""
    return Reach(
        prefers=contact.prefers,
        has_email=bool(contact.email),
        has_phone=bool(contact.phone),
        has_address=bool(contact.address),
        phone_invalid=contact.phone_invalid,
        do_not_contact=contact.do_not_contact,
        opted_out=opted_out_set(contact.opted_out_channels),
    )
