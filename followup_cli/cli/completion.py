"""Shell completion that knows the owner's data: contacts, pending follow-ups, and the fixed
words (kinds, channels, export kinds, presets, call purposes).

Each function is a Typer ``autocompletion`` callback. They run on every Tab, so they read
through ``store.peek`` (read-only ``sqlite3``, or psycopg for PostgreSQL; never creating or
upgrading a database) and
import nothing heavy; any problem completes nothing rather than printing an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import typer
from typer import _completion_classes
from typer._click.shell_completion import CompletionItem, add_completion_class

from followup_cli import config

# Characters bash would split or expand in an inserted word; zsh and fish quote candidates
# themselves, Typer's bash script inserts each as it is.
_BASH_SPECIAL = re.compile(r"""([\s'"\\$`!&;|<>()*?\[\]{}~#^])""")


class BashComplete(_completion_classes.BashComplete):
    """Typer's bash completion, with each candidate escaped as bash needs it ("Ann Lee"
    becomes one word, ``Ann\\ Lee``, not two)."""

    def format_completion(self, item: CompletionItem) -> str:
        return _BASH_SPECIAL.sub(r"\\\1", str(item.value))


def use_escaping_bash() -> None:
    """Put ``BashComplete`` in place of Typer's (which Typer registers as each run starts)."""
    add_completion_class(BashComplete, BashComplete.name)


def _url(ctx: typer.Context) -> str | None:
    """The database completion reads: ``--db`` if it was typed before, else the default."""
    try:
        return config.database_url(ctx.find_root().params.get("db"))
    except Exception:  # a half-typed --db: nothing to complete from
        return None


def _starting(words: Iterable[str], incomplete: str) -> list[str]:
    return [word for word in words if word.startswith(incomplete.lower())]


def _continuing(typed: str, value: str | None) -> str | None:
    """``value`` as a candidate for what was typed: shells keep only candidates that start
    with it, and a reference is read ignoring case, so "ann" may become "ann Lee"."""
    if not value or not value.lower().startswith(typed.lower()):
        return None
    return typed + value[len(typed) :]


def contact_refs(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Contacts by what was typed of their name, email, phone or id: the candidate is the
    first of these that continues it, the description the rest. A name several contacts
    share is offered once, saying so (as a reference it lists them to choose from)."""
    url = _url(ctx)
    if url is None:
        return []
    from followup_cli.store import peek
    from followup_cli.values import fold_text

    hashed = "#" if incomplete.startswith("#") else ""
    typed = incomplete[len(hashed) :]
    shown: dict[str, str] = {}
    for cid, name, email, phone, sharing in peek.contacts(url, typed, fold_text(typed)):
        candidates = [str(cid)] if hashed else [name, email, phone, str(cid)]
        value = next(filter(None, (_continuing(typed, c) for c in candidates)), None)
        if value is None or hashed + value in shown:
            continue
        if sharing > 1 and value.lower() == name.lower():
            shown[value] = f"{sharing} contacts have this name"
            continue
        details = (f"#{cid}", name, email or "", phone or "")
        shown[hashed + value] = " ".join(d for d in details if d and d.lower() != value.lower())
    return list(shown.items())


def followup_ids(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Pending follow-ups by id, soonest due first, each described by who and why."""
    url = _url(ctx)
    if url is None:
        return []
    from followup_cli.scheduling import purpose_for
    from followup_cli.store import peek

    return [
        (str(fid), f"{name}: {purpose_for(purpose, channel)} ({channel}, due {due[:10]})")
        for fid, name, purpose, channel, due in peek.pending(url, incomplete.lstrip("#"))
    ]


def call_targets(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """`followup call`: a pending follow-up's id, or a contact."""
    if incomplete.lstrip("#").isdigit():
        return followup_ids(ctx, incomplete)
    return contact_refs(ctx, incomplete)


def channels(incomplete: str) -> list[str]:
    from followup_cli.enums import Channel

    return _starting(Channel, incomplete)


def kinds(incomplete: str) -> list[str]:
    from followup_cli.enums import InteractionKind

    return _starting(InteractionKind, incomplete)


def outcomes(incomplete: str) -> list[str]:
    from followup_cli.enums import Outcome

    return _starting(Outcome, incomplete)


def labels(incomplete: str) -> list[str]:
    return _starting(("negative", "neutral", "positive"), incomplete)


def export_kinds(incomplete: str) -> list[str]:
    from followup_cli.export import KINDS

    return _starting([*KINDS, "ics"], incomplete)


def presets(incomplete: str) -> list[tuple[str, str]]:
    from followup_cli.importer.columns import PRESETS

    return [(p.name, p.description) for p in PRESETS.values() if p.name.startswith(incomplete)]


def purposes(incomplete: str) -> list[tuple[str, str]]:
    from followup_cli.script import PURPOSES

    return [(name, what) for name, what in PURPOSES.items() if name.startswith(incomplete)]


def colours(incomplete: str) -> list[str]:
    from followup_cli.render.plain import COLOR_CHOICES

    return _starting(COLOR_CHOICES, incomplete)
