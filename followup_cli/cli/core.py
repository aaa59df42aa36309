"""The everyday commands: the agenda, and acting on it."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Annotated

import typer

from followup_cli.cli import completion
from followup_cli.cli.common import (
    DefaultCommand,
    DefaultGroup,
    JsonLinesOption,
    JsonOption,
    RefArgument,
    YesOption,
    confirm,
    database,
    fire,
    now,
    parse_id,
    rules,
    settings,
    today,
    when,
)
from followup_cli.render import events, plain

if TYPE_CHECKING:
    import datetime as dt

    from followup_cli import agenda
    from followup_cli.fixing import Selection

app = typer.Typer(rich_markup_mode=None)  # top-level commands; the root adds them


ChannelOption = Annotated[
    str | None,
    typer.Option(
        "--channel",
        "-c",
        help="Only this channel: phone, email, text, mail or visit.",
        metavar="CH",
        autocompletion=completion.channels,
    ),
]


def _channel(value: str | None) -> str | None:
    from followup_cli.values import check_channel

    return check_channel(value) if value else None


@app.command("today")
def today_command(
    ctx: typer.Context,
    channel: ChannelOption = None,
    as_json: JsonOption = False,
    as_jsonl: JsonLinesOption = False,
    notify: Annotated[
        bool,
        typer.Option(
            "--notify", help="Also show a desktop notification (notify-send; osascript on macOS)."
        ),
    ] = False,
) -> None:
    """What to do today: every follow-up due today or overdue, grouped by channel.

    Most overdue first, then by priority. Example: followup today --channel phone
    """
    from followup_cli import agenda

    day, wanted, owner, rule_set = today(), _channel(channel), settings(), rules()
    with database(ctx).reading() as tx:
        items = agenda.read_due(
            tx, day, channel=wanted, currency=owner.currency, calendar=rule_set.calendar
        )
        if notify:  # read at once: counted for the notification once the agenda is out
            counted = list(items)
            items = iter(counted)
        scripted = as_json or as_jsonl
        if scripted:  # written as it is read, each item with its draft and link
            from followup_cli.drafts import load_templates, with_drafts
            from followup_cli.render.drafts import item_json

            drafted = with_drafts(
                tx, items, settings=owner, rules=rule_set, templates=load_templates(), today=day
            )
            plain.json_items((item_json(*pair) for pair in drafted), lines=as_jsonl)
        else:
            listed = list(items)  # the screen groups them by channel
            next_due = None if listed else agenda.next_due(tx, day, channel=wanted)
    if not scripted:
        plain.agenda(listed, day, next_due, review_link=owner.review_link)
    if notify:
        _notify(counted, day)


def _notify(items: list[agenda.AgendaItem], day: dt.date) -> None:
    """The agenda's counts as a desktop notification, or one line saying why there is none."""
    from followup_cli import notify
    from followup_cli.render.digest import notification

    why_not = notify.show(*notification(items, day))
    if why_not:
        plain.warn(f"No desktop notification: {why_not}.")


@app.command()
def upcoming(
    ctx: typer.Context,
    days: Annotated[
        int, typer.Option("--days", "-d", min=1, max=3660, help="How many days ahead.")
    ] = 7,
    channel: ChannelOption = None,
    limit: Annotated[
        int,
        typer.Option("--limit", "-n", min=0, help="At most N follow-ups; 0 for all.", metavar="N"),
    ] = 0,
    as_json: JsonOption = False,
    as_jsonl: JsonLinesOption = False,
) -> None:
    """What is due after today, soonest first. Example: followup upcoming --days 14"""
    from followup_cli import agenda

    with database(ctx).reading() as tx:  # the list is written as it is read
        items = agenda.read_upcoming(
            tx, today(), days, channel=_channel(channel), currency=settings().currency,
            limit=limit or None,
        )  # fmt: skip
        if as_json or as_jsonl:
            plain.json_items((item.to_json() for item in items), lines=as_jsonl)
        else:
            plain.upcoming(items, days, limit or None)


# `followup log KIND REF` records; `log edit` and `log delete` fix what was recorded. Any
# first argument that is not a subcommand belongs to the recording command, so every `log`
# typed before the subcommands existed works as it did.
log_app = typer.Typer(
    cls=DefaultGroup,
    help="Record what happened with a contact; `log edit` and `log delete` fix what was logged.",
    rich_markup_mode=None,
)

