"""Every table, defined once (the contact commands' input shapes, which the contact table
shares, are in ``inputs``).

Dates are stored as ISO ``YYYY-MM-DD`` (SQLite sorts and compares them as text), money as
integer cents (exact, and numbers stay numbers in exports), and small sets (tags, opted-out
channels) as comma-separated text so the agenda query stays a single indexed join.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlmodel import Field, SQLModel

from followup_cli.enums import (
    CHANNEL_OUTREACH,
    OUTREACH_CHANNEL,
    Channel,
    InteractionKind,
    Outcome,
    Priority,
    Status,
)
from followup_cli.inputs import ContactFields

__all__ = [
    "CHANNEL_OUTREACH",
    "OUTREACH_CHANNEL",
    "Answer",
    "Call",
    "Channel",
    "Contact",
    "ContactAlias",
    "FollowUp",
    "FollowUpEvent",
    "Interaction",
    "InteractionKind",
    "Outcome",
    "Priority",
    "Status",
    "Suppression",
]

# Stable constraint names, so Alembic batch migrations on SQLite can find and alter them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def _server(default: Any) -> dict[str, Any]:
    """A column default the database applies, so INSERTs name only the columns they set
    (the store's raw INSERTs and the import's INSERT ... SELECT never repeat a default)."""
    if default is False:
        return {"server_default": false()}
    if default is True:
        return {"server_default": true()}
    if isinstance(default, int):
        return {"server_default": text(str(default))}
    return {"server_default": text(f"'{default}'")}


def _fk(target: str, ondelete: str, nullable: bool = True, index: bool = True) -> Column[int]:
    return Column(Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index)


class Contact(SQLModel, ContactFields, table=True):
    __table_args__ = (
        UniqueConstraint("email"),
        UniqueConstraint("phone_key"),
        # A name found without accents or case, at word starts; and the list's order.
        Index("ix_contact_name_key", "name_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # ``values.fold_text(name)``: "zoe oberg" for "Zoë Øberg" (migration 0010)
    name_key: str = Field(default="", sa_column_kwargs=_server(""))
    prefers: str = Field(default=Channel.PHONE, sa_column_kwargs=_server(Channel.PHONE.value))
    tags: str = Field(default="", sa_column_kwargs=_server(""))
    phone_key: str | None = None  # E.164 form of ``phone``, for matching
    # a call found it to be a wrong number
    phone_invalid: bool = Field(default=False, sa_column_kwargs=_server(False))
    do_not_contact: bool = Field(default=False, sa_column_kwargs=_server(False))
    # comma-separated channels
    opted_out_channels: str = Field(default="", sa_column_kwargs=_server(""))
    referred_by_id: int | None = Field(
        default=None, sa_column=_fk("contact.id", ondelete="SET NULL")
    )
    created_on: dt.date


class ContactAlias(SQLModel, table=True):
    """Another email or phone a contact is known by (the other one's, after a merge), so an
    import matches a sale under it to this contact."""

    __tablename__ = "contact_alias"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(sa_column=_fk("contact.id", ondelete="CASCADE", nullable=False))
    kind: str  # "email" or "phone"
    value: str  # as matched: a lower-cased email, a phone's E.164 key


class Interaction(SQLModel, table=True):
    """Something that happened with a contact: a sale, a visit, a complaint, an outreach."""

    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_interaction_contact_id_occurred_on", "contact_id", "occurred_on"),
        Index("ix_interaction_kind_occurred_on", "kind", "occurred_on"),  # sales by period
    )

    id: int | None = Field(default=None, primary_key=True)
    # indexed by ix_interaction_contact_id_occurred_on
    contact_id: int = Field(
        sa_column=_fk("contact.id", ondelete="CASCADE", nullable=False, index=False)
    )
    kind: str
    occurred_on: dt.date
    amount_cents: int | None = None
    items: str | None = None
    note: str | None = None
    source: str | None = None  # "manual", "import", an import preset, or --source
    external_id: str | None = None  # order id in the source system
    fingerprint: str | None = None  # hash of the imported data, to spot a changed order
    created_at: dt.datetime


class FollowUp(SQLModel, table=True):
    """One thing to do for one contact on one day, in one channel."""

    __tablename__ = "followup"
    __table_args__ = (
        # The agenda's index; its extra columns cover the report's aggregate, which then
        # never touches the table (half the time of `followup report` on 1M follow-ups).
        Index(
            "ix_followup_status_due_on",
            "status",
            "due_on",
            "channel",
            "completed_on",
            "attempts",
            "outcome",
        ),
        # A contact's follow-ups; with the rule, a once_per cap is checked from the index.
        Index("ix_followup_contact_id_status_rule", "contact_id", "status", "rule"),
        # The templates a contact's messages were sent with, for the drafts' rotation: only
        # the rows that have one, so an import (which sets none) never writes to it.
        Index(
            "ix_followup_contact_id_template",
            "contact_id",
            "template",
            sqlite_where=text("template IS NOT NULL"),
            postgresql_where=text("template IS NOT NULL"),
        ),
        # Nothing else: each index costs every import (migration 0004 dropped two).
    )

    id: int | None = Field(default=None, primary_key=True)
    # indexed by ix_followup_contact_id_status_rule
    contact_id: int = Field(
        sa_column=_fk("contact.id", ondelete="CASCADE", nullable=False, index=False)
    )
    interaction_id: int | None = Field(
        default=None, sa_column=_fk("interaction.id", ondelete="SET NULL")
    )
    rule: str  # the cadence rule that made it, or "manual", "make-it-right", "keep-in-touch"
    purpose: str  # in words: "Thank-you call"
    channel: str
    due_on: dt.date
    priority: int = Field(default=Priority.NORMAL, sa_column_kwargs=_server(Priority.NORMAL))
    status: str = Field(default=Status.PENDING, sa_column_kwargs=_server(Status.PENDING.value))
    outcome: str | None = None
    completed_on: dt.date | None = None
    attempts: int = Field(default=0, sa_column_kwargs=_server(0))
    # a prospect follow-up, dropped once they buy
    until_sale: bool = Field(default=False, sa_column_kwargs=_server(False))
    note: str | None = None
    created_on: dt.date
    # the message template it was sent with: "thank-you.email#2" (followup draft --sent)
    template: str | None = None


class FollowUpEvent(SQLModel, table=True):
    """A later event a pending follow-up also covers: a regular customer's second sale joins
    the thank-you call already pending (a rule's ``once_per``) instead of making another."""

    __tablename__ = "followup_event"

    followup_id: int = Field(
        sa_column=Column(Integer, ForeignKey("followup.id", ondelete="CASCADE"), primary_key=True)
    )
    interaction_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("interaction.id", ondelete="CASCADE"), primary_key=True
        )
    )


