"""Every table, panel and message style the CLI shows. No decisions are made here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from followup_cli.render.plain import day, followup_line, print_json, visible
from followup_cli.values import address_line, format_money

if TYPE_CHECKING:
    from followup_cli.agenda import AgendaItem
    from followup_cli.contacts import ContactHistory
    from followup_cli.scheduling import RuleSet

# Customer, owner and settings text is data, never rich markup: "[/]" in a name is printed,
# not parsed (and cannot crash a command); cells and titles go through ``visible``.
console = Console(markup=False, highlight=False, emoji=False, soft_wrap=False)


class SafeTable(Table):
    """A rich table whose text cells are shown as they are, control characters escaped."""

    def add_row(self, *renderables: Any, **options: Any) -> None:
        cells = [visible(c) if isinstance(c, str) else c for c in renderables]
        super().add_row(*cells, **options)


def safe_panel(body: Any, title: str, **options: Any) -> Panel:
    """A panel whose title is literal (rich parses panel titles as markup, whatever the
    console says)."""
    from rich.text import Text

    content = visible(body) if isinstance(body, str) else body
    return Panel(content, title=Text(visible(title)), **options)


__all__ = ["day", "followup_line", "print_json"]  # defined once, in plain.py


def upcoming(items: Sequence[AgendaItem], days: int) -> None:
    if not items:
        console.print(
            f"Nothing scheduled in the next {days} days. Look further with --days 30, or "
            "schedule one with `followup schedule NAME WHEN`.",
            soft_wrap=True,
        )
        return
    table = SafeTable(box=box.SIMPLE_HEAD, title=f"Next {days} days", title_justify="left")
    for column in ("ID", "Due", "Channel", "Contact", "Why"):
        table.add_column(column, justify="right" if column == "ID" else "left")
    for item in items:
        table.add_row(str(item.id), day(item.due), item.channel, item.contact, item.purpose)
    console.print(table)


def history(h: ContactHistory, currency: str) -> None:
    from followup_cli.contacts import consent_summary
    from followup_cli.scheduling import purpose_for

    c = h.contact
    lines = [
        f"Email:    {c.email or '-'}",
        f"Phone:    {c.phone or '-'}{'  (wrong number!)' if c.phone_invalid else ''}",
        f"Address:  {address_line(c.address) or '-'}",
        f"Prefers:  {c.prefers}",
        f"Consent:  {consent_summary(c)}",
    ]
    if c.tags:
        lines.append(f"Tags:     {c.tags.replace(',', ', ')}")
    if c.every_days:
        lines.append(f"Keep in touch every {c.every_days} days")
    if h.referred_by:
        lines.append(f"Referred by {h.referred_by.name} (#{h.referred_by.id})")
    if h.referrals:
        lines.append("Referred: " + ", ".join(f"{r.name} (#{r.id})" for r in h.referrals))
    if c.note:
        lines.append(f"Note:     {c.note}")
    lines.append(f"Added     {c.created_on.isoformat()}")
    console.print(safe_panel("\n".join(lines), f"{c.name} (#{c.id})", expand=False))

    table = SafeTable(title="Follow-ups", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("ID", "Due", "Channel", "What", "Status", "Outcome", "Note"):
        table.add_column(column)
    for f in h.followups:
        status = f.status + (f" {f.completed_on.isoformat()}" if f.completed_on else "")
        status += f", sent with {f.template}" if f.template else ""  # followup draft --sent
        table.add_row(
            str(f.id),
            f.due_on.isoformat(),
            f.channel,
            purpose_for(f.purpose, f.channel),
            status,
            f.outcome or "",
            f.note or "",
        )
    console.print(table if h.followups else "No follow-ups.")

    table = SafeTable(title="Interactions", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("ID", "Date", "Kind", "Amount", "Items", "Note"):
        table.add_column(column)
    for i in h.interactions:  # the ids `followup log edit` and `log delete` take
        table.add_row(
            str(i.id),
            i.occurred_on.isoformat(),
            i.kind,
            format_money(i.amount_cents, currency),
            i.items or "",
            i.note or "",
        )
    console.print(table if h.interactions else "No interactions.")

    for entry in h.calls:
        call = entry.call
        title = f"Call #{call.id} on {call.called_on.isoformat()}: {call.reach or call.status}"
        if call.outcome:
            title += f", {call.outcome}"
        if call.status != "completed":  # interrupted (or still going): not finished
            resume = f"; `followup call {call.followup_id}` resumes it" if call.followup_id else ""
            title += f" ({call.status}{resume})"
        body = SafeTable(box=None, show_header=False)
        body.add_column("Q")
        body.add_column("A")
        body.add_column("label")
        for a in entry.answers:
            label = (a.label or "") + (" (set by hand)" if a.overridden else "")
            body.add_row(a.question, a.answer, label)
        console.print(safe_panel(body, title, title_align="left", expand=False))


EVENT_WORDS = {
    "sale": "a sale", "visit": "a visit", "inquiry": "an inquiry", "complaint": "a complaint",
    "resolved": "a resolved complaint", "call": "a call", "email": "an email", "text": "a text",
    "mail": "a note", "meeting": "a meeting",
}  # fmt: skip


def rules(rule_set: RuleSet, currency: str = "$") -> None:
    """One short paragraph per rule: it reads at any terminal width, unlike a wide table."""
    console.print(visible(f"Cadence rules from {rule_set.source}\n"))
    for rule in rule_set.rules:
        channels = " or ".join(
            "the preferred channel" if c == "preferred" else c for c in rule.channels
        )
        console.print(
            visible(
                f"{rule.name}: after {' or '.join(EVENT_WORDS.get(k, k) for k in rule.on)}, "
                f"{rule.after.describe()} later, "
                f'by {channels}: "{rule.purpose}"'
            )
        )
        notes = []
        if rule.priority:
            notes.append("high priority")
        if rule.until_sale:
            notes.append("dropped once they buy")
        if rule.expires_after is not None:
            notes.append(f"useful for {rule.expires_after.describe()}")
        if rule.min_amount_cents is not None:
            notes.append(f"sales from {format_money(rule.min_amount_cents, currency)}")
        if rule.tags:
            notes.append(f"contacts tagged {' or '.join(sorted(rule.tags))}")
        if rule.customer != "any":
            notes.append(
                "a customer's first sale" if rule.customer == "first-time" else "repeat customers"
            )
        if rule.once_per is not None:
            notes.append(f"at most one per {rule.once_per.describe()}")
        if {"phone", "preferred"} & set(rule.channels):  # it can be a call
            notes.append(f"calls: {rule.script} script")
        if notes:
            console.print(visible(f"  {'; '.join(notes)}"))
    console.print()
    retry = rule_set.retry
    days = [
        ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[d]
        for d in sorted(rule_set.calendar.working_days)
    ]
    console.print(
        f"No answer: try again after {retry.after.describe()}, at most {retry.max_attempts} "
        f"attempts, then switch to {' / '.join(retry.fallback)}.\n"
        f"Working days: {', '.join(days)}"
        + (f"; {len(rule_set.calendar.holidays)} holidays" if rule_set.calendar.holidays else "")
        + ". Due dates on other days move to the next working day.\n"
        f"Logging an outreach completes a pending follow-up in that channel due within "
        f"{rule_set.outreach_window.describe()}; reaching a customer completes what is "
        "pending for the same sale in another channel (notes are still written)."
    )
    if rule_set.keep_in_touch_tags:
        tags = ", ".join(
            f"{t}: every {o.describe()}" for t, o in rule_set.keep_in_touch_tags.items()
        )
        console.print(visible(f"Keep in touch by tag: {tags}"))


def key_values(title: str, pairs: Iterable[tuple[str, str]]) -> None:
    table = SafeTable(box=None, show_header=False, title=title, title_justify="left")
    table.add_column("key", style="bold")
    table.add_column("value")
    for key, value in pairs:
        table.add_row(key, value)
    console.print(table)
