"""The report: the period summary beside the one before, as plain aligned tables (the lists,
silence and feedback, are in ``render.plain``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from followup_cli.render.plain import aligned, say, show, visible
from followup_cli.reports import rate
from followup_cli.values import format_money

if TYPE_CHECKING:
    from followup_cli.reports import Figures, Summary


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _count_change(now: int, before: int) -> str:
    return f"{now - before:+d}" if now != before else "="


def _rate_change(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return ""
    points = round((now - before) * 100)
    return f"{points:+d} pts" if points else "="


Row = list[str]
TREND = ("", "This period", "Previous", "Change")


def _counts(label: str, now: int, before: int) -> Row:
    return [label, str(now), str(before), _count_change(now, before)]


def _rates(label: str, now: float | None, before: float | None) -> Row:
    return [label, _pct(now), _pct(before), _rate_change(now, before)]


def _table(title: str, header: tuple[str, ...], rows: list[Row]) -> list[str]:
    """A titled table, the first column (the names) to the left, the figures to the right."""
    head, *body = aligned(header, rows, right=range(1, len(header)))
    return ["", title, head, *body]


def summary(s: Summary, currency: str) -> None:
    p, q = s.period, s.previous_period
    heading = (
        f"{p.since.isoformat()} to {p.until.isoformat()} ({p.days} days), "
        f"compared with {q.since.isoformat()} to {q.until.isoformat()}"
    )
    cur, prev = s.current, s.previous
    if cur.empty and prev.empty:
        say(f"Report: {heading}")
        say(
            "Nothing to report for these days: no sales, no follow-ups due and no calls. "
            "Add a customer with `followup contact add NAME` and log a sale with `followup log "
            "sale NAME`, or import sales with `followup import FILE`, then work through "
            "`followup today`; or widen the period with --since."
        )
        return
    show(
        [
            visible(f"Report: {heading}"),
            *_table("Sales", TREND, _sales_rows(cur, prev, currency)),
            *_table("Follow-ups (by due date)", TREND, _followup_rows(cur, prev)),
            *_table("Calls and answers", TREND, _call_rows(cur, prev)),
            *_table("By channel", CHANNEL_HEADER, _channel_rows(cur, prev)),
        ]
    )


def _sales_rows(cur: Figures, prev: Figures, currency: str) -> list[Row]:
    a, b = cur.sales, prev.sales
    change = a.revenue_cents - b.revenue_cents
    return [
        _counts("Sales", a.sales, b.sales),
        [
            "Revenue",
            format_money(a.revenue_cents, currency),
            format_money(b.revenue_cents, currency),
            ("+" if change > 0 else "") + format_money(change, currency) if change else "=",
        ],
        _counts("Customers", a.customers, b.customers),
        _counts("  who had bought before", a.returning, b.returning),
        [
            "Refunds",
            f"{a.refunds} ({format_money(a.refunded_cents, currency)})",
            f"{b.refunds} ({format_money(b.refunded_cents, currency)})",
            _count_change(a.refunds, b.refunds),
        ],
    ]


def _followup_rows(cur: Figures, prev: Figures) -> list[Row]:
    f, g = cur.followups, prev.followups
    return [
        _counts("Due", f.due, g.due),
        _counts("Done", f.done, g.done),
        _counts("Done on time", f.on_time, g.on_time),
        _counts("Overdue now", f.overdue, g.overdue),
        _counts("Skipped", f.skipped, g.skipped),
        _rates("Completion rate", f.completion_rate, g.completion_rate),
        _rates("On-time rate", f.on_time_rate, g.on_time_rate),
    ]


def _call_rows(cur: Figures, prev: Figures) -> list[Row]:
    from followup_cli.reports import LABELS

    c, d = cur.calls, prev.calls
    rows = [_counts("Calls", c.calls, d.calls), _rates("Reached", c.reached_rate, d.reached_rate)]
    for label in LABELS:
        rows.append(
            _rates(
                f"Ended {label}",
                rate(getattr(c, label), c.with_outcome),
                rate(getattr(d, label), d.with_outcome),
            )
        )
    for label in LABELS:
        now, before = cur.answers[label], prev.answers[label]
        rows.append(
            [
                f"Answers {label}",
                f"{now} ({_pct(rate(now, cur.answered))})",
                f"{before} ({_pct(rate(before, prev.answered))})",
                _count_change(now, before),
            ]
        )
    return [
        *rows,
        _rates("Would recommend", c.recommend_rate, d.recommend_rate),
        _counts("Reviews asked", c.reviews_asked, d.reviews_asked),
        _counts("Reviews agreed", c.reviews_agreed, d.reviews_agreed),
        _counts("Referrals named", c.referrals_named, d.referrals_named),
        _counts("Referred contacts added", cur.referrals, prev.referrals),
        _counts("  who became customers", cur.referrals_bought, prev.referrals_bought),
    ]


CHANNEL_HEADER = ("Channel", "Due", "Done", "Tries", "Reached", "Reach rate", "Previous")


def _channel_rows(cur: Figures, prev: Figures) -> list[Row]:
    rows = []
    for name in sorted(set(cur.channels) | set(prev.channels)):
        now = cur.channels.get(name)
        before = prev.channels.get(name)
        rows.append(
            [
                name,
                str(now.due if now else 0),
                str(now.done if now else 0),
                str(now.tries if now else 0),
                str(now.reached if now else 0),
                _pct(now.reach_rate if now else None),
                _pct(before.reach_rate if before else None),
            ]
        )
    return rows
