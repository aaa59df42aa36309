"""Which column holds which field: header aliases, presets for known exports, --map."""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from followup_cli.errors import ImportFailed, InvalidInput
from followup_cli.importer.read import ImportOptions

# A postal address may come in one column or in parts; the parts become its lines.
ADDRESS_PARTS = ("address", "address2", "city", "region", "postcode", "country")

if TYPE_CHECKING:
    pass


# A sale's own fields, then the contact's postal address in parts.
SALE_FIELDS = ("order_id", "date", "name", "email", "phone", "amount", "items", "prefers")
FIELDS = (*SALE_FIELDS, *ADDRESS_PARTS)


REQUIRED = ("order_id", "date")


def norm_header(text: str) -> str:
    """``"Order ID"``, ``"order_id"`` and ``" ORDER-ID "`` all become ``"orderid"``."""
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


# Header aliases, in priority order (the first one present wins).
ALIASES: dict[str, tuple[str, ...]] = {
    "order_id": (
        "order_id", "order id", "order number", "order no", "order", "receipt",
        "receipt number", "receipt no", "invoice", "invoice number", "invoice no", "sale_id",
        "transaction id",
    ),
    "date": (
        "date", "order date", "sale date", "sold_at", "created_at", "paid_at", "purchase date",
        "purchased_at",
    ),
    "name": (
        "customer", "customer_name", "billing name", "name", "full name", "client",
        "client name",
    ),
    "email": ("email", "email address", "e-mail", "customer email"),
    "phone": (
        "phone", "phone number", "mobile", "mobile phone", "cell", "telephone", "tel",
        "billing phone",
    ),
    "amount": ("total", "amount", "order total", "grand total", "total price", "price"),
    "items": (
        "items", "item", "product", "products", "product name", "lineitem name", "description",
    ),
    "prefers": ("prefers", "preferred channel", "contact preference"),
    "address": (
        "address", "postal address", "mailing address", "street address", "street",
        "address1", "address line 1", "shipping address", "billing address",
    ),
    "address2": ("address2", "address line 2"),
    "city": ("city", "town"),
    "region": ("state", "province", "county", "region"),
    "postcode": ("zip", "zip code", "zipcode", "postcode", "postal code", "post code"),
    "country": ("country",),
}  # fmt: skip


class Preset(NamedTuple):
    """A ready column mapping for a known export; each field lists columns tried in order."""

    name: str
    description: str
    columns: dict[str, tuple[str, ...]]
    dayfirst: bool = False
    decimal_comma: bool = False


PRESETS: dict[str, Preset] = {
    "shopify": Preset(
        name="shopify",
        description="Shopify orders export (Orders > Export); one row per line item.",
        columns={
            "order_id": ("Name",),
            "date": ("Created at", "Paid at"),
            "name": ("Billing Name", "Shipping Name"),
            "email": ("Email",),
            "phone": ("Phone", "Billing Phone", "Shipping Phone"),
            "amount": ("Total",),
            "items": ("Lineitem name",),
            # Where the parcel went, else the billing address.
            "address": (
                "Shipping Address1",
                "Shipping Street",
                "Billing Address1",
                "Billing Street",
            ),
            "address2": ("Shipping Address2", "Billing Address2"),
            "city": ("Shipping City", "Billing City"),
            "region": ("Shipping Province", "Billing Province"),
            "postcode": ("Shipping Zip", "Billing Zip"),
            "country": ("Shipping Country", "Billing Country"),
        },
    ),
}


_SHOPIFY_HINT = {"name", "financialstatus", "lineitemname"}


class Columns:
    """Which cells of a row hold which field."""

    def __init__(self, header: list[str], options: ImportOptions, label: str) -> None:
        self.header = header
        normalized = [norm_header(h) for h in header]
        index: dict[str, int] = {}
        for i, name in enumerate(normalized):
            index.setdefault(name, i)
        self.indices: dict[str, list[int]] = {}
        preset = None
        if options.preset:
            preset = PRESETS.get(options.preset.strip().lower())
            if preset is None:
                raise InvalidInput(
                    f"Unknown preset {options.preset!r}; known: {', '.join(sorted(PRESETS))}."
                )
        for name in FIELDS:
            if name in options.mapping:
                column = options.mapping[name]
                if norm_header(column) not in index:
                    raise ImportFailed(
                        f"{label}: --map {name}={column}: there is no column {column!r}; "
                        f"the columns are {_listing(header)}."
                    )
                self.indices[name] = [index[norm_header(column)]]
                continue
            candidates = preset.columns.get(name, ()) if preset else ALIASES[name]
            found = [index[norm_header(c)] for c in candidates if norm_header(c) in index]
            if found:
                self.indices[name] = found if preset else found[:1]
        missing = [name for name in REQUIRED if name not in self.indices]
        if missing:
            hint = ""
            if preset is None and set(normalized) >= _SHOPIFY_HINT:
                hint = " This looks like a Shopify export: try --preset shopify."
            example = " ".join(f"--map {m}=COLUMN" for m in missing)
            used = {i for ix in self.indices.values() for i in ix}
            likely = _likely_column(missing[0], header, used)
            raise ImportFailed(
                f"{label}, line 1: no {' or '.join(missing)} column; the columns are "
                f"{_listing(header)}. Say which column to use with {example} "
                f"(e.g. --map {shlex.quote(f'{missing[0]}={likely}')}).{hint}"
            )

        # (field, its single column) for the usual case; fields with several candidate
        # columns (presets) go through get().
        self.single = {n: ix[0] for n, ix in self.indices.items() if len(ix) == 1}

    @property
    def unused(self) -> list[str]:
        """The columns (JSON keys) no field reads: an "E-mail Address" the aliases missed is
        worth a word, as its sales would otherwise be skipped for want of an email."""
        used = {i for ix in self.indices.values() for i in ix}
        return [h for i, h in enumerate(self.header) if i not in used and h.strip()]

    def get(self, row: list[str], name: str) -> str | None:
        for i in self.indices.get(name, ()):
            if i < len(row):
                value = row[i].strip()
                if value:
                    return value
        return None


# Words in a column's name that suggest what it holds, for the example in a missing-column
# error: "Sold on" for the date rather than the first column ("Receipt").
_LOOKS_LIKE = {
    "date": ("date", "day", "sold", "time", "when", "created", "placed"),
    "order_id": ("order", "receipt", "invoice", "ticket", "number", "ref", "id", "no"),
}


def _likely_column(field: str, header: Sequence[str], used: set[int]) -> str:
    free = [h for i, h in enumerate(header) if i not in used and h.strip()]
    for word in _LOOKS_LIKE.get(field, ()):
        for column in free:
            if word in norm_header(column):
                return column
    return free[0] if free else "COLUMN"


def _listing(header: Sequence[str]) -> str:
    shown = ", ".join(repr(h) for h in header[:30])
    return shown + (", ..." if len(header) > 30 else "") if header else "(none)"
