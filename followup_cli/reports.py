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
- by channel, a try is a done follow-up or a no-answer attempt (``attempts``), and the
  customer was reached (or replied) when the follow-up is done with an outcome other than
  no-answer. The calls panel's reached rate counts runs of the call script instead.
- a referral is a contact added in the period with ``referred_by`` set; it became a customer
  when it has a sale between the day it was added and the end of the period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from followup_cli.enums import ALL_STATUSES, OUTREACH_KINDS
from followup_cli.errors import InvalidInput
from followup_cli.store.rows import as_date

if TYPE_CHECKING:
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
class Figures:
    """Everything the summary shows for one period."""

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
        return not (self.followups.due or self.calls.calls or self.referrals)

    def to_json(self) -> dict[str, Any]:
        f, c = self.followups, self.calls
        return {
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


def _bucket(column: str) -> str:
    """1 for a row in the current period, 0 for the previous one."""
    return f"CASE WHEN {column} >= :since THEN 1 ELSE 0 END"


# Grouped in the order of ix_followup_status_due_on (which covers every column read), so
# SQLite aggregates while it walks the index: no sort, no table access. The few hundred
# (status, day, channel) groups are folded into the two periods in Python.
FOLLOWUP_SQL = f"""
SELECT f.status, f.due_on, f.channel,
       COUNT(*),
       SUM(CASE WHEN f.completed_on <= f.due_on THEN 1 ELSE 0 END),
       SUM(f.attempts),
       SUM(CASE WHEN f.outcome IN ('positive', 'neutral', 'negative') THEN 1 ELSE 0 END)
FROM followup f
WHERE f.status IN {ALL_STATUSES} AND f.due_on >= :prev_since AND f.due_on <= :until
GROUP BY f.status, f.due_on, f.channel
"""

CALL_SQL = f"""
SELECT {_bucket("l.called_on")} AS cur,
       COUNT(*),
       SUM(CASE WHEN l.reach = 'reached' THEN 1 ELSE 0 END),
       SUM(CASE WHEN l.outcome = 'positive' THEN 1 ELSE 0 END),
       SUM(CASE WHEN l.outcome = 'neutral' THEN 1 ELSE 0 END),
       SUM(CASE WHEN l.outcome = 'negative' THEN 1 ELSE 0 END),
       SUM(CASE WHEN l.would_recommend IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN l.would_recommend = 'yes' THEN 1 ELSE 0 END),
       SUM(CASE WHEN l.review IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN l.review = 'agreed' THEN 1 ELSE 0 END),
       COALESCE(SUM(l.referrals), 0)
FROM call_log l
WHERE l.called_on >= :prev_since AND l.called_on <= :until
GROUP BY {_bucket("l.called_on")}
"""

ANSWER_SQL = f"""
SELECT {_bucket("l.called_on")} AS cur, a.label, COUNT(*)
FROM call_answer a JOIN call_log l ON l.id = a.call_id
WHERE l.called_on >= :prev_since AND l.called_on <= :until AND a.label IS NOT NULL
GROUP BY {_bucket("l.called_on")}, a.label
"""

REFERRAL_SQL = f"""
SELECT {_bucket("r.created_on")} AS cur,
       COUNT(*),
       SUM(CASE WHEN EXISTS (
             SELECT 1 FROM interaction i
             WHERE i.contact_id = r.id AND i.kind = 'sale' AND i.occurred_on >= r.created_on
               AND i.occurred_on <= CASE WHEN r.created_on >= :since THEN :until
                                         ELSE :prev_until END
           ) THEN 1 ELSE 0 END)
FROM contact r
WHERE r.referred_by_id > 0 AND r.created_on >= :prev_since AND r.created_on <= :until
GROUP BY {_bucket("r.created_on")}
"""


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
        sums[2] += attempts
        if status == "done":
            f.done += count
            f.on_time += int(on_time)
            sums[1] += count
            sums[2] += count
            sums[3] += int(reached)
        elif status == "skipped":
            f.skipped += count
        elif status == "pending" and day < today:
            f.overdue += count
    for (cur, channel), (due, done, tries, reached) in by_channel.items():
        figures[cur].channels[channel] = ChannelFigures(channel, due, done, tries, reached)
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


SILENCE_SQL = f"""
SELECT c.id, c.name, c.phone, c.email, c.prefers, t.last_on, t.sales, t.visits, t.amount,
       COUNT(*) OVER ()
FROM (
    SELECT i.contact_id,
           MAX(i.occurred_on) AS last_on,
           SUM(CASE WHEN i.kind = 'sale' THEN 1 ELSE 0 END) AS sales,
           SUM(CASE WHEN i.kind = 'visit' THEN 1 ELSE 0 END) AS visits,
           COALESCE(SUM(CASE WHEN i.kind = 'sale' THEN i.amount_cents ELSE 0 END), 0) AS amount
    FROM interaction i
    WHERE i.kind IN ('sale', 'visit') AND i.occurred_on >= :since AND i.occurred_on <= :today
    GROUP BY i.contact_id
) t
JOIN contact c ON c.id = t.contact_id
WHERE NOT c.do_not_contact
  AND NOT EXISTS (
      SELECT 1 FROM followup f
      WHERE f.contact_id = c.id AND f.status = 'done' AND f.completed_on >= t.last_on)
  AND NOT EXISTS (
      SELECT 1 FROM interaction o
      WHERE o.contact_id = c.id AND o.kind IN {OUTREACH_KINDS} AND o.occurred_on >= t.last_on)
ORDER BY t.amount DESC, t.last_on DESC, c.id
LIMIT :limit
"""


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
        data = asdict(self)
        data["called_on"] = self.called_on.isoformat()
        return data


FEEDBACK_SQL = """
SELECT a.call_id, l.contact_id, c.name, l.called_on, a.step, a.question, a.answer, a.label
FROM call_answer a
JOIN call_log l ON l.id = a.call_id
JOIN contact c ON c.id = l.contact_id
WHERE {which}{since}
ORDER BY l.called_on DESC, a.answered_at DESC, a.id DESC
LIMIT :limit
"""
FEEDBACK_LABELS = ("negative", "neutral")


def feedback(
    tx: Tx, *, label: str | None = None, since: dt.date | None = None, limit: int = 50
) -> list[Feedback]:
    """Answers to "What could we do better?" and every negative answer, newest first.

    With ``label``, only the answers with that label (any question) are shown.
    """
    params: dict[str, Any] = {"limit": limit, "do_better": DO_BETTER_STEP}
    if label is None:
        which = "(a.step = :do_better OR a.label = 'negative')"
    else:
        value = label.strip().lower()
        if value not in FEEDBACK_LABELS:
            raise InvalidInput(f"Unknown label {label!r}; use negative or neutral.")
        which, params["label"] = "a.label = :label", value
    where_since = ""
    if since is not None:
        where_since, params["since"] = " AND l.called_on >= :since", since
    result = tx.rows(FEEDBACK_SQL.format(which=which, since=where_since), params)
    return [
        Feedback(int(r[0]), int(r[1]), r[2], as_date(r[3]), r[4], r[5], r[6], r[7]) for r in result
    ]
