"""The regular customer and the first day (#12): once_per caps and merges, who a rule applies
to, one note per sale, postal addresses, a stable import source, and a customer reached in
one channel not asked again in another."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from followup_cli import agenda
from followup_cli.cli import app
from followup_cli.errors import ConfigError
from followup_cli.followups import complete, log_interaction
from followup_cli.rules import default_rules_text, parse_rules
from followup_cli.scheduling import RuleSet
from followup_cli.store import Tx
from followup_cli.store.rows import FollowUpRow, fetch
from tests.helpers import make_contact, query

TODAY = dt.date(2026, 11, 23)  # the conftest's FOLLOWUP_TODAY, a Monday
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
runner = CliRunner()


def pending(tx: Tx) -> list[tuple[str, str, int | None]]:
    rows = fetch(tx, FollowUpRow, "status = 'pending'", order="id")
    return [(f.rule, f.channel, f.interaction_id) for f in rows]


def sale(tx: Tx, rules: RuleSet, on: dt.date, cents: int, who: str = "Bob", **kw: Any) -> Any:
    return log_interaction(
        tx, who, "sale", on=on, today=kw.pop("today", on), now=NOW, rules=rules,
        amount_cents=cents, **kw,
    )  # fmt: skip


def with_rules(extra: str) -> RuleSet:
    import tomllib

    return parse_rules(tomllib.loads(extra), "rules.toml")


# --------------------------------------------------------------------------------------------
# once_per: one thank-you for a regular customer's sales
# --------------------------------------------------------------------------------------------


def test_three_sales_in_16_days_make_one_call_and_one_note_naming_all_three(
    tx: Tx, rules: RuleSet
) -> None:
    make_contact(tx, "Bob Ray")
    first = sale(tx, rules, dt.date(2026, 11, 2), 12900)
    second = sale(tx, rules, dt.date(2026, 11, 10), 4500)
    third = sale(tx, rules, dt.date(2026, 11, 18), 999)
    assert [f.rule for f in first.scheduling.scheduled] == ["sale-thank-you", "sale-note"]
    for later in (second, third):
        assert later.scheduling.scheduled == []
        assert [(f.id, f.rule) for f in later.scheduling.joined] == [
            (1, "sale-thank-you"),
            (2, "sale-note"),
        ]
    assert pending(tx) == [("sale-thank-you", "phone", 1), ("sale-note", "mail", 1)]
    items = agenda.due_today(tx, TODAY)
    assert [i.purpose for i in items] == [
        "Thank-you call for sales on Nov 2, Nov 10 and Nov 18, $129.00 + $45.00 + $9.99",
        "Handwritten thank-you note for sales on Nov 2, Nov 10 and Nov 18, "
        "$129.00 + $45.00 + $9.99",
    ]


def test_a_sale_soon_after_a_done_thank_you_makes_none_and_later_one_does(
    tx: Tx, rules: RuleSet
) -> None:
    make_contact(tx, "Bob Ray")
    call = sale(tx, rules, dt.date(2026, 11, 2), 12900).scheduling.scheduled[0]
    complete(tx, call.id, today=dt.date(2026, 11, 4), now=NOW, rules=rules, outcome="positive")
    soon = sale(tx, rules, dt.date(2026, 11, 20), 4500, today=TODAY)
    assert soon.scheduling.not_scheduled == [
        "sale-thank-you: follow-up #1 was done less than 30 days ago"
    ]
    assert [f.id for f in soon.scheduling.joined] == [2]
    months_later = sale(tx, rules, dt.date(2026, 12, 10), 3000, today=dt.date(2026, 12, 10))
    # the Nov 2 note still pending is over once_per old: it does not carry this sale
    assert [f.rule for f in months_later.scheduling.scheduled] == ["sale-thank-you", "sale-note"]


def test_the_import_merges_a_regular_customers_sales_like_log_does(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_text(
        "order,date,email,phone,total,address\n"
        "1,2026-11-10,bob@example.com,555-010-0102,129.00,1 Elm St\n"
        "2,2026-11-16,bob@example.com,555-010-0102,45.00,1 Elm St\n"
        "3,2026-11-20,bob@example.com,555-010-0102,9.99,1 Elm St\n"
        "4,2026-11-20,ann@example.com,555-010-0101,20.00,2 Oak Ave\n"
    )
    dry = runner.invoke(app, ["import", str(path), "--dry-run"]).stdout
    assert "  Joined pending follow-ups:   4 (a repeat customer's sale added" in dry
    result = runner.invoke(app, ["import", str(path), "--json"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["followups_scheduled"], summary["followups_joined"]) == (4, 4)
    today = json.loads(runner.invoke(app, ["today", "--json"]).stdout)
    bob = [i["purpose"] for i in today if i["contact"] == "bob@example.com"]
    assert bob == [
        "Thank-you call for sales on Nov 10, Nov 16 and Nov 20, $129.00 + $45.00 + $9.99",
        "Handwritten thank-you note for sales on Nov 10, Nov 16 and Nov 20, "
        "$129.00 + $45.00 + $9.99",
    ]


def test_a_nightly_sale_joins_the_thank_you_still_pending_from_last_night(
    tmp_path: Path,
) -> None:
    night = tmp_path / "n1.csv"
    night.write_text("order,date,email,address\n1,2026-11-20,bob@example.com,1 Elm St\n")
    assert runner.invoke(app, ["import", str(night)]).exit_code == 0
    night.write_text("order,date,email,address\n2,2026-11-22,bob@example.com,1 Elm St\n")
    summary = json.loads(runner.invoke(app, ["import", str(night), "--json"]).stdout)
    assert (summary["followups_scheduled"], summary["followups_joined"]) == (0, 2)
    assert query("SELECT followup_id, interaction_id FROM followup_event ORDER BY 1") == [
        (1, 2),
        (2, 2),
    ]


# --------------------------------------------------------------------------------------------
# Who a rule applies to: min_amount, tags, first-time or repeat customer
# --------------------------------------------------------------------------------------------

CONDITIONS = """
[[rule]]
name = "big-sale-call"
on = "sale"
after = "2d"
channel = "phone"
purpose = "Thank-you {action}"
min_amount = 20

