"""The report panels: the period summary beside the one before (the lists, silence and
feedback, are plain columns: ``render.plain``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box

from followup_cli.render.screen import SafeTable, console, safe_panel
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


def _trend_table(title: str) -> SafeTable:
    table = SafeTable(box=box.SIMPLE_HEAD, title=title, title_justify="left")
    table.add_column("")
    table.add_column("This period", justify="right")
    table.add_column("Previous", justify="right")
    table.add_column("Change", justify="right")
    return table


def _counts(table: SafeTable, label: str, now: int, before: int) -> None:
    table.add_row(label, str(now), str(before), _count_change(now, before))


def _rates(table: SafeTable, label: str, now: float | None, before: float | None) -> None:
    table.add_row(label, _pct(now), _pct(before), _rate_change(now, before))


def summary(s: Summary, currency: str) -> None:
    p, q = s.period, s.previous_period
    heading = (
        f"{p.since.isoformat()} to {p.until.isoformat()} ({p.days} days), "
        f"compared with {q.since.isoformat()} to {q.until.isoformat()}"
    )
    console.print(safe_panel(heading, "Report", expand=False))
    cur, prev = s.current, s.previous
    if cur.empty and prev.empty:
        console.print(
            "Nothing to report for these days: no sales, no follow-ups due and no calls. "
            "Add a customer with `followup contact add NAME` and log a sale with `followup log "
            "sale NAME`, or import sales with `followup import FILE`, then work through "
            "`followup today`; or widen the period with --since."
        )
        return
    console.print(_sales_table(cur, prev, currency))
    console.print(_followup_table(cur, prev))
    console.print(_call_table(cur, prev))
    console.print(_channel_table(cur, prev))


def _sales_table(cur: Figures, prev: Figures, currency: str) -> SafeTable:
    table = _trend_table("Sales")
    a, b = cur.sales, prev.sales
    _counts(table, "Sales", a.sales, b.sales)
    change = a.revenue_cents - b.revenue_cents
    table.add_row(
        "Revenue",
        format_money(a.revenue_cents, currency),
        format_money(b.revenue_cents, currency),
        ("+" if change > 0 else "") + format_money(change, currency) if change else "=",
    )
    _counts(table, "Customers", a.customers, b.customers)
    _counts(table, "  who had bought before", a.returning, b.returning)
    table.add_row(
        "Refunds",
        f"{a.refunds} ({format_money(a.refunded_cents, currency)})",
        f"{b.refunds} ({format_money(b.refunded_cents, currency)})",
        _count_change(a.refunds, b.refunds),
    )
    return table


def _followup_table(cur: Figures, prev: Figures) -> SafeTable:
    table = _trend_table("Follow-ups (by due date)")
    f, g = cur.followups, prev.followups
    _counts(table, "Due", f.due, g.due)
    _counts(table, "Done", f.done, g.done)
    _counts(table, "Done on time", f.on_time, g.on_time)
    _counts(table, "Overdue now", f.overdue, g.overdue)
    _counts(table, "Skipped", f.skipped, g.skipped)
    _rates(table, "Completion rate", f.completion_rate, g.completion_rate)
    _rates(table, "On-time rate", f.on_time_rate, g.on_time_rate)
    return table


def _call_table(cur: Figures, prev: Figures) -> SafeTable:
    from followup_cli.reports import LABELS

    table = _trend_table("Calls and answers")
    c, d = cur.calls, prev.calls
    _counts(table, "Calls", c.calls, d.calls)
    _rates(table, "Reached", c.reached_rate, d.reached_rate)
    for label in LABELS:
        _rates(
            table,
            f"Ended {label}",
            rate(getattr(c, label), c.with_outcome),
            rate(getattr(d, label), d.with_outcome),
        )
    for label in LABELS:
        now, before = cur.answers[label], prev.answers[label]
        table.add_row(
            f"Answers {label}",
            f"{now} ({_pct(rate(now, cur.answered))})",
            f"{before} ({_pct(rate(before, prev.answered))})",
            _count_change(now, before),
        )
    _rates(table, "Would recommend", c.recommend_rate, d.recommend_rate)
    _counts(table, "Reviews asked", c.reviews_asked, d.reviews_asked)
    _counts(table, "Reviews agreed", c.reviews_agreed, d.reviews_agreed)
    _counts(table, "Referrals named", c.referrals_named, d.referrals_named)
    _counts(table, "Referred contacts added", cur.referrals, prev.referrals)
    _counts(table, "  who became customers", cur.referrals_bought, prev.referrals_bought)
    return table


def _channel_table(cur: Figures, prev: Figures) -> SafeTable:
    table = SafeTable(box=box.SIMPLE_HEAD, title="By channel", title_justify="left")
    for column in ("Channel", "Due", "Done", "Tries", "Reached", "Reach rate", "Previous"):
        table.add_column(column, justify="left" if column == "Channel" else "right")
    for name in sorted(set(cur.channels) | set(prev.channels)):
        now = cur.channels.get(name)
        before = prev.channels.get(name)
        table.add_row(
            name,
            str(now.due if now else 0),
            str(now.done if now else 0),
            str(now.tries if now else 0),
            str(now.reached if now else 0),
            _pct(now.reach_rate if now else None),
            _pct(before.reach_rate if before else None),
        )
    return table
