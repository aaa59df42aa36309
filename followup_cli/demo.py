"""A few weeks of a small bike shop's customers, for `followup demo`.

Built through the same domain functions the commands use, so the demo shows exactly what the
rules do with real-looking data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from followup_cli.errors import Conflict, InvalidInput
from followup_cli.followups import add_contact_scheduled, complete, log_interaction
from followup_cli.scheduling import RuleSet
from followup_cli.store.database import file_mark
from followup_cli.store.rows import AnswerRow, CallRow, FollowUpRow, fetch, insert, table_of
from followup_cli.store.sql.demo import FOLLOWUPS_COUNT_SQL, SALES_COUNT_SQL

if TYPE_CHECKING:
    from followup_cli.store import Tx

PEOPLE = [
    ("Ann Lee", "ann.lee@example.com", "(555) 010-0101", "phone", "vip"),
    ("Ben Okafor", "ben@example.com", "555-010-0102", "email", ""),
    ("Carla Diaz", None, "555 010 0103", "text", ""),
    ("Dev Patel", "dev.patel@example.com", "555.010.0104", "phone", "wholesale"),
    ("Elena Rossi", "elena@example.com", None, "email", ""),
    ("Frank Muller", None, "+1 555 010 0106", "phone", ""),
    ("Grace Kim", "grace.kim@example.com", "555-010-0107", "phone", "vip"),
    ("Hugo Martin", "hugo@example.com", "555-010-0108", "mail", ""),
    ("Ines Costa", "ines@example.com", "555-010-0109", "phone", ""),
    ("Jamal Wright", "jamal@example.com", "555-010-0110", "phone", ""),
]

# (days ago, person index, kind, amount in dollars, note)
EVENTS = [
    (20, 0, "sale", 1299.50, "Road bike, fitting"),
    (18, 1, "sale", 89.00, "Helmet"),
    (16, 2, "inquiry", None, "Asked about e-bikes"),
    (14, 3, "sale", 4320.00, "Ten commuter bikes for the office"),
    (12, 4, "sale", 45.00, "Tune-up"),
    (9, 5, "complaint", None, "Brakes squeak after the service"),
    (8, 6, "sale", 129.00, "Lights and lock"),
    (7, 5, "resolved", None, "Replaced the pads, no charge"),
    (5, 7, "visit", None, "Looked at kids' bikes"),
    (4, 8, "sale", 560.00, "Gravel wheels"),
    (2, 9, "sale", 129.00, "Saddle"),
    (2, 1, "sale", 35.00, "Bottle cage"),
    (1, 2, "sale", 2150.00, "E-bike"),
]


DEMO_MARK = 0x44454D4F  # "DEMO" in PRAGMA user_version: only such files are ever replaced


def clear_demo_database(path: Path) -> None:
    """Remove an earlier demo database at ``path``; refuse anything else that is there."""
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder; give --path a file name such as demo.db.")
    if path.exists() and path.stat().st_size > 0 and file_mark(path) != DEMO_MARK:
        raise Conflict(f"{path} exists and is not a demo database; choose another --path.")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def build_demo(tx: Tx, *, today: dt.date, now: dt.datetime, rules: RuleSet) -> dict[str, int]:
    """Fill an empty database; returns how many contacts, sales and follow-ups it holds.

    The caller marks the file as a demo (``Database.set_file_mark(DEMO_MARK)``)."""
    from followup_cli.inputs import ContactCreate

    refs = []
    for name, email, phone, prefers, tags in PEOPLE:
        contact, _ = add_contact_scheduled(
            tx,
            ContactCreate(name=name, email=email, phone=phone, prefers=prefers, tags=tags),
            today=today - dt.timedelta(days=30),
            rules=rules,
        )
        refs.append(f"#{contact.id}")
    for days_ago, person, kind, amount, note in EVENTS:
        on = today - dt.timedelta(days=days_ago)  # logged on the day it happened
        log_interaction(
            tx, refs[person], kind, on=on, today=on, now=now,
            rules=rules, amount_cents=None if amount is None else round(amount * 100), note=note,
        )  # fmt: skip

    # The owner already worked through the oldest follow-ups.
    old = fetch(
        tx, FollowUpRow, "status = 'pending' AND due_on < :before",
        {"before": today - dt.timedelta(days=3)},
    )  # fmt: skip
    outcomes = ["positive", "neutral", "positive", "no-answer", "positive"]
    for index, followup in enumerate(old):
        complete(tx, followup.id, today=followup.due_on, now=now, rules=rules, outcome=outcomes[index % 5])  # fmt: skip

    call = {
        "contact_id": int(refs[1][1:]), "called_on": today - dt.timedelta(days=15),
        "started_at": now, "status": "completed", "reach": "reached", "outcome": "neutral",
        "would_recommend": "not-sure", "review": "asked",
    }  # fmt: skip
    call_id = insert(tx, table_of(CallRow), call)
    for step, question, answer, label in [
        (
            "liked_best",
            "What did you like best about the helmet?",
            "it was fine, thanks",
            "neutral",
        ),
        ("do_better", "What could we do better?", "the fitting took a while", "negative"),
    ]:
        given = {
            "call_id": call_id, "step": step, "question": question, "answer": answer,
            "label": label, "suggested_label": label, "answered_at": now,
        }  # fmt: skip
        insert(tx, table_of(AnswerRow), given)
    return {
        "contacts": len(refs),
        "sales": int(tx.value(SALES_COUNT_SQL)),
        "followups": int(tx.value(FOLLOWUPS_COUNT_SQL)),
    }
