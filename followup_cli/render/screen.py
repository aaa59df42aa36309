"""Every table, panel and message style the CLI shows. No decisions are made here."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from followup_cli.render.plain import rich_colour, visible
from followup_cli.values import format_money

if TYPE_CHECKING:
    from followup_cli.scheduling import RuleSet

# Customer, owner and settings text is data, never rich markup: "[/]" in a name is printed,
# not parsed (and cannot crash a command); cells and titles go through ``visible``.
console = Console(
    markup=False, highlight=False, emoji=False, soft_wrap=False, **rich_colour(sys.stdout)
)


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
