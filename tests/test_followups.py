"""Logging interactions, cadence rules in action, and acting on follow-ups."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from followup_cli import agenda
from followup_cli.contacts import set_opt_out
from followup_cli.db import Database
from followup_cli.errors import Conflict, InvalidInput, NotFound
from followup_cli.followups import (
    complete,
    log_interaction,
    refresh_keep_in_touch,
    schedule,
    skip,
    snooze,
)
from followup_cli.models import FollowUp
from followup_cli.scheduling import RuleSet
from tests.helpers import make_contact

MON = dt.date(2026, 11, 23)


def pending(session: Session) -> list[tuple[str, str, dt.date]]:
    rows = session.exec(
        select(FollowUp).where(FollowUp.status == "pending").order_by(FollowUp.due_on, FollowUp.id)
    ).all()
    return [(f.rule, f.channel, f.due_on) for f in rows]


def test_sale_schedules_thank_you_call_and_note_rolling_weekends(
    session: Session, rules: RuleSet
) -> None:
    make_contact(session, "Ann Lee")
    thursday = dt.date(2026, 11, 19)
    result = log_interaction(
        session, "Ann", "sale", on=thursday, today=thursday, rules=rules, amount_cents=12900
    )
    assert result.scheduling.late == 0
    # Thu + 2d = Sat -> Mon; Thu + 7d = Thu
    assert pending(session) == [
        ("sale-thank-you", "phone", dt.date(2026, 11, 23)),
        ("sale-note", "mail", dt.date(2026, 11, 26)),
    ]


def test_thank_you_goes_by_the_preferred_channel(session: Session, rules: RuleSet) -> None:
    make_contact(session, "Ben", email="ben@example.com", prefers="email")
    log_interaction(session, "Ben", "sale", on=MON, today=MON, rules=rules)
    assert pending(session)[0][:2] == ("sale-thank-you", "email")


def test_late_sale_is_due_today_and_counted(session: Session, rules: RuleSet) -> None:
    make_contact(session)
    result = log_interaction(
        session, "Ann", "sale", on=dt.date(2026, 11, 10), today=MON, rules=rules
    )
    assert result.scheduling.late == 2
    assert [due for *_, due in pending(session)] == [MON, MON]


def test_prospect_follow_ups_are_dropped_when_they_buy(session: Session, rules: RuleSet) -> None:
    make_contact(session)
    friday = dt.date(2026, 11, 20)
    log_interaction(session, "Ann", "inquiry", on=friday, today=friday, rules=rules)
    assert pending(session) == [
        ("prospect-follow-up", "phone", MON),  # next working day after Friday
        ("prospect-second-follow-up", "phone", dt.date(2026, 11, 27)),
    ]
    result = log_interaction(session, "Ann", "sale", on=MON, today=MON, rules=rules)
    assert [f.rule for f in result.cancelled] == ["prospect-follow-up", "prospect-second-follow-up"]
    assert [r for r, *_ in pending(session)] == ["sale-thank-you", "sale-note"]


def test_complaint_and_resolution(session: Session, rules: RuleSet) -> None:
    make_contact(session, email="ann@example.com", prefers="email")
    friday = dt.date(2026, 11, 20)
    log_interaction(session, "Ann", "complaint", on=friday, today=friday, rules=rules)
    followup = session.exec(select(FollowUp)).one()
    assert (followup.channel, followup.due_on, followup.priority) == ("phone", MON, 1)
    log_interaction(session, "Ann", "resolved", on=MON, today=MON, rules=rules)
    assert pending(session)[1:] == [
        ("resolved-check", "email", dt.date(2026, 11, 25)),
        ("resolved-note", "mail", dt.date(2026, 11, 30)),
    ]


def test_outreach_completes_the_pending_follow_up_in_that_channel(
    session: Session, rules: RuleSet
) -> None:
    make_contact(session)
    log_interaction(session, "Ann", "sale", on=MON, today=MON, rules=rules)  # call due Wed
    result = log_interaction(session, "Ann", "call", on=MON, today=MON, rules=rules)
    assert [f.rule for f in result.completed] == ["sale-thank-you"]
    assert [r for r, *_ in pending(session)] == ["sale-note"]  # the note is another channel


def test_outreach_leaves_follow_ups_beyond_the_window(session: Session, rules: RuleSet) -> None:
    make_contact(session)
    schedule(session, "Ann", dt.date(2026, 12, 10), today=MON)
    result = log_interaction(session, "Ann", "call", on=MON, today=MON, rules=rules)
    assert result.completed == []


def test_no_answer_retries_then_switches_channel(session: Session, rules: RuleSet) -> None:
    make_contact(session, email="ann@example.com")
    followup = schedule(session, "Ann", MON, today=MON, channel="phone")
    fid = followup.id or 0
    first = complete(session, fid, today=MON, rules=rules, outcome="no-answer")
    assert (first.retry_on, first.followup.attempts, first.followup.status) == (
        dt.date(2026, 11, 25),
        1,
        "pending",
    )
    second = complete(session, fid, today=dt.date(2026, 11, 25), rules=rules, outcome="no-answer")
    assert second.retry_on == dt.date(2026, 11, 27)
    third = complete(session, fid, today=dt.date(2026, 11, 27), rules=rules, outcome="no-answer")
    assert third.switched_to == "email"
    assert (third.followup.channel, third.followup.due_on, third.followup.attempts) == (
        "email",
        dt.date(2026, 11, 30),
        0,
    )


def test_no_answer_gives_up_when_no_channel_is_left(session: Session, rules: RuleSet) -> None:
    make_contact(session)
    set_opt_out(session, "Ann", "mail")
    set_opt_out(session, "Ann", "text")
    fid = schedule(session, "Ann", MON, today=MON, channel="phone").id or 0
    for _ in range(2):
        complete(session, fid, today=MON, rules=rules, outcome="no-answer")
    result = complete(session, fid, today=MON, rules=rules, outcome="no-answer")
    assert result.gave_up
    assert result.followup.status == "skipped"


def test_done_snooze_skip_change_the_agenda(db: Database, rules: RuleSet) -> None:
    with db.session() as session:
        make_contact(session, "Ann Lee")
        make_contact(session, "Ben Ode", phone="555-010-0102")
        a = schedule(session, "Ann", MON, today=MON).id
        b = schedule(session, "Ben", MON, today=MON).id
        c = schedule(session, "Ann", MON, today=MON, purpose="Ask about the repair").id
    assert [i.id for i in agenda.due_today(db.rows, MON)] == [a, b, c]
    with db.session() as session:
        done = complete(session, a or 0, today=MON, rules=rules, outcome="positive")
        snooze(session, b or 0, dt.date(2026, 11, 25), today=MON)
        skip(session, c or 0, today=MON, reason="moved away")
    assert done.followup.completed_on == MON
    assert agenda.due_today(db.rows, MON) == []
    assert agenda.next_due(db.rows, MON) == dt.date(2026, 11, 25)
    with (
        db.session() as session,
        pytest.raises(Conflict, match=r"Follow-up #\d+ is already done on 2026-11-23"),
    ):
        complete(session, a or 0, today=MON, rules=rules)


def test_done_logs_the_outreach_for_history(session: Session, rules: RuleSet) -> None:
    contact = make_contact(session)
    fid = schedule(session, "Ann", MON, today=MON).id or 0
    complete(session, fid, today=MON, rules=rules, outcome="positive", note="Loved it")
    from followup_cli.models import Interaction

    logged = session.exec(select(Interaction).where(Interaction.contact_id == contact.id)).one()
    assert (logged.kind, logged.occurred_on, logged.note) == ("call", MON, "Loved it")


def test_errors_for_unknown_ids_and_bad_values(session: Session, rules: RuleSet) -> None:
    make_contact(session)
    with pytest.raises(NotFound, match="No follow-up #99"):
        complete(session, 99, today=MON, rules=rules)
    with pytest.raises(
        InvalidInput,
        match="Unknown outcome 'great'; use one of positive, neutral, negative, no-answer",
    ):
        complete(session, 1, today=MON, rules=rules, outcome="great")
    with pytest.raises(InvalidInput, match="Unknown interaction 'party'"):
        log_interaction(session, "Ann", "party", on=MON, today=MON, rules=rules)
    with pytest.raises(InvalidInput, match="is in the future"):
        log_interaction(session, "Ann", "sale", on=dt.date(2026, 12, 1), today=MON, rules=rules)
    with pytest.raises(InvalidInput, match="in the past"):
        schedule(session, "Ann", dt.date(2026, 11, 1), today=MON)


def test_external_reference_is_logged_once(session: Session, rules: RuleSet) -> None:
    make_contact(session)
    log_interaction(session, "Ann", "sale", on=MON, today=MON, rules=rules, external_id="INV-7")
    with pytest.raises(Conflict, match="Reference 'INV-7' was already logged"):
        log_interaction(session, "Ann", "sale", on=MON, today=MON, rules=rules, external_id="INV-7")


def test_do_not_contact_gets_nothing_and_vanishes_from_the_agenda(
    db: Database, rules: RuleSet
) -> None:
    with db.session() as session:
        make_contact(session, "Ann Lee")
        log_interaction(session, "Ann", "sale", on=dt.date(2026, 11, 20), today=MON, rules=rules)
        assert len(agenda.due_today(db.rows, MON)) == 0  # not committed yet: separate connection
    assert [i.contact for i in agenda.due_today(db.rows, MON)] == ["Ann Lee"]
    with db.session() as session:
        set_opt_out(session, "Ann", None)
        result = log_interaction(session, "Ann", "sale", on=MON, today=MON, rules=rules)
    assert result.scheduling.scheduled == []
    assert result.scheduling.not_scheduled[0].startswith(
        "sale-thank-you: Ann Lee (#1) asked not to be contacted"
    )
    assert agenda.due_today(db.rows, MON) == []
    assert agenda.upcoming(db.rows, MON, 30) == []
    with db.session() as session:
        set_opt_out(session, "Ann", None, undo=True)
    assert len(agenda.due_today(db.rows, MON)) == 1


def test_opt_out_of_one_channel_hides_only_that_channel(db: Database, rules: RuleSet) -> None:
    with db.session() as session:
        make_contact(session)
        log_interaction(session, "Ann", "sale", on=dt.date(2026, 11, 16), today=MON, rules=rules)
        set_opt_out(session, "Ann", "mail")
    assert [i.channel for i in agenda.due_today(db.rows, MON)] == ["phone"]


def test_keep_in_touch_counts_from_the_last_real_contact(session: Session, rules: RuleSet) -> None:
    from followup_cli.followups import edit_contact_scheduled
    from followup_cli.models import ContactUpdate

    make_contact(session)
    _, _, kit = edit_contact_scheduled(
        session, "Ann", ContactUpdate(every_days=30), today=MON, rules=rules
    )
    assert kit is not None and kit.due_on == dt.date(2026, 12, 23)  # from created_on
    early = dt.date(2026, 12, 1)
    log_interaction(session, "Ann", "call", on=early, today=early, rules=rules)
    kits = session.exec(
        select(FollowUp).where(FollowUp.rule == "keep-in-touch", FollowUp.status == "pending")
    ).all()
    assert [k.due_on for k in kits] == [dt.date(2026, 12, 31)]  # the early call pushed it out


def test_keep_in_touch_by_tag(session: Session) -> None:
    import tomllib

    from followup_cli.scheduling import default_rules_text, parse_rules

    data = tomllib.loads(default_rules_text())
    data["keep_in_touch"]["tags"] = {"vip": "2w", "wholesale": "3m"}
    rules = parse_rules(data, "test")
    contact = make_contact(session, tags="vip,wholesale")
    kit = refresh_keep_in_touch(session, contact, rules, MON)
    assert kit is not None and kit.due_on == dt.date(2026, 12, 7)


def test_agenda_orders_most_overdue_then_priority(db: Database, rules: RuleSet) -> None:
    with db.session() as session:
        make_contact(session)
        schedule(
            session, "Ann", dt.date(2026, 11, 23), today=dt.date(2026, 11, 1), purpose="today low"
        )
        schedule(
            session,
            "Ann",
            dt.date(2026, 11, 23),
            today=dt.date(2026, 11, 1),
            purpose="today high",
            priority=1,
        )
        schedule(session, "Ann", dt.date(2026, 11, 18), today=dt.date(2026, 11, 1), purpose="old")
    items = agenda.due_today(db.rows, MON)
    assert [(i.purpose, i.days_overdue) for i in items] == [
        ("old", 5),
        ("today high", 0),
        ("today low", 0),
    ]


def test_purpose_in_words() -> None:
    assert agenda.purpose_in_words("Thank-you {action}", "phone", "sale", "2026-11-20", 12900) == (
        "Thank-you call for sale on Nov 20, $129.00"
    )
    assert agenda.purpose_in_words(
        "Follow-up {action}", "email", "visit", dt.date(2026, 11, 2), None
    ) == ("Follow-up email (visit on Nov 2)")
