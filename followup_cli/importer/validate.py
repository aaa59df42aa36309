"""One row's cells to the staged values, or the reason the row is rejected."""

from __future__ import annotations

import datetime as dt
import hashlib
import operator
import re
from functools import lru_cache
from json.encoder import encode_basestring as _encode_json_string
from typing import Any

from followup_cli.enums import InteractionKind
from followup_cli.errors import InvalidInput
from followup_cli.importer.columns import ADDRESS_PARTS, FIELDS, SALE_FIELDS, Columns
from followup_cli.importer.read import ImportOptions
from followup_cli.values import (
    check_channel,
    normalize_address,
    normalize_email,
    parse_amount,
    phone_key,
    refund_ref,
)

CACHE_LIMIT = 20_000  # parsed dates remembered per import (a few MB at most)
# What a row records, as stored (an enum member's value costs a lookup per row).
SALE, REFUND = InteractionKind.SALE.value, InteractionKind.REFUND.value


_ISO_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|UTC|[+-]\d{2}:?\d{2})?)?$"
)


_NUMERIC_RE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?:[ T].*)?$")


@lru_cache(maxsize=8192)
def parse_sale_date(text: str, dayfirst: bool = False) -> dt.date:
    """A sale date as exports write it; the date part as written (no time zone conversion).

    ISO forms and ``11/05/2025`` go through a regex (cheap); only the rest (``May 11, 2025``)
    reaches dateutil. ValueError says what was expected.
    """
    value = text.strip()
    match = _ISO_RE.match(value)
    if match:
        day = dt.date(int(match[1]), int(match[2]), int(match[3]))
    else:
        match = _NUMERIC_RE.match(value)
        if match:
            first, second, year = int(match[1]), int(match[2]), int(match[3])
            if year < 100:
                year += 2000
            month, mday = (second, first) if dayfirst else (first, second)
            day = dt.date(year, month, mday)
        else:
            if not re.search(r"\d{4}", value) or not re.search(r"[A-Za-z]{3}", value):
                raise ValueError(value)
            from dateutil import parser

            try:
                # ignoretz: the date as written (a zone name would only warn, or fail later)
                day = parser.parse(value, dayfirst=dayfirst, fuzzy=False, ignoretz=True).date()
            except (parser.ParserError, OverflowError) as exc:
                raise ValueError(value) from exc
    if not 1900 <= day.year <= 2199:
        raise ValueError(value)
    return day


