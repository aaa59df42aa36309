"""Contacts: normalisation, duplicates, references, editing, consent, history."""

from __future__ import annotations

import datetime as dt

import pytest

from followup_cli.contacts import edit_contact, history, list_contacts, resolve, set_opt_out
from followup_cli.errors import AmbiguousReference, Conflict, InvalidInput, NotFound
from followup_cli.inputs import ContactUpdate
from followup_cli.scheduling import RuleSet
from followup_cli.store import Tx
from followup_cli.store.rows import ContactRow, get
from followup_cli.values import format_money, normalize_email, parse_amount, phone_key
from tests.helpers import make_contact


def test_email_and_phone_are_normalised(tx: Tx) -> None:
    contact = make_contact(tx, email="  Ann.Lee@Example.COM ", phone="(555) 010-0101")
    assert contact.email == "ann.lee@example.com"
    assert contact.phone == "(555) 010-0101"
    assert contact.phone_key == "+15550100101"
    assert get(tx, ContactRow, contact.id) == contact  # what was returned is what was saved


@pytest.mark.parametrize(
    "phone", ["555.010.0101", "+1 555 010 0101", "555-010-0101", "1 (555) 010 0101"]
)
def test_duplicate_phone_in_any_format_is_refused(tx: Tx, phone: str) -> None:
    make_contact(tx, "Ann Lee", phone="(555) 010-0101")
    with pytest.raises(Conflict, match=r"^Ann Lee \(#1\) already has that phone number\.$"):
        make_contact(tx, "Someone", phone=phone)


def test_duplicate_email_is_refused(tx: Tx) -> None:
    make_contact(tx, "Ann Lee", email="ann@example.com")
    with pytest.raises(Conflict, match=r"^Ann Lee \(#1\) already has that email\.$"):
        make_contact(tx, "Other", email="ANN@example.com ", phone=None)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not-an-email", "is not an email address"),
        ("a@b", "is not an email address"),
        ("a b@c.de", "is not an email address"),
    ],
)
def test_bad_email_is_refused(value: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        normalize_email(value)


def test_bad_phone_is_refused() -> None:
    with pytest.raises(InvalidInput, match="is not a phone number"):
        phone_key("call me")
    assert phone_key("020 7946 0958", "GB") == "+442079460958"


def test_references(tx: Tx) -> None:
    ann = make_contact(tx, "Ann Lee", email="ann@example.com")
    make_contact(tx, "Anna Berg", phone="555-010-0102")
    make_contact(tx, "Bob Lee", phone="555-010-0103")
    assert resolve(tx, "1").id == ann.id
    assert resolve(tx, "#1").id == ann.id
    assert resolve(tx, "ANN@example.com").id == ann.id
    assert resolve(tx, "ann lee").id == ann.id  # exact name wins over "Anna"
    assert resolve(tx, "Berg").name == "Anna Berg"  # a unique part of a name
    assert resolve(tx, "555 010 0102").name == "Anna Berg"
    with pytest.raises(
        AmbiguousReference,
        match=r"^'Lee' matches 2 contacts: Ann Lee \(#1, ann@example\.com, 555-010-0101\), "
        r"Bob Lee \(#3, 555-010-0103\)\. Use the id",
    ):
        resolve(tx, "Lee")
    with pytest.raises(NotFound, match=r"^No contact #9\. See `followup contact list`\.$"):
        resolve(tx, "#9")
    with pytest.raises(NotFound, match=r"^No contact matches 'Zed'"):
        resolve(tx, "Zed")
    with pytest.raises(NotFound, match=r"No contact with email z@example\.com"):
        resolve(tx, "z@example.com")


def test_edit_changes_only_given_fields(tx: Tx) -> None:
    make_contact(tx, "Ann Lee", email="ann@example.com")
    contact, changed = edit_contact(
        tx, "Ann", ContactUpdate(prefers="email", tags="VIP, wholesale")
    )
    assert changed == ["prefers", "tags"]
    assert (contact.prefers, contact.tags, contact.email) == (
        "email",
        "vip,wholesale",
        "ann@example.com",
    )
    assert get(tx, ContactRow, contact.id) == contact  # saved as returned
    with pytest.raises(InvalidInput, match="Unknown preferred channel 'fax'"):
        edit_contact(tx, "Ann", ContactUpdate(prefers="fax"))
    assert get(tx, ContactRow, contact.id) == contact  # the refused edit changed nothing


def test_edit_phone_updates_its_key_but_names_only_the_phone(tx: Tx) -> None:
    ann = make_contact(tx, "Ann Lee")
    contact, changed = edit_contact(tx, "Ann", ContactUpdate(phone="555 010 0199"))
    assert changed == ["phone"]
    assert (contact.phone, contact.phone_key) == ("555 010 0199", "+15550100199")
    assert get(tx, ContactRow, ann.id) == contact
    assert resolve(tx, "(555) 010-0199").id == ann.id
    same, unchanged = edit_contact(tx, "Ann", ContactUpdate(phone="555 010 0199"))
    assert (same, unchanged) == (contact, [])


def test_edit_refuses_someone_elses_email(tx: Tx) -> None:
    make_contact(tx, "Ann Lee", email="ann@example.com")
    make_contact(tx, "Bob", email="bob@example.com", phone=None)
    with pytest.raises(Conflict, match=r"Ann Lee \(#1\) already has that email"):
        edit_contact(tx, "Bob", ContactUpdate(email="ann@example.com"))


def test_search_and_opt_out(tx: Tx) -> None:
    make_contact(tx, "Ann Lee", tags="vip")
    make_contact(tx, "Bob Marsh", phone="555-010-0102")
    assert [c.name for c in list_contacts(tx, "vip").contacts] == ["Ann Lee"]
    assert [c.name for c in list_contacts(tx).contacts] == ["Ann Lee", "Bob Marsh"]
    contact = set_opt_out(tx, "Bob", "phone")
    assert contact.opted_out_channels == "phone"
    assert get(tx, ContactRow, contact.id) == contact
    with pytest.raises(InvalidInput, match="Unknown channel 'pigeon'"):
        set_opt_out(tx, "Bob", "pigeon")


def test_history_holds_everything(tx: Tx, rules: RuleSet) -> None:
    from followup_cli.followups import log_interaction

    make_contact(tx)
    now = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
    log_interaction(
        tx, "Ann", "sale", on=dt.date(2026, 11, 20), today=now.date(), now=now, rules=rules
    )
    h = history(tx, "Ann")
    assert [i.kind for i in h.interactions] == ["sale"]
    assert len(h.followups) == 2


def test_money() -> None:
    assert parse_amount("129") == 12900
    assert parse_amount("129.00") == 12900
    assert parse_amount("$1,299.50") == 129950
    assert parse_amount("€12,50", decimal_comma=True) == 1250
    assert parse_amount("") is None
    assert format_money(129950) == "$1,299.50"
    with pytest.raises(InvalidInput, match="is not an amount"):
        parse_amount("lots")
