"""Logging interactions, cadence rules in action, and acting on follow-ups."""

from __future__ import annotations

import datetime as dt

import pytest

from followup_cli import agenda
from followup_cli.contacts import set_opt_out
from followup_cli.errors import Conflict, InvalidInput, NotFound
from followup_cli.followups import (
    complete,
    log_interaction,
    refresh_keep_in_touch,
    schedule,
    skip,
    snooze,
)
from followup_cli.scheduling import RuleSet
from followup_cli.store import Database, Tx
from followup_cli.store.rows import FollowUpRow, InteractionRow, fetch, get
from tests.helpers import make_contact

MON = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def pending(tx: Tx) -> list[tuple[str, str, dt.date]]:
    rows = fetch(tx, FollowUpRow, "status = 'pending'", order="due_on, id")
    return [(f.rule, f.channel, f.due_on) for f in rows]


def test_sale_schedules_thank_you_call_and_note_rolling_weekends(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx, "Ann Lee")
    thursday = dt.date(2026, 11, 19)
    result = log_interaction(
        tx, "Ann", "sale", on=thursday, today=thursday, now=NOW, rules=rules, amount_cents=12900
    )
    assert result.scheduling.late == 0
    # Thu + 2d = Sat -> Mon; Thu + 7d = Thu
    assert pending(tx) == [
        ("sale-thank-you", "phone", dt.date(2026, 11, 23)),
        ("sale-note", "mail", dt.date(2026, 11, 26)),
    ]


def test_thank_you_goes_by_the_preferred_channel(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx, "Ben", email="ben@example.com", prefers="email")
    log_interaction(tx, "Ben", "sale", on=MON, today=MON, now=NOW, rules=rules)
    assert pending(tx)[0][:2] == ("sale-thank-you", "email")


def test_late_sale_is_due_today_and_counted(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx)
    result = log_interaction(
        tx, "Ann", "sale", on=dt.date(2026, 11, 10), today=MON, now=NOW, rules=rules
    )
    assert result.scheduling.late == 2
    assert [due for *_, due in pending(tx)] == [MON, MON]


def test_prospect_follow_ups_are_dropped_when_they_buy(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx)
    friday = dt.date(2026, 11, 20)
    log_interaction(tx, "Ann", "inquiry", on=friday, today=friday, now=NOW, rules=rules)
    assert pending(tx) == [
        ("prospect-follow-up", "phone", MON),  # next working day after Friday
        ("prospect-second-follow-up", "phone", dt.date(2026, 11, 27)),
    ]
    make_contact(tx, "Bob Ray", phone="555-010-0102")
    log_interaction(tx, "Bob", "inquiry", on=friday, today=friday, now=NOW, rules=rules)
    result = log_interaction(tx, "Ann", "sale", on=MON, today=MON, now=NOW, rules=rules)
    assert [f.rule for f in result.cancelled] == ["prospect-follow-up", "prospect-second-follow-up"]
    assert {(f.status, f.completed_on, f.note) for f in result.cancelled} == {
        ("skipped", MON, "Bought on 2026-11-23")
    }
    assert [f.rule for f in fetch(tx, FollowUpRow, "contact_id = 1 AND status = 'pending'")] == [
        "sale-thank-you",
        "sale-note",
    ]
    bobs = fetch(tx, FollowUpRow, "contact_id = 2 AND status = 'pending'")
    assert [f.rule for f in bobs] == ["prospect-follow-up", "prospect-second-follow-up"]


def test_complaint_and_resolution(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx, email="ann@example.com", prefers="email")
    friday = dt.date(2026, 11, 20)
    log_interaction(tx, "Ann", "complaint", on=friday, today=friday, now=NOW, rules=rules)
    (followup,) = fetch(tx, FollowUpRow)
    assert (followup.channel, followup.due_on, followup.priority) == ("phone", MON, 1)
    result = log_interaction(tx, "Ann", "resolved", on=MON, today=MON, now=NOW, rules=rules)
    assert [(f.id, f.status, f.note) for f in result.completed] == [
        (followup.id, "done", "Complaint resolved on 2026-11-23")
    ]
    assert pending(tx) == [
        ("resolved-check", "email", dt.date(2026, 11, 25)),
        ("resolved-note", "mail", dt.date(2026, 11, 30)),
    ]


