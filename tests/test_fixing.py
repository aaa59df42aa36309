"""Fixing mistakes (#14): bulk done/skip/snooze, reopen, edit, and correcting what was logged.

The domain is tested directly; the CLI tests hold the exact words, exit codes, the preview and
the question, and that nothing changes unless the owner agrees.
"""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from followup_cli.cli import app
from followup_cli.contacts import set_opt_out
from followup_cli.errors import Conflict, InvalidInput, NotFound
from followup_cli.fixing import (
    FollowUpChanges,
    InteractionChanges,
    Selection,
    complete_all,
    delete_interaction,
    edit_followup,
    edit_interaction,
    reopen,
    select,
    skip_all,
    snooze_all,
)
from followup_cli.followups import complete, log_interaction, new_followup, schedule, skip
from followup_cli.scheduling import RuleSet
from followup_cli.store import Database, Tx
from followup_cli.store.rows import FollowUpRow, InteractionRow, get
from tests.helpers import make_contact, query

MON = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
runner = CliRunner()


def day(n: int) -> dt.date:
    """A day of November 2026."""
    return dt.date(2026, 11, n)


def backlog(tx: Tx, rules: RuleSet) -> None:
    """#1 Ann's thank-you call (due Mon 23), #2 her note (Thu 26), #3 Bo's call (Mon 16),
    #4 Ann's email (Tue 17), #5 Cy's call (Mon 16; Cy asked not to be contacted), #6 Bo's text
    (done)."""
    make_contact(tx, "Ann Lee", email="ann@example.com")
    make_contact(tx, "Bo Ray", phone="555-010-0102", address=None)
    make_contact(tx, "Cy Quiet", phone="555-010-0103")
    log_interaction(tx, "Ann", "sale", on=day(19), today=day(19), now=NOW, rules=rules)
    schedule(tx, "Bo", day(16), today=day(16), channel="phone")
    schedule(tx, "Ann", day(17), today=day(17), channel="email")
    schedule(tx, "Cy", day(16), today=day(16), channel="phone")
    set_opt_out(tx, "Cy", None)
    schedule(tx, "Bo", day(18), today=day(18), channel="text")
    complete(tx, 6, today=day(18), now=NOW, rules=rules)


def picked(tx: Tx, rules: RuleSet, **asked: object) -> list[int]:
    return [s.followup.id for s in select(tx, Selection(**asked), today=MON, rules=rules)]  # type: ignore[arg-type]


def status(tx: Tx, followup_id: int) -> tuple[str, dt.date]:
    row = get(tx, FollowUpRow, followup_id)
    assert row is not None
    return row.status, row.due_on


# --------------------------------------------------------------------------------------------
# Selecting many
# --------------------------------------------------------------------------------------------


def test_each_filter_selects_the_pending_follow_ups_the_agenda_shows(
    tx: Tx, rules: RuleSet
) -> None:
    backlog(tx, rules)
    assert picked(tx, rules, overdue_before=MON) == [3, 4]  # not Cy's (#5), not done (#6)
    assert picked(tx, rules, overdue_before=day(17)) == [3]
    assert picked(tx, rules, channel="phone") == [3, 1]
    assert picked(tx, rules, channel="calls") == [3, 1]  # the agenda's own word
    assert picked(tx, rules, rule="sale-note") == [2]
    assert picked(tx, rules, contact="Ann") == [4, 1, 2]
    assert picked(tx, rules, contact="Ann", channel="email") == [4]
    assert picked(tx, rules, rule="escalated") == []  # a rule nothing was made by yet


