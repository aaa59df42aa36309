"""The morning digest: the day's agenda, yesterday's imports and the answers that need a
look, gathered for one short email (``render.digest`` writes it, ``mail`` sends it).

Pure data: the day, the instant and "since the last digest" are passed in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from followup_cli import agenda
from followup_cli.store.rows import as_datetime
from followup_cli.store.sql.digest import ATTENTION_SQL, IMPORTS_SQL

if TYPE_CHECKING:
    from followup_cli.agenda import AgendaItem
    from followup_cli.config import Settings
    from followup_cli.drafts import Templates
    from followup_cli.scheduling import RuleSet
    from followup_cli.store import Tx

ANSWERS_LISTED = 50  # a digest is short: the rest are one `followup report feedback` away


@dataclass(frozen=True)
class ImportRun:
    """One import that was saved: when, and the rows it added."""

    operation_id: int
    at: dt.datetime
    sales: int  # sales and refunds
    new_contacts: int
    followups: int


@dataclass(frozen=True)
class Attention:
    """A negative or neutral answer given on a call since the last digest."""

    answer_id: int
    call_id: int
    followup_id: int | None
    contact_id: int
    contact: str
    phone: str | None
    email: str | None
    step: str
    question: str
    answer: str
    label: str
    answered_at: dt.datetime


@dataclass(frozen=True)
class Digest:
    day: dt.date
    since: dt.datetime  # answers are those given since then
    due: list[AgendaItem]  # due today or overdue, most overdue first
    coming: list[AgendaItem]  # due in the next ``days`` days
    days: int
    imports: list[ImportRun] = field(default_factory=list)
    attention: list[Attention] = field(default_factory=list)
    # each due item's draft link (mailto: with its subject and body, sms:, tel:), by id
    links: dict[int, str] = field(default_factory=dict)

    @property
    def overdue(self) -> list[AgendaItem]:
        return [item for item in self.due if item.days_overdue > 0]

    @property
    def by_channel(self) -> dict[str, list[AgendaItem]]:
        """What is due, grouped by channel in the agenda's order of channels."""
        from followup_cli.enums import Channel

        groups = {
            channel.value: [i for i in self.due if i.channel == channel] for channel in Channel
        }
        return {channel: items for channel, items in groups.items() if items}

    @property
    def empty(self) -> bool:
        return not (self.due or self.coming or self.imports or self.attention)

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "since": self.since.isoformat(),
            "days": self.days,
            "due": [item.to_json() for item in self.due],
            "overdue": len(self.overdue),
            "coming": [item.to_json() for item in self.coming],
            "imports": [
                {
                    "operation_id": run.operation_id,
                    "at": run.at.isoformat(),
                    "sales": run.sales,
                    "new_contacts": run.new_contacts,
                    "followups": run.followups,
                }
                for run in self.imports
            ],
            "attention": [
                {
                    "answer_id": a.answer_id,
                    "call_id": a.call_id,
                    "followup_id": a.followup_id,
                    "contact_id": a.contact_id,
                    "contact": a.contact,
                    "step": a.step,
                    "question": a.question,
                    "answer": a.answer,
                    "label": a.label,
                    "answered_at": a.answered_at.isoformat(),
                }
                for a in self.attention
            ],
        }


def local_midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` on this computer's clock, as a UTC instant."""
    return dt.datetime.combine(day, dt.time.min).astimezone(dt.UTC)


def build(
    tx: Tx,
    today: dt.date,
    now: dt.datetime,
    *,
    since: dt.datetime | None,
    days: int = 0,
    settings: Settings,
    rules: RuleSet,
    templates: Templates,
) -> Digest:
    """The digest for ``today``: its agenda (and ``days`` ahead) with each due item's draft
    link, the imports saved since yesterday began, and the negative and neutral answers
    given since ``since`` (the last digest; the last day when there was none)."""
    from followup_cli.drafts import with_drafts

    since = since or now - dt.timedelta(days=1)
    currency = settings.currency
    due = agenda.due_today(tx, today, currency=currency, calendar=rules.calendar)
    drafted = with_drafts(tx, due, settings=settings, rules=rules, templates=templates, today=today)
    links = {item.id: made.link for item, made in drafted if made is not None and made.link}
    coming = agenda.upcoming(tx, today, days, currency=currency) if days else []
    window = {"since": local_midnight(today - dt.timedelta(days=1)), "until": now}
    imports = [
        ImportRun(int(r[0]), as_datetime(r[1]), int(r[2] or 0), int(r[3] or 0), int(r[4] or 0))
        for r in tx.rows(IMPORTS_SQL, window)
    ]
    rows = tx.rows(ATTENTION_SQL, {"since": since, "until": now, "limit": ANSWERS_LISTED})
    attention = [
        Attention(
            answer_id=r[0],
            call_id=r[1],
            followup_id=r[2],
            contact_id=r[3],
            contact=r[4],
            phone=r[5],
            email=r[6],
            step=r[7],
            question=r[8],
            answer=r[9],
            label=r[10],
            answered_at=as_datetime(r[11]),
        )
        for r in rows
    ]
    return Digest(today, since, due, coming, days, imports, attention, links)