def test_a_negative_done_schedules_make_it_right_as_a_negative_call_does(
    tx: Tx, rules: RuleSet
) -> None:
    """`done --outcome negative` has the call's consequence: a high-priority call the next
    working day, with what was noted; resolving the complaint later closes it."""
    make_contact(tx)
    (call,) = log_interaction(
        tx, "Ann", "sale", on=dt.date(2026, 11, 20), today=MON, now=NOW, rules=rules
    ).scheduling.scheduled[:1]
    done = complete(
        tx, call.id, today=MON, now=NOW, rules=rules, outcome="negative", note="Wheel was bent"
    )
    fix = done.make_it_right
    assert fix is not None
    assert (fix.rule, fix.channel, fix.priority, fix.due_on, fix.note) == (
        "make-it-right",
        "phone",
        1,
        dt.date(2026, 11, 24),
        "Wheel was bent",
    )
    positive = schedule(tx, "Ann", MON, today=MON, channel="phone")
    assert (
        complete(tx, positive.id, today=MON, now=NOW, rules=rules, outcome="positive").make_it_right
        is None
    )
    result = log_interaction(tx, "Ann", "resolved", on=MON, today=MON, now=NOW, rules=rules)
    assert fix.id in [f.id for f in result.completed]


def test_outreach_completes_the_pending_follow_up_in_that_channel(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx)
    log_interaction(tx, "Ann", "sale", on=MON, today=MON, now=NOW, rules=rules)  # call due Wed
    result = log_interaction(tx, "Ann", "call", on=MON, today=MON, now=NOW, rules=rules)
    assert [f.rule for f in result.completed] == ["sale-thank-you"]
    assert [r for r, *_ in pending(tx)] == ["sale-note"]  # the note is another channel


def test_outreach_leaves_follow_ups_beyond_the_window(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx)
    schedule(tx, "Ann", dt.date(2026, 12, 10), today=MON)
    result = log_interaction(tx, "Ann", "call", on=MON, today=MON, now=NOW, rules=rules)
    assert result.completed == []


def test_no_answer_retries_then_switches_channel(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx, email="ann@example.com")
    followup = schedule(tx, "Ann", MON, today=MON, channel="phone")
    fid = followup.id or 0
    first = complete(tx, fid, today=MON, now=NOW, rules=rules, outcome="no-answer")
    assert (first.retry_on, first.followup.attempts, first.followup.status) == (
        dt.date(2026, 11, 25),
        1,
        "pending",
    )
    second = complete(
        tx, fid, today=dt.date(2026, 11, 25), now=NOW, rules=rules, outcome="no-answer"
    )
    assert second.retry_on == dt.date(2026, 11, 27)
    third = complete(
        tx, fid, today=dt.date(2026, 11, 27), now=NOW, rules=rules, outcome="no-answer"
    )
    assert third.switched_to == "email"
    assert (third.followup.channel, third.followup.due_on, third.followup.attempts) == (
        "email",
        dt.date(2026, 11, 30),
        0,
    )
    assert get(tx, FollowUpRow, fid) == third.followup  # saved as returned


def test_no_answer_gives_up_when_no_channel_is_left(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx)
    set_opt_out(tx, "Ann", "mail")
    set_opt_out(tx, "Ann", "text")
    fid = schedule(tx, "Ann", MON, today=MON, channel="phone").id or 0
    for _ in range(2):
        complete(tx, fid, today=MON, now=NOW, rules=rules, outcome="no-answer")
    result = complete(tx, fid, today=MON, now=NOW, rules=rules, outcome="no-answer")
    assert result.gave_up
    assert result.followup.status == "skipped"
    assert get(tx, FollowUpRow, fid) == result.followup


def due_today(db: Database) -> list[agenda.AgendaItem]:
    """The agenda as a command reads it: a read transaction of its own."""
    with db.reading() as tx:
        return agenda.due_today(tx, MON)