AmountOption = Annotated[
    str | None,
    typer.Option(
        "--amount",
        "-a",
        help="The sale's amount, or a refund's (given back), e.g. 129.00.",
        metavar="N",
    ),
]
DecimalCommaOption = Annotated[
    bool, typer.Option("--decimal-comma", help="Read the amount as 12,50 or 1.299,50.")
]


@log_app.command(DefaultGroup.DEFAULT, hidden=True, cls=DefaultCommand)
def log(
    ctx: typer.Context,
    kind: Annotated[
        str,
        typer.Argument(
            help="sale, refund, visit, inquiry, complaint, resolved, call, email, text, mail or meeting.",
            show_default=False,
            autocompletion=completion.kinds,
        ),
    ],
    ref: RefArgument,
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            help="When it happened (default today), e.g. yesterday, 2026-11-20.",
            metavar="WHEN",
        ),
    ] = None,
    amount: AmountOption = None,
    decimal_comma: DecimalCommaOption = False,
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

    Logged something wrong? `followup contact show REF` lists the interactions with their
    ids; `followup log edit ID` corrects one and `followup log delete ID` deletes it.
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
    if result.interaction.kind == "sale":
        fire("on-sale", lambda: events.sale(result, now()))


InteractionIdArgument = Annotated[
    str,
    typer.Argument(
        help="The interaction id (`followup contact show REF` lists them).", metavar="ID"
    ),
]


@log_app.command("edit")
def log_edit(
    ctx: typer.Context,
    interaction_id: InteractionIdArgument,
    on: Annotated[
        str | None,
        typer.Option(
            "--on", help="The day it really happened, e.g. tuesday, 2026-11-20.", metavar="WHEN"
        ),
    ] = None,
    amount: AmountOption = None,
    decimal_comma: DecimalCommaOption = False,
    note: Annotated[
        str | None, typer.Option("--note", "-n", help="A note to keep with it ('' clears it).")
    ] = None,
    contact: Annotated[
        str | None,
        typer.Option(
            "--contact",
            help="Whose it really is: id, email or name.",
            metavar="REF",
            autocompletion=completion.contact_refs,
        ),
    ] = None,
) -> None:
    """Correct what was logged: its day, amount, note or contact.

    The follow-ups still pending for it move with it: by as many days as it moved, or to the
    new contact. Done and skipped ones stay in the history as they are.

    Example: followup log edit 7 --amount 149 --on tuesday
    """
    from followup_cli.fixing import InteractionChanges, edit_interaction
    from followup_cli.render import fixing as shown
    from followup_cli.values import parse_amount

    iid = parse_id(interaction_id, "interaction")
    changes = InteractionChanges(
        on=when(on, future=False) if on else None,
        amount_cents=parse_amount(amount, decimal_comma=decimal_comma),
        note=note,
        contact=contact,
    )
    with database(ctx).transaction() as tx:
        fix = edit_interaction(tx, iid, changes, today=today(), calendar=rules().calendar)
    shown.log_fix(fix, settings().currency)


@log_app.command("delete")
def log_delete(
    ctx: typer.Context, interaction_id: InteractionIdArgument, yes: YesOption = False
) -> None:
    """Delete what was logged by mistake, and the follow-ups still pending for it.

    Done and skipped follow-ups stay in the history. Example: followup log delete 7
    """
    from followup_cli.fixing import delete_interaction, logged
    from followup_cli.render import fixing as shown

    iid = parse_id(interaction_id, "interaction")
    db, currency = database(ctx), settings().currency
    if not yes:
        with db.reading() as tx:
            asked = shown.delete_question(logged(tx, iid), currency)
        if not confirm(asked):
            plain.say("Nothing was deleted.")
            return
    with db.transaction() as tx:
        fix = delete_interaction(tx, iid)
    shown.log_fix(fix, currency, deleted=True)


