"""A prospect rule is for prospects (#16 item 5): a visit or inquiry logged for someone who
bought that day, or since, schedules no "still interested?" follow-ups, whichever was
logged first."""

from __future__ import annotations

import datetime as dt

from followup_cli.followups import LogResult, log_interaction
from followup_cli.scheduling import RuleSet
from followup_cli.store import Tx
from tests.helpers import make_contact

TODAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def log(tx: Tx, rules: RuleSet, kind: str, on: dt.date, cents: int | None = None) -> LogResult:
    return log_interaction(
        tx, "Ann", kind, on=on, today=TODAY, now=NOW, rules=rules, amount_cents=cents
    )


def test_a_visit_on_the_day_they_bought_makes_no_prospect_follow_ups(
    tx: Tx, rules: RuleSet
) -> None:
    make_contact(tx, "Ann Lee")
    log(tx, rules, "sale", TODAY, 5000)
    visit = log(tx, rules, "visit", TODAY)
    assert visit.scheduling.scheduled == []
    assert visit.scheduling.not_scheduled == [
        "prospect-follow-up: for prospects, and they bought that day or since",
        "prospect-second-follow-up: for prospects, and they bought that day or since",
    ]


def test_a_visit_logged_late_after_a_later_sale_makes_none_either(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx, "Ann Lee")
    log(tx, rules, "sale", dt.date(2026, 11, 20), 5000)
    visit = log(tx, rules, "inquiry", dt.date(2026, 11, 18))
    assert visit.scheduling.scheduled == []


def test_a_customer_from_before_who_comes_to_look_again_is_a_prospect_again(
    tx: Tx, rules: RuleSet
) -> None:
    make_contact(tx, "Ann Lee")
    log(tx, rules, "sale", dt.date(2026, 10, 1), 5000)
    visit = log(tx, rules, "visit", dt.date(2026, 11, 20))
    assert [f.rule for f in visit.scheduling.scheduled] == [
        "prospect-follow-up",
        "prospect-second-follow-up",
    ]
