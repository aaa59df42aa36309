"""Cadence rules, working days and human dates."""

from __future__ import annotations

import datetime as dt
import tomllib
from typing import Any

import pytest

from followup_cli.errors import ConfigError, InvalidInput
from followup_cli.rules import default_rules_text, load_rules, parse_rules
from followup_cli.scheduling import Offset, Reach, WorkCalendar, choose_channel, parse_offset
from followup_cli.when import parse_when

MON_TO_FRI = WorkCalendar()  # the default working week

MON = dt.date(2026, 11, 23)
FRI = dt.date(2026, 11, 27)
SAT = dt.date(2026, 11, 28)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", MON),
        ("tomorrow", dt.date(2026, 11, 24)),
        ("yesterday", dt.date(2026, 11, 22)),
        ("monday", dt.date(2026, 11, 30)),  # "monday" on a Monday is next week's
        ("fri", FRI),
        ("next friday", FRI),
        ("in 3 days", dt.date(2026, 11, 26)),
        ("+2w", dt.date(2026, 12, 7)),
        ("+1m", dt.date(2026, 12, 23)),
        ("3 days ago", dt.date(2026, 11, 20)),
        ("dec 1", dt.date(2026, 12, 1)),
        ("Dec 1", dt.date(2026, 12, 1)),
        ("jan 5", dt.date(2027, 1, 5)),  # no year, future: the next Jan 5
        ("2026-12-01", dt.date(2026, 12, 1)),
        ("12/25/2026", dt.date(2026, 12, 25)),
        ("  Next   Week ", dt.date(2026, 11, 30)),
    ],
)
def test_parse_when_future(text: str, expected: dt.date) -> None:
    assert parse_when(text, MON, calendar=MON_TO_FRI) == expected


def test_parse_when_leans_to_the_past_for_logging() -> None:
    assert parse_when("dec 1", MON, future=False, calendar=MON_TO_FRI) == dt.date(2025, 12, 1)
    assert parse_when("friday", MON, future=False, calendar=MON_TO_FRI) == dt.date(2026, 11, 20)
    assert parse_when("last monday", MON, calendar=MON_TO_FRI) == dt.date(2026, 11, 16)


@pytest.mark.parametrize(
    "text", ["", "garbage", "1", "5pm", "2026-13-01", "feb 30", "in many days", "99999-01-01"]
)
def test_parse_when_refuses_garbage_with_an_example(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"Could not understand the date .*Try 2026-12-01"):
        parse_when(text, MON, calendar=MON_TO_FRI)


@pytest.mark.parametrize("text", ["1899-01-01", "2200-01-01", "+200y"])
def test_a_date_out_of_range_says_so(text: str) -> None:
    """#16 item 9: 1899-01-01 is a date, only not one followup keeps."""
    with pytest.raises(InvalidInput) as caught:
        parse_when(text, MON, calendar=MON_TO_FRI)
    assert str(caught.value) == f"The date {text!r} is out of range: dates run from 1900 to 2199."


def test_next_weekday_is_the_coming_one_on_any_day_of_the_week() -> None:
    """One documented meaning (#16 item 9): on a Tuesday, "next friday" is this week's."""
    tuesday = dt.date(2026, 11, 24)
    assert parse_when("next friday", tuesday, calendar=MON_TO_FRI) == FRI
    assert parse_when("friday", tuesday, calendar=MON_TO_FRI) == FRI
    assert parse_when("next tuesday", tuesday, calendar=MON_TO_FRI) == dt.date(2026, 12, 1)


def test_offsets() -> None:
    assert parse_offset("2d") == Offset(2, "d")
    assert parse_offset("1wd") == Offset(1, "wd")
    assert parse_offset("2 weeks") == Offset(2, "w")
    assert parse_offset("3m") == Offset(3, "m")
    with pytest.raises(InvalidInput, match="not a length of time"):
        parse_offset("soon")


def test_calendar_rolls_weekends_and_holidays_forward() -> None:
    calendar = WorkCalendar(holidays=frozenset({dt.date(2026, 11, 30)}))
    assert calendar.roll_forward(SAT) == dt.date(2026, 12, 1)  # Sat -> Sun -> holiday Mon -> Tue
    assert calendar.apply(FRI, Offset(1, "wd")) == dt.date(2026, 12, 1)
    assert calendar.apply(dt.date(2026, 11, 26), Offset(2, "d")) == dt.date(2026, 12, 1)
    assert WorkCalendar().add_working_days(FRI, 2) == dt.date(2026, 12, 1)


