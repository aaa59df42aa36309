"""Personal message drafts: templates as data, merged with what we know, and the link that
opens the right app.

Templates are a TOML file (``default_templates.toml`` ships with followup; the owner's
``templates.toml`` in the app folder replaces a kind of message where it has one): a list of
two or three variants per purpose and channel. A contact gets the variant after the one
they got last (``followup.template`` of their follow-ups sent with a draft), so a regular
never reads the same words twice in a row. A line whose field has no value is left out.

Links: ``mailto:`` with subject and body (RFC 6068), ``sms:`` with a body (RFC 5724),
``tel:`` for calls (RFC 3966); everything interpolated is percent-encoded as UTF-8, so an
accent, an ampersand or a line break in a customer's name or words can never end the link
early or add a parameter. No draft and no link for a channel the contact cannot be reached by
(``Reach``, the one definition: opted out, no email on file...).

Nothing here prints, reads the clock or the keyboard.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote

from followup_cli.enums import REFERRAL_INTRO, REFERRAL_THANKS, REVIEW_LINK
from followup_cli.errors import ConfigError, Conflict
from followup_cli.scheduling import (
    ESCALATED,
    MAKE_IT_RIGHT,
    MANUAL,
    Contactable,
    reach_of,
    script_for,
)
from followup_cli.store.rows import as_date, save
from followup_cli.store.sql.drafts import (
    DRAFT_FACTS_SQL,
    LAST_CALL_WORDS_SQL,
    REFERRED_SQL,
    TEMPLATES_USED_SQL,
    in_list,
)
from followup_cli.values import address_line, format_money

if TYPE_CHECKING:
    from followup_cli.agenda import AgendaItem
    from followup_cli.config import Settings
    from followup_cli.followups import DoneResult
    from followup_cli.scheduling import RuleSet
    from followup_cli.store import Tx

PURPOSES: dict[str, str] = {
    "thank-you": "after a sale",
    "review-link": "the review link, for someone who said they would write one",
    "make-it-right": "something went wrong: a negative call, a complaint, an escalation",
    "satisfaction": "after a complaint was resolved: is it right now?",
    "prospect": "after a visit or an inquiry",
    "keep-in-touch": "a regular check-in, and one-off follow-ups",
    "referral-intro": "someone a customer referred to you",
    "referral-thanks": "thanking a customer who referred someone",
}
CHANNELS: dict[str, str] = {
    "email": "an email: subject and body",
    "text": "a text message (under 160 characters where possible)",
    "mail": "the handwritten note",
    "phone": "what to say if you get their voicemail",
}
FIELDS: dict[str, str] = {
    "first_name": "the customer's first name",
    "name": "the customer's full name",
    "owner": "your name (followup config set owner ...)",
    "business": "the business name (followup config set business ...)",
    "bought": "what they bought (the sale's items)",
    "bought_on": 'when: "Thursday" within the week, else "Nov 19"',
    "amount": "the sale's amount",
    "review_link": "the review link (followup config set review_link ...)",
    "referrer": "who referred them",
    "referred": "who they referred to you (latest)",
    "their_words": "what they said on the last call, where it went badly",
}
# Always known, so the only fields a subject may use (a line without a value is left out,
# and a subject cannot be).
ALWAYS = frozenset({"first_name", "name", "owner", "business"})
# The purposes whose messages quote the customer's own words from the last call.
QUOTING = frozenset({"make-it-right", "satisfaction"})
TEXT_LIMIT = 160
# Values as long as real ones tend to be, to warn about a text that runs over 160 characters.
SAMPLE: dict[str, str] = {
    "first_name": "Alexandra", "name": "Alexandra Whitfield", "owner": "Samantha",
    "business": "Sam's Bikes & Repairs", "bought": "touring bike", "bought_on": "Thursday",
    "amount": "$1,299.00", "review_link": "https://g.page/r/CdXyz12345/review",
    "referrer": "Ann Lee", "referred": "Bob Ray", "their_words": "the delivery was late",
}  # fmt: skip
TEMPLATE_KEYS = frozenset({"subject", "body"})
_FIELD_RE = re.compile(r"\{([^{}]*)\}")
_BLANKS_RE = re.compile(r"\n{3,}")
_TEMPLATE_ID_RE = re.compile(r"^([a-z-]+)\.([a-z]+)#(\d+)$")


# --------------------------------------------------------------------------------------------
# Templates as data (NamedTuples, not dataclasses: 1 ms less start-up for `today --json`)
# --------------------------------------------------------------------------------------------


class Template(NamedTuple):
    purpose: str
    channel: str
    variant: int  # 1, 2, 3 in the file's order
    body: str
    subject: str | None = None

    @property
    def id(self) -> str:
        """``thank-you.email#2``: what ``followup.template`` records."""
        return f"{self.purpose}.{self.channel}#{self.variant}"