def test_done_snooze_skip_change_the_agenda(db: Database, rules: RuleSet) -> None:
    with db.transaction() as tx:
        make_contact(tx, "Ann Lee")
        make_contact(tx, "Ben Ode", phone="555-010-0102")
        a = schedule(tx, "Ann", MON, today=MON).id
        b = schedule(tx, "Ben", MON, today=MON).id
        c = schedule(tx, "Ann", MON, today=MON, purpose="Ask about the repair").id
    assert [i.id for i in due_today(db)] == [a, b, c]
    with db.transaction() as tx:
        done = complete(tx, a, today=MON, now=NOW, rules=rules, outcome="positive")
        snoozed = snooze(tx, b, dt.date(2026, 11, 25), today=MON)
        skipped = skip(tx, c, today=MON, reason="moved away")
    assert done.followup.completed_on == MON
    assert (snoozed.due_on, skipped.status, skipped.note) == (
        dt.date(2026, 11, 25),
        "skipped",
        "moved away",
    )
    assert due_today(db) == []
    with db.reading() as tx:
        assert agenda.next_due(tx, MON) == dt.date(2026, 11, 25)
        assert [get(tx, FollowUpRow, i) for i in (a, b, c)] == [
            done.followup,
            snoozed,
            skipped,
        ]
    with (
        db.transaction() as tx,
        pytest.raises(Conflict, match=r"Follow-up #\d+ is already done on 2026-11-23"),
    ):
        complete(tx, a, today=MON, now=NOW, rules=rules)


def test_done_logs_the_outreach_for_history(tx: Tx, rules: RuleSet) -> None:
    contact = make_contact(tx)
    fid = schedule(tx, "Ann", MON, today=MON).id or 0
    complete(tx, fid, today=MON, now=NOW, rules=rules, outcome="positive", note="Loved it")
    (logged,) = fetch(tx, InteractionRow, "contact_id = :c", {"c": contact.id})
    assert (logged.kind, logged.occurred_on, logged.note) == ("call", MON, "Loved it")
    created = logged.created_at  # naive UTC as stored
    assert (created.replace(tzinfo=dt.UTC) if created.tzinfo is None else created) == NOW


def test_errors_for_unknown_ids_and_bad_values(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx)
    with pytest.raises(NotFound, match="No follow-up #99"):
        complete(tx, 99, today=MON, now=NOW, rules=rules)
    with pytest.raises(
        InvalidInput,
        match="Unknown outcome 'great'; use one of positive, neutral, negative, no-answer",
    ):
        complete(tx, 1, today=MON, now=NOW, rules=rules, outcome="great")
    with pytest.raises(InvalidInput, match="Unknown interaction 'party'"):
        log_interaction(tx, "Ann", "party", on=MON, today=MON, now=NOW, rules=rules)
    with pytest.raises(InvalidInput, match="is in the future"):
        log_interaction(tx, "Ann", "sale", on=dt.date(2026, 12, 1), today=MON, now=NOW, rules=rules)
    with pytest.raises(InvalidInput, match="in the past"):
        schedule(tx, "Ann", dt.date(2026, 11, 1), today=MON)


def test_external_reference_is_logged_once(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx)
    log_interaction(tx, "Ann", "sale", on=MON, today=MON, now=NOW, rules=rules, external_id="INV-7")
    with pytest.raises(Conflict, match="Reference 'INV-7' was already logged"):
        log_interaction(
            tx, "Ann", "sale", on=MON, today=MON, now=NOW, rules=rules, external_id="INV-7"
        )


def test_do_not_contact_gets_nothing_and_vanishes_from_the_agenda(
    db: Database, rules: RuleSet
) -> None:
    with db.transaction() as tx:
        make_contact(tx, "Ann Lee")
        on = dt.date(2026, 11, 20)
        log_interaction(tx, "Ann", "sale", on=on, today=MON, now=NOW, rules=rules)
        assert len(agenda.due_today(tx, MON)) == 1  # visible inside the transaction
        assert len(due_today(db)) == 0  # not committed yet: separate connection
    assert [i.contact for i in due_today(db)] == ["Ann Lee"]
    with db.transaction() as tx:
        set_opt_out(tx, "Ann", None)
        result = log_interaction(tx, "Ann", "sale", on=MON, today=MON, now=NOW, rules=rules)
    assert result.scheduling.scheduled == []
    assert result.scheduling.not_scheduled[0].startswith(
        "sale-thank-you: Ann Lee (#1) asked not to be contacted"
    )
    assert due_today(db) == []
    with db.reading() as tx:
        assert agenda.upcoming(tx, MON, 30) == []
    with db.transaction() as tx:
        set_opt_out(tx, "Ann", None, undo=True)
    assert len(due_today(db)) == 1