[[rule]]
name = "vip-note"
on = "sale"
after = "7d"
channel = "mail"
purpose = "Handwritten note"
tags = ["vip", "wholesale"]

[[rule]]
name = "welcome-email"
on = "sale"
after = "1d"
channel = "email"
purpose = "Welcome {action}"
customer = "first-time"

[[rule]]
name = "loyalty-text"
on = "sale"
after = "3d"
channel = "text"
purpose = "Thanks for coming back {action}"
customer = "repeat"
"""


def test_min_amount_tags_and_first_or_repeat_customer(tx: Tx) -> None:
    rules = with_rules(CONDITIONS)
    make_contact(tx, "Ann Lee", email="ann@example.com", tags="vip")
    make_contact(tx, "Bob Ray", email="bob@example.com", phone="555-010-0102")
    tube = sale(tx, rules, dt.date(2026, 11, 20), 999, who="Bob")
    assert [f.rule for f in tube.scheduling.scheduled] == ["welcome-email"]
    assert tube.scheduling.not_scheduled == [
        "big-sale-call: the sale is under the rule's min_amount",
        "vip-note: only for contacts tagged vip, wholesale",
        "loyalty-text: only for repeat customers",
    ]
    bike = sale(tx, rules, dt.date(2026, 11, 21), 12900, who="Bob")
    assert [f.rule for f in bike.scheduling.scheduled] == ["big-sale-call", "loyalty-text"]
    assert "welcome-email: only for a customer's first sale" in bike.scheduling.not_scheduled
    unknown = sale(tx, rules, dt.date(2026, 11, 21), None, who="Ann")  # no amount: benefit of doubt
    assert [f.rule for f in unknown.scheduling.scheduled] == [
        "big-sale-call", "vip-note", "welcome-email",
    ]  # fmt: skip


def test_the_import_applies_the_same_conditions(
    tx: Tx, tmp_path: Path, isolated_home: Path
) -> None:
    (isolated_home / "rules.toml").write_text(CONDITIONS)
    make_contact(tx, "Ann Lee", email="ann@example.com", tags="wholesale")
    path = tmp_path / "s.csv"
    path.write_text(
        "order,date,email,phone,total\n"
        "1,2026-11-19,ann@example.com,,45\n"
        "2,2026-11-20,bob@example.com,555-010-0102,9.99\n"
        "3,2026-11-21,bob@example.com,555-010-0102,30\n"
    )
    result = runner.invoke(app, ["import", str(path), "--json"])
    assert result.exit_code == 0, result.stderr
    made = query(
        "SELECT i.external_id, f.rule FROM followup f JOIN interaction i"
        " ON i.id = f.interaction_id ORDER BY 1, 2"
    )
    assert made == [
        ("1", "big-sale-call"), ("1", "vip-note"), ("1", "welcome-email"),
        ("2", "welcome-email"),
        ("3", "big-sale-call"), ("3", "loyalty-text"),
    ]  # fmt: skip
    # 12 planned: 6 made, 2 notes Bob has no address for, 4 left out by the conditions
    summary = json.loads(result.stdout)
    assert (summary["followups_no_address"], summary["followups_not_needed"]) == (2, 4)


# --------------------------------------------------------------------------------------------
# One note per sale; a note needs an address
# --------------------------------------------------------------------------------------------


def test_a_mail_preferring_contact_gets_one_note_per_sale(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx, "Mia Post", phone=None, prefers="mail")
    result = sale(tx, rules, dt.date(2026, 11, 20), 5000, who="Mia")
    assert [(f.rule, f.channel) for f in result.scheduling.scheduled] == [("sale-note", "mail")]
    assert result.scheduling.not_scheduled == [
        "sale-thank-you: one note per sale, and another rule writes it"
    ]


def test_no_address_no_note_unless_they_prefer_visits(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx, "Ann Lee", address=None)
    ann = sale(tx, rules, dt.date(2026, 11, 20), 5000, who="Ann")
    assert [f.rule for f in ann.scheduling.scheduled] == ["sale-thank-you"]
    assert ann.scheduling.not_scheduled == [
        "sale-note: Ann Lee (#1) has no postal address on file"
        " (`followup contact edit 1 --address ...`)"
    ]
    make_contact(tx, "Vic Walkin", phone=None, address=None, prefers="visit")
    vic = sale(tx, rules, dt.date(2026, 11, 20), 5000, who="Vic")
    assert [(f.rule, f.channel) for f in vic.scheduling.scheduled] == [
        ("sale-thank-you", "visit"),
        ("sale-note", "mail"),  # handed over at the next visit
    ]


def test_address_on_the_cli_and_on_the_notes_list() -> None:
    added = runner.invoke(
        app,
        ["contact", "add", "Ann Lee", "--phone", "555-010-0101",
         "--address", "12 High St\n  Springfield   IL 62701\n"],
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert query("SELECT address FROM contact") == [("12 High St\nSpringfield IL 62701",)]
    show = runner.invoke(app, ["contact", "show", "Ann"]).stdout
    assert "Address:  12 High St, Springfield IL 62701" in show
    runner.invoke(app, ["log", "sale", "Ann", "--on", "2026-11-13", "--amount", "10"])
    screen = runner.invoke(app, ["today"]).stdout
    notes = screen.split("Notes to write")[1]
    assert "12 High St, Springfield IL 62701" in notes
    assert "Handwritten thank-you note for sale on Nov 13, $10.00" in notes
    cleared = runner.invoke(app, ["contact", "edit", "Ann", "--address", ""])
    assert cleared.stdout == "Updated Ann Lee (#1): address.\n"
    assert query("SELECT address FROM contact") == [(None,)]
    too_long = runner.invoke(app, ["contact", "edit", "Ann", "--address", "x" * 501])
    assert (too_long.exit_code, too_long.stderr) == (
        2,
        "Error: An address is up to 500 characters of text, one line or several.\n",
    )


SHOPIFY_HEADER = (
    "Name,Email,Financial Status,Paid at,Created at,Total,Lineitem name,Billing Name,"
    "Billing Address1,Billing City,Billing Zip,Billing Province,Billing Country,"
    "Shipping Name,Shipping Address1,Shipping Address2,Shipping City,Shipping Zip,"
    "Shipping Province,Shipping Country,Phone"
)


def test_shopify_shipping_address_is_imported_and_on_the_notes_list(tmp_path: Path) -> None:
    path = tmp_path / "orders_export.csv"
    path.write_text(
        SHOPIFY_HEADER + "\n"
        "#1001,ann@example.com,paid,2026-11-16 10:00:00 -0500,2026-11-16 09:58:00 -0500,"
        "129.00,Helmet,Ann Lee,9 Bill Rd,Billtown,11111,NY,US,Ann Lee,12 High St,Apt 3,"
        "Springfield,62701,IL,US,555-010-0101\n"
        "#1001,ann@example.com,,,2026-11-16 09:58:00 -0500,,Gloves,,,,,,,,,,,,,,\n"
        "#1002,bob@example.com,paid,2026-11-17 10:00:00 -0500,2026-11-17 09:00:00 -0500,"
        "45.00,Tube,Bob Ray,5 Bill St,Oakville,22222,ON,CA,,,,,,,,\n"
    )
    result = runner.invoke(app, ["import", str(path), "--preset", "shopify", "--json"])
    assert result.exit_code == 0, result.stderr
    assert query("SELECT name, address FROM contact ORDER BY id") == [
        ("Ann Lee", "12 High St\nApt 3\nSpringfield IL 62701\nUS"),
        ("Bob Ray", "5 Bill St\nOakville ON 22222\nCA"),  # no shipping address: billing
    ]
    notes = runner.invoke(app, ["today"]).stdout.split("Notes to write")[1]
    assert "12 High St, Apt 3, Springfield IL 62701, US" in notes


def test_an_existing_contact_gains_an_address_but_keeps_their_own(tx: Tx, tmp_path: Path) -> None:
    make_contact(tx, "Ann Lee", email="ann@example.com", address=None)
    make_contact(tx, "Bob Ray", email="bob@example.com", phone=None, address="1 Old Rd")
    path = tmp_path / "s.csv"
    path.write_text(
        "order,date,email,street,city,zip\n"
        "1,2026-11-20,ann@example.com,2 New St,Townsville,12345\n"
        "2,2026-11-20,bob@example.com,3 Other St,Townsville,12345\n"
    )
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    assert query("SELECT address FROM contact ORDER BY id") == [
        ("2 New St\nTownsville 12345",),
        ("1 Old Rd",),
    ]


# --------------------------------------------------------------------------------------------
# A stable sale identity
# --------------------------------------------------------------------------------------------


def test_the_same_export_with_a_column_more_or_less_imports_nothing_new(tmp_path: Path) -> None:
    path = tmp_path / "till.csv"
    path.write_text(
        "order,date,email,total\n1,2026-11-20,ann@example.com,10\n2,2026-11-21,b@example.com,5\n"
    )
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    path.write_text(
        "order,date,email,total,staff\n1,2026-11-20,ann@example.com,10,Sam\n"
        "2,2026-11-21,b@example.com,5,Jo\n"
    )
    grown = json.loads(runner.invoke(app, ["import", str(path), "--dry-run", "--json"]).stdout)
    assert (grown["sales_imported"], grown["already_imported"], grown["changed"]) == (0, 2, 0)
    path.write_text("order,date,email\n1,2026-11-20,ann@example.com\n")
    shrunk = json.loads(runner.invoke(app, ["import", str(path), "--json"]).stdout)
    # without its amount the order reads as changed (and is not overwritten), never as new
    assert (shrunk["sales_imported"], shrunk["already_imported"], shrunk["changed"]) == (0, 0, 1)
    assert query("SELECT COUNT(*) FROM interaction") == [(2,)]


def test_an_order_already_recorded_under_another_source_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "till.csv"
    path.write_text("order,date,email,total\n1,2026-11-20,ann@example.com,10\n")
    assert runner.invoke(app, ["import", str(path)]).exit_code == 0
    path.write_text(
        "order,date,email,total\n1,2026-11-20,ann@example.com,10\n2,2026-11-20,b@example.com,7\n"
    )
    result = runner.invoke(app, ["import", str(path), "--source", "till"])
    assert result.exit_code == 0, result.stderr
    assert "Imported 1 sale" in result.stdout
    assert (
        "  Under another source:        1, not added again: the same order id, date and amount is "
        "already recorded (1 (import))"
    ) in result.stdout
    # another till's order 1, on another day or for another amount, is a sale of its own
    path.write_text(
        "order,date,email,total\n1,2026-11-21,c@example.com,10\n1,2026-11-20,d@example.com,99\n"
    )
    for source in ("shop2", "shop3"):
        assert runner.invoke(app, ["import", str(path), "--source", source]).exit_code == 0
        path.write_text("order,date,email,total\n1,2026-11-20,d@example.com,99\n")
    assert query("SELECT source, external_id, occurred_on FROM interaction ORDER BY id") == [
        ("import", "1", "2026-11-20"),
        ("till", "2", "2026-11-20"),
        ("shop2", "1", "2026-11-21"),
        ("shop3", "1", "2026-11-20"),
    ]


def test_an_order_is_found_under_any_of_many_other_sources(tmp_path: Path) -> None:
    """The other sources are found one index search each, from the first to the last: the
    order a fifth till recorded is found, whichever source comes first or last by name."""
    path = tmp_path / "till.csv"
    for number, source in enumerate(("b-till", "a-till", "e-till", "c-till", "d-till")):
        path.write_text(f"order,date,email,total\n{number},2026-11-20,ann@example.com,10\n")
        assert runner.invoke(app, ["import", str(path), "--source", source]).exit_code == 0
    path.write_text(
        "order,date,email,total\n"
        + "".join(f"{n},2026-11-20,ann@example.com,10\n" for n in range(5))
    )
    result = runner.invoke(app, ["import", str(path), "--source", "c-till", "--json"])
    summary = json.loads(result.stdout)
    assert (summary["sales_imported"], summary["already_imported"]) == (0, 1), result.stdout
    assert sorted(summary["elsewhere_orders"]) == [
        "0 (b-till)", "1 (a-till)", "2 (e-till)", "4 (d-till)"
    ]  # fmt: skip


def test_a_sale_logged_by_hand_with_its_order_number_is_not_imported_again(
    tmp_path: Path,
) -> None:
    runner.invoke(app, ["contact", "add", "Ann Lee", "--email", "ann@example.com"])
    logged = runner.invoke(
        app, ["log", "sale", "Ann", "--on", "2026-11-20", "--amount", "10", "--ref", "A-9"]
    )
    assert logged.exit_code == 0, logged.stderr
    path = tmp_path / "s.csv"
    path.write_text("order,date,email,total\nA-9,2026-11-20,ann@example.com,10.00\n")
    result = runner.invoke(app, ["import", str(path), "--json"])
    summary = json.loads(result.stdout)
    assert (summary["sales_imported"], summary["imported_elsewhere"]) == (0, 1), result.stdout
    assert summary["elsewhere_orders"] == ["A-9 (manual)"]


# --------------------------------------------------------------------------------------------
# Reached in one channel: not asked again in another
# --------------------------------------------------------------------------------------------

BOTH_WAYS = """
[[rule]]
name = "thank-by-phone"
on = "sale"
after = "2d"
channel = "phone"
purpose = "Thank-you {action}"