class Templates(NamedTuple):
    kinds: Mapping[tuple[str, str], tuple[Template, ...]]
    source: str
    warnings: tuple[str, ...] = ()

    def variants(self, purpose: str, channel: str) -> tuple[Template, ...]:
        return self.kinds.get((purpose, channel), ())


def _field_errors(text: str, where: str, allowed: Iterable[str]) -> list[str]:
    allowed = set(allowed)
    return [
        f"{where}: unknown field {{{name}}}; use one of "
        + ", ".join(f"{{{f}}}" for f in FIELDS if f in allowed)
        + "."
        for name in _FIELD_RE.findall(text)
        if name not in allowed
    ]


def _parse_variant(
    raw: Any, purpose: str, channel: str, number: int, errors: list[str], warnings: list[str]
) -> Template | None:
    where = f"[[{purpose}.{channel}]] {number}"
    if not isinstance(raw, dict):
        errors.append(f"{where}: each variant must be a table with a body.")
        return None
    for unknown in sorted(set(raw) - TEMPLATE_KEYS):
        errors.append(f"{where}: unknown key {unknown!r}; a variant has subject and body.")
    body = raw.get("body")
    if not isinstance(body, str) or not body.strip():
        errors.append(f'{where}: the body is empty; write the message, e.g. body = "Hi ...".')
        return None
    errors.extend(_field_errors(body, f"{where} body", FIELDS))
    subject = raw.get("subject")
    if channel == "email":
        if not isinstance(subject, str) or not subject.strip():
            errors.append(f'{where}: an email needs a subject, e.g. subject = "Thank you".')
            subject = None
        else:
            errors.extend(_field_errors(subject, f"{where} subject", ALWAYS))
    elif subject is not None:
        errors.append(f"{where}: only an email has a subject; put it in the body.")
        subject = None
    if purpose == "review-link" and "{review_link}" not in body:
        errors.append(f"{where}: a review-link message must hold {{review_link}} in its body.")
    if channel == "text" and not errors:
        length = len(fill(body, SAMPLE))
        if length > TEXT_LIMIT:
            warnings.append(
                f"{where}: about {length} characters with typical names; over {TEXT_LIMIT} "
                "it may arrive as two messages."
            )
    return Template(purpose, channel, number, body.strip("\n"), subject)


def parse_templates(data: Mapping[str, Any], where: str) -> Templates:
    """Build and check templates; every problem found is listed in one ConfigError."""
    errors: list[str] = []
    warnings: list[str] = []
    kinds: dict[tuple[str, str], tuple[Template, ...]] = {}
    for purpose, by_channel in data.items():
        if purpose not in PURPOSES:
            errors.append(f"unknown purpose {purpose!r}; use one of {', '.join(PURPOSES)}.")
            continue
        if not isinstance(by_channel, dict):
            errors.append(f"{purpose}: write its variants as [[{purpose}.email]] tables.")
            continue
        for channel, variants in by_channel.items():
            if channel not in CHANNELS:
                errors.append(
                    f"{purpose}.{channel}: unknown channel; use one of {', '.join(CHANNELS)}."
                )
                continue
            if not isinstance(variants, list) or not variants:
                errors.append(
                    f"{purpose}.{channel}: write each variant as a [[{purpose}.{channel}]] table."
                )
                continue
            parsed = [
                _parse_variant(raw, purpose, channel, number, errors, warnings)
                for number, raw in enumerate(variants, 1)
            ]
            kinds[(purpose, channel)] = tuple(t for t in parsed if t is not None)
    if errors:
        count = f"{len(errors)} problem{'s' if len(errors) != 1 else ''}"
        raise ConfigError(f"{where}: {count}:\n  " + "\n  ".join(errors))
    return Templates(kinds, where, tuple(warnings))