def test_default_rules_match_good_practice() -> None:
    rules = load_rules()
    assert rules.source == "built-in defaults"
    sale = {r.name: r for r in rules.for_kind("sale")}
    assert sale["sale-thank-you"].after == Offset(2, "d")
    assert sale["sale-thank-you"].channels == ("preferred",)
    assert sale["sale-note"].after == Offset(7, "d")
    assert sale["sale-note"].channels == ("mail",)
    prospect = rules.for_kind("inquiry")
    assert [r.after for r in prospect] == [Offset(1, "wd"), Offset(1, "w")]
    assert all(r.until_sale for r in prospect)
    assert rules.for_kind("complaint")[0].priority == 1
    assert [r.after for r in rules.for_kind("resolved")] == [Offset(2, "d"), Offset(1, "w")]
    assert (rules.retry.after, rules.retry.max_attempts) == (Offset(2, "wd"), 3)


def test_owner_rules_file_replaces_the_defaults(isolated_home) -> None:  # type: ignore[no-untyped-def]
    (isolated_home / "rules.toml").write_text(
        '[[rule]]\nname = "quick"\non = "sale"\nafter = "1d"\nchannel = "email"\npurpose = "Hi"\n'
    )
    rules = load_rules()
    assert [r.name for r in rules.rules] == ["quick"]
    assert rules.source.endswith("rules.toml")


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        (
            {"rule": [{"name": "x", "on": "party", "after": "1d", "purpose": "p"}]},
            "'on' must be one or more of",
        ),
        (
            {"rule": [{"name": "x", "on": "sale", "after": "soon", "purpose": "p"}]},
            "not a length of time",
        ),
        (
            {
                "rule": [
                    {"name": "x", "on": "sale", "after": "1d", "purpose": "p", "channel": "fax"}
                ]
            },
            "unknown channel 'fax'",
        ),
        ({"rule": [{"on": "sale", "after": "1d", "purpose": "p"}]}, "needs a name"),
        ({"rule": [{"name": "x", "on": "sale", "purpose": "p"}]}, "needs after"),
        (
            {"rule": [{"name": "x", "on": "sale", "after": "1d", "purpose": "p"}] * 2},
            "defined twice",
        ),
        ({"calendar": {"working_days": ["funday"]}}, "working_days must list days"),
        ({"calendar": {"holidays": ["someday"]}}, "holiday 'someday' is not a YYYY-MM-DD date"),
        ({"retry": {"max_attempts": 0}}, "max_attempts must be a whole number"),
        ({"surprise": {}}, "unknown section 'surprise'"),
    ],
)
def test_rules_are_validated_with_clear_errors(patch: dict, message: str) -> None:
    data = tomllib.loads(default_rules_text()) | patch
    with pytest.raises(ConfigError, match=message):
        parse_rules(data, "rules.toml")


def test_broken_toml_names_the_file(isolated_home) -> None:  # type: ignore[no-untyped-def]
    (isolated_home / "rules.toml").write_text("[[rule]\nname=")
    with pytest.raises(ConfigError, match=r"rules\.toml"):
        load_rules()


def test_channel_choice_respects_details_and_consent() -> None:
    both = Reach(prefers="email", has_email=True, has_phone=True).channels()
    assert choose_channel(["preferred"], "email", both) == "email"
    no_email = Reach(prefers="email", has_email=False, has_phone=True).channels()
    assert choose_channel(["preferred"], "email", no_email) == "phone"
    no_phone = Reach(
        prefers="phone",
        has_email=True,
        has_phone=True,
        has_address=True,
        opted_out=frozenset({"phone"}),
    ).channels()
    assert choose_channel(["phone", "preferred"], "phone", no_phone) == "email"
    assert (
        Reach(prefers="phone", has_email=True, has_phone=True, do_not_contact=True).channels()
        == set()
    )
    invalid = Reach(
        prefers="phone", has_email=False, has_phone=True, has_address=True, phone_invalid=True
    ).channels()
    assert invalid == {"mail", "visit"}
    # a note needs a postal address, unless they prefer visits: then it is handed over
    assert Reach(prefers="phone", has_email=False, has_phone=False).channels() == {"visit"}
    assert Reach(prefers="visit", has_email=False, has_phone=False).channels() == {"mail", "visit"}
    assert choose_channel(["mail"], "phone", no_phone - {"mail"}) is None


SIX_DAY_WEEK = WorkCalendar(working_days=frozenset(range(6)))  # Monday to Saturday