[[rule]]
name = "thank-by-email"
on = "sale"
after = "2d"
channel = "email"
purpose = "Thank-you {action}"

[[rule]]
name = "note"
on = "sale"
after = "7d"
channel = "mail"
purpose = "Handwritten note"
"""


def test_reached_by_phone_completes_the_pending_email_for_that_sale_but_not_the_note(
    tx: Tx,
) -> None:
    rules = with_rules(BOTH_WAYS)
    make_contact(tx, "Ann Lee", email="ann@example.com")
    make_contact(tx, "Bob Ray", email="bob@example.com", phone="555-010-0102")
    call, email, note = sale(tx, rules, dt.date(2026, 11, 19), 5000, who="Ann").scheduling.scheduled
    bobs = sale(tx, rules, dt.date(2026, 11, 19), 5000, who="Bob").scheduling.scheduled
    done = complete(tx, call.id, today=TODAY, now=NOW, rules=rules, outcome="positive")
    assert [(f.id, f.status, f.note) for f in done.also_done] == [
        (email.id, "done", f"Reached by phone on 2026-11-23 (#{call.id})")
    ]
    assert [f[0] for f in pending(tx)] == ["note", "thank-by-phone", "thank-by-email", "note"]
    assert fetch(tx, FollowUpRow, "id = :id", {"id": note.id})[0].status == "pending"
    assert {f.id for f in bobs} <= {f.id for f in fetch(tx, FollowUpRow, "status = 'pending'")}
    result = runner.invoke(app, ["done", str(bobs[1].id)])  # Bob answered the email
    assert result.stdout == (
        f"Done: #{bobs[1].id} Thank-you email with Bob Ray.\n"
        f"  Also done: #{bobs[0].id} Thank-you call (reached by email)\n"
    )


def test_logging_an_email_completes_the_call_pending_for_the_same_sale(tx: Tx) -> None:
    rules = with_rules(BOTH_WAYS)
    make_contact(tx, "Ann Lee", email="ann@example.com")
    sale(tx, rules, dt.date(2026, 11, 19), 5000, who="Ann")
    logged = log_interaction(tx, "Ann", "email", on=TODAY, today=TODAY, now=NOW, rules=rules)
    assert [f.rule for f in logged.completed] == ["thank-by-phone", "thank-by-email"]
    assert [f[0] for f in pending(tx)] == ["note"]


# --------------------------------------------------------------------------------------------
# Rules that say who and how often: shown and checked
# --------------------------------------------------------------------------------------------


def test_rules_show_conditions_and_caps(isolated_home: Path) -> None:
    shown = runner.invoke(app, ["rules"]).stdout
    assert "  useful for 14 days; at most one per 30 days; calls: thank-you script" in shown
    assert "  high priority; calls: complaint script" in shown
    (isolated_home / "rules.toml").write_text(CONDITIONS)
    shown = runner.invoke(app, ["rules"]).stdout
    assert "  sales from $20.00" in shown
    assert "  contacts tagged vip or wholesale" in shown
    assert "  a customer's first sale" in shown and "  repeat customers" in shown


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("min_amount = 'lots'", "rule 'r': min_amount must be an amount like 20 or 19.99, not 'lots'."),
        ("min_amount = -5", "rule 'r': min_amount must be an amount like 20 or 19.99, above zero."),
        ("min_amount = true", "rule 'r': min_amount must be an amount like 20 or 19.99."),
        ("tags = 3", "rule 'r': tags must be a tag or a list like [\"vip\", \"wholesale\"]."),
        ("customer = 'new'", "rule 'r': customer must be \"any\", \"first-time\" (their first sale) or \"repeat\"."),
        ("once_per = 'monthly'", "rule 'r': once_per: 'monthly' is not a length of time; use e.g. 2d, 1w, 3m or 1wd (working days)."),
        ("once_per = 30", "rule 'r': once_per must be text like \"2d\", \"1w\" or \"1wd\"."),
    ],
)  # fmt: skip
def test_each_bad_rule_value_names_the_rule_and_the_fix(line: str, message: str) -> None:
    import tomllib

    text = f'[[rule]]\nname = "r"\non = "sale"\nafter = "2d"\npurpose = "Hi"\n{line}\n'
    with pytest.raises(ConfigError) as caught:
        parse_rules(tomllib.loads(text), "rules.toml")
    assert str(caught.value) == f"rules.toml: {message}"


def test_rules_check_names_the_rule_and_the_fix(isolated_home: Path) -> None:
    rules_file = isolated_home / "rules.toml"
    broken = default_rules_text().replace('\nonce_per = "30d"', '\nonce_per = "a month"', 1)
    rules_file.write_text(broken)
    result = runner.invoke(app, ["rules", "check"])
    assert result.exit_code != 0
    assert "rule 'sale-thank-you': once_per: 'a month' is not a length of time" in result.stderr


def test_log_says_which_pending_follow_up_a_sale_joined() -> None:
    runner.invoke(app, ["contact", "add", "Bob Ray", "--phone", "555-010-0102", "-a", "1 Elm St"])
    first = runner.invoke(app, ["log", "sale", "Bob", "--amount", "129", "--on", "2026-11-20"])
    assert first.exit_code == 0, first.stderr
    again = runner.invoke(app, ["log", "sale", "Bob", "--amount", "12", "--on", "today"])
    assert (again.exit_code, again.stdout) == (
        0,
        "Logged sale ($12.00) for Bob Ray (#1) on Mon 2026-11-23.\n"
        "  Added to #1 Thank-you call, already pending (due Mon 2026-11-23)\n"
        "  Added to #2 Handwritten thank-you note, already pending (due Fri 2026-11-27)\n",
    )


def test_an_address_that_cannot_be_one_is_a_rejected_row(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "order,date,email,address\n1,2026-11-20,a@example.com," + "x" * 501 + "\n"
        "2,2026-11-20,b@example.com,2 Elm St\n"
    )
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 5
    rejects = (tmp_path / "s.rejects.csv").read_text(encoding="utf-8-sig")
    assert "An address is up to 500 characters of text, one line or several" in rejects
    assert query("SELECT email, address FROM contact") == [("b@example.com", "2 Elm St")]


# --------------------------------------------------------------------------------------------
# Review of the planning statements: once_per inside one file, one note after the caps, tags
# --------------------------------------------------------------------------------------------

TEN_DAYS = """
[[rule]]
name = "thanks"
on = "sale"
after = "1d"
channel = "email"
purpose = "Thank-you {action}"
once_per = "10d"
"""

# Oct 20 starts a window (Oct 25 joins); Nov 2 is past it and starts the next (Nov 4 and
# Nov 10 join); Nov 14 is past that one.
FAR_APART = ["2026-10-20", "2026-10-25", "2026-11-02", "2026-11-04", "2026-11-10", "2026-11-14"]
ONE_PER_WINDOW = [
    "Thank-you email for sale on Nov 14, $6.00",
    "Thank-you email for sales on Nov 2, Nov 4 and Nov 10, $3.00 + $4.00 + $5.00",
    "Thank-you email for sales on Oct 20 and Oct 25, $1.00 + $2.00",
]


def test_sales_logged_one_by_one_make_one_follow_up_per_once_per_window(tx: Tx) -> None:
    rules = with_rules(TEN_DAYS)
    make_contact(tx, "Bob Ray", email="bob@example.com")
    for cents, day in enumerate(FAR_APART, start=1):
        sale(tx, rules, dt.date.fromisoformat(day), cents * 100, today=TODAY)
    assert sorted(i.purpose for i in agenda.due_today(tx, TODAY)) == ONE_PER_WINDOW


def test_a_catch_up_file_makes_what_logging_its_sales_in_order_makes(
    tmp_path: Path, isolated_home: Path
) -> None:
    """A year's catch-up is not one follow-up: a sale joins an earlier one of the same file
    only within once_per of that one's event, as when the sales are logged one by one."""
    (isolated_home / "rules.toml").write_text(TEN_DAYS)
    path = tmp_path / "s.csv"
    rows = [f"{n},{day},bob@example.com,{n}" for n, day in enumerate(FAR_APART, start=1)]
    path.write_text("order,date,email,total\n" + "\n".join(reversed(rows)) + "\n")
    summary = json.loads(runner.invoke(app, ["import", str(path), "--json"]).stdout)
    assert (summary["followups_scheduled"], summary["followups_joined"]) == (3, 3)
    today = json.loads(runner.invoke(app, ["today", "--json"]).stdout)
    assert sorted(i["purpose"] for i in today) == ONE_PER_WINDOW