class Call(SQLModel, table=True):
    """One run of the call script (or one attempt to reach someone)."""

    __tablename__ = "call_log"

    id: int | None = Field(default=None, primary_key=True)
    followup_id: int | None = Field(default=None, sa_column=_fk("followup.id", ondelete="SET NULL"))
    contact_id: int = Field(sa_column=_fk("contact.id", ondelete="CASCADE", nullable=False))
    called_on: dt.date = Field(index=True)  # reports: calls in a period
    started_at: dt.datetime
    # in-progress, completed, interrupted
    status: str = Field(default="in-progress", sa_column_kwargs=_server("in-progress"))
    reach: str | None = None  # reached, voicemail, no-answer, wrong-number
    outcome: str | None = None  # positive, neutral, negative
    would_recommend: str | None = None  # yes, no, not-sure
    review: str | None = None  # asked, agreed, declined
    referrals: int = Field(default=0, sa_column_kwargs=_server(0))
    script: str = Field(default="default", sa_column_kwargs=_server("default"))


class Answer(SQLModel, table=True):
    """One answer given during a call, saved the moment it is given."""

    __tablename__ = "call_answer"

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(sa_column=_fk("call_log.id", ondelete="CASCADE", nullable=False))
    step: str
    question: str
    answer: str
    label: str | None = None  # positive, neutral, negative; None for non-opinion steps
    suggested_label: str | None = None
    overridden: bool = Field(default=False, sa_column_kwargs=_server(False))
    answered_at: dt.datetime
    # An overridden label teaches the suggestions (followup_cli.listening) until forgotten.
    learn: bool = Field(default=True, sa_column_kwargs=_server(True))


class Suppression(SQLModel, table=True):
    """A hashed email or phone of a forgotten person, so an import does not recreate them."""

    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(unique=True)
    created_on: dt.date


class Operation(SQLModel, table=True):
    """One command that changed data: what ``followup history`` lists and ``undo`` takes back.

    Its changes are written in the same transaction as the command's own, by triggers
    (``store.journal``), so an operation and its journal are saved together or not at all.
    """

    __tablename__ = "journal_operation"

    id: int | None = Field(default=None, primary_key=True)
    command: str  # "done", "import", ... never a customer's words
    started_at: dt.datetime = Field(index=True)  # the bound (settings: journal_days)
    undoes_id: int | None = None  # an undo: the operation it took back
    undone_by_id: int | None = None


class Change(SQLModel, table=True):
    """One row an operation inserted, updated or deleted; updates and deletes keep the row as
    it was before (JSON), so ``undo`` can put it back exactly."""

    __tablename__ = "journal_change"
    __table_args__ = (Index("ix_journal_change_table_name_row_key", "table_name", "row_key"),)

    id: int | None = Field(default=None, primary_key=True)
    operation_id: int = Field(
        sa_column=_fk("journal_operation.id", ondelete="CASCADE", nullable=False, index=True)
    )
    table_name: str
    row_key: str  # the id; "followup_id:interaction_id" for followup_event
    action: str  # insert, update, delete
    old_row: str | None = None  # JSON of the row before an update or a delete


class JournalNow(SQLModel, table=True):
    """SQLite only: the operation a write transaction records into, and each table's highest
    id when it began (rows above it are new: their later updates need no copy). SQLite runs
    one writer at a time; PostgreSQL keeps the same per transaction in session settings."""

    __tablename__ = "journal_now"

    table_name: str = Field(primary_key=True)
    operation_id: int
    mark: int