def test_opt_out_of_one_channel_hides_only_that_channel(db: Database, rules: RuleSet) -> None:
    with db.transaction() as tx:
        make_contact(tx)
        on = dt.date(2026, 11, 16)
        log_interaction(tx, "Ann", "sale", on=on, today=MON, now=NOW, rules=rules)
        set_opt_out(tx, "Ann", "mail")
    assert [i.channel for i in due_today(db)] == ["phone"]


def test_opting_out_of_a_channel_moves_its_follow_ups_to_one_they_can_be_reached_by(
    tx: Tx, rules: RuleSet
) -> None:
    """#16 item 6: Ken's thank-you call was hidden by a phone opt-out; it moves to email."""
    from followup_cli.followups import change_opt_out

    make_contact(tx, "Ken Ito", email="ken@example.com", phone="555-010-0107", address="1 Elm St")
    log_interaction(tx, "Ken", "sale", on=dt.date(2026, 11, 13), today=MON, now=NOW, rules=rules)
    out = change_opt_out(tx, "Ken", "phone", today=MON)
    assert [(old, f.id, f.channel, f.status) for old, f in out.moved] == [
        ("phone", 1, "email", "pending")
    ]
    assert out.skipped == []
    assert sorted(i.channel for i in agenda.due_today(tx, MON)) == ["email", "mail"]
    notes = change_opt_out(tx, "Ken", "mail", today=MON)  # a note is a note: not sent as email
    assert [(f.id, f.status, f.note) for f in notes.skipped] == [
        (2, "skipped", "Opted out of mail on 2026-11-23")
    ]


def test_lifting_an_opt_out_offers_what_comes_back_as_due_today(tx: Tx, rules: RuleSet) -> None:
    from followup_cli.followups import change_opt_out

    make_contact(tx, "Ken Ito", phone="555-010-0107", address=None)
    log_interaction(tx, "Ken", "sale", on=dt.date(2026, 11, 11), today=MON, now=NOW, rules=rules)
    assert change_opt_out(tx, "Ken", None, today=MON).moved == []  # do not contact: hidden
    assert agenda.due_today(tx, MON) == []
    back = change_opt_out(tx, "Ken", None, today=MON, undo=True).back
    assert [(f.id, f.due_on) for f in back] == [(1, MON)]  # not "10 days overdue"
    assert [(i.id, i.days_overdue) for i in agenda.due_today(tx, MON)] == [(1, 0)]


def test_a_channel_opt_out_under_do_not_contact_changes_no_follow_up(
    tx: Tx, rules: RuleSet
) -> None:
    """Found in review: with do-not-contact on, every follow-up was skipped as unreachable."""
    from followup_cli.followups import change_opt_out

    make_contact(tx, "Ken Ito", email="ken@example.com", phone="555-010-0107", address="1 Elm St")
    log_interaction(tx, "Ken", "sale", on=dt.date(2026, 11, 20), today=MON, now=NOW, rules=rules)
    change_opt_out(tx, "Ken", None, today=MON)
    out = change_opt_out(tx, "Ken", "Phone", today=MON)  # as typed
    assert (out.moved, out.skipped) == ([], [])
    back = change_opt_out(tx, "Ken", None, today=MON, undo=True).back
    assert sorted(f.channel for f in back) == ["mail", "phone"]  # lifting it lifts them all


def test_a_call_moved_by_an_opt_out_never_becomes_a_second_note(tx: Tx, rules: RuleSet) -> None:
    """Found in review: with phone and address only, a moved call became a mail note."""
    from followup_cli.followups import change_opt_out

    make_contact(tx, "Amy Ng", phone="555-010-0108", address="2 Oak Ave")
    log_interaction(tx, "Amy", "sale", on=dt.date(2026, 11, 20), today=MON, now=NOW, rules=rules)
    change_opt_out(tx, "Amy", "text", today=MON)
    out = change_opt_out(tx, "Amy", "phone", today=MON)
    assert out.moved == []
    assert [(f.rule, f.status) for f in out.skipped] == [("sale-thank-you", "skipped")]
    pending = fetch(tx, FollowUpRow, "status = 'pending'")
    assert [(f.rule, f.channel) for f in pending] == [("sale-note", "mail")]


