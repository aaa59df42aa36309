"""Consent and erasure helpers: a forgotten person leaves only a one-way hash behind."""

from __future__ import annotations

import hashlib

# Not a secret: the hash only has to stop a re-import from recreating the person, without
# keeping their email or phone in readable form.
_SALT = b"followup-suppression-v1:"


def suppression_hash(kind: str, value: str) -> str:
    """``kind`` is "email" (lower-cased address) or "phone" (E.164 key)."""
    return hashlib.sha256(_SALT + f"{kind}:{value}".encode()).hexdigest()
