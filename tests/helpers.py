"""Small builders shared by the tests."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from followup_cli.followups import add_contact_scheduled
from followup_cli.models import Contact, ContactCreate
from followup_cli.scheduling import load_rules


def make_contact(
    session: Session,
    name: str = "Ann Lee",
    *,
    email: str | None = None,
    phone: str | None = "555-010-0101",
    prefers: str = "phone",
    tags: str = "",
    today: dt.date = dt.date(2026, 11, 23),
) -> Contact:
    contact, _ = add_contact_scheduled(
        session,
        ContactCreate(name=name, email=email, phone=phone, prefers=prefers, tags=tags),
        today=today,
        rules=load_rules(),
    )
    return contact


def query(sql: str) -> list[tuple]:  # type: ignore[type-arg]
    """Read the database the commands wrote (SQLite or PostgreSQL), dates as ISO text."""
    import os

    from followup_cli.config import to_url
    from followup_cli.db import Database

    db = Database(to_url(os.environ["FOLLOWUP_DB"]))
    try:
        rows = db.rows(sql, {})
    finally:
        db.dispose()
    return [tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in row) for row in rows]