def templates_path() -> Path:
    from followup_cli.config import app_dir

    return app_dir() / "templates.toml"


def default_templates_text() -> str:
    # beside this module, as the default rules and scripts are
    return (Path(__file__).parent / "default_templates.toml").read_text(encoding="utf-8")


def load_templates(path: Path | None = None) -> Templates:
    """The built-in templates, each kind replaced by the owner's where their file (``path``,
    else ``templates.toml`` in the app folder) has it. An explicit path must exist."""
    import tomllib

    from followup_cli.config import read_toml

    built_in = parse_templates(tomllib.loads(default_templates_text()), "built-in templates")
    explicit = path is not None
    path = path or templates_path()
    data = read_toml(path)
    if data is None:
        if explicit:
            raise ConfigError(f"No templates file at {path}.")
        return built_in
    own = parse_templates(data, str(path))
    return Templates({**built_in.kinds, **own.kinds}, str(path), own.warnings)


# --------------------------------------------------------------------------------------------
# Choosing and merging
# --------------------------------------------------------------------------------------------


def next_variant(variants: Sequence[Template], last: str | None) -> Template:
    """The variant after the one this contact got last (the first if they got none)."""
    ids = [t.id for t in variants]
    if last in ids:
        return variants[(ids.index(last) + 1) % len(variants)]
    return variants[0]


def fill(text: str, values: Mapping[str, str]) -> str:
    """Merge the fields; a line holding a field with no value is left out, and the blank
    lines around what is left out do not pile up."""
    lines = []
    for parts in _lines(text):
        if len(parts) == 1:
            lines.append(parts[0])
            continue
        names = parts[1::2]
        if all(values.get(name) for name in names):
            lines.append("".join(values[p] if i % 2 else p for i, p in enumerate(parts)))
    merged = "\n".join(lines)
    return (_BLANKS_RE.sub("\n\n", merged) if "\n\n\n" in merged else merged).strip()


@lru_cache(maxsize=256)
def _lines(text: str) -> tuple[tuple[str, ...], ...]:
    """A template's lines, each split once into text and field names, alternately."""
    return tuple(tuple(_FIELD_RE.split(line)) for line in text.split("\n"))


def first_name(name: str) -> str:
    words = name.split()
    return words[0] if words else name


@lru_cache(maxsize=512)  # an agenda's sales fall on a few days: strftime once per day
def when_words(day: dt.date, today: dt.date) -> str:
    """ "Thursday" within the last week, "Nov 19" within the year, else "Nov 19, 2025"."""
    if 0 <= (today - day).days < 7:
        return "today" if day == today else f"{day:%A}"
    return f"{day:%b} {day.day}" + ("" if day.year == today.year else f", {day.year}")


# --------------------------------------------------------------------------------------------
# Links
# --------------------------------------------------------------------------------------------


def _encoded(text: str) -> str:
    """Percent-encoded UTF-8, every reserved character included; a line break is CRLF."""
    return quote(text.replace("\r\n", "\n").replace("\n", "\r\n"), safe="")


def mailto_link(to: str, subject: str | None, body: str) -> str:
    """RFC 6068: ``mailto:ADDR?subject=...&body=...`` (spaces as %20, never +)."""
    query = [f"subject={_encoded(subject)}"] if subject else []
    query.append(f"body={_encoded(body)}")
    return f"mailto:{quote(to, safe='@+')}?{'&'.join(query)}"


def sms_link(number: str, body: str) -> str:
    """RFC 5724: ``sms:+15550100101?body=...`` (see docs/drafts.md for how phones differ)."""
    return f"sms:{quote(number, safe='+')}?body={_encoded(body)}"


def tel_link(number: str) -> str:
    """RFC 3966: ``tel:+15550100101``."""
    return f"tel:{quote(number, safe='+')}"


