"""Consent and erasure helpers: a forgotten person leaves only a one-way hash behind."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlmodel import Session

# Not a secret: the hash only has to stop a re-import from recreating the person, without
# keeping their email or phone in readable form.
_SALT = b"followup-suppression-v1:"


def suppression_hash(kind: str, value: str) -> str:
    """``kind`` is "email" (lower-cased address) or "phone" (E.164 key)."""
    return hashlib.sha256(_SALT + f"{kind}:{value}".encode()).hexdigest()


@dataclass(frozen=True)
class Forgotten:
    """What ``forget`` erased, for the confirmation message."""

    name: str
    contact_id: int
    interactions: int
    followups: int
    calls: int


def forget(session: Session, ref: str, *, today: dt.date) -> Forgotten:
    """Erase a person: their contact row and, through ON DELETE CASCADE, their interactions,
    follow-ups, calls and answers. Their email and phone stay behind only as one-way hashes,
    so tomorrow's import reports them as suppressed instead of recreating them.

    The caller compacts the file afterwards (``Database.compact``) so the freed pages are gone
    from disk too (``secure_delete`` is on for every connection).
    """
    from sqlalchemy import func
    from sqlmodel import select

    from followup_cli.contacts import resolve
    from followup_cli.models import Call, FollowUp, Interaction, Suppression

    contact = resolve(session, ref)

    def count(model: type[Interaction] | type[FollowUp] | type[Call]) -> int:
        query = select(func.count()).select_from(model).where(model.contact_id == contact.id)
        return int(session.exec(query).one())

    result = Forgotten(
        name=contact.name,
        contact_id=contact.id or 0,
        interactions=count(Interaction),
        followups=count(FollowUp),
        calls=count(Call),
    )
    keys = []
    if contact.email:
        keys.append(suppression_hash("email", contact.email))
    if contact.phone_key:
        keys.append(suppression_hash("phone", contact.phone_key))
    existing = set(
        session.exec(select(Suppression.key_hash).where(Suppression.key_hash.in_(keys))).all()  # type: ignore[attr-defined]
    )
    for key in keys:
        if key not in existing:
            session.add(Suppression(key_hash=key, created_on=today))
    session.delete(contact)
    session.flush()
    return result


def is_suppressed(session: Session, *, email: str | None, phone_key: str | None) -> bool:
    from sqlmodel import select

    from followup_cli.models import Suppression

    keys = []
    if email:
        keys.append(suppression_hash("email", email))
    if phone_key:
        keys.append(suppression_hash("phone", phone_key))
    if not keys:
        return False
    query = select(Suppression.id).where(Suppression.key_hash.in_(keys))  # type: ignore[attr-defined]
    return session.exec(query).first() is not None
