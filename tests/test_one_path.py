"""Each rule is written once: the row types are the tables, the owner's calendar counts the
working days everywhere, and the agenda's SQL consent filter is Reach's."""

from __future__ import annotations

import datetime as dt
import itertools
import tomllib
from typing import Any

import pytest

from followup_cli import models
from followup_cli.followups import log_interaction, new_followup
from followup_cli.rules import default_rules_text, load_rules, parse_rules
from followup_cli.scheduling import CHANNELS, consent_sql, reach_of
from followup_cli.store import Database, Tx
from followup_cli.store.rows import TABLES, FollowUpRow, InteractionRow, fetch, get, update
from tests.helpers import make_contact

NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
RULES = load_rules()
FRIDAY, SATURDAY, MONDAY = dt.date(2026, 11, 27), dt.date(2026, 11, 28), dt.date(2026, 11, 30)


@pytest.mark.parametrize(("row_type", "table"), TABLES.items(), ids=list(TABLES.values()))
def test_every_row_type_holds_exactly_its_tables_columns(row_type: type[Any], table: str) -> None:
    columns = [c.name for c in models.metadata.tables[table].columns]
    assert sorted(row_type._fields) == sorted(columns)


def test_logging_a_call_completes_by_the_owners_working_days(tx: Tx) -> None:
    """With Saturday a working day, "1wd" after a Friday call is Saturday: Monday's pending
    call is not done by it. (Counted on Monday-to-Friday it was, before this fix.)"""
    text = default_rules_text().replace(
        'working_days = ["mon", "tue", "wed", "thu", "fri"]',
        'working_days = ["mon", "tue", "wed", "thu", "fri", "sat"]',
    )
    text = text.replace('completes_within = "3d"', 'completes_within = "1wd"')
    rules = parse_rules(tomllib.loads(text), "rules.toml")
    assert rules.calendar.is_working_day(SATURDAY) and rules.outreach_window.unit == "wd"
    ann = make_contact(tx, "Ann Lee", today=FRIDAY)
    saturday = new_followup(
        tx, ann.id, rule="manual", purpose="Call", channel="phone", due_on=SATURDAY, today=FRIDAY
    )
    monday = new_followup(
        tx, ann.id, rule="manual", purpose="Call", channel="phone", due_on=MONDAY, today=FRIDAY
    )
    result = log_interaction(tx, "Ann", "call", on=FRIDAY, today=FRIDAY, now=NOW, rules=rules)
    assert [f.id for f in result.completed] == [saturday.id]
    found = get(tx, FollowUpRow, monday.id)
    assert found is not None and found.status == "pending"


def test_the_agendas_consent_filter_is_reachs(tx: Tx) -> None:
    """consent_sql (the agenda's filter over many rows) decides exactly as Reach.consents_to,
    for every channel and every way of opting out."""
    contact = make_contact(tx, "Ann Lee")
    opt_outs = [""] + [",".join(c) for n in (1, 2) for c in itertools.combinations(CHANNELS, n)]
    checked = 0
    for dnc, opted in itertools.product((False, True), opt_outs):
        update(tx, "contact", contact.id, {"do_not_contact": dnc, "opted_out_channels": opted})
        current = get(tx, type(contact), contact.id)
        assert current is not None
        for channel in CHANNELS:
            sql = f"SELECT COUNT(*) FROM contact c WHERE c.id = :id AND {consent_sql('c', ':ch')}"
            in_sql = tx.value(sql, {"id": contact.id, "ch": channel}) == 1
            assert in_sql == reach_of(current).consents_to(channel), (dnc, opted, channel)
            checked += 1
    assert checked == 2 * len(opt_outs) * len(CHANNELS)


def test_timestamps_keep_their_instant_whatever_the_zones(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``now`` in +01:00 and (on PostgreSQL) a session in +05:30: the same instant comes back,
    as aware UTC, on both databases."""
    monkeypatch.setenv("PGTZ", "Asia/Kolkata")  # libpq sets each new session's TimeZone
    db.dispose()  # no pooled connection keeps the old zone
    local = dt.datetime(2026, 11, 27, 11, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    with db.transaction() as tx:
        make_contact(tx, "Ann Lee", today=FRIDAY)
        log_interaction(tx, "Ann", "visit", on=FRIDAY, today=FRIDAY, now=local, rules=RULES)
    with db.reading() as tx:
        (stored,) = fetch(tx, InteractionRow, "kind = 'visit'")
    assert stored.created_at == NOW and stored.created_at.utcoffset() == dt.timedelta(0)