def test_ids_are_narrowed_by_the_filters_and_must_each_be_pending(tx: Tx, rules: RuleSet) -> None:
    backlog(tx, rules)
    assert picked(tx, rules, ids=(1, 3, 5)) == [3, 5, 1]  # ids alone: taken as given
    assert picked(tx, rules, ids=(1, 4), channel="phone") == [1]
    with pytest.raises(Conflict, match=r"^Follow-up #6 is already done on 2026-11-18\.$"):
        picked(tx, rules, ids=(1, 6))
    with pytest.raises(NotFound, match=r"^No follow-up #99\."):
        picked(tx, rules, ids=(1, 99))


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ({}, "Say which follow-ups: ids, as in `followup done 3 5 7`, or a selection with --overdue-before, --channel, --rule or --contact."),
        ({"channel": "fax"}, "Unknown channel 'fax'; use one of phone, email, text, mail, visit."),
        ({"overdue_before": dt.date(2026, 11, 24)}, "2026-11-24 is in the future; --overdue-before takes today (everything overdue) or an earlier day."),
        ({"rule": "thank-you"}, "Unknown rule 'thank-you'; use one of complaint-call, escalated, keep-in-touch, make-it-right, manual, prospect-follow-up, prospect-second-follow-up, resolved-check, resolved-note, sale-note, sale-thank-you (see `followup rules`)."),
    ],
)  # fmt: skip
def test_a_bad_selection_is_refused_saying_why(
    tx: Tx, rules: RuleSet, asked: dict[str, object], message: str
) -> None:
    backlog(tx, rules)
    with pytest.raises(InvalidInput) as caught:
        picked(tx, rules, **asked)
    assert str(caught.value) == message


def test_a_bulk_action_changes_all_or_nothing(db: Database, rules: RuleSet) -> None:
    with db.transaction() as tx:
        backlog(tx, rules)
    with pytest.raises(NotFound), db.transaction() as tx:
        skip_all(tx, [3, 4, 99], today=MON)
    with db.reading() as tx:
        assert [status(tx, i)[0] for i in (3, 4)] == ["pending", "pending"]
    with db.transaction() as tx:
        skipped = skip_all(tx, [3, 4], today=MON, reason="backlog")
        moved = snooze_all(tx, [1, 2], day(28), today=MON, calendar=rules.calendar)
    assert [(f.id, f.status, f.note) for f in skipped] == [
        (3, "skipped", "backlog"),
        (4, "skipped", "backlog"),
    ]
    assert [(f.id, f.due_on) for f in moved] == [(1, day(30)), (2, day(30))]  # Sat -> Mon


def test_done_for_many_never_completes_one_twice(tx: Tx, rules: RuleSet) -> None:
    """Reaching Ann by phone about her sale completes its email too; done 1 7 says so and
    does not then find #7 already done."""
    backlog(tx, rules)
    sale = get(tx, FollowUpRow, 1)
    assert sale is not None and sale.interaction_id is not None
    email = new_followup(
        tx, sale.contact_id, rule="sale-thank-you", purpose="Thank-you {action}",
        channel="email", due_on=MON, today=MON, interaction_id=sale.interaction_id,
    )  # fmt: skip
    results = complete_all(tx, [1, email.id], today=MON, now=NOW, rules=rules)
    assert [(r.followup.id, [f.id for f in r.also_done]) for r in results] == [(1, [email.id])]
    assert status(tx, email.id)[0] == "done"


# --------------------------------------------------------------------------------------------
# Reopen and edit
# --------------------------------------------------------------------------------------------


def test_reopen_puts_a_done_or_skipped_follow_up_back_clearing_its_outcome(
    tx: Tx, rules: RuleSet
) -> None:
    backlog(tx, rules)
    complete(tx, 1, today=MON, now=NOW, rules=rules, outcome="positive")
    skip(tx, 3, today=MON, reason="moved away")
    again = reopen(tx, 1)
    assert (again.was, again.followup.status, again.followup.outcome) == ("done", "pending", None)
    row = get(tx, FollowUpRow, 1)
    assert row is not None
    assert (row.status, row.outcome, row.completed_on, row.due_on) == ("pending", None, None, MON)
    assert reopen(tx, 3).was == "skipped"
    with pytest.raises(Conflict) as caught:
        reopen(tx, 3)
    assert (
        str(caught.value) == "Follow-up #3 is already pending (due 2026-11-16); nothing to reopen."
    )


