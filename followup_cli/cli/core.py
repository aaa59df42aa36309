"""The everyday commands: the agenda, and acting on it."""

from __future__ import annotations

from typing import Annotated

import typer

from followup_cli.cli.common import database, now, parse_id, rules, settings, today, when
from followup_cli.render import plain

app = typer.Typer(rich_markup_mode=None)  # top-level commands; the root adds them


ChannelOption = Annotated[
    str | None,
    typer.Option(
        "--channel",
        "-c",
        help="Only this channel: phone, email, text, mail or visit.",
        metavar="CH",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _channel(value: str | None) -> str | None:
    from followup_cli.values import check_channel

    return check_channel(value) if value else None


@app.command("today")
def today_command(
    ctx: typer.Context, channel: ChannelOption = None, as_json: JsonOption = False
) -> None:
    """What to do today: every follow-up due today or overdue, grouped by channel.

    Most overdue first, then by priority. Example: followup today --channel phone
    """
    from followup_cli import agenda

    day, wanted, currency = today(), _channel(channel), settings().currency
    with database(ctx).reading() as tx:
        items = agenda.due_today(
            tx, day, channel=wanted, currency=currency, calendar=rules().calendar
        )
        next_due = None if items or as_json else agenda.next_due(tx, day, channel=wanted)
    if as_json:
        plain.print_json([item.to_json() for item in items])
        return
    plain.agenda(items, day, next_due)


@app.command()
def upcoming(
    ctx: typer.Context,
    days: Annotated[
        int, typer.Option("--days", "-d", min=1, max=3660, help="How many days ahead.")
    ] = 7,
    channel: ChannelOption = None,
    as_json: JsonOption = False,
) -> None:
    """What is due after today. Example: followup upcoming --days 14"""
    from followup_cli import agenda
    from followup_cli.render import screen

    with database(ctx).reading() as tx:
        items = agenda.upcoming(
            tx, today(), days, channel=_channel(channel), currency=settings().currency
        )
    if as_json:
        plain.print_json([item.to_json() for item in items])
    else:
        screen.upcoming(items, days)


@app.command()
def log(
    ctx: typer.Context,
    kind: Annotated[
        str,
        typer.Argument(
            help="sale, refund, visit, inquiry, complaint, resolved, call, email, text, mail or meeting.",
            show_default=False,
        ),
    ],
    ref: Annotated[str, typer.Argument(help="The contact: id, email or name.", metavar="REF")],
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            help="When it happened (default today), e.g. yesterday, 2026-11-20.",
            metavar="WHEN",
        ),
    ] = None,
    amount: Annotated[
        str | None,
        typer.Option(
            "--amount",
            "-a",
            help="The sale's amount, or a refund's (given back), e.g. 129.00.",
            metavar="N",
        ),
    ] = None,
    decimal_comma: Annotated[
        bool, typer.Option("--decimal-comma", help="Read the amount as 12,50 or 1.299,50.")
    ] = False,
    note: Annotated[
        str | None, typer.Option("--note", "-n", help="A note to keep with it.")
    ] = None,
    external_ref: Annotated[
        str | None,
        typer.Option(
            "--ref",
            help="An external id (order or invoice number), logged once.",
            metavar="EXTERNAL_ID",
        ),
    ] = None,
) -> None:
    """Record what happened with a contact; the cadence rules schedule the follow-ups.

    Logging a call, email, text, mail or meeting also completes the contact's pending
    follow-up in that channel due in the next few days.

    Example: followup log sale "Ann Lee" --amount 129 --on yesterday
    """
    from followup_cli.followups import log_interaction
    from followup_cli.values import parse_amount

    day = today()
    occurred = when(on, future=False) if on else day
    cents = parse_amount(amount, decimal_comma=decimal_comma)
    db, rule_set = database(ctx), rules()
    with db.transaction() as tx:
        result = log_interaction(
            tx, ref, kind, on=occurred, today=day, now=now(), rules=rule_set,
            amount_cents=cents, note=note, external_id=external_ref,
        )  # fmt: skip
    plain.log_result(result, settings().currency)


IdArgument = Annotated[
    str, typer.Argument(help="The follow-up id (from `followup today`).", metavar="ID")
]


@app.command()
def done(
    ctx: typer.Context,
    followup_id: IdArgument,
    outcome: Annotated[
        str | None,
        typer.Option(
            "--outcome", "-o", help="positive, neutral, negative or no-answer (tries again later)."
        ),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", "-n", help="What happened.")] = None,
) -> None:
    """Mark a follow-up done. Example: followup done 12 --outcome positive

    --outcome no-answer keeps it open and applies the retry rule instead
    (see `followup rules`).
    """
    from followup_cli.followups import complete

    fid = parse_id(followup_id)
    db, rule_set = database(ctx), rules()
    with db.transaction() as tx:
        result = complete(
            tx, fid, today=today(), now=now(), rules=rule_set, outcome=outcome, note=note
        )
    plain.done(result)


@app.command()
def snooze(
    ctx: typer.Context,
    followup_id: IdArgument,
    until: Annotated[
        str,
        typer.Argument(
            help="New due date: tomorrow, monday, +2w, dec 1, 2026-12-01.", metavar="WHEN"
        ),
    ],
) -> None:
    """Move a follow-up to a later day. Example: followup snooze 12 monday"""
    from followup_cli.followups import snooze as snooze_followup

    fid, new_due = parse_id(followup_id), when(until)
    with database(ctx).transaction() as tx:
        followup = snooze_followup(tx, fid, new_due, today=today(), calendar=rules().calendar)
    rolled = plain.not_a_working_day(new_due, followup.due_on)
    plain.say(f"Snoozed {plain.followup_line(followup)} to {plain.day(followup.due_on)}{rolled}.")


@app.command()
def skip(
    ctx: typer.Context,
    followup_id: IdArgument,
    reason: Annotated[str | None, typer.Option("--reason", "-r", help="Why it is skipped.")] = None,
) -> None:
    """Drop a follow-up without doing it. Example: followup skip 12 --reason "moved away" """
    from followup_cli.followups import skip as skip_followup

    fid = parse_id(followup_id)
    with database(ctx).transaction() as tx:
        followup = skip_followup(tx, fid, today=today(), reason=reason)
    plain.say(f"Skipped {plain.followup_line(followup)}.")


@app.command()
def schedule(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="The contact: id, email or name.", metavar="REF")],
    due: Annotated[
        str, typer.Argument(help="When: tomorrow, friday, in 3 days, 2026-12-01.", metavar="WHEN")
    ],
    channel: ChannelOption = None,
    purpose: Annotated[
        str | None, typer.Option("--purpose", "-p", help='What for, e.g. "Ask about the repair".')
    ] = None,
) -> None:
    """Schedule a one-off follow-up. Example: followup schedule "Ann Lee" friday --channel email"""
    from followup_cli.followups import schedule as schedule_followup

    due_on = when(due)
    with database(ctx).transaction() as tx:
        followup = schedule_followup(
            tx, ref, due_on, today=today(), channel=channel, purpose=purpose,
            calendar=rules().calendar,
        )  # fmt: skip
    rolled = plain.not_a_working_day(due_on, followup.due_on)
    plain.say(f"Scheduled {plain.followup_line(followup)} on {plain.day(followup.due_on)}{rolled}.")
