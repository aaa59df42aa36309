"""Reports: how the follow-ups went, what customers said, who is waiting to hear from you.

Every figure comes from a handful of set-based queries (GROUP BY with conditional
aggregates), never from loading rows into Python, and each summary query covers the period
and the one before it at once (a ``CASE`` puts each row in its bucket), so the trend costs
nothing extra. The SQL is portable: ``CASE WHEN``, ``COALESCE``, booleans as ``col`` /
``NOT col``.

Definitions (docs/exports-and-reports.md repeats them for the owner):
- follow-ups are counted by the period their due date falls in: of those, how many are done,
  done on time (completed on or before the due date), skipped, and overdue now (still
  pending and due before today). Completion rate = done / due; on-time rate = on time / done.
- calls are counted by ``called_on``; answers by the day of their call.
- by channel, a try is an attempt whose result is known: the customer was reached (or
  replied) when the follow-up is done with an outcome other than no-answer, and each no-answer
  is counted in ``attempts``. A follow-up marked done without an outcome (an email sent, a
  note written) is done but not a try: nothing says whether it reached them. Reach rate =
  reached / tries. The calls panel's reached rate counts runs of the call script instead.
- sales are counted by their date: how many, the money (refunds are not sales), the
  customers, and the returning ones (who had bought before the period began).
- a referral is a contact added in the period with ``referred_by`` set; it became a customer
  when it has a sale between the day it was added and the end of the period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from followup_cli.errors import InvalidInput
from followup_cli.store.rows import as_date
from followup_cli.store.sql.reports import (
    ANSWER_SQL,
    CALL_SQL,
    FEEDBACK_BY_LABEL_SQL,
    FEEDBACK_SQL,
    FOLLOWUP_SQL,
    REFERRAL_SQL,
    REFUNDS_SQL,
    SALES_SQL,
    SILENCE_SQL,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from followup_cli.store import Tx

DEFAULT_DAYS = 30
LABELS = ("positive", "neutral", "negative")
DO_BETTER_STEP = "do_better"


def rate(part: int, whole: int) -> float | None:
    """A share rounded to 3 places, or None when there is nothing to divide by."""
    return round(part / whole, 3) if whole else None


@dataclass(frozen=True)
class Period:
    since: dt.date
    until: dt.date

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        until = self.since - dt.timedelta(days=1)
        return Period(until - dt.timedelta(days=self.days - 1), until)

    def to_json(self) -> dict[str, str]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat()}


def period(
    since: dt.date | None, until: dt.date | None, today: dt.date, days: int = DEFAULT_DAYS
) -> Period:
    """The report period: by default the last ``days`` days, ending today."""
    end = until or today
    start = since or end - dt.timedelta(days=days - 1)
    if start > end:
        raise InvalidInput(
            f"--since {start.isoformat()} is after --until {end.isoformat()}; swap them."
        )
    return Period(start, end)


@dataclass
class FollowupFigures:
    due: int = 0
    done: int = 0
    on_time: int = 0
    overdue: int = 0
    skipped: int = 0

    @property
    def completion_rate(self) -> float | None:
        return rate(self.done, self.due)

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.done)


@dataclass
class ChannelFigures:
    channel: str
    due: int = 0
    done: int = 0
    tries: int = 0
    reached: int = 0

    @property
    def reach_rate(self) -> float | None:
        return rate(self.reached, self.tries)


@dataclass
class CallFigures:
    calls: int = 0
    reached: int = 0
    positive: int = 0
    neutral: int = 0
    negative: int = 0
    recommend_asked: int = 0
    recommend_yes: int = 0
    reviews_asked: int = 0
    reviews_agreed: int = 0
    referrals_named: int = 0

    @property
    def with_outcome(self) -> int:
        return self.positive + self.neutral + self.negative

    @property
    def reached_rate(self) -> float | None:
        return rate(self.reached, self.calls)

    @property
    def recommend_rate(self) -> float | None:
        return rate(self.recommend_yes, self.recommend_asked)


@dataclass
class SalesFigures:
    sales: int = 0
    revenue_cents: int = 0
    customers: int = 0
    returning: int = 0  # customers who had bought before the period
    refunds: int = 0
    refunded_cents: int = 0  # given back; revenue is what the sales brought in


@dataclass
class Figures:
    """Everything the summary shows for one period."""

    sales: SalesFigures = field(default_factory=SalesFigures)
    followups: FollowupFigures = field(default_factory=FollowupFigures)
    channels: dict[str, ChannelFigures] = field(default_factory=dict)
    calls: CallFigures = field(default_factory=CallFigures)
    answers: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LABELS, 0))
    referrals: int = 0  # referred contacts added in the period
    referrals_bought: int = 0

    @property
    def answered(self) -> int:
        return sum(self.answers.values())

    @property
    def empty(self) -> bool:
        busy = self.sales.sales or self.sales.refunds or self.followups.due or self.calls.calls
        return not (busy or self.referrals)

    def to_json(self) -> dict[str, Any]:
        f, c = self.followups, self.calls
        return {
            "sales": asdict(self.sales),
            "followups": {
                **asdict(f),
                "completion_rate": f.completion_rate,
                "on_time_rate": f.on_time_rate,
            },
            "calls": {
                **asdict(c),
                "reached_rate": c.reached_rate,
                "outcome_share": {
                    label: rate(getattr(c, label), c.with_outcome) for label in LABELS
                },
                "recommend_rate": c.recommend_rate,
            },
            "answers": {
                label: {"count": n, "share": rate(n, self.answered)}
                for label, n in self.answers.items()
            },
            "referrals": {"added": self.referrals, "became_customers": self.referrals_bought},
            "by_channel": [
                {**asdict(ch), "reach_rate": ch.reach_rate} for ch in self.channels.values()
            ],
        }


@dataclass
class Summary:
    today: dt.date
    period: Period
    previous_period: Period
    current: Figures
    previous: Figures

    def to_json(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "period": self.period.to_json(),
            "previous_period": self.previous_period.to_json(),
            "current": self.current.to_json(),
            "previous": self.previous.to_json(),
        }


def summary(tx: Tx, report_period: Period, today: dt.date) -> Summary:
    """The figures for ``report_period`` and the period of the same length before it."""
    previous_period = report_period.previous()
    params = {
        "since": report_period.since,
        "until": report_period.until,
        "prev_since": previous_period.since,
        "prev_until": previous_period.until,
        "today": today,
    }
    figures = {1: Figures(), 0: Figures()}
    by_channel: dict[tuple[int, str], list[int]] = {}
    for status, due_on, channel, count, on_time, attempts, reached in tx.rows(FOLLOWUP_SQL, params):
        day = as_date(due_on)
        cur = 1 if day >= report_period.since else 0
        f = figures[cur].followups
        sums = by_channel.setdefault((cur, channel), [0, 0, 0, 0])  # due, done, tries, reached
        count, attempts = int(count), int(attempts or 0)
        f.due += count
        sums[0] += count
        sums[2] += attempts  # each no-answer
        if status == "done":
            f.done += count
            f.on_time += int(on_time)
            sums[1] += count
            sums[2] += int(reached)  # done with an outcome: a try that reached them
            sums[3] += int(reached)
        elif status == "skipped":
            f.skipped += count
        elif status == "pending" and day < today:
            f.overdue += count
    for (cur, channel), (due, done, tries, reached) in by_channel.items():
        figures[cur].channels[channel] = ChannelFigures(channel, due, done, tries, reached)
    for cur, *counts in tx.rows(SALES_SQL, params):
        figures[int(cur)].sales = SalesFigures(*(int(n or 0) for n in counts))
    for cur, refunds, cents in tx.rows(REFUNDS_SQL, params):
        sales = figures[int(cur)].sales
        sales.refunds, sales.refunded_cents = int(refunds), int(cents or 0)
    for cur, *counts in tx.rows(CALL_SQL, params):
        figures[int(cur)].calls = CallFigures(*(int(n or 0) for n in counts))
    for cur, label, count in tx.rows(ANSWER_SQL, params):
        if label in LABELS:
            figures[int(cur)].answers[label] = int(count)
    for cur, added, bought in tx.rows(REFERRAL_SQL, params):
        figures[int(cur)].referrals = int(added)
        figures[int(cur)].referrals_bought = int(bought or 0)
    for fig in figures.values():
        fig.channels = dict(sorted(fig.channels.items()))
    return Summary(today, report_period, previous_period, figures[1], figures[0])


# ---------------------------------------------------------------------------------------------
# Silence: customers who bought or visited and have not heard from you since


@dataclass(frozen=True)
class Silent:
    contact_id: int
    name: str
    phone: str | None
    email: str | None
    prefers: str
    last_on: dt.date  # the last sale or visit in the window
    sales: int
    visits: int
    amount_cents: int

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["last_on"] = self.last_on.isoformat()
        return data


@dataclass(frozen=True)
class SilenceReport:
    since: dt.date
    today: dt.date
    days: int
    total: int  # how many there are; ``people`` may be cut at the limit
    people: list[Silent]

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "today": self.today.isoformat(),
            "days": self.days,
            "total": self.total,
            "people": [p.to_json() for p in self.people],
        }


def silence(tx: Tx, today: dt.date, days: int = DEFAULT_DAYS, limit: int = 50) -> SilenceReport:
    """Customers with a sale or visit in the last ``days`` days (today included) and no
    completed follow-up or logged outreach since: most valuable (sales in the window) first.
    Contacts who asked not to be contacted are left out."""
    if days < 1:
        raise InvalidInput("--days must be at least 1.")
    since = today - dt.timedelta(days=days - 1)
    result = tx.rows(SILENCE_SQL, {"since": since, "today": today, "limit": limit})
    people = [
        Silent(int(r[0]), r[1], r[2], r[3], r[4], as_date(r[5]), int(r[6]), int(r[7]), int(r[8]))
        for r in result
    ]
    total = int(result[0][9]) if result else 0
    return SilenceReport(since, today, days, total, people)


# ---------------------------------------------------------------------------------------------
# Feedback: the voice of the customer


@dataclass(frozen=True)
class Feedback:
    call_id: int
    contact_id: int
    contact: str
    called_on: dt.date
    step: str
    question: str
    answer: str
    label: str | None

    def to_json(self) -> dict[str, Any]:
        data = self.__dict__.copy()  # asdict deep-copies every field
        data["called_on"] = self.called_on.isoformat()
        return data


def read_feedback(
    tx: Tx, *, label: str | None = None, since: dt.date | None = None, limit: int = 50
) -> Iterator[Feedback]:
    """Answers to "What could we do better?" and every negative answer, newest first, as
    they are read.

    With ``label``, only the answers with that label (any question): the praise too.
    """
    params: dict[str, Any] = {
        "limit": limit, "do_better": DO_BETTER_STEP, "since": since or dt.date.min,
    }  # fmt: skip
    if label is None:
        result = tx.iter(FEEDBACK_SQL, params)
    else:
        value = label.strip().lower()
        if value not in LABELS:
            raise InvalidInput(
                f"Unknown label {label!r}; use {', '.join(LABELS[:-1])} or {LABELS[-1]}."
            )
        result = tx.iter(FEEDBACK_BY_LABEL_SQL, {**params, "label": value})
    return (
        Feedback(int(r[0]), int(r[1]), r[2], as_date(r[3]), r[4], r[5], r[6], r[7]) for r in result
    )


def feedback(
    tx: Tx, *, label: str | None = None, since: dt.date | None = None, limit: int = 50
) -> list[Feedback]:
    """``read_feedback``, as a list."""
    return list(read_feedback(tx, label=label, since=since, limit=limit))