def test_reopen_refuses_a_channel_the_contact_opted_out_of(tx: Tx, rules: RuleSet) -> None:
    backlog(tx, rules)
    skip(tx, 4, today=MON)
    set_opt_out(tx, "Ann", "email")
    with pytest.raises(Conflict) as caught:
        reopen(tx, 4)
    assert str(caught.value) == "Cannot reopen #4 by email: Ann Lee (#1) opted out of email."
    assert status(tx, 4)[0] == "skipped"


def test_edit_changes_what_was_given_and_nothing_else(tx: Tx, rules: RuleSet) -> None:
    backlog(tx, rules)
    tx.execute("UPDATE followup SET attempts = 2 WHERE id = 1")
    changes = FollowUpChanges(
        purpose="  Ask about  the saddle ", channel="email", due=day(28), priority="High"
    )
    edited = edit_followup(tx, 1, changes, today=MON, calendar=rules.calendar)
    assert edited.changed == ["purpose", "channel", "due_on", "priority"]
    row = get(tx, FollowUpRow, 1)
    assert row is not None and row == edited.followup
    assert (row.purpose, row.channel, row.due_on, row.priority, row.attempts, row.note) == (
        "Ask about the saddle", "email", day(30), 1, 0, None,
    )  # fmt: skip
    again = edit_followup(tx, 1, FollowUpChanges(channel="email", note="call first"), today=MON)
    assert again.changed == ["note"]


@pytest.mark.parametrize(
    ("followup_id", "changes", "error", "message"),
    [
        (4, FollowUpChanges(), InvalidInput, "Nothing to change; give an option such as --due friday, --channel email or --note."),
        (3, FollowUpChanges(channel="email"), Conflict, "Cannot move #3 to email: Bo Ray (#2) has no email on file."),
        (1, FollowUpChanges(channel="text"), Conflict, "Cannot move #1 to text: Ann Lee (#1) opted out of text."),
        (1, FollowUpChanges(due=day(20)), InvalidInput, "2026-11-20 is in the past; move it to today or later."),
        (1, FollowUpChanges(priority="urgent"), InvalidInput, "Unknown priority 'urgent'; use normal or high."),
        (1, FollowUpChanges(purpose=" "), InvalidInput, 'A purpose is a few words, e.g. --purpose "Ask about the repair".'),
        (6, FollowUpChanges(note="x"), Conflict, "Follow-up #6 is already done on 2026-11-18."),
    ],
)  # fmt: skip
def test_edit_refuses_what_cannot_be(
    tx: Tx,
    rules: RuleSet,
    followup_id: int,
    changes: FollowUpChanges,
    error: type[Exception],
    message: str,
) -> None:
    backlog(tx, rules)
    set_opt_out(tx, "Ann", "text")
    before = get(tx, FollowUpRow, followup_id)
    with pytest.raises(error) as caught:
        edit_followup(tx, followup_id, changes, today=MON, calendar=rules.calendar)
    assert str(caught.value) == message
    assert get(tx, FollowUpRow, followup_id) == before


# --------------------------------------------------------------------------------------------
# Correcting what was logged
# --------------------------------------------------------------------------------------------


def sale_of_ann(tx: Tx, rules: RuleSet) -> InteractionRow:
    """Ann's sale of Thu 19: #1 thank-you call (Mon 23, done today), #2 note (Thu 26)."""
    make_contact(tx, "Ann Lee")
    make_contact(tx, "Bo Ray", phone="555-010-0102", address=None)
    logged = log_interaction(tx, "Ann", "sale", on=day(19), today=day(19), now=NOW, rules=rules)
    complete(tx, 1, today=MON, now=NOW, rules=rules)
    return logged.interaction