def test_shift_counts_working_days_on_the_given_calendar() -> None:
    # Thu + 2 working days: Fri, Sat on a six-day week; Fri, Mon on the default one
    thursday = dt.date(2026, 11, 26)
    assert SIX_DAY_WEEK.shift(thursday, Offset(2, "wd")) == SAT
    assert WorkCalendar().shift(thursday, Offset(2, "wd")) == dt.date(2026, 11, 30)
    assert SIX_DAY_WEEK.shift(dt.date(2026, 11, 30), Offset(2, "wd"), backwards=True) == FRI
    assert WorkCalendar().shift(dt.date(2026, 11, 30), Offset(2, "wd"), backwards=True) == (
        dt.date(2026, 11, 26)
    )
    # other units move exactly and are not rolled to a working day
    assert SIX_DAY_WEEK.shift(FRI, Offset(2, "d")) == dt.date(2026, 11, 29)  # a Sunday
    assert SIX_DAY_WEEK.shift(FRI, Offset(1, "w"), backwards=True) == dt.date(2026, 11, 20)


def test_parse_when_counts_working_days_on_the_owners_calendar() -> None:
    thursday = dt.date(2026, 11, 26)
    assert parse_when("+2wd", thursday, calendar=SIX_DAY_WEEK) == SAT
    assert parse_when("+2wd", thursday, calendar=MON_TO_FRI) == dt.date(
        2026, 11, 30
    )  # default: Mon..Fri
    assert parse_when("2 working days ago", dt.date(2026, 11, 30), calendar=SIX_DAY_WEEK) == FRI
    assert parse_when("-2wd", dt.date(2026, 11, 30), calendar=MON_TO_FRI) == dt.date(2026, 11, 26)


def test_the_rules_calendar_reaches_parse_when() -> None:
    data = tomllib.loads(default_rules_text())
    data["calendar"] = {"working_days": ["mon", "tue", "wed", "thu", "fri", "sat"]}
    calendar = parse_rules(data, "rules.toml").calendar
    assert calendar == SIX_DAY_WEEK
    assert parse_when("+2wd", dt.date(2026, 11, 26), calendar=calendar) == SAT


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"calendar": {"holidays": None}},
            'rules.toml: calendar.holidays must be a list like ["2026-12-25"].',
        ),
        (
            {"keep_in_touch": {"purpose": None}},
            'rules.toml: keep_in_touch.purpose must be text like "Check in by {action}".',
        ),
    ],
)
def test_rules_values_of_the_wrong_type_are_clean_errors(
    data: dict[str, Any], message: str
) -> None:
    """Found by the rules fuzzer: holidays = null was a TypeError, a null purpose read "None"."""
    with pytest.raises(ConfigError) as caught:
        parse_rules(data, "rules.toml")
    assert str(caught.value) == message


@pytest.mark.parametrize("typed", ["dec 32", "12/32", "32 dec", "friday 32", "dec 45"])
def test_a_day_past_31_is_refused_not_read_as_a_year(typed: str) -> None:
    """dateutil read "dec 32" as Dec 2032: a snooze six years out, without a word."""
    with pytest.raises(InvalidInput) as caught:
        parse_when(typed, MON, calendar=MON_TO_FRI)
    assert str(caught.value) == f"{typed!r} has no such day: days run from 1 to 31, e.g. dec 31."
    assert parse_when("dec 31", MON, calendar=MON_TO_FRI) == dt.date(2026, 12, 31)


def test_working_days_since_counts_what_the_owner_works() -> None:
    """#16 item 9: "days overdue" counted weekends and holidays."""
    fri, mon = dt.date(2026, 11, 20), dt.date(2026, 11, 23)
    assert MON_TO_FRI.working_days_since(fri, mon) == 1
    assert MON_TO_FRI.working_days_since(mon, mon) == 0
    assert MON_TO_FRI.working_days_since(mon, fri) == 0
    assert MON_TO_FRI.working_days_since(dt.date(2026, 11, 2), mon) == 15  # three weeks
    with_holiday = WorkCalendar(holidays=frozenset({dt.date(2026, 11, 26)}))
    assert with_holiday.working_days_since(mon, dt.date(2026, 11, 30)) == 4
    six_days = WorkCalendar(working_days=frozenset(range(6)))
    assert six_days.working_days_since(fri, mon) == 2
    for start in (fri + dt.timedelta(days=n) for n in range(10)):  # against counting each day
        for length in range(40):
            end = start + dt.timedelta(days=length)
            each = sum(
                with_holiday.is_working_day(start + dt.timedelta(days=i))
                for i in range(1, length + 1)
            )
            assert with_holiday.working_days_since(start, end) == each
