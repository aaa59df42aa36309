"""``followup contact ...``: the people you follow up with."""

from __future__ import annotations

from typing import Annotated

import typer

from followup_cli import config
from followup_cli.cli import completion
from followup_cli.cli.common import (
    JsonLinesOption,
    JsonOption,
    RefArgument,
    YesOption,
    confirm,
    database,
    rules,
    settings,
    today,
)
from followup_cli.render import plain

contact_app = typer.Typer(
    help='Add, find, edit and opt out contacts. Example: followup contact add "Ann Lee" --phone 555-0100',
    no_args_is_help=True,
    rich_markup_mode=None,
)

EmailOption = Annotated[str | None, typer.Option("--email", "-e", help="Email address.")]
PhoneOption = Annotated[
    str | None,
    typer.Option("--phone", "-p", help="Phone number (add +country if not in your region)."),
]
AddressOption = Annotated[
    str | None,
    typer.Option(
        "--address",
        "-a",
        help='Postal address, for handwritten notes, e.g. "12 High St, Springfield IL 62701".',
    ),
]
PrefersOption = Annotated[
    str | None,
    typer.Option(
        "--prefers",
        help="Preferred channel: phone, email, text, mail or visit.",
        metavar="CH",
        autocompletion=completion.channels,
    ),
]
NoteOption = Annotated[str | None, typer.Option("--note", "-n", help="A note about them.")]
TagOption = Annotated[
    list[str] | None, typer.Option("--tag", "-t", help="A tag (repeat for several).")
]
EveryOption = Annotated[
    str | None,
    typer.Option(
        "--every",
        help="Keep in touch: check in this long after the last contact, e.g. 90d, 6w, 3m.",
        metavar="INTERVAL",
    ),
]


def _every_days(value: str | None) -> int | None:
    from followup_cli.errors import InvalidInput
    from followup_cli.scheduling import parse_offset

    if value is None:
        return None
    if value.strip().lower() in ("0", "off", "never", "none"):
        return 0
    offset = parse_offset(value)
    factor = {"d": 1, "w": 7, "m": 30, "y": 365}.get(offset.unit)
    if factor is None:
        raise InvalidInput("--every takes days, weeks, months or years, e.g. 90d or 3m.")
    return offset.amount * factor


@contact_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Their name, in quotes if it has spaces.")],
    email: EmailOption = None,
    phone: PhoneOption = None,
    address: AddressOption = None,
    prefers: PrefersOption = None,
    note: NoteOption = None,
    tag: TagOption = None,
    every: EveryOption = None,
) -> None:
    """Add a contact. Example: followup contact add "Ann Lee" --email ann@example.com --prefers email"""
    from followup_cli.followups import add_contact_scheduled
    from followup_cli.inputs import ContactCreate

    given = {"prefers": prefers} if prefers is not None else {}  # else the model's default
    data = ContactCreate(
        name=name, email=email, phone=phone, address=address, note=note,
        tags=",".join(tag or []),
        every_days=_every_days(every) or None, **given,
    )  # fmt: skip
    db, conf = database(ctx), settings()
    with db.transaction() as tx:
        contact, kit = add_contact_scheduled(
            tx, data, today=today(), rules=rules(), region=conf.phone_region
        )
    plain.say(f"Added {contact.name} (#{contact.id}).")
    if kit is not None:
        plain.say(f"  Next keep-in-touch {plain.day(kit.due_on)}")


SCREEN_LIMIT = 100  # a screenful or two; --json lists everyone unless told otherwise


@contact_app.command("list")
def list_(
    ctx: typer.Context,
    search: Annotated[
        str | None,
        typer.Option(
            "--search",
            "-s",
            help="Only contacts with a name, email, phone, tag, address or note word starting "
            "with this (accents and case aside; a phone by its digits).",
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            "-n",
            min=0,
            help=f"At most N contacts (default {SCREEN_LIMIT}; all with --json); 0 for all.",
            metavar="N",
        ),
    ] = None,
    as_json: JsonOption = False,
    as_jsonl: JsonLinesOption = False,
) -> None:
    """List contacts, by name. Example: followup contact list --search zoe --limit 20"""
    from followup_cli.contacts import list_contacts

    scripted = as_json or as_jsonl
    if limit is None:
        limit = 0 if scripted else SCREEN_LIMIT
    with database(ctx).reading() as tx:  # the list is written as it is read
        page = list_contacts(tx, search, limit)
        if scripted:
            plain.json_items(map(plain.contact_json, page.contacts), lines=as_jsonl)
        else:
            plain.contacts(page, search)


@contact_app.command("show")
def show(
    ctx: typer.Context,
    ref: RefArgument,
    as_json: JsonOption = False,
) -> None:
    """Show a contact and their whole history: interactions, follow-ups, calls and answers.

    Example: followup contact show "Ann Lee"
    """
    from followup_cli.contacts import history

    with database(ctx).reading() as tx:
        h = history(tx, ref)
    if as_json:
        from followup_cli.render.events import history_json

        plain.print_json(history_json(h))
        return
    plain.history(h, settings().currency)