def test_a_new_date_moves_the_pending_follow_ups_by_as_many_days(tx: Tx, rules: RuleSet) -> None:
    sale = sale_of_ann(tx, rules)
    fix = edit_interaction(
        tx, sale.id, InteractionChanges(on=day(20)), today=MON, calendar=rules.calendar
    )
    assert fix.changed == ["occurred_on"]
    assert [(f.id, f.due_on) for f in fix.moved] == [(2, day(27))]
    assert [f.id for f in fix.logged.closed] == [1]
    assert status(tx, 1) == ("done", MON)  # done: history, not moved
    assert status(tx, 2) == ("pending", day(27))
    # a day later still: Thu 26 + 2 = Sat 28, rolled to Mon 30
    edit_interaction(
        tx, sale.id, InteractionChanges(on=day(21)), today=MON, calendar=rules.calendar
    )
    assert status(tx, 2) == ("pending", day(30))
    # far earlier: never due before today
    edit_interaction(tx, sale.id, InteractionChanges(on=day(2)), today=MON, calendar=rules.calendar)
    assert status(tx, 2) == ("pending", MON)


def test_a_new_contact_takes_the_pending_follow_ups_it_can_be_reached_by(
    tx: Tx, rules: RuleSet
) -> None:
    sale = sale_of_ann(tx, rules)
    call = schedule(tx, "Ann", MON, today=MON)  # not the sale's: stays Ann's
    made = new_followup(
        tx, 1, rule="sale-thank-you", purpose="Thank-you {action}", channel="text",
        due_on=day(24), today=MON, interaction_id=sale.id,
    )  # fmt: skip
    fix = edit_interaction(
        tx, sale.id, InteractionChanges(contact="Bo", amount_cents=4900),
        today=MON, calendar=rules.calendar,
    )  # fmt: skip
    assert fix.changed == ["amount_cents", "contact_id"]
    assert [(f.id, f.contact_id, f.due_on) for f in fix.moved] == [(made.id, 2, day(24))]
    assert [(f.id, why) for f, why in fix.skipped] == [
        (2, "Bo Ray (#2) has no postal address on file (`followup contact edit 2 --address ...`)")
    ]
    assert query("SELECT id, contact_id, status FROM followup ORDER BY id") == [
        (1, 1, "done"), (2, 1, "skipped"), (call.id, 1, "pending"), (made.id, 2, "pending"),
    ]  # fmt: skip
    moved = get(tx, InteractionRow, sale.id)
    assert moved is not None and (moved.contact_id, moved.amount_cents) == (2, 4900)


def test_log_edit_refuses_what_cannot_be(tx: Tx, rules: RuleSet) -> None:
    sale = sale_of_ann(tx, rules)

    def refused(changes: InteractionChanges) -> str:
        with pytest.raises((InvalidInput, NotFound)) as caught:
            edit_interaction(tx, sale.id, changes, today=MON, calendar=rules.calendar)
        return str(caught.value)

    assert refused(InteractionChanges()) == (
        "Nothing to change; give --on, --amount, --note or --contact."
    )
    assert refused(InteractionChanges(on=day(24))) == (
        "2026-11-24 is in the future; log what has happened."
    )
    assert refused(InteractionChanges(amount_cents=-500)) == (
        "An amount is never negative; for money given back, log a refund of what was given "
        "back: `followup log refund 1 --amount 5.00`."
    )
    assert refused(InteractionChanges(contact="Zed")) == (
        "No contact matches 'Zed'. Try `followup contact list --search Zed`."
    )
    assert get(tx, InteractionRow, sale.id) == sale


