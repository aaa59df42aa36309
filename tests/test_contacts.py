"""Contacts: normalisation, duplicates, references, editing, consent, history."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from followup_cli.contacts import edit_contact, history, list_contacts, resolve, set_opt_out
from followup_cli.errors import AmbiguousReference, Conflict, InvalidInput, NotFound
from followup_cli.models import ContactUpdate
from followup_cli.values import format_money, normalize_email, parse_amount, phone_key
from tests.helpers import make_contact


def test_email_and_phone_are_normalised(session: Session) -> None:
    contact = make_contact(session, email="  Ann.Lee@Example.COM ", phone="(555) 010-0101")
    assert contact.email == "ann.lee@example.com"
    assert contact.phone == "(555) 010-0101"
    assert contact.phone_key == "+15550100101"


@pytest.mark.parametrize(
    "phone", ["555.010.0101", "+1 555 010 0101", "555-010-0101", "1 (555) 010 0101"]
)
def test_duplicate_phone_in_any_format_is_refused(session: Session, phone: str) -> None:
    make_contact(session, "Ann Lee", phone="(555) 010-0101")
    with pytest.raises(Conflict, match=r"^Ann Lee \(#1\) already has that phone number\.$"):
        make_contact(session, "Someone", phone=phone)


def test_duplicate_email_is_refused(session: Session) -> None:
    make_contact(session, "Ann Lee", email="ann@example.com")
    with pytest.raises(Conflict, match=r"^Ann Lee \(#1\) already has that email\.$"):
        make_contact(session, "Other", email="ANN@example.com ", phone=None)


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


def test_references(session: Session) -> None:
    ann = make_contact(session, "Ann Lee", email="ann@example.com")
    make_contact(session, "Anna Berg", phone="555-010-0102")
    make_contact(session, "Bob Lee", phone="555-010-0103")
    assert resolve(session, "1").id == ann.id
    assert resolve(session, "#1").id == ann.id
    assert resolve(session, "ANN@example.com").id == ann.id
    assert resolve(session, "ann lee").id == ann.id  # exact name wins over "Anna"
    assert resolve(session, "Berg").name == "Anna Berg"  # a unique part of a name
    assert resolve(session, "555 010 0102").name == "Anna Berg"
    with pytest.raises(
        AmbiguousReference,
        match=r"^'Lee' matches 2 contacts: Ann Lee \(#1\), Bob Lee \(#3\)\. Use the id",
    ):
        resolve(session, "Lee")
    with pytest.raises(NotFound, match=r"^No contact #9\. See `followup contact list`\.$"):
        resolve(session, "#9")
    with pytest.raises(NotFound, match=r"^No contact matches 'Zed'"):
        resolve(session, "Zed")
    with pytest.raises(NotFound, match=r"No contact with email z@example\.com"):
        resolve(session, "z@example.com")


def test_edit_changes_only_given_fields(session: Session) -> None:
    make_contact(session, "Ann Lee", email="ann@example.com")
    contact, changed = edit_contact(
        session, "Ann", ContactUpdate(prefers="email", tags="VIP, wholesale")
    )
    assert changed == ["prefers", "tags"]
    assert (contact.prefers, contact.tags, contact.email) == (
        "email",
        "vip,wholesale",
        "ann@example.com",
    )
    with pytest.raises(InvalidInput, match="Unknown preferred channel 'fax'"):
        edit_contact(session, "Ann", ContactUpdate(prefers="fax"))


def test_edit_refuses_someone_elses_email(session: Session) -> None:
    make_contact(session, "Ann Lee", email="ann@example.com")
    make_contact(session, "Bob", email="bob@example.com", phone=None)
    with pytest.raises(Conflict, match=r"Ann Lee \(#1\) already has that email"):
        edit_contact(session, "Bob", ContactUpdate(email="ann@example.com"))


def test_search_and_opt_out(session: Session) -> None:
    make_contact(session, "Ann Lee", tags="vip")
    make_contact(session, "Bob Marsh", phone="555-010-0102")
    assert [c.name for c in list_contacts(session, "vip")] == ["Ann Lee"]
    assert [c.name for c in list_contacts(session)] == ["Ann Lee", "Bob Marsh"]
    contact = set_opt_out(session, "Bob", "phone")
    assert contact.opted_out_channels == "phone"
    with pytest.raises(InvalidInput, match="Unknown channel 'pigeon'"):
        set_opt_out(session, "Bob", "pigeon")


def test_history_holds_everything(session: Session, rules) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from followup_cli.followups import log_interaction

    make_contact(session)
    log_interaction(
        session, "Ann", "sale", on=dt.date(2026, 11, 20), today=dt.date(2026, 11, 23), rules=rules
    )
    h = history(session, "Ann")
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