def dial_number(contact: Contactable) -> str:
    """The number to put in a link: the global E.164 form when known (RFC 5724 asks for one),
    else the digits as typed."""
    if contact.phone_key:
        return contact.phone_key
    phone = contact.phone or ""
    return ("+" if phone.strip().startswith("+") else "") + "".join(c for c in phone if c.isdigit())


# --------------------------------------------------------------------------------------------
# Drafts
# --------------------------------------------------------------------------------------------


class Draft(NamedTuple):
    """A follow-up's message in its channel, and the link that opens it."""

    followup_id: int
    contact: str
    channel: str
    purpose: str  # the template purpose (PURPOSES)
    to: str  # the email, the phone, the postal address (one line), or "" for a visit
    template: str | None  # "thank-you.email#2"; None when there is no template for it
    subject: str | None
    body: str
    link: str | None
    bought: str  # "touring bike, Nov 19" for the notes card; "" if nothing on record
    address: str | None = None  # the postal address as stored (lines), for the notes card
    dial: str = ""  # the number an sms: or tel: link calls (``dial_number``)

    def to_json(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "to": self.to,
            "subject": self.subject,
            "body": self.body,
            "link": self.link,
        }


class _Person(NamedTuple):
    """The contact as a draft needs them (``scheduling.reach_of`` reads it as a contact)."""

    id: int
    name: str
    email: str | None
    phone: str | None
    phone_key: str | None
    address: str | None
    prefers: str
    phone_invalid: bool
    do_not_contact: bool
    opted_out_channels: str


class _Sale(NamedTuple):
    kind: str
    occurred_on: dt.date
    amount_cents: int | None
    items: str | None


class _Facts(NamedTuple):
    """What a draft is made of, read in one query for many follow-ups."""

    followup_id: int
    rule: str
    channel: str
    note: str | None
    person: _Person
    purpose: str  # ``template_purpose``
    sale: _Sale | None
    referrer: str
    referred: str
    their_words: str
    last_used: str | None


def template_purpose(rule: str, rules: RuleSet) -> str:
    """Which kind of message a follow-up of ``rule`` needs: its rule's (a review link, a
    referral), else the kind of call its rule names (a complaint and an escalation: make it
    right; a one-off follow-up: keep in touch)."""
    if rule in (REVIEW_LINK, REFERRAL_INTRO, REFERRAL_THANKS):
        return rule
    if rule == MANUAL:
        return "keep-in-touch"
    script = script_for(rule, rules)
    return "make-it-right" if script == "complaint" else script


def _words(tx: Tx, contact_id: int, rule: str, note: str | None) -> str:
    """What the customer said that went badly: the negative (else neutral) answers of their
    last call, else the words a make-it-right follow-up was made with (its note)."""
    rows = tx.rows(LAST_CALL_WORDS_SQL, {"contact": contact_id})
    if rows:
        last = rows[0][0]
        answers = [(answer, label) for call_id, answer, label in rows if call_id == last]
        for wanted in ("negative", "neutral"):
            said = [answer.strip() for answer, label in answers if label == wanted]
            if said:
                return "; ".join(said)
    if rule not in (MAKE_IT_RIGHT, ESCALATED):
        return ""
    return (note or "").removeprefix("They said: ").strip()