def test_delete_removes_pending_follow_ups_and_keeps_done_ones(tx: Tx, rules: RuleSet) -> None:
    sale = sale_of_ann(tx, rules)
    fix = delete_interaction(tx, sale.id)
    assert [f.id for f in fix.removed] == [2]
    assert [f.id for f in fix.logged.closed] == [1]
    assert get(tx, InteractionRow, sale.id) is None
    # the done call stays, about an interaction that is gone; the outreach it logged stays
    assert query("SELECT id, status, interaction_id FROM followup") == [(1, "done", None)]
    assert query("SELECT kind FROM interaction") == [("call",)]
    with pytest.raises(NotFound) as caught:
        delete_interaction(tx, sale.id)
    assert str(caught.value) == (
        f"No interaction #{sale.id}. `followup contact show REF` lists a contact's "
        "interactions with their ids."
    )


def test_a_follow_up_that_also_covers_a_later_sale_stays_for_it(tx: Tx, rules: RuleSet) -> None:
    """A regular's second sale joins the first's thank-yous (once_per): deleting the first
    keeps them, for the second; moving the second to someone else unjoins it."""
    make_contact(tx, "Ann Lee")
    make_contact(tx, "Bo Ray", phone="555-010-0102", address=None)
    first = log_interaction(tx, "Ann", "sale", on=day(19), today=day(19), now=NOW, rules=rules)
    second = log_interaction(tx, "Ann", "sale", on=day(20), today=day(20), now=NOW, rules=rules)
    assert [f.id for f in second.scheduling.joined] == [1, 2]
    later = second.interaction.id
    fix = delete_interaction(tx, first.interaction.id)
    assert ([f.id for f in fix.handed_over], fix.removed) == ([1, 2], [])
    assert query("SELECT id, status, interaction_id FROM followup ORDER BY id") == [
        (1, "pending", later), (2, "pending", later),
    ]  # fmt: skip
    assert query("SELECT * FROM followup_event") == []

    third = log_interaction(tx, "Ann", "sale", on=day(21), today=day(21), now=NOW, rules=rules)
    assert [f.id for f in third.scheduling.joined] == [1, 2]
    fix = edit_interaction(
        tx, third.interaction.id, InteractionChanges(contact="Bo"), today=MON,
        calendar=rules.calendar,
    )  # fmt: skip
    assert ([f.id for f in fix.unjoined], fix.moved) == ([1, 2], [])
    assert query("SELECT * FROM followup_event") == []


# --------------------------------------------------------------------------------------------
# Through the command line
# --------------------------------------------------------------------------------------------


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=input)


def ok(*args: str, input: str | None = None) -> str:
    result = run(*args, input=input)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


@pytest.fixture
def agenda(db: Database, rules: RuleSet) -> None:
    with db.transaction() as tx:
        backlog(tx, rules)


def statuses() -> list[tuple[int, str, str]]:
    return query("SELECT id, status, due_on FROM followup ORDER BY id")


PREVIEW = [
    "Skip 2 follow-ups:",
    "  #3  Bo Ray   Follow-up call   due Mon 2026-11-16",
    "  #4  Ann Lee  Follow-up email  due Tue 2026-11-17",
]


@pytest.mark.usefixtures("agenda")
def test_a_bulk_skip_shows_what_it_will_change_and_asks() -> None:
    before = statuses()
    assert ok("skip", "--overdue-before", "today", input="n\n").splitlines() == [
        *PREVIEW,
        "Skip these 2 follow-ups? [y/N]: n",  # the test's input, echoed
        "Nothing was changed.",
    ]
    assert statuses() == before
    assert ok("skip", "--overdue-before", "today", "--dry-run").splitlines() == [
        *PREVIEW,
        "Dry run: nothing was changed.",
    ]
    assert statuses() == before
    assert ok("skip", "3", "4", "--reason", "backlog", input="y\n").splitlines() == [
        *PREVIEW,
        "Skip these 2 follow-ups? [y/N]: y",
        "Skipped #3 Follow-up call.",
        "Skipped #4 Follow-up email.",
    ]
    assert query("SELECT id, status, note FROM followup WHERE id IN (3, 4) ORDER BY id") == [
        (3, "skipped", "backlog"),
        (4, "skipped", "backlog"),
    ]


