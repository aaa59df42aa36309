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
    sale_days_sql,
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


# Who is planned for when only the dates matter: a sale's due dates and useful life depend on
# its date alone (``scheduling.plan_one``), its follow-ups' channels on its contact.
NOBODY = Reach(prefers="", has_email=False, has_phone=False)


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

    The due date depends only on the sale date and the channel only on the contact's reach
    profile. One read of the new sales' dates gives the days and their counts: each day is
    planned once, and a day whose follow-ups are all too old is counted as history without
    reading its contacts. One grouped read of the other days' sales gives the few distinct
    (date, profile) pairs; the planner plans each pair once, and ``planned_sql`` writes every
    planned follow-up joined against the channels and dates it chose.
    """
    sale_rules = rules.for_kind(InteractionKind.SALE)
    if not sale_rules:
        return
    params = {"before": before, "source": summary.source, "now": now}
    # Counted in Python, not with GROUP BY: a sort of a million sales would hold tens of MB.
    days = Counter(day for (day,) in tx.iter(sale_days_sql(tx.sole_writer), params))
    due: dict[Any, list[Planned | None]] = {}  # None: too old
    for day, count in days.items():
        plan = plan_followups(NOBODY, InteractionKind.SALE, _date(day), rules, today)
        useful = [None if p.stale and not catch_up else p for p in plan]
        summary.followups_stale += count * useful.count(None)
        if any(p is not None for p in useful):
            due[day] = useful
        else:
            summary.stale_through = max(summary.stale_through or "", _date(day).isoformat())
    for statement in SCHEDULE_DDL:
        tx.execute(statement)
    tx.executemany(
        DUE_SQL,
        [
            {"day": day, "rule": n, "due": p.due_on, "cap_since": p.cap_since, "late": p.late}
            for day, plans in due.items()
            for n, p in enumerate(plans)
            if p is not None
        ],
    )
    groups = Counter(tx.iter(sale_profiles_sql(tx.sole_writer), params))  # days in import_due
    reach: dict[str, list[tuple[str, bool] | None]] = {}  # None: cannot be reached
    for (day, *profile), count in groups.items():
        who = reach_of_profile(profile)
        plan = plan_followups(who, InteractionKind.SALE, _date(day), rules, today)
        reach.setdefault(
            profile_key(profile), [(p.channel, p.named) if p.channel else None for p in plan]
        )
        for planned in plan:
            if (catch_up or not planned.stale) and planned.channel is None:
                if _lacks_address(planned, who):
                    summary.followups_no_address += count
                else:
                    summary.followups_not_scheduled += count
    tx.executemany(
        REACH_SQL,
        [
            {"profile": key, "rule": number, "channel": chosen[0], "named": chosen[1]}
            for key, channels in reach.items()
            for number, chosen in enumerate(channels)
            if chosen is not None
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


def _date(day: Any) -> dt.date:
    """A sale date as read back: a date on PostgreSQL, ISO text on SQLite."""
    return day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