def _gather(tx: Tx, followup_ids: Sequence[int], rules: RuleSet) -> list[_Facts]:
    """The facts of each follow-up (at most 500 ids): one query for the follow-ups, their
    contacts, referrers and events, two for whom they referred and the templates used."""
    where, params = in_list("f.id", followup_ids)
    rows = {row[0]: row for row in tx.rows(DRAFT_FACTS_SQL.format(where=where), params)}
    contact_ids = sorted({row[1] for row in rows.values()})
    where, params = in_list("referred_by_id", contact_ids)
    referred = dict(tx.rows(REFERRED_SQL.format(where=where), params))  # the latest wins
    used: dict[tuple[int, str], str] = {}
    where, params = in_list("contact_id", contact_ids)
    for contact_id, template in tx.rows(TEMPLATES_USED_SQL.format(where=where), params):
        match = _TEMPLATE_ID_RE.match(template)
        if match:
            used[(contact_id, f"{match.group(1)}.{match.group(2)}")] = template
    facts = []
    for fid in followup_ids:
        row = rows.get(fid)
        if row is None:
            continue
        (_, cid, rule, channel, note, name, email, phone, phone_key, address, prefers,
         wrong, dnc, opted_out, referrer, kind, on, cents, items) = row  # fmt: skip
        purpose = template_purpose(rule, rules)
        person = _Person(
            cid, name, email, phone, phone_key, address, prefers, bool(wrong), bool(dnc),
            opted_out,
        )  # fmt: skip
        facts.append(
            _Facts(
                followup_id=fid, rule=rule, channel=channel, note=note, person=person,
                purpose=purpose,
                sale=_Sale(kind, as_date(on), cents, items) if kind is not None else None,
                referrer=referrer or "", referred=referred.get(cid, ""),
                their_words=_words(tx, cid, rule, note) if purpose in QUOTING else "",
                last_used=used.get((cid, f"{purpose}.{channel}")),
            )
        )  # fmt: skip
    return facts


def _values(facts: _Facts, settings: Settings, today: dt.date) -> dict[str, str]:
    person, sale = facts.person, facts.sale
    return {
        "first_name": first_name(person.name),
        "name": person.name,
        "owner": settings.owner,
        "business": settings.business,
        "bought": (sale.items or "").strip() if sale else "",
        "bought_on": when_words(sale.occurred_on, today) if sale else "",
        "amount": format_money(sale.amount_cents, settings.currency) if sale else "",
        "review_link": settings.review_link,
        "referrer": facts.referrer,
        "referred": facts.referred,
        "their_words": facts.their_words,
    }


def _bought(sale: _Sale | None) -> str:
    if sale is None or sale.kind != "sale":
        return ""
    items = (sale.items or "").strip()
    day = _full_day(sale.occurred_on)
    return f"{items}, {day}" if items else f"a purchase on {day}"