TWO_NOTES = """
[[rule]]
name = "note-monthly"
on = "sale"
after = "1d"
channel = "mail"
purpose = "Monthly note"
once_per = "30d"

[[rule]]
name = "note-each-sale"
on = "sale"
after = "1d"
channel = "preferred"
purpose = "Note for the sale"
"""


def test_a_note_left_out_by_once_per_leaves_the_sale_to_another_rules_note(tx: Tx) -> None:
    rules = with_rules(TWO_NOTES)
    make_contact(tx, "Mia Post", phone=None, prefers="mail")
    first = sale(tx, rules, dt.date(2026, 11, 10), 5000, who="Mia").scheduling
    assert [f.rule for f in first.scheduled] == ["note-monthly"]
    assert first.not_scheduled == ["note-each-sale: one note per sale, and another rule writes it"]
    complete(tx, first.scheduled[0].id, today=TODAY, now=NOW, rules=rules)
    second = sale(tx, rules, dt.date(2026, 11, 20), 5000, who="Mia").scheduling
    assert [f.rule for f in second.scheduled] == ["note-each-sale"]  # before: no note at all
    assert second.not_scheduled == [
        f"note-monthly: follow-up #{first.scheduled[0].id} was done less than 30 days ago"
    ]


def test_a_note_pending_for_the_sale_is_its_one_note(tx: Tx) -> None:
    rules = with_rules(TWO_NOTES)
    make_contact(tx, "Mia Post", phone=None, prefers="mail")
    first = sale(tx, rules, dt.date(2026, 11, 10), 5000, who="Mia").scheduling
    second = sale(tx, rules, dt.date(2026, 11, 20), 5000, who="Mia").scheduling
    assert second.scheduled == []
    assert [f.id for f in second.joined] == [first.scheduled[0].id]
    assert second.not_scheduled == ["note-each-sale: one note per sale, and another rule writes it"]