@contact_app.command("edit")
def edit(
    ctx: typer.Context,
    ref: RefArgument,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    email: EmailOption = None,
    phone: PhoneOption = None,
    address: Annotated[
        str | None,
        typer.Option("--address", "-a", help="Postal address (--address '' clears it)."),
    ] = None,
    prefers: PrefersOption = None,
    note: NoteOption = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", "-t", help="Replace the tags (repeat for several; --tag '' clears)."),
    ] = None,
    every: EveryOption = None,
) -> None:
    """Change a contact's details. Example: followup contact edit 12 --every 90d --prefers text

    --every 0 turns keep-in-touch off.
    """
    from followup_cli.followups import edit_contact_scheduled
    from followup_cli.inputs import ContactUpdate

    given = {
        "name": name, "email": email, "phone": phone, "address": address, "prefers": prefers,
        "note": note, "tags": ",".join(tag) if tag is not None else None,
    }  # fmt: skip
    fields: dict[str, str | int | None] = {k: v for k, v in given.items() if v is not None}
    for cleared in ("email", "address"):
        if given[cleared] == "":
            fields[cleared] = None
    if every is not None:
        fields["every_days"] = _every_days(every) or None
    if not fields:
        from followup_cli.errors import InvalidInput

        raise InvalidInput("Nothing to change; give an option such as --email or --every 90d.")
    changes = ContactUpdate.model_validate(fields)
    with database(ctx).transaction() as tx:
        contact, changed, kit = edit_contact_scheduled(
            tx, ref, changes, today=today(), rules=rules(), region=settings().phone_region
        )
    what = ", ".join(plain.FIELD_WORDS.get(f, f) for f in changed) or "nothing changed"
    plain.say(f"Updated {contact.name} (#{contact.id}): {what}.")
    if kit is not None:
        plain.say(f"  Next keep-in-touch {plain.day(kit.due_on)}")


@contact_app.command("opt-out")
def opt_out(
    ctx: typer.Context,
    ref: RefArgument,
    channel: Annotated[
        str | None,
        typer.Option(
            "--channel",
            "-c",
            help="Only this channel (phone, email, text, mail, visit); default: all contact.",
            metavar="CH",
            autocompletion=completion.channels,
        ),
    ] = None,
    undo: Annotated[bool, typer.Option("--undo", help="Lift the opt-out.")] = False,
) -> None:
    """Respect "don't contact me": no follow-ups, in any agenda, by any channel (or by one).

    Out of one channel, their pending follow-ups move to a channel they can still be reached
    by (or are skipped, and say so); --undo puts what comes back on today's agenda.
    Example: followup contact opt-out "Ann Lee" --channel phone
    """
    from followup_cli.followups import change_opt_out

    with database(ctx).transaction() as tx:
        result = change_opt_out(tx, ref, channel, today=today(), undo=undo)
    plain.opt_out(result)


@contact_app.command("forget")
def forget(
    ctx: typer.Context,
    ref: RefArgument,
    yes: YesOption = False,
) -> None:
    """Erase a person for good: contact, interactions, follow-ups, calls and answers.

    Only a one-way hash of their email and phone is kept, so an import does not recreate
    them; where other people's records name them (a referral's answer, "Referred by ..."),
    that is erased too. Backups made earlier still hold them (the command lists the
    automatic ones). Example: followup contact forget "Ann Lee"
    """
    from followup_cli.contacts import describe, resolve
    from followup_cli.privacy import forget as forget_contact

    db = database(ctx)
    with db.reading() as tx:
        contact = resolve(tx, ref)
        who, contact_ref = describe(contact), f"#{contact.id}"
    if not yes and not confirm(f"Erase {who} and everything about them? This cannot be undone"):
        plain.say(f"Kept {who}; nothing was erased.")
        return
    with db.transaction() as tx:
        gone = forget_contact(tx, contact_ref, today=today(), secret=config.suppression_key())
    db.compact()
    plain.forgotten(gone, db.automatic_backups())


@contact_app.command("dupes")
def dupes(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List contacts that are likely one person, with why, and the command to merge them.

    A pair shares a phone, an email (ignoring case; Gmail dots and +tags), or the same name
    with the same address or email name. Example: followup contact dupes
    """
    from followup_cli.duplicates import find_duplicates

    with database(ctx).reading() as tx:
        pairs = find_duplicates(tx)
    if as_json:
        plain.print_json(
            [
                {
                    "keep": plain.contact_json(p.keep),
                    "other": plain.contact_json(p.other),
                    "reasons": p.reasons,
                }
                for p in pairs
            ]
        )
    else:
        plain.duplicates(pairs)


@contact_app.command("merge")
def merge(
    ctx: typer.Context,
    keep: Annotated[
        str,
        typer.Argument(
            help="The contact to keep: id, email, phone or name.",
            metavar="KEEP",
            autocompletion=completion.contact_refs,
        ),
    ],
    other: Annotated[
        str,
        typer.Argument(
            help="The duplicate, merged into KEEP and then deleted.",
            metavar="OTHER",
            autocompletion=completion.contact_refs,
        ),
    ],
    yes: YesOption = False,
) -> None:
    """Merge two contacts of one person: OTHER's sales, follow-ups, calls, referrals and
    consent move onto KEEP, KEEP gains the details it lacks, and OTHER's email and phone stay
    known, so an import matches them to KEEP. Example: followup contact merge 3 9
    """
    from followup_cli.contacts import describe
    from followup_cli.duplicates import merge as merge_contacts
    from followup_cli.duplicates import plan_merge

    db = database(ctx)
    if not yes:
        with db.reading() as tx:
            plan = plan_merge(tx, keep, other)
        plain.merge_plan(plan)
        question = f"Merge {describe(plan.other)} into {describe(plan.keep)}?"
        if not confirm(question):
            plain.say("Nothing was merged.")
            return
        keep, other = f"#{plan.keep.id}", f"#{plan.other.id}"
    with db.transaction() as tx:
        done = merge_contacts(tx, keep, other, today=today())
    plain.merge_plan(done, done=True)


def _add_export() -> None:
    """`contact export` lives with the other exports; the group lists it last."""
    from followup_cli.cli.exports import contact_commands

    contact_app.add_typer(contact_commands)


_add_export()