@pytest.mark.usefixtures("agenda")
def test_bulk_done_and_snooze_with_yes_ask_nothing() -> None:
    assert ok("done", "--contact", "Ann", "--channel", "email", "--yes") == (
        "Done: #4 Follow-up email with Ann Lee.\n"  # one selected: no preview, as one id
    )
    assert ok("snooze", "--channel", "phone", "saturday", "--yes").splitlines() == [
        "Snooze 2 follow-ups to Mon 2026-11-30:",
        "  #3  Bo Ray   Follow-up call  due Mon 2026-11-16",
        "  #1  Ann Lee  Thank-you call  due Mon 2026-11-23",
        "Snoozed #3 Follow-up call to Mon 2026-11-30 (Sat 2026-11-28 is not a working day).",
        "Snoozed #1 Thank-you call to Mon 2026-11-30 (Sat 2026-11-28 is not a working day).",
    ]
    assert ok("done", "1", "3", "--outcome", "positive", "--yes").splitlines() == [
        "Complete 2 follow-ups (positive):",
        "  #1  Ann Lee  Thank-you call  due Mon 2026-11-30",
        "  #3  Bo Ray   Follow-up call  due Mon 2026-11-30",
        "Done: #1 Thank-you call with Ann Lee (positive).",
        "Done: #3 Follow-up call with Bo Ray (positive).",
    ]


@pytest.mark.usefixtures("agenda")
def test_an_empty_selection_says_so_and_where_to_look() -> None:
    assert ok("skip", "--rule", "sale-note", "--channel", "phone") == (
        "No pending follow-up is by phone, made by rule sale-note. See what is pending with "
        "`followup today` or `followup upcoming --days 30`.\n"
    )
    assert ok("done", "--overdue-before", "nov 10", "--contact", "Bo") == (
        "No pending follow-up is due before Tue 2026-11-10, for contact 'Bo'. See what is "
        "pending with `followup today` or `followup upcoming --days 30`.\n"
    )


@pytest.mark.usefixtures("agenda")
@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["done", "1", "99"], 3, "Error: No follow-up #99. See `followup today` or `followup upcoming`."),
        (["skip", "1", "6"], 4, "Error: Follow-up #6 is already done on 2026-11-18."),
        (["skip", "--channel", "fax"], 2, "Error: Unknown channel 'fax'; use one of phone, email, text, mail, visit."),
        (["skip", "--overdue-before", "someday"], 2, "Error: Could not understand the date 'someday'. Try 2026-12-01, today, tomorrow, monday, next friday, in 3 days, +2w or dec 1."),
        (["done", "1", "x"], 2, "Error: 'x' is not a follow-up id; use a number like 12 or #12."),
        (["done", "--outcome", "great", "1", "3"], 2, "Error: Unknown outcome 'great'; use one of positive, neutral, negative, no-answer."),
        (["snooze", "12"], 2, "Error: Say which follow-ups: ids, as in `followup snooze 3 5 7 monday`, or a selection with --overdue-before, --channel, --rule or --contact."),
        (["snooze", "1", "3", "2026-01-01"], 2, "Error: 2026-01-01 is in the past; snooze to today or later."),
        (["skip", "--contact", "Nobody"], 3, "Error: No contact matches 'Nobody'. Try `followup contact list --search Nobody`."),
        (["reopen", "1"], 4, "Error: Follow-up #1 is already pending (due 2026-11-23); nothing to reopen."),
        (["edit", "1"], 2, "Error: Nothing to change; give an option such as --due friday, --channel email or --note."),
        (["edit", "3", "--channel", "email"], 4, "Error: Cannot move #3 to email: Bo Ray (#2) has no email on file."),
        (["edit", "1", "--priority", "top"], 2, "Error: Unknown priority 'top'; use normal or high."),
        (["log", "edit", "1"], 2, "Error: Nothing to change; give --on, --amount, --note or --contact."),
        (["log", "edit", "99", "--note", "x"], 3, "Error: No interaction #99. `followup contact show REF` lists a contact's interactions with their ids."),
        (["log", "delete", "abc"], 2, "Error: 'abc' is not a interaction id; use a number like 12 or #12."),
    ],
)  # fmt: skip
def test_a_bad_value_is_one_line_and_changes_nothing(
    args: list[str], code: int, message: str
) -> None:
    before = statuses()
    result = run(*args, input="y\n")
    assert (result.exit_code, result.stderr.strip(), result.stdout) == (code, message, "")
    assert statuses() == before


