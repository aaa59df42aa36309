"""Reports against a small known world whose figures are worked out by hand below."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from followup_cli import reports
from followup_cli.cli import app
from followup_cli.errors import InvalidInput
from followup_cli.store import Database, Tx
from followup_cli.store.rows import insert

D = dt.date
T0 = dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.UTC)


def _contact(tx: Tx, name: str, created: D, **kw: object) -> int:
    values = {"name": name, "created_on": created, "phone": None, "prefers": "phone", "tags": "",
              "phone_invalid": False, "do_not_contact": False, "opted_out_channels": ""}  # fmt: skip
    return insert(tx, "contact", {**values, **kw})


def _followup(tx: Tx, cid: int, channel: str, due: D, status: str = "pending",
              done: D | None = None, outcome: str | None = None, attempts: int = 0) -> None:  # fmt: skip
    insert(
        tx,
        "followup",
        {
            "contact_id": cid,
            "rule": "manual",
            "purpose": "Check-in {action}",
            "channel": channel,
            "due_on": due,
            "priority": 0,
            "status": status,
            "completed_on": done,
            "outcome": outcome,
            "attempts": attempts,
            "until_sale": False,
            "created_on": D(2026, 9, 1),
        },
    )


def _sale(tx: Tx, cid: int, on: D, cents: int | None, kind: str = "sale") -> None:
    insert(
        tx,
        "interaction",
        {"contact_id": cid, "kind": kind, "occurred_on": on, "amount_cents": cents,
         "created_at": T0},
    )  # fmt: skip


def _call(tx: Tx, cid: int, on: D, reach: str, outcome: str | None = None,
          would: str | None = None, review: str | None = None, referrals: int = 0,
          answers: tuple[tuple[str, str, str | None], ...] = ()) -> None:  # fmt: skip
    call = insert(tx, "call_log", {"contact_id": cid, "called_on": on, "started_at": T0,
                                   "status": "completed", "reach": reach, "outcome": outcome,
                                   "would_recommend": would, "review": review,
                                   "referrals": referrals, "script": "default"})  # fmt: skip
    for i, (step, answer, label) in enumerate(answers):
        question = "What could we do better?" if step == "do_better" else f"Question {step}?"
        insert(
            tx,
            "call_answer",
            {
                "call_id": call,
                "step": step,
                "question": question,
                "answer": answer,
                "label": label,
                "overridden": False,
                "answered_at": dt.datetime(on.year, on.month, on.day, 10, i, tzinfo=dt.UTC),
            },
        )


@pytest.fixture
def world(tx: Tx) -> Tx:
    """Today 2026-11-23; period 2026-10-25..2026-11-23; previous 2026-09-25..2026-10-24."""
    a = _contact(tx, "Ann", D(2026, 9, 1))
    b = _contact(tx, "Ben", D(2026, 9, 1))
    c = _contact(tx, "Cat", D(2026, 9, 1))
    d = _contact(tx, "Dan", D(2026, 11, 10), referred_by_id=a)
    _contact(tx, "Eve", D(2026, 11, 12), referred_by_id=a)
    f = _contact(tx, "Fay", D(2026, 10, 5), referred_by_id=b)
    g = _contact(tx, "Gus", D(2026, 9, 1), do_not_contact=True)
    h = _contact(tx, "Hal", D(2026, 10, 1), referred_by_id=b)
    j = _contact(tx, "Jon", D(2026, 9, 1))
    # this period's follow-ups
    _followup(tx, a, "phone", D(2026, 11, 1), "done", D(2026, 11, 1), "positive")
    _followup(tx, a, "phone", D(2026, 11, 2), "done", D(2026, 11, 4), "negative")
    _followup(tx, a, "phone", D(2026, 11, 20), attempts=2)  # overdue
    _followup(tx, b, "email", D(2026, 11, 5), "done", D(2026, 11, 5))  # no outcome
    _followup(tx, c, "email", D(2026, 11, 10), "skipped", D(2026, 11, 11))
    _followup(tx, c, "text", D(2026, 11, 23))  # due today: not overdue
    _followup(tx, c, "mail", D(2026, 11, 25))  # after the period
    # the previous period's, and one older
    _followup(tx, j, "phone", D(2026, 10, 1), "done", D(2026, 10, 1), "positive")
    _followup(tx, j, "phone", D(2026, 10, 10), "done", D(2026, 10, 10), "neutral", 1)
    _followup(tx, j, "phone", D(2026, 9, 1), "done", D(2026, 9, 1), "positive")
    # calls and answers, this period
    _call(tx, a, D(2026, 11, 1), "reached", "positive", "yes", "agreed", 2,
          (("liked_best", "great fit", "positive"), ("do_better", "nothing", "positive")))  # fmt: skip
    _call(tx, a, D(2026, 11, 4), "reached", "negative", "no", "declined", 0,
          (("liked_best", "slow service", "negative"), ("do_better", "call back", "neutral")))  # fmt: skip
    _call(tx, b, D(2026, 11, 20), "no-answer")
    _call(tx, c, D(2026, 11, 21), "reached", "neutral", "not-sure", "asked", 0,
          (("intro", "yes", None), ("liked_best", "it was ok", "neutral")))  # fmt: skip
    # and the previous period
    _call(tx, j, D(2026, 10, 2), "reached", "positive", "yes", "agreed", 1,
          (("liked_best", "lovely", "positive"),))  # fmt: skip
    _call(tx, j, D(2026, 10, 10), "voicemail")
    # sales and visits
    _sale(tx, d, D(2026, 11, 15), 5000)  # referral that bought
    _sale(tx, d, D(2026, 11, 16), None, kind="call")  # and was called since
    _sale(tx, f, D(2026, 10, 20), 7000)  # previous-period referral that bought
    _sale(tx, h, D(2026, 11, 1), 100)  # bought after its period ended
    _sale(tx, a, D(2026, 11, 15), 10000)
    _sale(tx, b, D(2026, 11, 5), 20000)  # followed up the same day
    _sale(tx, c, D(2026, 11, 20), None, kind="visit")
    _sale(tx, g, D(2026, 11, 18), 50000)  # do not contact
    _sale(tx, j, D(2026, 11, 22), 30000)
    _sale(tx, j, D(2026, 10, 1), 99900)  # outside the silence window
    return tx


def test_summary_figures_match_hand_count(world: Tx, today: D) -> None:
    period = reports.period(None, None, today)
    assert (period.since, period.until) == (D(2026, 10, 25), D(2026, 11, 23))
    s = reports.summary(world, period, today)
    assert (s.previous_period.since, s.previous_period.until) == (D(2026, 9, 25), D(2026, 10, 24))

    f = s.current.followups
    assert (f.due, f.done, f.on_time, f.overdue, f.skipped) == (6, 3, 2, 1, 1)
    assert f.completion_rate == 0.5
    assert f.on_time_rate == 0.667
    ch = s.current.channels
    assert [(c.channel, c.due, c.done, c.tries, c.reached) for c in ch.values()] == [
        ("email", 2, 1, 0, 0),  # done without an outcome: sent, not a try (#16 item 10)
        ("phone", 3, 2, 4, 2),
        ("text", 1, 0, 0, 0),
    ]
    assert (ch["phone"].reach_rate, ch["email"].reach_rate, ch["text"].reach_rate) == (
        0.5,
        None,
        None,
    )
    # Sales by date: six in the period, one from a customer who bought on Oct 1 (#16 item 10)
    assert s.current.sales == reports.SalesFigures(6, 115100, 6, 1)
    assert s.previous.sales == reports.SalesFigures(2, 106900, 2, 0)
    c = s.current.calls
    assert (c.calls, c.reached, c.positive, c.neutral, c.negative) == (4, 3, 1, 1, 1)
    assert (c.recommend_asked, c.recommend_yes, c.reviews_asked, c.reviews_agreed) == (3, 1, 3, 1)
    assert c.referrals_named == 2
    assert c.reached_rate == 0.75
    assert c.recommend_rate == 0.333
    assert s.current.answers == {"positive": 2, "neutral": 2, "negative": 1}
    assert (s.current.referrals, s.current.referrals_bought) == (2, 1)


def test_summary_previous_period_trend(world: Tx, today: D) -> None:
    s = reports.summary(world, reports.period(None, None, today), today)
    p = s.previous
    assert (p.followups.due, p.followups.done, p.followups.on_time) == (2, 2, 2)
    assert (p.followups.overdue, p.followups.skipped, p.followups.completion_rate) == (0, 0, 1.0)
    assert [(c.channel, c.due, c.done, c.tries, c.reached) for c in p.channels.values()] == [
        ("phone", 2, 2, 3, 2)
    ]
    assert (p.calls.calls, p.calls.reached, p.calls.positive, p.calls.referrals_named) == (
        2,
        1,
        1,
        1,
    )
    assert p.answers == {"positive": 1, "neutral": 0, "negative": 0}
    assert (p.referrals, p.referrals_bought) == (2, 1)


def test_explicit_period(world: Tx, today: D) -> None:
    period = reports.period(D(2026, 11, 1), D(2026, 11, 4), today)
    s = reports.summary(world, period, today)
    assert (s.current.followups.due, s.current.followups.done) == (2, 2)
    assert (s.previous_period.since, s.previous_period.until) == (D(2026, 10, 28), D(2026, 10, 31))
    assert s.previous.empty
    with pytest.raises(Exception, match="after --until"):
        reports.period(D(2026, 11, 5), D(2026, 11, 4), today)


def test_silence_most_valuable_first(world: Tx, today: D) -> None:
    result = reports.silence(world, today, 30)
    assert [(p.name, p.amount_cents, p.sales, p.visits) for p in result.people] == [
        ("Jon", 30000, 1, 0),
        ("Ann", 10000, 1, 0),
        ("Hal", 100, 1, 0),
        ("Cat", 0, 0, 1),
    ]
    assert result.total == 4
    assert result.people[1].last_on == D(2026, 11, 15)
    short = reports.silence(world, today, 30, limit=1)
    assert (len(short.people), short.total) == (1, 4)
    assert [p.name for p in reports.silence(world, today, 2).people] == ["Jon"]


def test_feedback_do_better_and_negative_newest_first(world: Tx) -> None:
    items = reports.feedback(world)
    assert [(i.contact, i.step, i.answer, i.label) for i in items] == [
        ("Ann", "do_better", "call back", "neutral"),
        ("Ann", "liked_best", "slow service", "negative"),
        ("Ann", "do_better", "nothing", "positive"),
    ]
    neutral = reports.feedback(world, label="neutral")
    assert [(i.contact, i.answer) for i in neutral] == [("Cat", "it was ok"), ("Ann", "call back")]
    assert len(reports.feedback(world, since=D(2026, 11, 3))) == 2
    praise = reports.feedback(world, label="positive")  # #16 item 10: the praise too
    assert [(i.contact, i.step, i.answer) for i in praise] == [
        ("Ann", "do_better", "nothing"),
        ("Ann", "liked_best", "great fit"),
        ("Jon", "liked_best", "lovely"),
    ]
    with pytest.raises(InvalidInput) as caught:
        reports.feedback(world, label="great")
    assert str(caught.value) == "Unknown label 'great'; use positive, neutral or negative."


runner = CliRunner()


def test_cli_report_summary_and_json(world: Tx) -> None:
    result = runner.invoke(app, ["report"])
    assert result.exit_code == 0, result.output
    assert "Completion rate" in result.output and "50%" in result.output
    assert "2026-10-25 to 2026-11-23" in result.output
    result = runner.invoke(app, ["report", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["current"]["followups"]["due"] == 6
    assert data["previous"]["followups"]["due"] == 2
    assert data["current"]["answers"]["negative"] == {"count": 1, "share": 0.2}
    assert data["current"]["calls"]["outcome_share"]["positive"] == 0.333
    assert data["previous_period"] == {"since": "2026-09-25", "until": "2026-10-24"}


def test_cli_report_subcommands(world: Tx) -> None:
    result = runner.invoke(app, ["report", "silence", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "Jon" in result.output and "$300.00" in result.output and "Gus" not in result.output
    data = json.loads(runner.invoke(app, ["report", "silence", "--json"]).stdout)
    assert [p["name"] for p in data["people"]] == ["Jon", "Ann", "Hal", "Cat"]
    result = runner.invoke(app, ["report", "feedback", "--label", "negative"])
    assert result.exit_code == 0 and "slow service" in result.output
    data = json.loads(runner.invoke(app, ["report", "feedback", "--json"]).stdout)
    assert len(data) == 3
    result = runner.invoke(app, ["report", "feedback", "--label", "angry"])
    assert result.exit_code == 2
    assert "Unknown label 'angry'" in result.stderr


def test_cli_reports_empty_state(db: Database) -> None:
    result = runner.invoke(app, ["report"])
    assert result.exit_code == 0
    shown = " ".join(result.output.split())  # rich wraps at the terminal's width
    assert "Nothing to report" in shown and "followup log sale" in shown
    result = runner.invoke(app, ["report", "silence"])
    assert result.exit_code == 0 and "Nothing to catch up on" in result.output
    result = runner.invoke(app, ["report", "feedback"])
    assert result.exit_code == 0 and "No feedback to show yet" in result.output
    data = json.loads(runner.invoke(app, ["report", "--json"]).stdout)
    assert data["current"]["followups"]["completion_rate"] is None


def test_cli_report_bad_period(db: Database) -> None:
    result = runner.invoke(app, ["report", "--since", "2026-11-20", "--until", "2026-11-01"])
    assert result.exit_code == 2
    assert "after --until" in result.stderr
    result = runner.invoke(app, ["report", "--since", "someday"])
    assert result.exit_code == 2
    assert "Could not understand the date 'someday'" in result.stderr


def test_an_empty_report_says_how_to_start_with_commands_that_work() -> None:
    """#16 item 13: the hint said `log sale NAME`, which fails for someone not yet a contact."""
    result = runner.invoke(app, ["report"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert " ".join(result.stdout.split()).endswith(
        "Nothing to report for these days: no sales, no follow-ups due and no calls. Add a "
        "customer with `followup contact add NAME` and log a sale with `followup log sale "
        "NAME`, or import sales with `followup import FILE`, then work through `followup "
        "today`; or widen the period with --since."
    )