IdArgument = Annotated[
    str,
    typer.Argument(
        help="The follow-up id (from `followup today`).",
        metavar="ID",
        autocompletion=completion.followup_ids,
    ),
]
IdsArgument = Annotated[
    list[str] | None,
    typer.Argument(
        help="The follow-up id (from `followup today`); several at once: 3 5 7.",
        metavar="ID",
        autocompletion=completion.followup_ids,
        show_default=False,
    ),
]
OverdueBeforeOption = Annotated[
    str | None,
    typer.Option(
        "--overdue-before",
        help="Select the pending follow-ups due before this day: today (all overdue), "
        "monday, 2026-11-16.",
        metavar="WHEN",
    ),
]
SelectChannelOption = Annotated[
    str | None,
    typer.Option(
        "--channel",
        "-c",
        help="Select those in this channel: phone, email, text, mail or visit.",
        metavar="CH",
        autocompletion=completion.channels,
    ),
]
RuleOption = Annotated[
    str | None,
    typer.Option(
        "--rule",
        help="Select those a cadence rule made, e.g. sale-thank-you (see `followup rules`).",
        metavar="NAME",
    ),
]
ContactOption = Annotated[
    str | None,
    typer.Option(
        "--contact",
        help="Select one contact's: id, email or name.",
        metavar="REF",
        autocompletion=completion.contact_refs,
    ),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Show what would change, and change nothing.")
]


def _selection(
    usage: str,
    ids: list[str] | None,
    overdue_before: str | None,
    channel: str | None,
    rule: str | None,
    contact: str | None,
) -> Selection:
    """The follow-ups a bulk command was asked for; ``usage`` is how to ask (an example)."""
    from followup_cli.fixing import Selection

    selection = Selection(
        ids=tuple(parse_id(value) for value in ids or ()),
        overdue_before=when(overdue_before, future=False) if overdue_before else None,
        channel=channel,
        rule=rule,
        contact=contact,
    )
    selection.require(usage)
    return selection


def _confirmed(
    ctx: typer.Context,
    selection: Selection,
    verb: str,
    *,
    yes: bool,
    dry_run: bool,
    detail: str = "",
) -> list[int]:
    """The ids a bulk command acts on, once the owner has seen what will change and agreed;
    empty when there is nothing to do (and it has been said why). One id alone is acted on
    at once, as always. No write transaction is open while the owner reads and answers."""
    if selection.one_id and not dry_run:
        return list(selection.ids)
    from followup_cli.fixing import select
    from followup_cli.render import fixing as shown

    with database(ctx).reading() as tx:
        chosen = select(tx, selection, today=today(), rules=rules())
    if not chosen:
        shown.nothing_selected(selection)
        return []
    if dry_run or len(chosen) > 1:
        shown.preview(verb, chosen, detail)
    if dry_run:
        plain.say("Dry run: nothing was changed.")
        return []
    if len(chosen) > 1 and not yes and not confirm(shown.question(verb, chosen, detail)):
        plain.say("Nothing was changed.")
        return []
    return [s.followup.id for s in chosen]


