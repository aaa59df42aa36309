"""The fixed vocabularies of the data model.

Kept apart from ``models`` so the fast read paths (the agenda) can use them without importing
SQLModel and SQLAlchemy.
"""

from __future__ import annotations

from enum import StrEnum

# The rules of what a call's answers lead to (``calls``): a review link sent, a referred person
# introduced to, the referrer thanked. Here so the agenda can name them without the call code.
REVIEW_LINK = "review-link"
REFERRAL_INTRO = "referral-intro"
REFERRAL_THANKS = "referral-thanks"


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    TEXT = "text"
    MAIL = "mail"
    VISIT = "visit"


class InteractionKind(StrEnum):
    SALE = "sale"
    REFUND = "refund"  # money given back; its amount is what was given back
    VISIT = "visit"
    INQUIRY = "inquiry"
    COMPLAINT = "complaint"
    RESOLVED = "resolved"
    CALL = "call"
    EMAIL = "email"
    TEXT = "text"
    MAIL = "mail"
    MEETING = "meeting"


# An outreach is the owner contacting the customer, in the channel it names.
OUTREACH_CHANNEL: dict[str, Channel] = {
    InteractionKind.CALL: Channel.PHONE,
    InteractionKind.EMAIL: Channel.EMAIL,
    InteractionKind.TEXT: Channel.TEXT,
    InteractionKind.MAIL: Channel.MAIL,
    InteractionKind.MEETING: Channel.VISIT,
}
CHANNEL_OUTREACH: dict[Channel, InteractionKind] = {
    channel: InteractionKind(kind) for kind, channel in OUTREACH_CHANNEL.items()
}


class Status(StrEnum):
    PENDING = "pending"
    DONE = "done"
    SKIPPED = "skipped"


class Outcome(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"
    NO_ANSWER = "no-answer"


class Priority:
    NORMAL = 0
    HIGH = 1