class Validator:
    """One row's cells -> the staged tuple (ROW_COLUMNS), or InvalidInput saying why not.

    The hot loop of the import, so it is written for speed: one itemgetter picks the cells,
    and dates, emails and phones are parsed once per distinct value (a night's sales share a
    handful of dates, and a regular customer appears many times in a year of sales).
    """

    def __init__(
        self, columns: Columns, options: ImportOptions, today: dt.date, *, nul: bool = False
    ) -> None:
        self.nul = nul  # the file holds a NUL byte somewhere: rows are checked for it
        self.width = width = len(columns.header)
        # Rows are padded to width + 1 cells, so a field with no column reads the blank cell
        # at index `width`; fields with several candidate columns (presets) use columns.get.
        # Without address columns (most tills) the six address fields are not read at all.
        addressed = any(part in columns.indices for part in ADDRESS_PARTS)
        self.fields = FIELDS if addressed else SALE_FIELDS
        self.pick = operator.itemgetter(*(columns.single.get(n, width) for n in self.fields))
        self.fallbacks = [
            (FIELDS.index(name), name) for name, ix in columns.indices.items() if len(ix) > 1
        ]
        self.columns = columns
        self.options = options
        self.today = today
        self.dates: dict[str, str] = {}
        # The last order and its date: a Shopify line-item row leaves the date to the order's
        # first row, as it does the customer (``group_sales`` takes the first of each field).
        self.last_order: tuple[str, str] | None = None
        self.last_refund: str | None = None  # its line items (no total) are the refund's

    def __call__(self, line: int, cells: list[str]) -> tuple[Any, ...]:
        width = self.width
        size = len(cells)
        if size <= width:
            cells = cells + [""] * (width + 1 - size)
        elif any(c.strip() for c in cells[width:]):
            raise InvalidInput(f"{size} fields but the header has {width} (an unquoted comma?)")
        if self.nul and any("\x00" in c for c in cells):
            # PostgreSQL cannot store it, and no name or email holds one: the same on both
            raise InvalidInput(
                "a cell holds a NUL character (is the file UTF-16? save it as CSV UTF-8)"
            )
        values = [v.strip() or None for v in self.pick(cells)]
        for index, fallback in self.fallbacks:
            values[index] = self.columns.get(cells, fallback)
        order_id, raw_date, name, raw_email, phone, raw_amount, items, prefers, *place = values
        if order_id is None:
            raise InvalidInput("no order id")
        if raw_date is not None:
            occurred = self.dates.get(raw_date) or self._date(raw_date)
            self.last_order = (order_id, occurred)
        elif self.last_order is not None and self.last_order[0] == order_id:
            occurred = self.last_order[1]
        else:
            raise InvalidInput("no date")
        amount = parse_amount(raw_amount, decimal_comma=self.options.decimal_comma)
        # A negative total is money given back: a refund, under its own order id (the line
        # items after it, with no total, are the refund's too). Decided here only.
        refund = amount < 0 if amount is not None else self.last_refund == order_id
        self.last_refund = order_id if refund else None
        kind = REFUND if refund else SALE
        if refund:
            order_id = refund_ref(order_id)
        email = normalize_email(raw_email)
        key = None if phone is None else phone_key(phone, self.options.region)
        if prefers is not None:
            prefers = check_channel(prefers, "preferred channel")
        if name is not None:
            name = " ".join(name.split())
        address = postal_address(*place) if any(place) else None
        return (
            line, order_id, occurred, name, email, phone, key, amount, items, prefers, address,
            kind, fingerprint_of(occurred, name, email, key, amount, items),
        )  # fmt: skip

    def _date(self, raw: str) -> str:
        try:
            day = parse_sale_date(raw, self.options.dayfirst)
        except ValueError:
            raise InvalidInput(
                f"cannot read the date {raw!r} (expected e.g. 2025-05-11, 05/11/2025 or "
                "May 11, 2025)"
            ) from None
        if day > self.today:
            raise InvalidInput(f"the date {raw!r} is in the future")
        if len(self.dates) > CACHE_LIMIT:  # timestamps make every value distinct
            self.dates.clear()
        self.dates[raw] = occurred = day.isoformat()
        return occurred


def postal_address(
    street: str | None,
    street2: str | None,
    city: str | None,
    region: str | None,
    postcode: str | None,
    country: str | None,
) -> str | None:
    """The parts of an address as its lines: street, street 2, "city region postcode",
    country. Not part of the sale's fingerprint: it is the contact's, not the sale's."""
    town = " ".join(part for part in (city, region, postcode) if part)
    return normalize_address("\n".join(p for p in (street, street2, town, country) if p))


def fingerprint(sale: dict[str, Any]) -> str:
    return fingerprint_of(
        *(sale[k] for k in ("occurred_on", "name", "email", "phone_key", "amount_cents", "items"))
    )


def fingerprint_of(
    occurred_on: str, name: str | None, email: str | None, key: str | None,
    amount: int | None, items: str | None,
) -> str:  # fmt: skip
    """Stored with each imported sale to spot a changed order; the format must never change.

    It is the SHA-256 of ``json.dumps([occurred_on, name, email, key, amount, items],
    ensure_ascii=False)``, built by hand (a third of the cost; tests check they agree).
    """
    enc = _encode_json_string
    text = (
        f"[{enc(occurred_on)}, {'null' if name is None else enc(name)},"
        f" {'null' if email is None else enc(email)}, {'null' if key is None else enc(key)},"
        f" {'null' if amount is None else int(amount)}, {'null' if items is None else enc(items)}]"
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]