def test_a_tag_is_matched_whole_and_literally(tx: Tx) -> None:
    rules = with_rules(CONDITIONS.replace('tags = ["vip", "wholesale"]', 'tags = ["v_p", "50%"]'))
    make_contact(tx, "Ann Lee", email="ann@example.com", tags="vip,5000")
    make_contact(tx, "Bob Ray", email="bob@example.com", phone=None, tags="v_p")
    ann = sale(tx, rules, dt.date(2026, 11, 20), 5000, who="Ann").scheduling
    assert "vip-note: only for contacts tagged 50%, v_p" in ann.not_scheduled
    bob = sale(tx, rules, dt.date(2026, 11, 20), 5000, who="Bob").scheduling
    assert "vip-note" in [f.rule for f in bob.scheduled]


def test_two_sales_on_one_day_name_the_day_once(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx, "Bob Ray")
    sale(tx, rules, dt.date(2026, 11, 20), 1000)
    sale(tx, rules, dt.date(2026, 11, 20), 2000)
    assert agenda.due_today(tx, TODAY)[0].purpose == (
        "Thank-you call for sales on Nov 20, $10.00 + $20.00"
    )


def test_one_note_without_an_address_is_counted_in_words(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("order,date,email\n1,2026-11-20,a@example.com\n")
    result = runner.invoke(app, ["import", str(path)])
    assert "; 1 note not scheduled (no postal address)" in result.stdout


def test_the_map_help_names_every_field_the_import_reads() -> None:
    from followup_cli.importer.columns import FIELDS

    shown = " ".join(runner.invoke(app, ["import", "--help"]).stdout.split())
    assert all(field in shown for field in FIELDS), shown


def test_two_notes_for_a_regular_in_one_file_settle_as_if_logged_one_by_one(
    tmp_path: Path,
) -> None:
    """Found by a differential fuzzer (import against `log` one sale at a time): with two
    rules that can write a note, the file's second sale kept a note of its own, because
    the one-note choice was made before it was known that the sale joins the first one's
    thank-you. Each rank of sales is now settled before the next."""
    rules_text = """
[[rule]]
name = "repeat-note"
on = "sale"
after = "1d"
channel = "mail"
purpose = "Welcome back note"
customer = "repeat"

[[rule]]
name = "monthly-note"
on = "sale"
after = "1d"
channel = "mail"
purpose = "Monthly note"
once_per = "30d"
"""
    made: dict[str, Any] = {}
    for way in ("import", "log"):
        home = tmp_path / way
        env = {"FOLLOWUP_HOME": str(home), "FOLLOWUP_DB": str(home / "f.db")}
        home.mkdir()
        (home / "rules.toml").write_text(rules_text)
        add = ["contact", "add", "Mia Post", "-e", "mia@example.com", "-a", "1 Elm St", "--prefers", "mail"]  # fmt: skip
        assert runner.invoke(app, add, env=env).exit_code == 0
        if way == "import":
            path = home / "s.csv"
            path.write_text(
                "order,date,email\no1,2026-11-02,mia@example.com\no2,2026-11-10,mia@example.com\n"
            )
            assert runner.invoke(app, ["import", str(path)], env=env).exit_code == 0
        else:
            for order, day in (("o1", "2026-11-02"), ("o2", "2026-11-10")):
                logged = ["log", "sale", "Mia", "--on", day, "--ref", order]
                assert runner.invoke(app, logged, env=env).exit_code == 0
        made[way] = json.loads(runner.invoke(app, ["today", "--json"], env=env).stdout)
    assert (
        [i["purpose"] for i in made["import"]]
        == [i["purpose"] for i in made["log"]]
        == ["Monthly note for sales on Nov 2 and Nov 10"]
    )