@pytest.mark.usefixtures("agenda")
def test_reopen_and_edit_say_what_they_did() -> None:
    assert ok("reopen", "6") == (
        "Reopened #6 Follow-up text with Bo Ray (it was done); due Wed 2026-11-18.\n"
    )
    assert ok("edit", "1", "--channel", "email", "--due", "saturday", "--priority", "high") == (
        "Updated #1 Thank-you email with Ann Lee: channel email, due Mon 2026-11-30 "
        "(Sat 2026-11-28 is not a working day), priority high.\n"
    )
    assert ok("edit", "1", "--channel", "email") == (
        "Updated #1 Thank-you email with Ann Lee: nothing changed.\n"
    )
    ok("contact", "opt-out", "Ann", "--channel", "email")
    result = run("edit", "4", "--purpose", "Ask about the bell", "--channel", "email")
    assert (result.exit_code, result.stderr) == (
        4,
        "Error: Cannot move #4 to email: Ann Lee (#1) opted out of email.\n",
    )


def test_log_edit_and_delete_through_the_command_line(db: Database, rules: RuleSet) -> None:
    with db.transaction() as tx:
        sale = sale_of_ann(tx, rules)
    shown = ok("contact", "show", "Ann")
    assert f"   {sale.id}  2026-11-19  sale" in shown  # the id log edit takes
    assert ok("log", "edit", str(sale.id), "--on", "friday", "--amount", "$49.50").splitlines() == [
        "Updated the sale ($49.50) for Ann Lee (#1) on Fri 2026-11-20: date, amount.",
        "  Moved #2 Handwritten thank-you note to Fri 2026-11-27",
        "  Kept #1 Thank-you call as it was (done on 2026-11-23): it stays in the history",
    ]
    assert ok("log", "delete", str(sale.id), input="n\n") == (
        "Delete the sale ($49.50) for Ann Lee (#1) on Fri 2026-11-20 and its 1 follow-up still "
        "pending? [y/N]: n\nNothing was deleted.\n"
    )
    assert query("SELECT count(*) FROM followup") == [(2,)]
    assert ok("log", "delete", str(sale.id), "--yes").splitlines() == [
        "Deleted the sale ($49.50) for Ann Lee (#1) on Fri 2026-11-20.",
        "  Removed #2 Handwritten thank-you note (it was pending)",
        "  Kept #1 Thank-you call as it was (done on 2026-11-23): it stays in the history",
    ]
    assert query("SELECT id, status FROM followup") == [(1, "done")]


def test_log_keeps_every_form_it_had_before_it_had_subcommands() -> None:
    ok("contact", "add", "Ann Lee", "--phone", "555-010-0101")
    assert ok("log", "--on", "2026-11-20", "visit", "Ann").startswith(
        "Logged visit for Ann Lee (#1) on Fri 2026-11-20."
    )
    assert ok("log", "call", "Ann", "--note", "edit the order").startswith(
        "Logged call for Ann Lee (#1) on Mon 2026-11-23."
    )
    result = run("log", "sale")
    assert result.exit_code == 2
    assert result.stderr.startswith("Usage: followup log [OPTIONS] {kind} {REF}\n")
    assert "Missing argument 'REF'." in result.stderr
    shown = ok("log", "--help")
    assert "Example: followup log sale" in " ".join(shown.split())
    assert "edit    Correct what was logged" in shown and "delete  Delete what was" in shown
