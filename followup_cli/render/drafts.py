"""Drafts on screen, the notes sheet (printable HTML, or CSV for a mail merge) and the
templates listing.

Plain output, no rich: a customer's words are printed as they are (control characters
escaped, ``plain.visible``), and in the HTML page every piece of stored text is escaped, so
nothing a customer typed is ever read as markup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

from followup_cli.render.plain import say

if TYPE_CHECKING:
    from followup_cli.agenda import AgendaItem
    from followup_cli.drafts import Draft, Templates

_KIND_WORDS = {
    "email": "Email",
    "text": "Text",
    "mail": "Handwritten note",
    "phone": "Call",
    "visit": "Visit",
}


def draft(d: Draft) -> None:
    """The message to send and the link that opens it."""
    to = f": {d.to}" if d.to else ""
    template = f", template {d.template}" if d.template else ""
    say(f"{_KIND_WORDS.get(d.channel, d.channel)} to {d.contact}{to} (#{d.followup_id}{template})")
    if d.bought:
        say(f"Bought: {d.bought}")
    say("")
    if d.channel == "phone":
        if d.body:
            say("If you get their voicemail:")
            say(_indented(d.body))
        say("")
        say(f"Call: {d.link}" if d.link else "No number to call.")
        say(f"Record the call with `followup call {d.followup_id}`.")
        return
    if d.channel == "visit":
        say("A visit: nothing to draft. Mark it with `followup done ID` afterwards.")
        return
    if d.subject:
        say(f"Subject: {d.subject}")
        say("")
    say(d.body or "(no template for this kind of message: `followup templates show`)")
    if d.channel == "text":
        say("")
        say(
            f"({len(d.body)} characters{'' if len(d.body) <= 160 else ', sent as 2 or more texts'})"
        )
    if d.link:
        say("")
        say(f"Open it: {d.link}")


def _indented(text: str) -> str:
    return "\n".join(f"  {line}" if line else "" for line in text.splitlines())


def item_json(item: AgendaItem, made: Draft | None) -> dict[str, object]:
    """A ``today --json`` item with its draft and link (null where there is none)."""
    return {
        **item.to_json(),
        "draft": made.to_json() if made else None,
        "link": made.link if made else None,
    }


def voicemail(d: Draft | None) -> list[str]:
    """What the power hour shows before each call: the number's link and the voicemail."""
    if d is None:
        return []
    lines = [f"  Dial: {d.link}"] if d.link else []
    if d.body:
        lines.append(f"  Voicemail: {d.body}")
    return lines


# --------------------------------------------------------------------------------------------
# The notes sheet
# --------------------------------------------------------------------------------------------

_PAGE_CSS = """
* { box-sizing: border-box; }
body { font-family: Georgia, "Times New Roman", serif; margin: 0; padding: 1.5rem; color: #111; }
h1 { font-size: 1.3rem; margin: 0 0 1rem; }
.card { border: 1px solid #999; border-radius: 6px; padding: 1rem 1.2rem; margin: 0 0 1rem;
        max-width: 40rem; break-inside: avoid; page-break-inside: avoid; }
.card h2 { font-size: 1.1rem; margin: 0 0 .3rem; }
.address { white-space: pre-line; margin: 0 0 .6rem; color: #333; }
.note { white-space: pre-line; font-style: italic; font-size: 1.05rem; line-height: 1.45;
        border-left: 3px solid #ccc; padding-left: .8rem; margin: 0 0 .6rem; }
.bought { font-size: .9rem; color: #444; margin: 0; }
.empty { color: #555; }
@media print {
  @page { margin: 15mm; }
  body { padding: 0; }
  .card { border-color: #555; max-width: none; }
  .hint { display: none; }
}
"""


def notes_html(drafts: Sequence[Draft], day: dt.date, business: str) -> str:
    """One printable page: a card per note (name, postal address, suggested text, what they
    bought); a card never splits across two printed pages."""
    import html

    esc = html.escape
    cards = []
    for d in drafts:
        bought = f'<p class="bought">Bought: {esc(d.bought)}</p>' if d.bought else ""
        cards.append(
            f'<section class="card" data-followup="{d.followup_id}">\n'
            f"<h2>{esc(d.contact)}</h2>\n"
            f'<p class="address">{esc(d.address or "")}</p>\n'
            f'<p class="note">{esc(d.body)}</p>\n'
            f"{bought}\n</section>"
        )
    body = "\n".join(cards) or '<p class="empty">No handwritten notes due.</p>'
    title = f"Notes to write, {day:%a} {day.isoformat()}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(title)}</title>\n<style>{_PAGE_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{esc(title)} ({esc(business)})</h1>\n"
        f'<p class="hint">{len(drafts)} note{"" if len(drafts) == 1 else "s"}. '
        "Print this page; mark each note written with <code>followup draft ID --sent</code>.</p>\n"
        f"{body}\n</body>\n</html>\n"
    )


NOTES_COLUMNS = ("followup_id", "name", "address", "note", "bought")


def notes_csv(drafts: Sequence[Draft], out: IO[Any]) -> None:
    """For a mail merge or a label printer: one row per note, formula-safe."""
    import csv

    from followup_cli.files import formula_safe

    writer = csv.writer(out)
    writer.writerow(NOTES_COLUMNS)
    for d in drafts:
        writer.writerow(
            [d.followup_id, *(formula_safe(v) for v in (d.contact, d.address, d.body, d.bought))]
        )


# --------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------


def templates(found: Templates, purpose: str | None, channel: str | None) -> None:
    """Every variant of the kinds asked for, as the owner would edit them."""
    from followup_cli.drafts import CHANNELS, PURPOSES

    shown = 0
    for (kind, via), variants in found.kinds.items():
        if (purpose and kind != purpose) or (channel and via != channel):
            continue
        say(f"{kind} by {via}: {PURPOSES[kind]}; {CHANNELS[via]}")
        for template in variants:
            say(f"  #{template.variant}")
            if template.subject:
                say(f"    Subject: {template.subject}")
            for line in template.body.splitlines():
                say(f"    {line}" if line else "")
        say("")
        shown += 1
    if not shown:
        say("No templates of that kind.")
    say(f"From {found.source}.")