@lru_cache(maxsize=512)
def _full_day(day: dt.date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def _build(facts: _Facts, templates: Templates, settings: Settings, today: dt.date) -> Draft | None:
    """The draft of one follow-up; None when it cannot have one: the contact cannot be
    reached by its channel (``Reach``: opted out, no email...), or a review link is wanted
    and none is set."""
    person, channel, purpose = facts.person, facts.channel, facts.purpose
    if channel not in reach_of(person).channels():
        return None
    if purpose == "review-link" and not settings.review_link:
        return None
    if channel == "email":
        to = person.email or ""
    elif channel in ("text", "phone"):
        to = person.phone or ""
    else:
        to = address_line(person.address)
    variants = templates.variants(purpose, channel)
    template = next_variant(variants, facts.last_used) if variants else None
    values = _values(facts, settings, today)
    subject = fill(template.subject, values) if template and template.subject else None
    body = fill(template.body, values) if template else ""
    draft = Draft(
        followup_id=facts.followup_id, contact=person.name, channel=channel, purpose=purpose,
        to=to, template=template.id if template else None, subject=subject, body=body,
        link=None, bought=_bought(facts.sale), address=person.address,
        dial=dial_number(person),
    )  # fmt: skip
    return with_text(draft, subject, body)


def with_text(draft: Draft, subject: str | None, body: str) -> Draft:
    """The draft with these words (the owner's edit), and the link that carries them."""
    link: str | None
    if draft.channel == "email":
        link = mailto_link(draft.to, subject, body)
    elif draft.channel == "text":
        link = sms_link(draft.dial, body)
    elif draft.channel == "phone":
        link = tel_link(draft.dial)
    else:
        link = None  # a note is written by hand; a visit is made in person
    return draft._replace(subject=subject, body=body, link=link)


def draft_for(
    tx: Tx,
    followup_id: int,
    *,
    settings: Settings,
    rules: RuleSet,
    templates: Templates,
    today: dt.date,
) -> Draft:
    """The message for one pending follow-up, in its channel, with its link; Conflict saying
    why when it cannot have one."""
    from followup_cli.followups import get_contact, get_pending, unreachable_reason

    followup = get_pending(tx, followup_id)  # unknown, done or skipped: said plainly
    (facts,) = _gather(tx, [followup_id], rules)
    made = _build(facts, templates, settings, today)
    if made is not None:
        return made
    contact = get_contact(tx, followup.contact_id)
    if followup.channel not in reach_of(contact).channels():
        why = unreachable_reason(contact, followup.channel)
    else:
        why = "no review link is set; `followup config set review_link https://...` first"
    raise Conflict(f"No draft for #{followup_id}: {why}.")


def drafts_for(
    tx: Tx,
    followup_ids: Sequence[int],
    *,
    settings: Settings,
    rules: RuleSet,
    templates: Templates,
    today: dt.date,
) -> dict[int, Draft | None]:
    """Drafts for many follow-ups (the agenda's, the power hour's, the notes sheet's), read
    in a few queries per 500; None for one that cannot have a draft."""
    found: dict[int, Draft | None] = {}
    for start in range(0, len(followup_ids), 500):
        for facts in _gather(tx, followup_ids[start : start + 500], rules):
            found[facts.followup_id] = _build(facts, templates, settings, today)
    return found


def with_drafts(
    tx: Tx,
    items: Iterable[AgendaItem],
    *,
    settings: Settings,
    rules: RuleSet,
    templates: Templates,
    today: dt.date,
    batch: int = 500,
) -> Iterator[tuple[AgendaItem, Draft | None]]:
    """Each agenda item with its draft, drafted a batch at a time, so a streamed agenda stays
    streamed (one batch in memory)."""
    chunk: list[AgendaItem] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == batch:
            yield from _drafted(tx, chunk, settings, rules, templates, today)
            chunk = []
    yield from _drafted(tx, chunk, settings, rules, templates, today)


def _drafted(
    tx: Tx,
    items: Sequence[AgendaItem],
    settings: Settings,
    rules: RuleSet,
    templates: Templates,
    today: dt.date,
) -> Iterator[tuple[AgendaItem, Draft | None]]:
    if not items:
        return
    made = drafts_for(
        tx, [item.id for item in items], settings=settings, rules=rules, templates=templates,
        today=today,
    )  # fmt: skip
    for item in items:
        yield item, made.get(item.id)


def parse_edited(text: str, channel: str) -> tuple[str | None, str]:
    """The words back from the editor: an email's first line is ``Subject: ...``."""
    text = text.replace("\r\n", "\n")
    if channel != "email":
        return None, text.strip()
    first, _, rest = text.partition("\n")
    if first.lower().startswith("subject:"):
        return first.split(":", 1)[1].strip() or None, rest.strip()
    return None, text.strip()


def edit_text(draft: Draft) -> str:
    """The draft as the editor shows it (``parse_edited`` reads it back)."""
    if draft.channel == "email":
        return f"Subject: {draft.subject or ''}\n\n{draft.body}\n"
    return draft.body + "\n"


def mark_sent(
    tx: Tx,
    followup_id: int,
    template: str | None,
    *,
    today: dt.date,
    now: dt.datetime,
    rules: RuleSet,
) -> DoneResult:
    """The message went out: the follow-up is done (its channel, and an outreach of that
    kind logged, as ``done`` does) and the template it was sent with is recorded, which is
    what rotates this contact's next draft of the kind."""
    from followup_cli.followups import complete

    result = complete(tx, followup_id, today=today, now=now, rules=rules)
    if template is not None:
        result.followup = save(tx, result.followup, {"template": template})
    return result


def notes_for(
    tx: Tx,
    day: dt.date,
    *,
    settings: Settings,
    rules: RuleSet,
    templates: Templates,
) -> list[Draft]:
    """The handwritten notes due on ``day`` or before (the agenda's notes that day), each
    with its suggested text; notes to someone who cannot get one are left off."""
    from followup_cli.agenda import due_today

    items = due_today(tx, day, channel="mail", currency=settings.currency, calendar=rules.calendar)
    drafts = drafts_for(
        tx, [item.id for item in items], settings=settings, rules=rules, templates=templates,
        today=day,
    )  # fmt: skip
    return [d for item in items if (d := drafts.get(item.id)) is not None]