def test_past_due_is_overdue_on_a_day_off(tx: Tx, rules: RuleSet) -> None:
    """Found in review: Friday's call read "due today" on Saturday (0 working days)."""
    make_contact(tx, "Ann Lee")
    schedule(tx, "Ann", dt.date(2026, 11, 27), today=dt.date(2026, 11, 25))
    saturday = dt.date(2026, 11, 28)
    assert [i.days_overdue for i in agenda.due_today(tx, saturday)] == [1]
    assert [i.days_overdue for i in agenda.due_today(tx, dt.date(2026, 11, 27))] == [0]


def test_keep_in_touch_counts_from_the_last_real_contact(tx: Tx, rules: RuleSet) -> None:
    from followup_cli.followups import edit_contact_scheduled
    from followup_cli.inputs import ContactUpdate

    make_contact(tx)
    _, _, kit = edit_contact_scheduled(
        tx, "Ann", ContactUpdate(every_days=30), today=MON, rules=rules
    )
    assert kit is not None and kit.due_on == dt.date(2026, 12, 23)  # from created_on
    early = dt.date(2026, 12, 1)
    log_interaction(tx, "Ann", "call", on=early, today=early, now=NOW, rules=rules)
    kits = fetch(tx, FollowUpRow, "rule = 'keep-in-touch' AND status = 'pending'")
    assert [k.due_on for k in kits] == [dt.date(2026, 12, 31)]  # the early call pushed it out


def test_keep_in_touch_by_tag(tx: Tx) -> None:
    import tomllib

    from followup_cli.rules import default_rules_text, parse_rules

    data = tomllib.loads(default_rules_text())
    data["keep_in_touch"]["tags"] = {"vip": "2w", "wholesale": "3m"}
    rules = parse_rules(data, "test")
    contact = make_contact(tx, tags="vip,wholesale")
    kit = refresh_keep_in_touch(tx, contact, rules, MON)
    assert kit is not None and kit.due_on == dt.date(2026, 12, 7)
    assert fetch(tx, FollowUpRow, "rule = 'keep-in-touch'") == [kit]


def test_agenda_orders_most_overdue_then_priority(db: Database, rules: RuleSet) -> None:
    with db.transaction() as tx:
        make_contact(tx)
        schedule(tx, "Ann", dt.date(2026, 11, 23), today=dt.date(2026, 11, 1), purpose="today low")
        schedule(
            tx,
            "Ann",
            dt.date(2026, 11, 23),
            today=dt.date(2026, 11, 1),
            purpose="today high",
            priority=1,
        )
        schedule(tx, "Ann", dt.date(2026, 11, 18), today=dt.date(2026, 11, 1), purpose="old")
    items = due_today(db)
    assert [(i.purpose, i.days_overdue) for i in items] == [
        ("old", 3),  # due Wed Nov 18: Thu, Fri and Mon late (#16 item 9: working days)
        ("today high", 0),
        ("today low", 0),
    ]


def test_purpose_in_words() -> None:
    sale = agenda.Event("sale", dt.date(2026, 11, 20), 12900)
    assert agenda.purpose_in_words("Thank-you {action}", "phone", [sale]) == (
        "Thank-you call for sale on Nov 20, $129.00"
    )
    visit = agenda.Event("visit", dt.date(2026, 11, 2))
    assert agenda.purpose_in_words("Follow-up {action}", "email", [visit]) == (
        "Follow-up email (visit on Nov 2)"
    )
    later = [
        agenda.Event("sale", dt.date(2026, 11, 24), 4500),
        agenda.Event("sale", dt.date(2026, 12, 1)),
    ]
    assert agenda.purpose_in_words("Thank-you {action}", "phone", [sale, later[0]]) == (
        "Thank-you call for sales on Nov 20 and Nov 24, $129.00 + $45.00"
    )
    assert (
        agenda.purpose_in_words(
            "Thank-you {action}", "phone", [sale, *later], "€", dt.date(2027, 1, 2)
        )
        == "Thank-you call for sales on Nov 20, 2026, Nov 24, 2026 and Dec 1, 2026, €129.00 + €45.00"
    )
    assert agenda.purpose_in_words("Thank-you {action}", "phone", []) == "Thank-you call"