@app.command()
def done(
    ctx: typer.Context,
    followup_ids: IdsArgument = None,
    outcome: Annotated[
        str | None,
        typer.Option(
            "--outcome",
            "-o",
            help="positive, neutral, negative or no-answer (tries again later).",
            autocompletion=completion.outcomes,
        ),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", "-n", help="What happened.")] = None,
    overdue_before: OverdueBeforeOption = None,
    channel: SelectChannelOption = None,
    rule: RuleOption = None,
    contact: ContactOption = None,
    yes: YesOption = False,
    dry_run: DryRunOption = False,
) -> None:
    """Mark a follow-up done. Example: followup done 12 --outcome positive

    --outcome no-answer keeps it open and applies the retry rule instead
    (see `followup rules`). Several at once (shown first, and asked): followup done 3 5 7,
    or a selection such as followup done --overdue-before today --channel email.
    """
    from followup_cli.fixing import complete_all
    from followup_cli.followups import check_outcome

    selection = _selection(
        "followup done 3 5 7", followup_ids, overdue_before, channel, rule, contact
    )
    outcome = check_outcome(outcome)
    detail = f" ({outcome})" if outcome else ""
    ids = _confirmed(ctx, selection, "Complete", yes=yes, dry_run=dry_run, detail=detail)
    if not ids:
        return
    db, rule_set = database(ctx), rules()
    with db.transaction() as tx:
        results = complete_all(
            tx, ids, today=today(), now=now(), rules=rule_set, outcome=outcome, note=note
        )
    for result in results:
        plain.done(result)
        if result.followup.status == "done":  # not a no-answer tried again later
            fire("on-followup-done", partial(events.followup_done, result, now()))


@app.command()
def snooze(
    ctx: typer.Context,
    followup_ids: IdsArgument = None,
    *,
    until: Annotated[
        str,
        typer.Argument(
            help="New due date: tomorrow, monday, +2w, dec 1, 2026-12-01.", metavar="WHEN"
        ),
    ],
    overdue_before: OverdueBeforeOption = None,
    channel: SelectChannelOption = None,
    rule: RuleOption = None,
    contact: ContactOption = None,
    yes: YesOption = False,
    dry_run: DryRunOption = False,
) -> None:
    """Move a follow-up to a later day. Example: followup snooze 12 monday

    Several at once (shown first, and asked): followup snooze 3 5 7 monday, or a selection
    such as followup snooze --channel mail --overdue-before today friday.
    """
    from followup_cli.fixing import snooze_all
    from followup_cli.followups import due_day

    selection = _selection(
        "followup snooze 3 5 7 monday", followup_ids, overdue_before, channel, rule, contact
    )
    day, calendar = today(), rules().calendar
    new_due = when(until)
    detail = f" to {plain.day(due_day(new_due, today=day, calendar=calendar))}"
    ids = _confirmed(ctx, selection, "Snooze", yes=yes, dry_run=dry_run, detail=detail)
    if not ids:
        return
    with database(ctx).transaction() as tx:
        followups = snooze_all(tx, ids, new_due, today=day, calendar=calendar)
    for followup in followups:
        rolled = plain.not_a_working_day(new_due, followup.due_on)
        due = plain.day(followup.due_on)
        plain.say(f"Snoozed {plain.followup_line(followup)} to {due}{rolled}.")


@app.command()
def skip(
    ctx: typer.Context,
    followup_ids: IdsArgument = None,
    reason: Annotated[str | None, typer.Option("--reason", "-r", help="Why it is skipped.")] = None,
    overdue_before: OverdueBeforeOption = None,
    channel: SelectChannelOption = None,
    rule: RuleOption = None,
    contact: ContactOption = None,
    yes: YesOption = False,
    dry_run: DryRunOption = False,
) -> None:
    """Drop a follow-up without doing it. Example: followup skip 12 --reason "moved away"

    Several at once (shown first, and asked): followup skip 3 5 7, or a selection such as
    followup skip --overdue-before today --reason "backlog".
    """
    from followup_cli.fixing import skip_all

    selection = _selection(
        "followup skip 3 5 7", followup_ids, overdue_before, channel, rule, contact
    )
    ids = _confirmed(ctx, selection, "Skip", yes=yes, dry_run=dry_run)
    if not ids:
        return
    with database(ctx).transaction() as tx:
        followups = skip_all(tx, ids, today=today(), reason=reason)
    for followup in followups:
        plain.say(f"Skipped {plain.followup_line(followup)}.")


@app.command()
def reopen(ctx: typer.Context, followup_id: IdArgument) -> None:
    """Put a follow-up done or skipped by mistake back on the agenda, its outcome cleared.

    Example: followup reopen 12
    """
    from followup_cli.fixing import reopen as reopen_followup
    from followup_cli.render import fixing as shown

    fid = parse_id(followup_id)
    with database(ctx).transaction() as tx:
        result = reopen_followup(tx, fid)
    shown.reopened(result)


@app.command()
def edit(
    ctx: typer.Context,
    followup_id: IdArgument,
    purpose: Annotated[
        str | None, typer.Option("--purpose", "-p", help='What for, e.g. "Ask about the repair".')
    ] = None,
    channel: Annotated[
        str | None,
        typer.Option(
            "--channel",
            "-c",
            help="How: phone, email, text, mail or visit.",
            metavar="CH",
            autocompletion=completion.channels,
        ),
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", "-n", help="A note to keep with it ('' clears it).")
    ] = None,
    due: Annotated[
        str | None,
        typer.Option("--due", help="When: tomorrow, friday, +2w, 2026-12-01.", metavar="WHEN"),
    ] = None,
    priority: Annotated[
        str | None, typer.Option("--priority", help="normal or high.", metavar="P")
    ] = None,
) -> None:
    """Change a pending follow-up: what for, how, when, how urgent.

    A channel the contact opted out of, or cannot be reached by, is refused.
    Example: followup edit 12 --channel email --due friday
    """
    from followup_cli.fixing import FollowUpChanges, edit_followup
    from followup_cli.render import fixing as shown

    fid = parse_id(followup_id)
    changes = FollowUpChanges(
        purpose=purpose,
        channel=channel,
        note=note,
        due=when(due) if due else None,
        priority=priority,
    )
    with database(ctx).transaction() as tx:
        result = edit_followup(tx, fid, changes, today=today(), calendar=rules().calendar)
    shown.edited(result, changes.due)


@app.command()
def schedule(
    ctx: typer.Context,
    ref: RefArgument,
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
