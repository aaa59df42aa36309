"""The morning digest as an email: a short plain-text part and the same in HTML
(multipart/alternative), with tel:, sms: and mailto: links where the owner's phone can open
them. Customer text is data: escaped in HTML, control characters shown escaped in text."""

from __future__ import annotations

import datetime as dt
import html
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING

from followup_cli.render.plain import CHANNEL_HEADINGS, day, overdue_words, visible

if TYPE_CHECKING:
    from followup_cli.agenda import AgendaItem
    from followup_cli.digest import Digest

NOTHING = "Nothing is due today, and nothing needs your attention."


def subject(digest: Digest) -> str:
    due, overdue = len(digest.due), len(digest.overdue)
    if not due:
        return f"Follow-ups for {day(digest.day)}: nothing due"
    late = f", {overdue} overdue" if overdue else ""
    return f"Follow-ups for {day(digest.day)}: {due} due{late}"


def _line(item: AgendaItem) -> str:
    reach = f", {item.reach_at}" if item.reach_at else ""
    when = f" ({overdue_words(item.days_overdue)})" if item.days_overdue else ""
    return f"  #{item.id} {item.contact}{reach}: {item.purpose}{when}"


def text(digest: Digest) -> str:
    """The plain-text part (also what `digest --dry-run` prints)."""
    lines = []
    if digest.empty:
        lines.append(NOTHING)
    for channel, items in digest.by_channel.items():
        lines += [f"{CHANNEL_HEADINGS[channel]} ({len(items)})", *map(_line, items), ""]
    if digest.overdue:
        lines += [f"Overdue: {len(digest.overdue)} (marked in each list above)", ""]
    if digest.coming:
        lines += [f"Coming in the next {digest.days} days ({len(digest.coming)})"]
        lines += [f"  {day(item.due)} {_line(item).strip()}" for item in digest.coming] + [""]
    if digest.imports:
        lines.append("Imports since yesterday")
        for run in digest.imports:
            lines.append(
                f"  {run.at.astimezone():%a %H:%M}: {run.sales} sales, "
                f"{run.new_contacts} new contacts, {run.followups} follow-ups scheduled"
            )
        lines.append("")
    if digest.attention:
        lines.append(f"Answers that need attention ({len(digest.attention)})")
        for a in digest.attention:
            lines.append(f'  {a.label}: {a.contact} (call #{a.call_id}): "{a.answer}"')
            lines.append(f"    to: {a.question}")
        lines.append("")
    lines.append("Run `followup today` for the whole agenda.")
    return visible("\n".join(lines).rstrip() + "\n")


def _link(item: AgendaItem, href: str | None) -> str:
    """Where the item goes, as the draft's link when it has one (the owner's phone opens
    the mail or text with its message written, or dials)."""
    shown = html.escape(item.reach_at)
    if not shown or not href:
        return shown
    return f'<a href="{html.escape(href)}">{shown}</a>'


def _item_html(item: AgendaItem, href: str | None = None) -> str:
    late = (
        f' <b style="color:#b00">({overdue_words(item.days_overdue)})</b>'
        if item.days_overdue
        else ""
    )
    link = _link(item, href)
    reach = f", {link}" if link else ""
    return (
        f"<li>#{item.id} <b>{html.escape(item.contact)}</b>{reach}: "
        f"{html.escape(item.purpose)}{late}</li>"
    )


def html_body(digest: Digest) -> str:
    """The HTML part: the same as the text, with links."""
    parts = [f"<h2>{html.escape(subject(digest))}</h2>"]
    if digest.empty:
        parts.append(f"<p>{NOTHING}</p>")
    for channel, items in digest.by_channel.items():
        parts.append(f"<h3>{CHANNEL_HEADINGS[channel]} ({len(items)})</h3>")
        parts.append("<ul>" + "".join(_item_html(i, digest.links.get(i.id)) for i in items))
        parts.append("</ul>")
    if digest.overdue:
        parts.append(f"<p>Overdue: {len(digest.overdue)} (marked in each list above).</p>")
    if digest.coming:
        parts.append(f"<h3>Coming in the next {digest.days} days ({len(digest.coming)})</h3>")
        parts.append("<ul>" + "".join(_item_html(i) for i in digest.coming) + "</ul>")
    if digest.imports:
        parts.append("<h3>Imports since yesterday</h3><ul>")
        for run in digest.imports:
            parts.append(
                f"<li>{run.at.astimezone():%a %H:%M}: {run.sales} sales, "
                f"{run.new_contacts} new contacts, {run.followups} follow-ups scheduled</li>"
            )
        parts.append("</ul>")
    if digest.attention:
        parts.append(f"<h3>Answers that need attention ({len(digest.attention)})</h3><ul>")
        for a in digest.attention:
            parts.append(
                f"<li>{a.label}: <b>{html.escape(a.contact)}</b> (call #{a.call_id}): "
                f"&ldquo;{html.escape(a.answer)}&rdquo;<br><small>to: "
                f"{html.escape(a.question)}</small></li>"
            )
        parts.append("</ul>")
    parts.append("<p>Run <code>followup today</code> for the whole agenda.</p>")
    return (
        '<!DOCTYPE html>\n<html><body style="font-family:sans-serif">\n'
        + "\n".join(parts)
        + "\n</body></html>\n"
    )


def message(digest: Digest, *, sender: str, to: str) -> EmailMessage:
    """The email: plain text first, HTML as the alternative mail apps prefer."""
    msg = EmailMessage()
    msg["Subject"] = subject(digest)
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    # Quoted-printable keeps every line 7-bit: a customer's accents reach any server intact.
    msg.set_content(text(digest), cte="quoted-printable")
    msg.add_alternative(html_body(digest), subtype="html", cte="quoted-printable")
    return msg


def notification(items: list[AgendaItem], today: dt.date) -> tuple[str, str]:
    """`followup today --notify`: a title and one line, counts only (a lock screen shows it)."""
    if not items:
        return f"followup: nothing due {day(today)}", "Nothing to do today."
    overdue = sum(1 for item in items if item.days_overdue > 0)
    title = f"followup: {len(items)} due today" + (f", {overdue} overdue" if overdue else "")
    counts = [
        f"{heading} {n}"
        for channel, heading in CHANNEL_HEADINGS.items()
        if (n := sum(1 for item in items if item.channel == channel))
    ]
    return title, ", ".join(counts) + ". Run `followup today`."
