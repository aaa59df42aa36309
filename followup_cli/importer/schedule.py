"""The sale follow-ups of the new sales: planned by the one cadence planner, inserted
set-based."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from followup_cli.enums import Channel, InteractionKind
from followup_cli.followups import plan_rules, settle_planned
from followup_cli.importer.summary import ImportSummary
from followup_cli.scheduling import (
    Planned,
    Reach,
    RuleSet,
    first_channel_spec,
    opted_out_set,
    plan_followups,
)
from followup_cli.store.sql.importer import (
    DUE_SQL,
    REACH_SQL,
    SCHEDULE_DDL,
    planned_sql,
    sale_profiles_sql,
)
from followup_cli.store.sql.planning import DROP_PLANNED

if TYPE_CHECKING:
    from followup_cli.store import Tx


def profile_key(profile: Sequence[Any]) -> str:
    """What ``PROFILE_KEY`` evaluates to in SQL."""
    return "|".join(str(part) for part in profile)


def reach_of_profile(profile: Sequence[Any]) -> Reach:
    prefers, has_email, has_phone, has_address, phone_invalid, dnc, opted = profile
    return Reach(
        prefers=prefers,
        has_email=bool(has_email),
        has_phone=bool(has_phone),
        has_address=bool(has_address),
        phone_invalid=bool(phone_invalid),
        do_not_contact=bool(dnc),
        opted_out=opted_out_set(opted),
    )


def _lacks_address(planned: Planned, reach: Reach) -> bool:
    """The rule wanted a note, and only a postal address was missing for it."""
    wants = first_channel_spec(planned.rule.channels, reach.prefers)
    return wants == Channel.MAIL and reach.consents_to(wants) and wants not in reach.channels()


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
    """The sale cadence rules, planned by ``scheduling.plan_followups`` and settled by
    ``followups.settle_planned`` (as for `log sale`), set-based. A follow-up past its rule's
    useful life is not scheduled (the sale is history), unless ``catch_up``.

    The channel depends only on a contact's reach profile and the due date only on the sale
    date. One grouped read of the new sales gives the few distinct (date, profile) pairs and
    their counts; the planner plans each pair once, and ``planned_sql`` writes every planned
    follow-up joined against the channels and dates it chose.
    """
    sale_rules = rules.for_kind(InteractionKind.SALE)
    if not sale_rules:
        return
    params = {"before": before, "source": summary.source, "now": now}
    # Counted in Python, not with GROUP BY: a sort of a million sales would hold tens of MB.
    groups = Counter(tx.iter(sale_profiles_sql(tx.sole_writer), params))
    reach: dict[str, list[tuple[str, bool] | None]] = {}  # None: cannot be reached
    due: dict[Any, list[Planned | None]] = {}  # None: too old
    for (day, *profile), count in groups.items():
        sold = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
        who = reach_of_profile(profile)
        plan = plan_followups(who, InteractionKind.SALE, sold, rules, today)
        reach.setdefault(
            profile_key(profile), [(p.channel, p.named) if p.channel else None for p in plan]
        )
        due.setdefault(day, [None if p.stale and not catch_up else p for p in plan])
        if all(p.stale for p in plan) and not catch_up:
            seen = sold.isoformat()
            summary.stale_through = max(summary.stale_through or seen, seen)
        for planned in plan:
            if planned.stale and not catch_up:
                summary.followups_stale += count
            elif planned.channel is None:
                if _lacks_address(planned, who):
                    summary.followups_no_address += count
                else:
                    summary.followups_not_scheduled += count
    for statement in SCHEDULE_DDL:
        tx.execute(statement)
    tx.executemany(
        REACH_SQL,
        [
            {"profile": key, "rule": number, "channel": chosen[0], "named": chosen[1]}
            for key, channels in reach.items()
            for number, chosen in enumerate(channels)
            if chosen is not None
        ],
    )
    tx.executemany(
        DUE_SQL,
        [
            {"day": day, "rule": n, "due": p.due_on, "cap_since": p.cap_since, "late": p.late}
            for day, plans in due.items()
            for n, p in enumerate(plans)
            if p is not None
        ],
    )
    plan_rules(tx, sale_rules)  # rule_no: the rule's place, as in import_due and import_reach
    tx.execute(planned_sql(tx.sole_writer), {**params, "rules": len(sale_rules)})
    settled = settle_planned(tx, today)
    summary.followups_scheduled += settled.created
    summary.followups_late += settled.late
    summary.followups_joined += settled.joined
    summary.followups_not_needed += settled.not_needed
    for statement in DROP_PLANNED:
        tx.execute(statement)
