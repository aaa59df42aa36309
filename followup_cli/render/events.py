"""The events hooks receive, and the rows they and `contact show --json` are made of, as
JSON (docs/json.md lists every key; a test holds the output to it).

Each event is one object: ``event`` (its name), ``version`` (of the documented JSON surface),
``at`` (when it happened, UTC) and the event's own keys. Shaping output is this package's
job; running the hooks is ``followup_cli.hooks``'.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from followup_cli.render.plain import contact_json

if TYPE_CHECKING:
    from pathlib import Path

    from followup_cli.calls import CallResult
    from followup_cli.contacts import ContactHistory
    from followup_cli.followups import DoneResult, LogResult
    from followup_cli.hooks import Hook, Ran
    from followup_cli.importer import ImportSummary
    from followup_cli.store.rows import AnswerRow, CallRow, FollowUpRow, InteractionRow

JSON_VERSION = 1  # docs/json.md: bumped when a key is removed or changes meaning


def _event(name: str, at: dt.datetime, **data: Any) -> dict[str, Any]:
    return {"event": name, "version": JSON_VERSION, "at": at.isoformat(), **data}


def followup_json(f: FollowUpRow) -> dict[str, Any]:
    from followup_cli.scheduling import purpose_for

    return {
        "id": f.id,
        "contact_id": f.contact_id,
        "purpose": purpose_for(f.purpose, f.channel),
        "channel": f.channel,
        "due_on": f.due_on.isoformat(),
        "status": f.status,
        "outcome": f.outcome,
        "completed_on": f.completed_on.isoformat() if f.completed_on else None,
        "attempts": f.attempts,
        "rule": f.rule,
        "note": f.note,
    }


def interaction_json(i: InteractionRow) -> dict[str, Any]:
    return {
        "id": i.id,
        "contact_id": i.contact_id,
        "kind": i.kind,
        "occurred_on": i.occurred_on.isoformat(),
        "amount_cents": i.amount_cents,
        "items": i.items,
        "note": i.note,
        "source": i.source,
        "external_id": i.external_id,
    }


def _call(c: CallRow) -> dict[str, Any]:
    return {
        "id": c.id,
        "followup_id": c.followup_id,
        "called_on": c.called_on.isoformat(),
        "reach": c.reach,
        "outcome": c.outcome,
        "would_recommend": c.would_recommend,
        "review": c.review,
        "referrals": c.referrals,
        "script": c.script,
    }


def _answer(a: AnswerRow) -> dict[str, Any]:
    return {
        "id": a.id,
        "step": a.step,
        "question": a.question,
        "answer": a.answer,
        "label": a.label,
        "answered_at": a.answered_at.isoformat(),
    }


def history_json(h: ContactHistory) -> dict[str, Any]:
    """`followup contact show --json`: the contact and everything about them, newest first."""
    return {
        "version": JSON_VERSION,
        "contact": contact_json(h.contact),
        "referred_by": contact_json(h.referred_by) if h.referred_by else None,
        "referrals": [contact_json(c) for c in h.referrals],
        "interactions": [interaction_json(i) for i in h.interactions],
        "followups": [followup_json(f) for f in h.followups],
        "calls": [{**_call(c.call), "answers": [_answer(a) for a in c.answers]} for c in h.calls],
    }


def sale(result: LogResult, at: dt.datetime) -> dict[str, Any]:
    return _event(
        "on-sale",
        at,
        contact=contact_json(result.contact),
        sale=interaction_json(result.interaction),
        scheduled=[followup_json(f) for f in result.scheduling.scheduled],
    )


def followup_done(result: DoneResult, at: dt.datetime) -> dict[str, Any]:
    return _event(
        "on-followup-done",
        at,
        contact=contact_json(result.contact),
        followup=followup_json(result.followup),
    )


def call_finished(result: CallResult, at: dt.datetime) -> dict[str, Any]:
    return _event(
        "on-call-finished",
        at,
        contact=contact_json(result.contact),
        followup=followup_json(result.followup),
        call=_call(result.call),
    )


def negative_answer(result: CallResult, answer: AnswerRow, at: dt.datetime) -> dict[str, Any]:
    return _event(
        "on-negative-answer",
        at,
        contact=contact_json(result.contact),
        call=_call(result.call),
        answer=_answer(answer),
    )


def imported(summary: ImportSummary, at: dt.datetime) -> dict[str, Any]:
    return _event("on-import", at, summary=summary.to_json())


def sample(name: str, at: dt.datetime) -> dict[str, Any]:
    """An event as ``name`` sends it, about a made-up customer (`followup hooks test`)."""
    from followup_cli.calls import CallResult
    from followup_cli.followups import DoneResult, LogResult, Scheduling
    from followup_cli.importer import ImportSummary
    from followup_cli.store.rows import AnswerRow, CallRow, ContactRow, FollowUpRow, InteractionRow

    day = at.date()
    contact = ContactRow(
        id=1, name="Sample Customer", email="sample@example.com", phone="555-010-0199",
        address=None, prefers="phone", note=None, tags="", every_days=None, phone_key=None,
        phone_invalid=False, do_not_contact=False, opted_out_channels="", referred_by_id=None,
        created_on=day, name_key="sample customer",
    )  # fmt: skip
    sale_row = InteractionRow(
        id=1, contact_id=1, kind="sale", occurred_on=day, amount_cents=12900, items=None,
        note=None, source="manual", external_id=None, fingerprint=None, created_at=at,
    )  # fmt: skip
    followup = FollowUpRow(
        id=1, contact_id=1, interaction_id=1, rule="sale-thank-you", purpose="Thank-you {action}",
        channel="phone", due_on=day, priority=0, status="done", outcome="negative",
        completed_on=day, attempts=1, until_sale=False, note=None, created_on=day, template=None,
    )  # fmt: skip
    call = CallRow(
        id=1, followup_id=1, contact_id=1, called_on=day, started_at=at, status="completed",
        reach="reached", outcome="negative", would_recommend="no", review=None, referrals=0,
        script="thank-you",
    )  # fmt: skip
    answer = AnswerRow(
        id=1, call_id=1, step="liked_best", question="What did you like best?",
        answer="Nothing, it broke", label="negative", suggested_label="negative",
        overridden=False, answered_at=at,
    )  # fmt: skip
    done = DoneResult(followup, contact)
    finished = CallResult(call, contact, followup, done, outcome="negative", negative=[answer])
    makers = {
        "on-sale": lambda: sale(LogResult(contact, sale_row, Scheduling([followup])), at),
        "on-followup-done": lambda: followup_done(done, at),
        "on-call-finished": lambda: call_finished(finished, at),
        "on-negative-answer": lambda: negative_answer(finished, answer, at),
        "on-import": lambda: imported(
            ImportSummary(
                file="orders.csv",
                source="import",
                encoding="utf-8",
                rows=3,
                sales_imported=3,
                new_contacts=1,
                matched_contacts=2,
                followups_scheduled=3,
            ),
            at,
        ),
    }
    return makers[name]()


def installed(folder: Path, known: dict[str, str], hooks: list[Hook]) -> None:
    """`followup hooks list`: every event, and what is installed for it."""
    from followup_cli.render.plain import say

    say(f"Hooks folder: {folder}" + ("" if folder.is_dir() else " (not created yet)"))
    found = {hook.name: hook for hook in hooks}
    for name, when in known.items():
        hook = found.get(name)
        state = "-" if hook is None else "installed" if hook.executable else "NOT EXECUTABLE"
        say(f"  {name:<20} {state:<15} {when}")
    for hook in hooks:
        if not hook.known:
            say(f"  {hook.name:<20} {'ignored':<15} not an event followup sends")


def ran(result: Ran) -> None:
    """`followup hooks test`: what the hook printed, then whether it succeeded."""
    from followup_cli.render.plain import say, warn

    if result.stdout:
        say(result.stdout.rstrip("\n"))
    if result.stderr:
        warn(result.stderr.rstrip("\n"))
    if result.problem is None:
        say(f"Hook {result.name} ran and succeeded.")
