"""Finding people (accents, case, word starts, phones), their duplicates, and merging two."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from followup_cli.cli import app
from followup_cli.config import to_url
from followup_cli.contacts import edit_contact, list_contacts, resolve
from followup_cli.errors import AmbiguousReference, NotFound
from followup_cli.models import ContactUpdate
from followup_cli.store import Database, Tx
from followup_cli.store.rows import ContactRow, get
from followup_cli.values import email_key, fold_text, typed_phone
from tests.helpers import make_contact

runner = CliRunner()


def names(tx: Tx, search: str | None = None, limit: int | None = None) -> list[str]:
    return [c.name for c in list_contacts(tx, search, limit).contacts]


# --- search ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("Zoë Øberg", "zoe oberg"),
        ("Zoë Łukasz-Øberg", "zoe lukasz oberg"),
        ("MÜLLER", "muller"),
        ("Straße", "strasse"),
        ("O'Brien", "obrien"),
        ("O\u2019Brien", "obrien"),
        ("  Mary-Ann   Smith ", "mary ann smith"),
        ("Đorđe Æsa", "dorde aesa"),
        ("José_García", "jose garcia"),
        ("李小龙", "李小龙"),
    ],
)
def test_names_fold_without_accents_case_or_punctuation(name: str, folded: str) -> None:
    assert fold_text(name) == folded


def test_search_ignores_accents_and_case(tx: Tx) -> None:
    make_contact(tx, "Zoë Øberg", phone="555-010-0101")
    make_contact(tx, "Hans Müller", phone="555-010-0102")
    make_contact(tx, "Bob Ray", phone="555-010-0103")
    assert names(tx, "zoe") == ["Zoë Øberg"]
    assert names(tx, "OBERG") == ["Zoë Øberg"]
    assert names(tx, "muller") == ["Hans Müller"]
    assert names(tx, "Müll") == ["Hans Müller"]
    assert resolve(tx, "zoe oberg").name == "Zoë Øberg"
    assert resolve(tx, "muller").name == "Hans Müller"


def test_a_name_matches_at_word_starts(tx: Tx) -> None:
    make_contact(tx, "Ann Lee", phone="555-010-0101")
    make_contact(tx, "Mary Ann Smith", phone="555-010-0102")
    make_contact(tx, "Hannah Brown", phone="555-010-0103", address="12 Savannah Rd")
    make_contact(tx, "Joanna Ray", phone="555-010-0104")
    assert names(tx, "Ann") == ["Ann Lee", "Mary Ann Smith"]
    assert names(tx, "han") == ["Hannah Brown"]
    assert names(tx, "savannah") == ["Hannah Brown"]  # the address, at a word start
    with pytest.raises(AmbiguousReference):
        resolve(tx, "Ann")
    assert resolve(tx, "ann lee").name == "Ann Lee"  # the whole name wins
    assert resolve(tx, "mary ann").name == "Mary Ann Smith"
    with pytest.raises(NotFound, match=r"^No contact matches 'nnah'"):
        resolve(tx, "nnah")


def test_search_finds_emails_phones_tags_and_notes_by_their_parts(tx: Tx) -> None:
    make_contact(tx, "Ann Lee", email="ann.lee+shop@example.com", phone="(555) 010-0101")
    make_contact(tx, "Bob Ray", email="bob@elsewhere.org", phone=None, tags="wholesale")
    make_contact(tx, "Cy Hannah", email="cy@hannahco.com", phone="555-010-0103")
    assert names(tx, "lee") == ["Ann Lee"]
    assert names(tx, "shop@example") == ["Ann Lee"]
    assert names(tx, "example.com") == ["Ann Lee"]
    assert names(tx, "ann") == ["Ann Lee"]  # not Cy, whose email only has "ann" inside a word
    assert names(tx, "whole") == ["Bob Ray"]
    assert names(tx, "5550100101") == ["Ann Lee"]
    assert names(tx, "+1 555 010 0101") == ["Ann Lee"]
    assert names(tx, "0101") == ["Ann Lee"]  # a run of its digits
    assert names(tx, "l_e") == [] and names(tx, "%") == []  # LIKE wildcards are literal


def test_a_phone_typed_any_way_finds_the_contact(tx: Tx) -> None:
    ann = make_contact(tx, "Ann Lee", phone="(555) 010-0202")
    for typed in (
        "5550100202",
        "555/010/0202",
        "555.010.0202",
        "+1 555 010 0202",
        "1-555-010-0202",
    ):
        assert typed_phone(typed) == "+15550100202", typed
        assert resolve(tx, typed).id == ann.id, typed
    assert typed_phone("2026-11-23") is None and typed_phone("Ann 5550100202") is None


def test_a_long_number_is_a_phone_when_no_contact_has_that_id(tx: Tx) -> None:
    ann = make_contact(tx, "Ann Lee", phone="555-010-0202")
    assert resolve(tx, "5550100202").id == ann.id
    assert resolve(tx, "1").id == ann.id
    with pytest.raises(NotFound, match=r"^No contact #5550100203, and nobody has the phone number"):
        resolve(tx, "5550100203")
    with pytest.raises(NotFound, match=r"^No contact #5550100202\. See"):
        resolve(tx, "#5550100202")  # with "#" it is an id, and only an id
    with pytest.raises(NotFound, match=r"^No contact #7\. See"):
        resolve(tx, "7")


def test_an_ambiguous_name_lists_email_and_phone_to_tell_people_apart(tx: Tx) -> None:
    make_contact(tx, "Ann Lee", email="ann@example.com", phone="555-010-0101")
    make_contact(tx, "Ann Lee", email="ann.lee@work.example", phone=None)
    with pytest.raises(AmbiguousReference) as caught:
        resolve(tx, "ann lee")
    assert str(caught.value) == (
        "'ann lee' matches 2 contacts: Ann Lee (#1, ann@example.com, 555-010-0101), "
        "Ann Lee (#2, ann.lee@work.example). Use the id, e.g. #1."
    )


def test_a_renamed_contact_is_found_by_its_new_name(tx: Tx) -> None:
    ann = make_contact(tx, "Ann Lee")
    edit_contact(tx, "Ann", ContactUpdate(name="Zoë Øberg"))
    assert resolve(tx, "zoe").id == ann.id
    stored = get(tx, ContactRow, ann.id)
    assert stored is not None and stored.name_key == "zoe oberg"
    with pytest.raises(NotFound):
        resolve(tx, "ann")


def test_the_list_is_sorted_by_folded_name_and_limited(tx: Tx) -> None:
    for number, name in enumerate(("Zed", "Øberg", "ann", "Bo"), start=1):
        make_contact(tx, name, phone=f"555-010-010{number}")
    assert names(tx) == ["ann", "Bo", "Øberg", "Zed"]
    page = list_contacts(tx, None, 2)
    assert ([c.name for c in page.contacts], page.total) == (["ann", "Bo"], 4)
    page = list_contacts(tx, "o", 1)  # Øberg, and Bo? no: "o" starts no word of "Bo" but "Øberg"
    assert ([c.name for c in page.contacts], page.total) == (["Øberg"], 1)


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result.stdout


def test_cli_list_is_plain_columns_with_a_limit_and_a_note_of_the_rest() -> None:
    ok("contact", "add", "Zoë Øberg", "--email", "zoe@example.com", "--phone", "555-010-0101")
    ok("contact", "add", "Ann Lee", "--phone", "555-010-0102", "--tag", "vip")
    ok("contact", "add", "Hannah Ray", "--phone", "555-010-0103")
    assert ok("contact", "list") == (
        "  ID  Name        Email            Phone         Prefers  Tags  Consent\n"
        "   2  Ann Lee                      555-010-0102  phone    vip   ok\n"
        "   3  Hannah Ray                   555-010-0103  phone          ok\n"
        "   1  Zoë Øberg   zoe@example.com  555-010-0101  phone          ok\n"
    )
    assert ok("contact", "list", "--limit", "1") == (
        "  ID  Name     Email  Phone         Prefers  Tags  Consent\n"
        "   2  Ann Lee         555-010-0102  phone    vip   ok\n"
        "1 of 3 contacts shown; --limit 0 shows them all, --search narrows them down.\n"
    )
    assert ok("contact", "list", "--search", "zoe").splitlines()[1].startswith("   1  Zoë Øberg")
    assert ok("contact", "list", "--search", "ann").count("\n") == 2  # not Hannah
    assert ok("contact", "list", "--search", "nobody") == "No contact matches 'nobody'.\n"
    result = runner.invoke(app, ["contact", "list", "--limit", "-1"])
    assert result.exit_code == 2


def test_cli_show_takes_a_phone_typed_as_digits() -> None:
    ok("contact", "add", "Ann Lee", "--phone", "(555) 010-0202")
    assert "Ann Lee (#1)" in ok("contact", "show", "5550100202")
    result = runner.invoke(app, ["contact", "show", "5550100299"])
    assert (result.exit_code, result.stderr) == (
        3,
        "Error: No contact #5550100299, and nobody has the phone number 5550100299. "
        "See `followup contact list`.\n",
    )


@pytest.mark.sqlite_only
def test_the_migration_folds_the_names_already_there(tmp_path: Path) -> None:
    copy = tmp_path / "old.db"
    shutil.copy(Path(__file__).parent / "data" / "schema-0001.db", copy)
    db, _ = Database.open(to_url(str(copy)))
    db.dispose()
    con = sqlite3.connect(copy)
    rows = con.execute("SELECT name, name_key FROM contact").fetchall()
    con.close()
    assert len(rows) == 10
    assert all(key == fold_text(name) and key for name, key in rows), rows


def test_email_keys_ignore_what_the_provider_ignores() -> None:
    assert email_key("Ann.Lee+shop@GoogleMail.com") == "annlee@gmail.com"
    assert email_key("ann+news@fastmail.com") == "ann@fastmail.com"
    assert email_key("ann.lee+x@example.com") == "ann.lee+x@example.com"  # unknown: kept
    assert email_key("ann-x@yahoo.com") == "ann-x@yahoo.com"
