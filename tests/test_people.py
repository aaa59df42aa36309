"""Finding people (accents, case, word starts, phones), their duplicates, and merging two."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from followup_cli.calls import start_call
from followup_cli.cli import app
from followup_cli.config import suppression_key, to_url
from followup_cli.contacts import edit_contact, list_contacts, resolve
from followup_cli.duplicates import find_duplicates, merge
from followup_cli.errors import AmbiguousReference, InvalidInput, NotFound
from followup_cli.followups import log_interaction, new_followup
from followup_cli.inputs import ContactUpdate
from followup_cli.privacy import forget, suppression_hash
from followup_cli.scheduling import RuleSet
from followup_cli.store import Database, Tx
from followup_cli.store.rows import (
    AnswerRow,
    ContactRow,
    FollowUpRow,
    fetch,
    get,
    insert_row,
    update,
)
from followup_cli.values import email_key, fold_text, typed_phone
from tests.helpers import make_contact

runner = CliRunner()
TODAY = dt.date(2026, 11, 23)


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
    assert ([c.name for c in page.contacts], page.total()) == (["ann", "Bo"], 4)
    page = list_contacts(tx, "o", 1)  # Øberg, and Bo? no: "o" starts no word of "Bo" but "Øberg"
    assert ([c.name for c in page.contacts], page.total()) == (["Øberg"], 1)


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


# --- duplicates ------------------------------------------------------------------------------


def pairs(db: Database) -> list[tuple[str, str, list[str]]]:
    """In a read transaction, as the command runs it (PostgreSQL streams in one)."""
    with db.reading() as tx:
        return [(p.keep.name, p.other.name, p.reasons) for p in find_duplicates(tx)]


def test_distinct_lookalikes_are_never_paired(db: Database, tx: Tx) -> None:
    """People with similar names who share no phone, email, address or email name."""
    make_contact(
        tx, "Ann Lee", email="ann.lee@example.com", phone="555-010-0101", address="1 Elm St"
    )
    make_contact(
        tx, "Ann Lee", email="annlee@work.example", phone="555-010-0102", address="9 Oak Ave"
    )
    make_contact(tx, "Jon Smith", email="jon@example.com", phone="555-010-0103", address=None)
    make_contact(tx, "John Smith", email="john@example.com", phone="555-010-0104", address=None)
    make_contact(
        tx, "Maria Garcia", email="maria@example.com", phone="555-010-0105", address="2 Pine Rd"
    )
    make_contact(
        tx, "Luis Garcia", email="luis@example.com", phone="555-010-0106", address="2 Pine Rd"
    )
    make_contact(tx, "Zoë Øberg", email="zoe@example.com", phone="555-010-0107", address=None)
    make_contact(tx, "Zoë Łukasz-Øberg", email="zl@example.org", phone="555-010-0108", address=None)
    make_contact(
        tx, "Anna Lee", email="anna.lee@gmail.com", phone="555-010-0109", address="1 Elm St"
    )
    make_contact(tx, "Ann Leeds", email="ann+x@yahoo.com", phone=None, address=None)
    make_contact(tx, "Ann Leeds", email="ann@yahoo.com", phone=None, address="3 Ash Ct")
    assert pairs(db) == []


def test_each_reason_finds_its_pair(db: Database, tx: Tx) -> None:
    # same email ignoring dots and +tags (Gmail), and a +tag at another provider
    make_contact(tx, "Ann Lee", email="ann.lee@gmail.com", phone=None, address=None)
    make_contact(tx, "A. Lee", email="AnnLee+shop@googlemail.com", phone=None, address=None)
    make_contact(tx, "Bo Ray", email="bo@fastmail.com", phone=None, address=None)
    make_contact(tx, "Bo Ray", email="bo+orders@fastmail.com", phone=None, address=None)
    # same name (accents and case aside) and address; same name and email name
    make_contact(tx, "Zoë Øberg", email=None, phone="555-010-0105", address="12 High St.")
    make_contact(tx, "ZOE OBERG", email=None, phone="555-010-0106", address="12 high st")
    make_contact(tx, "Cy Diaz", email="cy.diaz@example.com", phone=None, address=None)
    make_contact(tx, "Cy Díaz", email="cy.diaz@work.example", phone=None, address=None)
    # same email ignoring case (written by another program: the app stores it lower-cased)
    make_contact(tx, "Di Fox", email="di@example.com", phone=None, address=None)
    dee = make_contact(tx, "Dee Fox", email="dee@example.com", phone=None, address=None)
    tx.execute("UPDATE contact SET email = 'DI@Example.com' WHERE id = :id", {"id": dee.id})
    assert pairs(db) == [
        ("Ann Lee", "A. Lee", ["same email ignoring dots and +tags"]),
        ("Bo Ray", "Bo Ray", ["same email ignoring dots and +tags", "same name"]),
        ("Zoë Øberg", "ZOE OBERG", ["same name and address"]),
        ("Cy Diaz", "Cy Díaz", ["same name and email name"]),
        ("Di Fox", "Dee Fox", ["same email"]),
    ]


def test_a_phone_known_as_a_merged_contacts_alias_pairs_with_whoever_has_it(
    db: Database, tx: Tx
) -> None:
    """Near-identical names sharing a phone: Zoë's old number, an alias after a merge, is
    given to a new contact."""
    make_contact(tx, "Zoë Øberg", email="zoe@example.com", phone="555-010-0101")
    make_contact(tx, "Zoe Oberg", email=None, phone="555-010-0102")
    merge(tx, "1", "2", today=TODAY)
    make_contact(tx, "Zoë Łukasz-Øberg", email=None, phone="555 010 0102")
    make_contact(tx, "Bob Ray", email=None, phone="555-010-0103")
    assert pairs(db) == [
        ("Zoë Øberg", "Zoë Łukasz-Øberg", ["same phone", "near-identical names"]),
    ]


def test_cli_dupes_lists_pairs_with_the_merge_command() -> None:
    ok("contact", "add", "Ann Lee", "--email", "ann.lee@gmail.com")
    ok("contact", "add", "Ann Lee", "--email", "annlee@gmail.com", "--phone", "555-010-0102")
    assert ok("contact", "dupes") == (
        "1 likely duplicate (keep the first, or swap):\n"
        "\n"
        "  Ann Lee (#1, ann.lee@gmail.com)\n"
        "  Ann Lee (#2, annlee@gmail.com, 555-010-0102)\n"
        "    same email ignoring dots and +tags, same name: followup contact merge 1 2\n"
    )
    data = json.loads(ok("contact", "dupes", "--json"))
    assert [(d["keep"]["id"], d["other"]["id"]) for d in data] == [(1, 2)]


def test_cli_dupes_says_when_there_are_none() -> None:
    assert ok("contact", "dupes") == "No likely duplicates.\n"


# --- merging ---------------------------------------------------------------------------------

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def _two_of_one_person(tx: Tx, rules: RuleSet) -> tuple[ContactRow, ContactRow]:
    """Zoë twice: each with a sale (so a thank-you call each), Zoe with a call and its answer,
    a referral, an address, a note, a tag and an opt-out Zoë has not got."""
    keep = make_contact(tx, "Zoë Øberg", email="zoe@example.com", phone="555-010-0101",
                        address=None, tags="vip", today=dt.date(2026, 11, 10))  # fmt: skip
    other = make_contact(tx, "Zoe Oberg", email="zoe.o@gmail.com", phone="555-010-0102",
                         address="12 High St", tags="wholesale", today=dt.date(2026, 11, 2))  # fmt: skip
    update(tx, "contact", other.id, {"note": "Likes blue", "opted_out_channels": "text"})
    update(tx, "contact", keep.id, {"opted_out_channels": "email"})
    # Zoe's sale is a day earlier, so her thank-you call is due a day earlier
    for ref, on in ((f"#{keep.id}", TODAY), (f"#{other.id}", TODAY - dt.timedelta(days=1))):
        log_interaction(tx, ref, "sale", on=on, today=TODAY, now=NOW, rules=rules)
    repair = new_followup(tx, other.id, rule="manual", purpose="Ask about the repair",
                          channel="phone", due_on=TODAY, today=TODAY)  # fmt: skip
    call = start_call(tx, repair.id, today=TODAY, now=NOW)
    insert_row(tx, AnswerRow, {"call_id": call.id, "step": "liked", "question": "Liked?",
                               "answer": "The bell", "answered_at": NOW})  # fmt: skip
    friend = make_contact(tx, "Friend", phone="555-010-0103")
    update(tx, "contact", friend.id, {"referred_by_id": other.id})
    return keep, other


def test_merge_moves_everything_and_keeps_the_stricter_consent(tx: Tx, rules: RuleSet) -> None:
    keep, other = _two_of_one_person(tx, rules)
    before = {
        table: tx.value(f"SELECT COUNT(*) FROM {table}")
        for table in ("interaction", "followup", "call_log", "call_answer", "followup_event")
    }
    thanks = {
        f.contact_id: f
        for f in fetch(tx, FollowUpRow, "rule = 'sale-thank-you' AND status = 'pending'")
    }
    plan = merge(tx, f"#{keep.id}", f"#{other.id}", today=TODAY)

    assert get(tx, ContactRow, other.id) is None
    for table in ("interaction", "followup", "call_log"):
        assert tx.rows(f"SELECT DISTINCT contact_id FROM {table}") == [(keep.id,)], table
    after = {table: tx.value(f"SELECT COUNT(*) FROM {table}") for table in before}
    assert after == {**before, "followup_event": before["followup_event"] + 1}
    assert (plan.interactions, plan.followups, plan.calls, plan.referrals) == (1, 3, 1, 1)
    assert tx.value("SELECT referred_by_id FROM contact WHERE name = 'Friend'") == keep.id
    # Zoe's thank-you call was due first (her sale was earlier): it stays, and covers both
    # sales; Zoë's is skipped as its duplicate.
    kept, dropped = thanks[other.id], thanks[keep.id]
    assert [(d.id, k.id) for d, k in plan.collapsed] == [(dropped.id, kept.id)]
    skipped = get(tx, FollowUpRow, dropped.id)
    assert skipped is not None and (skipped.status, skipped.completed_on) == ("skipped", TODAY)
    assert (
        skipped.note == f"Duplicate of #{kept.id} (merged Zoe Oberg (#{other.id}) into #{keep.id})"
    )
    assert tx.rows(
        "SELECT interaction_id FROM followup_event WHERE followup_id = :id", {"id": kept.id}
    ) == [(dropped.interaction_id,)]
    merged = get(tx, ContactRow, keep.id)
    assert merged is not None
    assert (merged.name, merged.email, merged.phone) == (
        "Zoë Øberg",
        "zoe@example.com",
        "555-010-0101",
    )
    assert (merged.address, merged.note, merged.tags) == (
        "12 High St",
        "Likes blue",
        "vip,wholesale",
    )
    assert (merged.opted_out_channels, merged.do_not_contact) == ("email,text", False)
    assert merged.created_on == dt.date(2026, 11, 2)
    assert merged == plan.merged
    assert plan.filled == ["address", "note", "tags", "created_on"]
    assert tx.rows("SELECT contact_id, kind, value FROM contact_alias ORDER BY id") == [
        (keep.id, "email", "zoe.o@gmail.com"),
        (keep.id, "phone", "+15550100102"),
    ]
    assert resolve(tx, "ZOE.O@gmail.com").id == keep.id
    assert resolve(tx, "555 010 0102").id == keep.id


def test_merge_fills_a_missing_phone_and_do_not_contact_wins(tx: Tx) -> None:
    keep = make_contact(tx, "Ann Lee", email="ann@example.com", phone=None)
    other = make_contact(tx, "Ann Lee", email=None, phone="555-010-0102")
    update(tx, "contact", other.id, {"do_not_contact": True, "phone_invalid": True})
    plan = merge(tx, f"#{keep.id}", f"#{other.id}", today=TODAY)
    merged = get(tx, ContactRow, keep.id)
    assert merged is not None
    assert (merged.phone, merged.phone_key, merged.phone_invalid) == (
        "555-010-0102",
        "+15550100102",
        True,
    )
    assert merged.do_not_contact
    assert plan.aliases == [] and plan.filled == ["phone"]
    assert tx.value("SELECT COUNT(*) FROM contact_alias") == 0


def test_merge_carries_the_others_aliases_and_referrals_between_the_two(tx: Tx) -> None:
    keep = make_contact(tx, "Ann Lee", email="ann@example.com", phone="555-010-0101")
    other = make_contact(tx, "Ann Lee", email="ann2@example.com", phone="555-010-0102")
    third = make_contact(tx, "Ann Lee", email="ann3@example.com", phone="555-010-0103")
    update(tx, "contact", keep.id, {"referred_by_id": other.id})
    merge(tx, f"#{other.id}", f"#{third.id}", today=TODAY)  # other knows ann3 now
    merge(tx, f"#{keep.id}", f"#{other.id}", today=TODAY)
    merged = get(tx, ContactRow, keep.id)
    assert merged is not None and merged.referred_by_id is None  # never their own referrer
    assert {value for (value,) in tx.rows("SELECT value FROM contact_alias WHERE contact_id = :id", {"id": keep.id})} == {
        "ann2@example.com", "+15550100102", "ann3@example.com", "+15550100103"
    }  # fmt: skip


def test_merge_refuses_one_contact_twice_and_unknown_people(tx: Tx) -> None:
    make_contact(tx, "Ann Lee", email="ann@example.com")
    with pytest.raises(InvalidInput) as caught:
        merge(tx, "1", "ann@example.com", today=TODAY)
    assert str(caught.value) == (
        "'1' and 'ann@example.com' are both Ann Lee (#1); give two different contacts, "
        "the one to keep first."
    )
    with pytest.raises(NotFound, match=r"^No contact #2\. See"):
        merge(tx, "1", "#2", today=TODAY)
    assert tx.value("SELECT COUNT(*) FROM contact") == 1


def test_an_import_matches_a_merged_contacts_email_and_phone_to_the_one_kept(
    tx: Tx, tmp_path: Path
) -> None:
    keep = make_contact(tx, "Zoë Øberg", email="zoe@example.com", phone="555-010-0101")
    other = make_contact(tx, "Zoe Oberg", email="zoe.o@gmail.com", phone="555-010-0102")
    merge(tx, f"#{keep.id}", f"#{other.id}", today=TODAY)
    path = tmp_path / "sales.csv"
    path.write_text(
        "order,date,name,email,phone\n"
        "1,2026-11-22,Zoe Oberg,ZOE.O@gmail.com,\n"
        "2,2026-11-22,Zoe Oberg,,(555) 010-0102\n"
        "3,2026-11-22,Zoe Oberg,zoe.o@gmail.com,555-010-0102\n"
        "4,2026-11-22,Bob Ray,bob@example.com,\n"
    )
    result = runner.invoke(app, ["import", str(path), "--json"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["sales_imported"], summary["new_contacts"]) == (4, 1)
    assert summary["conflicts"] == []  # the aliases are Zoë's own, not a different email
    bob = resolve(tx, "bob")
    assert bob.name_key == "bob ray"  # the import folds the names it creates
    counts = "SELECT contact_id, COUNT(*) FROM interaction GROUP BY contact_id ORDER BY 1"
    assert tx.rows(counts) == [(keep.id, 3), (bob.id, 1)]
    zoe = get(tx, ContactRow, keep.id)
    assert zoe is not None and (zoe.email, zoe.phone) == ("zoe@example.com", "555-010-0101")


def test_forget_erases_the_aliases_too(tx: Tx) -> None:
    keep = make_contact(tx, "Zoë Øberg", email="zoe@example.com", phone="555-010-0101")
    other = make_contact(tx, "Zoe Oberg", email="zoe.o@gmail.com", phone="555-010-0102")
    merge(tx, f"#{keep.id}", f"#{other.id}", today=TODAY)
    assert tx.value("SELECT COUNT(*) FROM contact_alias") == 2
    secret = suppression_key()
    forget(tx, f"#{keep.id}", today=TODAY, secret=secret)
    assert tx.value("SELECT COUNT(*) FROM contact_alias") == 0
    # ... and an import does not bring them back under the email or phone they were known by
    hashes = {row[0] for row in tx.rows("SELECT key_hash FROM suppression")}
    assert {h for h in hashes if not h.startswith("key:")} == {
        suppression_hash("email", "zoe@example.com", secret),
        suppression_hash("phone", "+15550100101", secret),
        suppression_hash("email", "zoe.o@gmail.com", secret),
        suppression_hash("phone", "+15550100102", secret),
    }


def test_cli_merge_previews_asks_and_merges() -> None:
    ok("contact", "add", "Ann Lee", "--email", "ann@example.com", "--phone", "555-010-0101")
    ok("contact", "add", "Ann Lee", "--email", "ann.lee@work.example", "--address", "1 Elm St")
    preview = (
        "Merge Ann Lee (#2, ann.lee@work.example)\n"
        " into Ann Lee (#1, ann@example.com, 555-010-0101):\n"
        "  Moves 0 interactions, 0 follow-ups, 0 calls, 0 referrals; then #2 is deleted.\n"
        "  Fills in: address\n"
        "  Known by: ann.lee@work.example (an import matches them to #1)\n"
    )
    kept = runner.invoke(app, ["contact", "merge", "1", "2"], input="n\n")
    assert kept.exit_code == 0
    assert (
        kept.stdout
        == preview + "Merge Ann Lee (#2) into Ann Lee (#1)? [y/N]: n\nNothing was merged.\n"
    )
    merged = runner.invoke(app, ["contact", "merge", "1", "2"], input="y\n")
    assert merged.exit_code == 0, merged.stderr
    assert merged.stdout.endswith(
        "Merged Ann Lee (#2) into Ann Lee (#1): moved 0 interactions, 0 follow-ups, 0 calls, "
        "0 referrals.\n"
        "  Filled in: address\n"
        "  Known by: ann.lee@work.example (an import matches them to #1)\n"
    )
    assert "Ann Lee (#1)" in ok("contact", "show", "ann.lee@work.example")


def test_cli_merge_errors() -> None:
    ok("contact", "add", "Ann Lee", "--email", "ann@example.com")
    ok("contact", "add", "Bob Ray", "--phone", "555-010-0102")
    same = runner.invoke(app, ["contact", "merge", "Ann", "1", "--yes"])
    assert (same.exit_code, same.stderr) == (
        2,
        "Error: 'Ann' and '1' are both Ann Lee (#1); give two different contacts, the one to "
        "keep first.\n",
    )
    unknown = runner.invoke(app, ["contact", "merge", "1", "Zed", "--yes"])
    assert (unknown.exit_code, unknown.stderr) == (
        3,
        "Error: No contact matches 'Zed'. Try `followup contact list --search Zed`.\n",
    )
    done = runner.invoke(app, ["contact", "merge", "1", "2", "--yes"])
    assert (done.exit_code, done.stdout) == (
        0,
        "Merged Bob Ray (#2) into Ann Lee (#1): moved 0 interactions, 0 follow-ups, 0 calls, "
        "0 referrals.\n  Filled in: phone\n",
    )
