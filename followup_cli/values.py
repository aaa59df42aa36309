"""Parsing and normalising the values customers' data arrives in: emails, phones, money.

Shared by the single-contact commands and the bulk import, so a phone typed by hand and the
same phone in tonight's CSV always match.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from followup_cli.enums import Channel, Priority
from followup_cli.errors import InvalidInput

CHANNEL_NAMES = ", ".join(c.value for c in Channel)
CACHE_SIZE = 20_000  # values parsed once per command; an import repeats its regulars
ID_RE = re.compile(r"^#?(\d{1,18})$")  # ``12`` or ``#12``; bounded: SQLite integers are 64-bit


# The words the agenda's headings use ("Calls", "Notes to write") are channels too.
CHANNEL_WORDS = {
    "call": "phone", "calls": "phone", "emails": "email", "texts": "text", "sms": "text",
    "note": "mail", "notes": "mail", "letter": "mail", "visits": "visit",
}  # fmt: skip


def check_channel(value: str, what: str = "channel") -> str:
    """A channel name as typed (any case, or a word of the agenda's headings such as "call"
    or "note") -> its canonical form; InvalidInput otherwise."""
    value = value.strip().lower()
    value = CHANNEL_WORDS.get(value, value)
    if value not in {c.value for c in Channel}:
        raise InvalidInput(f"Unknown {what} {value!r}; use one of {CHANNEL_NAMES}.")
    return value


PRIORITIES = {"normal": Priority.NORMAL, "high": Priority.HIGH}


def check_priority(value: str) -> int:
    """A priority as typed (normal or high, any case) -> its stored number; InvalidInput
    otherwise."""
    number = PRIORITIES.get(value.strip().lower())
    if number is None:
        raise InvalidInput(f"Unknown priority {value!r}; use normal or high.")
    return number


# A sanity check, not validation: one @, something on both sides, a dot in the domain.
# Real validation is sending the email; this catches the typos and the "n/a"s.
EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>.]+$")


def normalize_email(text: str | None) -> str | None:
    """Lower-cased and trimmed; None for blank; InvalidInput for something that is not one."""
    if text is None:
        return None
    value = text.strip().lower()
    if not value:
        return None
    if not EMAIL_RE.match(value) or ".." in value:
        raise InvalidInput(f"{text.strip()!r} is not an email address (expected name@example.com).")
    return value


# Plus-addressing: ``ann+shop@fastmail.com`` reaches ``ann@fastmail.com``. Only the providers
# documented to deliver it that way; Yahoo's "-" aliases are separate addresses, so not listed.
PLUS_TAG_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
        "icloud.com", "me.com", "mac.com", "fastmail.com", "fastmail.fm", "proton.me",
        "protonmail.com", "pm.me", "hey.com",
    }
)  # fmt: skip
GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})  # dots in the name are ignored


def email_key(email: str) -> str:
    """An email's delivery address, for spotting one person under two spellings: lower-case,
    ``+tag`` dropped where the provider ignores it (``PLUS_TAG_DOMAINS``), and for Gmail also
    the dots of the name (``ann.lee@googlemail.com`` is ``annlee@gmail.com``)."""
    name, _, domain = email.strip().lower().rpartition("@")
    if domain in PLUS_TAG_DOMAINS:
        name = name.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        name, domain = name.replace(".", ""), "gmail.com"
    return f"{name}@{domain}"


_PHONE_SHAPE = re.compile(r"\+?[0-9 ().\-]+")
_NOT_DIGITS = str.maketrans("", "", " ().-+")
_NANP_AREA = frozenset("23456789")


def _nanp_key(text: str, region: str) -> str | None:
    """``phone_key``'s answer for the common North American forms, without phonenumbers (~50x
    faster, and the import reads thousands): ``(555) 010-0101``, ``555.010.0101``,
    ``1 555 010 0101``, ``+1 555 010 0101``. None means "ask phonenumbers" (a test checks
    that both agree)."""
    if not _PHONE_SHAPE.fullmatch(text):
        return None
    digits = text.translate(_NOT_DIGITS)
    if len(digits) == 11 and digits[0] == "1" and digits[1] in _NANP_AREA:
        return "+" + digits if text[0] == "+" or region == "US" else None
    if len(digits) == 10 and digits[0] in _NANP_AREA and text[0] != "+" and region == "US":
        return "+1" + digits
    return None


@functools.lru_cache(maxsize=CACHE_SIZE)
def phone_key(text: str, region: str = "US") -> str:
    """The E.164 form used to match phones (``+15550100``); InvalidInput if it is not a phone.

    ``phonenumbers`` (Google's libphonenumber) knows every country's formats, so
    ``(555) 010-0199``, ``555.010.0199`` and ``+1 555 010 0199`` all match each other.
    """
    value = text.strip()
    return _nanp_key(value, region) or _library_key(value, region)


def _library_key(value: str, region: str) -> str:
    import phonenumbers

    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        if not value.startswith("+") and region not in phonenumbers.SUPPORTED_REGIONS:
            raise InvalidInput(
                f"{value!r} cannot be read: the phone_region setting {region!r} is not a "
                "country phonenumbers knows; set it with `followup config set phone_region US`."
            ) from None
        raise InvalidInput(f"{value!r} is not a phone number.") from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidInput(
            f"{value!r} is not a phone number in region {region}; "
            "add the country code, e.g. +44 20 7946 0958."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


MIN_PHONE_DIGITS = 7


def typed_phone(text: str) -> str | None:
    """The matching key of a phone typed to find someone, with any punctuation
    (``555/010/0101``, ``5550100101``); None if it has letters, too few digits, or is no phone.
    Only the digits (and a leading ``+``) go to ``phone_key``."""
    value = text.strip()
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) < MIN_PHONE_DIGITS or any(ch.isalpha() for ch in value):
        return None
    try:
        return phone_key(("+" if value.startswith("+") else "") + digits)
    except InvalidInput:
        return None


def normalize_phone(text: str | None, region: str = "US") -> tuple[str | None, str | None]:
    """(the phone as given, its matching key); (None, None) for blank."""
    if text is None or not text.strip():
        return None, None
    return text.strip(), phone_key(text, region)


_PLAIN_AMOUNT = re.compile(r"(\d{1,11})(?:\.(\d\d))?")  # the common case, within the limit
_AMOUNT_CLEAN_RE = re.compile(r"[\s$€£¥]|USD|EUR|GBP", re.IGNORECASE)
# Thousands in groups of three (or none), then at most two decimals: "1,299.50", "1299.5".
_AMOUNT_SHAPES = {
    False: re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$"),
    True: re.compile(r"^-?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{1,2}))?$"),  # 1.299,50
}
# "12,50" or "129,9": a comma before one or two digits is a decimal comma in most of Europe
# and a typo in the US; guessing either way stores the wrong amount.
_AMBIGUOUS_COMMA = re.compile(r"^-?\d+,\d{1,2}$")


def parse_amount(text: str | None, *, decimal_comma: bool = False) -> int | None:
    """Money as integer cents: ``129``, ``129.00``, ``$1,299.50``; with ``decimal_comma``,
    ``€12,50`` and ``1.299,50``. A comma before one or two digits is refused unless
    ``decimal_comma`` says what it means."""
    if text is None:
        return None
    plain = None if decimal_comma else _PLAIN_AMOUNT.fullmatch(text)
    if plain:  # "129" or "129.50": most of an import's amounts, parsed without cleaning
        return int(plain[1]) * 100 + (int(plain[2]) if plain[2] else 0)
    shown = str(text).strip()
    value = _AMOUNT_CLEAN_RE.sub("", str(text))
    if not value:
        return None
    if value.startswith("(") and value.endswith(")"):  # accounting negative
        value = "-" + value[1:-1]
    match = _AMOUNT_SHAPES[decimal_comma].match(value)
    if match is None:
        if not decimal_comma and _AMBIGUOUS_COMMA.match(value):
            raise InvalidInput(
                f"{shown!r} is ambiguous: if the comma is a decimal point, say --decimal-comma."
            )
        hint = "" if decimal_comma else " (for 12,50 use --decimal-comma)"
        raise InvalidInput(f"{shown!r} is not an amount{hint}.")
    thousands, point = (".", ",") if decimal_comma else (",", ".")
    whole, _, fraction = value.lstrip("-").replace(thousands, "").partition(point)
    cents = int(whole) * 100 + int((fraction + "00")[:2])
    if cents > 10**13:
        raise InvalidInput(f"{shown!r} is too large to be an amount.")
    return -cents if value.startswith("-") else cents


def refund_ref(order_id: str) -> str:
    """A refund's own order id: a return rung up under the sale's receipt number is a second
    record beside the sale, not a change to it (``1`` and ``1 (refund)``)."""
    return f"{order_id} (refund)"


def format_money(cents: int | None, currency: str = "$") -> str:
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    return f"{sign}{currency}{abs(cents) // 100:,}.{abs(cents) % 100:02d}"


MAX_ADDRESS_CHARS = 500


def normalize_address(text: str | None) -> str | None:
    """A postal address as lines (each trimmed, blank lines dropped); ``None`` if empty.
    Kept as typed otherwise: it is written on an envelope, not parsed."""
    if text is None:
        return None
    lines = [" ".join(line.split()) for line in str(text).splitlines()]
    address = "\n".join(line for line in lines if line)
    if not address:
        return None
    if len(address) > MAX_ADDRESS_CHARS or any(ord(ch) < 32 and ch != "\n" for ch in address):
        raise InvalidInput(
            f"An address is up to {MAX_ADDRESS_CHARS} characters of text, one line or several."
        )
    return address


def address_line(address: str | None) -> str:
    """A postal address on one line, as the agenda and tables show it."""
    return ", ".join((address or "").splitlines())


def normalize_tags(text: str | list[str] | tuple[str, ...] | None) -> str:
    """``"VIP, wholesale"`` or ``["vip", "wholesale"]`` -> ``"vip,wholesale"`` (sorted, unique)."""
    if not text:
        return ""
    parts = text.split(",") if isinstance(text, str) else [p for t in text for p in t.split(",")]
    tags = sorted({p.strip().lower() for p in parts if p.strip()})
    return ",".join(tags)


# Letters NFKD leaves whole, folded to the base letter a reader would search with: Øberg is
# found as "oberg", Łukasz as "lukasz". (Spellings such as "oe" for ø or "ue" for ü are not
# equated: "mueller" does not find Müller.)
_UNDECOMPOSED = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "ħ": "h", "\u0131": "i", "ŧ": "t", "ŀ": "l",
     "þ": "th", "æ": "ae", "œ": "oe", "ĸ": "k", "ŋ": "n"}
)  # fmt: skip
_APOSTROPHES = str.maketrans("", "", "'`\u2019\u02bc")  # ' ` and the typographic ones
_NOT_ALNUM = re.compile(r"[\W_]+")


def fold_text(text: str) -> str:
    """A name (or an address) as search and duplicate checks compare it: without accents or
    case, its words split at any punctuation and joined by single spaces
    (``"Zoë Łukasz-Øberg"`` -> ``"zoe lukasz oberg"``; apostrophes join: ``O'Brien`` is
    ``obrien``)."""
    if text.isascii():  # most names: nothing to decompose (twice as fast for an import)
        plain = text.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", text.casefold())
        letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        plain = letters.translate(_UNDECOMPOSED)
    return " ".join(_NOT_ALNUM.sub(" ", plain.translate(_APOSTROPHES)).split())


def split_csv_set(text: str | None) -> list[str]:
    """The parts of a stored ``a,b`` set (tags, opted-out channels): most are empty."""
    return [part for part in text.split(",") if part] if text else []


def is_text(data: object) -> bool:
    """Whether every string in decoded JSON can be written as UTF-8 (no lone surrogate)."""
    import json  # here: every command imports values, few read JSON

    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
