"""The sale follow-ups of the new sales: planned by the one cadence planner, inserted
set-based."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from followup_cli.enums import InteractionKind
from followup_cli.importer.summary import ImportSummary
from followup_cli.scheduling import Reach, RuleSet, opted_out_set, plan_followups
from followup_cli.store.sql.importer import (
    DUE_SQL,
    REACH_SQL,
    RULE_SQL,
    SCHEDULE_DDL,
    followups_sql,
    sale_profiles_sql,
)

if TYPE_CHECKING:
    from followup_cli.store import Tx


def profile_key(profile: Sequence[Any]) -> str:
    """What ``PROFILE_KEY`` evaluates to in SQL."""
    return "|".join(str(part) for part in profile)


def reach_of_profile(profile: Sequence[Any]) -> Reach:
    prefers, has_email, has_phone, phone_invalid, dnc, opted = profile
    return Reach(
        prefers=prefers,
        has_email=bool(has_email),
        has_phone=bool(has_phone),
        phone_invalid=bool(phone_invalid),
        do_not_contact=bool(dnc),
        opted_out=opted_out_set(opted),
    )


def schedule(
    tx: Tx,
    summary: ImportSummary,
    rules: RuleSet,
    today: dt.date,
    before: int,
    now: dt.datetime,
    *,
    catch_up: bool = False,
) -> None:
    """The sale cadence rules, planned by ``scheduling.plan_followups`` (as for `log sale`)
    and inserted set-based. A follow-up past its rule's useful life is not scheduled (the
    sale is history), unless ``catch_up``.

    The channel depends only on a contact's reach profile and the due date only on the sale
    date. One grouped read of the new sales gives the few distinct (date, profile) pairs and
    their counts; the planner plans each pair once, and ``followups_sql`` inserts the
    follow-ups joined against the channels and dates it chose.
    """
    sale_rules = rules.for_kind(InteractionKind.SALE)
    if not sale_rules:
        return
    params = {"before": before, "source": summary.source, "now": now}
    # Counted in Python, not with GROUP BY: a sort of a million sales would hold tens of MB.
    groups = Counter(tx.iter(sale_profiles_sql(tx.sole_writer), params))
    reach: dict[str, list[str | None]] = {}
    due: dict[Any, list[dt.date | None]] = {}  # None: too old, not scheduled
    for (day, *profile), count in groups.items():
        sold = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
        plan = plan_followups(reach_of_profile(profile), InteractionKind.SALE, sold, rules, today)
        reach.setdefault(profile_key(profile), [p.channel for p in plan])
        due.setdefault(day, [None if p.stale and not catch_up else p.due_on for p in plan])
        if all(p.stale for p in plan) and not catch_up:
            seen = sold.isoformat()
            summary.stale_through = max(summary.stale_through or seen, seen)
        for planned in plan:
            if planned.stale and not catch_up:
                summary.followups_stale += count
            elif planned.channel is None:
                summary.followups_not_scheduled += count
            elif planned.late:
                summary.followups_late += count
    for statement in SCHEDULE_DDL:
        tx.execute(statement)
    tx.executemany(
        REACH_SQL,
        [
            {"profile": key, "rule": number, "channel": channel}
            for key, channels in reach.items()
            for number, channel in enumerate(channels)
            if channel is not None
        ],
    )
    tx.executemany(
        DUE_SQL,
        [
            {"day": day, "rule": number, "due": on}
            for day, dates in due.items()
            for number, on in enumerate(dates)
            if on is not None
        ],
    )
    tx.executemany(
        RULE_SQL,
        [
            {
                "rule": n,
                "name": r.name,
                "purpose": r.purpose,
                "priority": r.priority,
                "until_sale": r.until_sale,
            }
            for n, r in enumerate(sale_rules)
        ],
    )
    summary.followups_scheduled += tx.execute(
        followups_sql(tx.sole_writer),
        {**params, "today": today},
    )
