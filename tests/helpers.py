"""Small builders shared by the tests."""

from __future__ import annotations

import datetime as dt

from followup_cli.followups import add_contact_scheduled
from followup_cli.inputs import ContactCreate
from followup_cli.rules import load_rules
from followup_cli.store import Tx
from followup_cli.store.rows import ContactRow


def make_contact(
    tx: Tx,
    name: str = "Ann Lee",
    *,
    email: str | None = None,
    phone: str | None = "555-010-0101",
    address: str | None = "1 Main St, Springfield",  # a note needs one
    prefers: str = "phone",
    tags: str = "",
    today: dt.date = dt.date(2026, 11, 23),
) -> ContactRow:
    contact, _ = add_contact_scheduled(
        tx,
        ContactCreate(
            name=name, email=email, phone=phone, address=address, prefers=prefers, tags=tags
        ),
        today=today,
        rules=load_rules(),
    )
    return contact


def query(sql: str) -> list[tuple]:  # type: ignore[type-arg]
    """Read the database the commands wrote (SQLite or PostgreSQL), dates as ISO text."""
    import os

    from followup_cli.config import to_url
    from followup_cli.store import Database

    db = Database(to_url(os.environ["FOLLOWUP_DB"]))
    try:
        with db.reading() as tx:
            rows = tx.rows(sql)
    finally:
        db.dispose()
    return [tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in row) for row in rows]
