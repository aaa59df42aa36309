"""What the contact commands accept: the input shapes, on pydantic alone.

They are the SQLModel input models of the contact table (``models.Contact`` takes its fields
from ``ContactFields``), defined on pydantic, SQLModel's own base, so that `contact add` and
`contact edit` validate without importing SQLAlchemy and building every table (0.4 s of a
1.0 s command).
"""

from __future__ import annotations

from pydantic import BaseModel

from followup_cli.enums import Channel


class ContactFields(BaseModel):
    """The contact fields a person types; the table adds the ones the program keeps."""

    name: str
    email: str | None = None
    phone: str | None = None
    address: str | None = None  # postal address, for handwritten notes
    prefers: str = Channel.PHONE
    note: str | None = None
    tags: str = ""  # comma-separated, lower-case, e.g. "vip,wholesale"
    every_days: int | None = None  # keep-in-touch interval


class ContactCreate(ContactFields):
    """What ``contact add`` accepts."""


class ContactUpdate(BaseModel):
    """What ``contact edit`` accepts; unset fields stay as they are."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    prefers: str | None = None
    note: str | None = None
    tags: str | None = None
    every_days: int | None = None
