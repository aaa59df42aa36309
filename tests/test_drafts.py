"""Message drafts: every template and field, variant rotation, the checks, the links, consent,
and `followup draft` / `templates` / `today --json` / the power hour through CliRunner."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from typer.testing import CliRunner

from followup_cli.cli import app
from followup_cli.config import Settings, set_setting
from followup_cli.drafts import (
    ALWAYS,
    FIELDS,
    SAMPLE,
    Template,
    Templates,
    default_templates_text,
    draft_for,
    drafts_for,
    fill,
    load_templates,
    mailto_link,
    mark_sent,
    next_variant,
    parse_templates,
    sms_link,
    tel_link,
    template_purpose,
    when_words,
)
from followup_cli.errors import ConfigError, Conflict
from followup_cli.followups import complete, log_interaction, new_followup
from followup_cli.scheduling import RuleSet
from followup_cli.store import Database, Tx
from followup_cli.store.rows import FollowUpRow, get
from tests.helpers import make_contact, query

runner = CliRunner()
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 23)
OWNER = Settings(owner="Sam", business="Sam's Bikes", review_link="https://g.page/r/sams/review")
BUILT_IN = tomllib.loads(default_templates_text())


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=input, env={"COLUMNS": "200", **(env or {})})


def sale(tx: Tx, rules: RuleSet, who: str = "Ann Lee", items: str | None = "touring bike") -> None:
    log_interaction(
        tx, who, "sale", on=dt.date(2026, 11, 19), today=TODAY, now=NOW, rules=rules,
        amount_cents=12900,
    )  # fmt: skip
    if items:
        tx.execute("UPDATE interaction SET items = :items", {"items": items})


def draft(tx: Tx, fid: int, rules: RuleSet, settings: Settings = OWNER):  # type: ignore[no-untyped-def]
    return draft_for(
        tx, fid, settings=settings, rules=rules, templates=load_templates(), today=TODAY
    )


# --------------------------------------------------------------------------------------------
# Templates and fields
# --------------------------------------------------------------------------------------------

ALL_VARIANTS = [
    (purpose, channel, number)
    for purpose, channels in BUILT_IN.items()
    for channel, variants in channels.items()
    for number in range(1, len(variants) + 1)
]


def test_the_built_in_templates_cover_every_purpose_with_two_or_three_variants() -> None:
    found = load_templates()
    assert found.warnings == ()  # every text fits in 160 characters with long names
    kinds = {purpose for purpose, _ in found.kinds}
    assert kinds == set(BUILT_IN) and len(kinds) == 8
    assert all(2 <= len(v) <= 3 for v in found.kinds.values())
    assert {("thank-you", "email"), ("thank-you", "text"), ("thank-you", "mail"),
            ("review-link", "email"), ("review-link", "text"), ("make-it-right", "email"),
            ("referral-intro", "email")} <= set(found.kinds)  # fmt: skip


@pytest.mark.parametrize(("purpose", "channel", "number"), ALL_VARIANTS)
def test_every_template_merges_every_field_it_uses(purpose: str, channel: str, number: int) -> None:
    template = load_templates().variants(purpose, channel)[number - 1]
    body = fill(template.body, SAMPLE)
    assert "{" not in body and "}" not in body and body.strip()
    assert body.startswith(("Hi", "Hello", "Dear", "Thanks", "Alexandra", "I'm"))  # a person
    if channel == "text":
        assert len(body) <= 160
    if channel == "email":
        assert template.subject is not None and "{" not in fill(template.subject, SAMPLE)
    if purpose == "review-link":
        assert SAMPLE["review_link"] in body


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_each_field_is_merged_and_its_line_left_out_without_a_value(name: str) -> None:
    text = f"Hi {{first_name}},\nfield: {{{name}}}\nBye"
    assert f"field: {SAMPLE[name]}" in fill(text, SAMPLE)
    empty = {**SAMPLE, name: ""}
    merged = fill(text, empty)
    assert "field:" not in merged and merged.endswith("Bye")


def test_the_fields_come_from_the_follow_up_and_its_history(tx: Tx, rules: RuleSet) -> None:
    set_setting("owner", "Sam")
    referrer = make_contact(tx, "Carol Diaz", phone="555-010-0109", email="carol@example.com")
    ann = make_contact(tx, email="ann@example.com", prefers="email")
    tx.execute(
        "UPDATE contact SET referred_by_id = :r WHERE id = :a", {"r": referrer.id, "a": ann.id}
    )
    sale(tx, rules)
    custom = parse_templates(
        {"thank-you": {"email": [{"subject": "Hi {first_name}", "body": "\n".join(
            f"{name}={{{name}}}" for name in FIELDS if name != "their_words")}]}},
        "t",
    )  # fmt: skip
    made = draft_for(tx, 1, settings=OWNER, rules=rules, templates=custom, today=TODAY)
    assert made.subject == "Hi Ann"
    assert made.body.splitlines() == [
        "first_name=Ann",
        "name=Ann Lee",
        "owner=Sam",
        "business=Sam's Bikes",
        "bought=touring bike",
        "bought_on=Thursday",
        "amount=$129.00",
        "review_link=https://g.page/r/sams/review",
        "referrer=Carol Diaz",
    ]  # fmt: skip (referred: Ann referred nobody, so that line is left out)
    carol_note = new_followup(
        tx, referrer.id, rule="referral-thanks", purpose="Thank-you {action} for the referral",
        channel="email", due_on=TODAY, today=TODAY,
    )  # fmt: skip
    thanks = draft(tx, carol_note.id, rules)
    assert thanks.purpose == "referral-thanks" and "Ann Lee" in thanks.body


def test_their_own_words_from_the_last_call_where_it_went_badly(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx, phone=None, email="ann@example.com", prefers="email")
    sale(tx, rules)
    complete(tx, 1, today=TODAY, now=NOW, rules=rules, outcome="negative",
             note="The delivery took too long & the box was <torn>")  # fmt: skip
    fix = query("SELECT id, rule, channel FROM followup WHERE rule = 'make-it-right'")
    assert fix == [(3, "make-it-right", "email")]
    made = draft(tx, 3, rules)
    assert made.purpose == "make-it-right"
    assert '"The delivery took too long & the box was <torn>"' in made.body
    decoded = parse_qs(urlsplit(made.link).query)["body"][0]
    assert "<torn>" in decoded.replace("\r\n", "\n")


def test_when_words() -> None:
    assert when_words(dt.date(2026, 11, 19), TODAY) == "Thursday"
    assert when_words(TODAY, TODAY) == "today"
    assert when_words(dt.date(2026, 10, 2), TODAY) == "Oct 2"
    assert when_words(dt.date(2025, 10, 2), TODAY) == "Oct 2, 2025"


def test_purposes_follow_the_rule(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx)
    made = {
        rule: new_followup(tx, 1, rule=rule, purpose="x", channel="phone", due_on=TODAY, today=TODAY)
        for rule in ("sale-thank-you", "complaint-call", "resolved-check", "prospect-follow-up",
                     "keep-in-touch", "manual", "make-it-right", "escalated", "review-link",
                     "referral-intro", "referral-thanks", "sale-note")
    }  # fmt: skip
    assert {rule: template_purpose(f.rule, rules) for rule, f in made.items()} == {
        "sale-thank-you": "thank-you", "complaint-call": "make-it-right",
        "resolved-check": "satisfaction", "prospect-follow-up": "prospect",
        "keep-in-touch": "keep-in-touch", "manual": "keep-in-touch",
        "make-it-right": "make-it-right", "escalated": "make-it-right",
        "review-link": "review-link", "referral-intro": "referral-intro",
        "referral-thanks": "referral-thanks", "sale-note": "thank-you",
    }  # fmt: skip


# --------------------------------------------------------------------------------------------
# Rotation
# --------------------------------------------------------------------------------------------


def test_next_variant_is_the_one_not_used_last() -> None:
    variants = [Template("thank-you", "text", n, f"v{n}") for n in (1, 2, 3)]
    assert next_variant(variants, None).variant == 1
    assert next_variant(variants, "thank-you.text#1").variant == 2
    assert next_variant(variants, "thank-you.text#3").variant == 1
    assert next_variant(variants, "thank-you.text#9").variant == 1  # a variant since removed


def test_a_regular_gets_other_words_each_time(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx, email="ann@example.com", prefers="email")
    make_contact(tx, "Bob Ray", phone="555-010-0102", email="bob@example.com", prefers="email")
    seen = []
    for _ in range(4):
        fid = new_followup(
            tx, 1, rule="sale-thank-you", purpose="Thank-you {action}", channel="email",
            due_on=TODAY, today=TODAY,
        ).id  # fmt: skip
        made = draft(tx, fid, rules)
        seen.append((made.template, made.subject))
        mark_sent(tx, fid, made.template, today=TODAY, now=NOW, rules=rules)
    assert [t for t, _ in seen] == [
        "thank-you.email#1", "thank-you.email#2", "thank-you.email#3", "thank-you.email#1",
    ]  # fmt: skip
    assert len({s for _, s in seen[:3]}) == 3  # the words differ, not just the number
    bob = new_followup(
        tx, 2, rule="sale-thank-you", purpose="Thank-you {action}", channel="email",
        due_on=TODAY, today=TODAY,
    )  # fmt: skip
    assert draft(tx, bob.id, rules).template == "thank-you.email#1"  # per contact


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"thank-you": {"text": [{"body": "Hi {firstname}"}]}}, "unknown field {firstname}"),
        ({"thank-you": {"text": [{"body": "  "}]}}, "the body is empty"),
        ({"thank-you": {"text": [{}]}}, "the body is empty"),
        ({"review-link": {"text": [{"body": "Hi {first_name}, review us!"}]}},
         "must hold {review_link}"),
        ({"thank-you": {"email": [{"body": "Hi"}]}}, "an email needs a subject"),
        ({"thank-you": {"text": [{"subject": "x", "body": "Hi"}]}}, "only an email has a subject"),
        ({"thank-you": {"email": [{"subject": "About {bought}", "body": "Hi"}]}},
         "unknown field {bought}"),
        ({"thanks": {"email": [{"subject": "x", "body": "Hi"}]}}, "unknown purpose 'thanks'"),
        ({"thank-you": {"fax": [{"body": "Hi"}]}}, "thank-you.fax: unknown channel"),
        ({"thank-you": {"text": [{"body": "Hi", "sign": "x"}]}}, "unknown key 'sign'"),
        ({"thank-you": {"text": []}}, "write each variant as a [[thank-you.text]] table"),
    ],
)  # fmt: skip
def test_check_names_the_problem(data: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError) as caught:
        parse_templates(data, "templates.toml")
    assert message in str(caught.value)


def test_a_long_text_is_a_warning_not_an_error() -> None:
    found = parse_templates(
        {"thank-you": {"text": [{"body": "Hi {first_name}! " + "x" * 170}]}}, "t"
    )
    assert "over 160" in found.warnings[0]
    assert set(FIELDS) >= ALWAYS


def test_templates_check_and_show_on_the_command_line(isolated_home: Path) -> None:
    bad = isolated_home / "bad.toml"
    bad.write_text('[[review-link.text]]\nbody = "Hi {frist_name}"\n', encoding="utf-8")
    result = run("templates", "check", str(bad))
    assert result.exit_code == 2
    assert (
        "unknown field {frist_name}" in result.stderr and "must hold {review_link}" in result.stderr
    )
    ok = run("templates", "check")
    assert ok.exit_code == 0 and ok.stdout == "built-in templates: 52 templates, valid.\n"
    shown = run("templates", "show", "review-link", "--channel", "text")
    assert shown.exit_code == 0
    assert "review-link by text" in shown.stdout and "{review_link}" in shown.stdout
    assert "thank-you by" not in shown.stdout
    assert run("templates", "show", "nope").exit_code == 2


def test_templates_edit_copies_then_checks_and_own_kinds_replace_built_in(
    isolated_home: Path, tx: Tx, rules: RuleSet
) -> None:
    result = run("templates", "edit", env={"EDITOR": "true"})
    assert result.exit_code == 0, result.stderr
    path = isolated_home / "templates.toml"
    assert path.read_text(encoding="utf-8") == default_templates_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text('[[thank-you.text]]\nbody = "Cheers {first_name}!"\n', encoding="utf-8")
    found = load_templates()
    assert [t.body for t in found.variants("thank-you", "text")] == ["Cheers {first_name}!"]
    assert len(found.variants("thank-you", "email")) == 3  # the others stay as shipped
    path.write_text('[[thank-you.text]]\nbody = ""\n', encoding="utf-8")
    make_contact(tx, prefers="text")
    sale(tx, rules)
    broken = run("draft", "1")
    assert broken.exit_code == 2 and "the body is empty" in broken.stderr


# --------------------------------------------------------------------------------------------
# Links
# --------------------------------------------------------------------------------------------

HOSTILE = "Zoë & Åsa\nline two?x=1&body=evil #5 100% <b>"


def test_mailto_encodes_everything_interpolated() -> None:
    link = mailto_link("zoë+o'hara@example.com", HOSTILE, HOSTILE)
    assert link.startswith("mailto:zo%C3%AB+o%27hara@example.com?subject=")
    query = urlsplit(link).query
    assert query.count("&") == 1 and "\n" not in link and " " not in link and "#" not in link
    assert "%0D%0A" in link and "%C3%85" in link and "%26" in link and "+" not in query
    parsed = parse_qs(query, keep_blank_values=True)
    assert list(parsed) == ["subject", "body"]
    assert parsed["body"][0] == HOSTILE.replace("\n", "\r\n")
    assert unquote(link.split("?")[0]) == "mailto:zoë+o'hara@example.com"


def test_sms_and_tel_links() -> None:
    link = sms_link("+15550100101", HOSTILE)
    assert link.startswith("sms:+15550100101?body=") and link.count("?") == 1
    assert parse_qs(urlsplit(link).query) == {"body": [HOSTILE.replace("\n", "\r\n")]}
    assert tel_link("+15550100101") == "tel:+15550100101"
    assert tel_link("555 010&0101") == "tel:555%20010%260101"


def test_a_text_draft_links_to_the_global_number(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx, prefers="text")
    sale(tx, rules)
    made = draft(tx, 1, rules)
    assert made.channel == "text" and made.template == "thank-you.text#1"
    assert made.link is not None and made.link.startswith("sms:+15550100101?body=Hi%20Ann%2C")


# --------------------------------------------------------------------------------------------
# Consent and what cannot be drafted
# --------------------------------------------------------------------------------------------


def test_no_draft_or_link_for_a_channel_they_opted_out_of(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx, email="ann@example.com", prefers="email")
    sale(tx, rules)
    assert draft(tx, 1, rules).link
    tx.execute("UPDATE contact SET opted_out_channels = 'email'")
    with pytest.raises(Conflict, match="opted out of email"):
        draft(tx, 1, rules)
    ids = drafts_for(
        tx, [1, 2], settings=OWNER, rules=rules, templates=load_templates(), today=TODAY
    )
    assert ids[1] is None and ids[2] is not None  # the note by mail is still theirs to get
    tx.execute("UPDATE contact SET do_not_contact = :yes", {"yes": True})
    result = run("draft", "2")
    assert result.exit_code == 4 and "asked not to be contacted" in result.stderr
    assert result.stdout == ""


def test_a_wrong_number_gets_no_text_draft(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx, prefers="text")
    sale(tx, rules)
    tx.execute("UPDATE contact SET phone_invalid = :yes", {"yes": True})
    with pytest.raises(Conflict, match="no working phone number"):
        draft(tx, 1, rules)


def test_a_review_link_draft_needs_the_link_and_the_agenda_row_shows_it(
    tx: Tx, rules: RuleSet
) -> None:
    make_contact(tx, prefers="text")
    new_followup(tx, 1, rule="review-link", purpose="Send the review link", channel="text",
                 due_on=TODAY, today=TODAY)  # fmt: skip
    with pytest.raises(Conflict, match="no review link is set"):
        draft(tx, 1, rules, Settings())
    made = draft(tx, 1, rules)
    assert "https://g.page/r/sams/review" in made.body
    set_setting("review_link", "https://g.page/r/sams/review")
    today = run("today")
    assert "Send the review link: https://g.page/r/sams/review" in today.stdout


def test_customer_text_is_never_markup_on_screen(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx, "Ann [bold]Lee[/bold]\x1b[2J", email="ann@example.com", prefers="email")
    sale(tx, rules, "1")
    result = run("draft", "1")
    assert result.exit_code == 0
    assert "Ann [bold]Lee[/bold]\\x1b[2J" in result.stdout and "\x1b" not in result.stdout


def test_a_draft_signed_with_the_placeholders_says_how_to_sign_it(tx: Tx, rules: RuleSet) -> None:
    """A new owner's first draft would sign "the owner, our business": the command says so."""
    make_contact(tx, email="ann@example.com", prefers="email")
    sale(tx, rules)
    result = run("draft", "1")
    assert result.exit_code == 0 and result.stderr == (
        "Signed with the placeholder owner and business: set yours with `followup config set "
        "owner ...` and `followup config set business ...`.\n"
    )
    set_setting("owner", "Sam")
    set_setting("business", "Sam's Bikes")
    signed = run("draft", "1")
    assert signed.stderr == "" and "Sam's Bikes" in signed.stdout


def test_unknown_and_done_follow_ups(tx: Tx, rules: RuleSet) -> None:
    assert run("draft", "9").exit_code == 3
    make_contact(tx, email="ann@example.com", prefers="email")
    sale(tx, rules)
    assert run("draft", "1", "--sent").exit_code == 0
    again = run("draft", "1")
    assert again.exit_code == 4 and "#1" in again.stderr
    assert run("draft", "x1").exit_code == 2


# --------------------------------------------------------------------------------------------
# `followup draft`: --sent, the confirm prompt, --open, --edit
# --------------------------------------------------------------------------------------------


@pytest.fixture
def ann_email(tx: Tx, rules: RuleSet) -> None:
    set_setting("owner", "Sam")
    set_setting("business", "Sam's Bikes")
    make_contact(tx, email="ann@example.com", prefers="email")
    sale(tx, rules)


@pytest.fixture
def opener(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake xdg-open on PATH that writes down the link it was given."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    opened = tmp_path / "opened.txt"
    script = bin_dir / "xdg-open"
    script.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{opened}"\n', encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return opened


def test_draft_prints_the_message_and_the_link(ann_email: None) -> None:
    result = run("draft", "1")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("Email to Ann Lee: ann@example.com (#1, template thank-you.email#1)\n")
    assert "Bought: touring bike, Nov 19, 2026" in out
    assert "Subject: Thank you, Ann" in out and "I hope you're enjoying the touring bike." in out
    assert "Open it: mailto:ann@example.com?subject=Thank%20you%2C%20Ann&body=Hi%20Ann" in out
    assert "`followup draft 1 --sent` marks it done" in out
    assert query("SELECT status FROM followup WHERE id = 1") == [("pending",)]


def test_sent_marks_it_done_with_channel_and_template(ann_email: None) -> None:
    result = run("draft", "1", "--sent")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith("Done: #1 Thank-you email with Ann Lee.\n")
    assert query("SELECT status, channel, template FROM followup WHERE id = 1") == [
        ("done", "email", "thank-you.email#1")
    ]
    assert query("SELECT kind, occurred_on FROM interaction WHERE kind = 'email'") == [
        ("email", "2026-11-23")
    ]
    shown = run("contact", "show", "1")
    assert "done 2026-11-23, sent with thank-you.email#1" in " ".join(shown.stdout.split())


def test_open_hands_the_link_to_the_desktop_then_asks(ann_email: None, opener: Path) -> None:
    result = run("draft", "1", "--open", input="\n")
    assert result.exit_code == 0, result.stderr
    assert opener.read_text(encoding="utf-8").startswith("mailto:ann@example.com?subject=")
    assert "Sent? [Y/n]: " in result.stdout and "Done: #1 Thank-you email" in result.stdout
    assert query("SELECT status, template FROM followup WHERE id = 1") == [
        ("done", "thank-you.email#1")
    ]


def test_answering_no_leaves_it_pending(ann_email: None, opener: Path) -> None:
    result = run("draft", "1", "--open", input="n\n")
    assert result.exit_code == 0 and "Done:" not in result.stdout
    assert query("SELECT status, template FROM followup WHERE id = 1") == [("pending", None)]
    stopped = run("draft", "1", "--open", input="")  # end of input: nothing marked
    assert stopped.exit_code == 130 and "still pending" in stopped.stderr
    assert query("SELECT status FROM followup WHERE id = 1") == [("pending",)]


def test_open_with_sent_does_not_ask(ann_email: None, opener: Path) -> None:
    result = run("draft", "1", "--open", "--sent")
    assert result.exit_code == 0 and "Sent?" not in result.stdout
    assert query("SELECT status FROM followup WHERE id = 1") == [("done",)]


def test_a_failing_or_missing_opener_is_one_line(ann_email: None, opener: Path) -> None:
    script = opener.parent / "bin" / "xdg-open"
    script.write_text("#!/bin/sh\nexit 3\n", encoding="utf-8")
    result = run("draft", "1", "--open")
    assert result.exit_code == 4
    assert "xdg-open could not open the link (exit 3)" in result.stderr
    assert query("SELECT status FROM followup WHERE id = 1") == [("pending",)]
    script.unlink()
    missing = run("draft", "1", "--open", env={"PATH": str(opener.parent / "bin")})
    assert missing.exit_code == 4 and "xdg-open is not installed" in missing.stderr


def test_a_note_has_no_link_to_open(ann_email: None, opener: Path) -> None:
    result = run("draft", "2", "--open")
    assert result.exit_code == 2 and "handwritten note has no link" in result.stderr
    assert not opener.exists()


def test_edit_changes_the_words_and_the_link(ann_email: None, opener: Path, tmp_path: Path) -> None:
    editor = tmp_path / "ed.sh"
    editor.write_text(
        "#!/bin/sh\nprintf 'Subject: Cheers & thanks\\n\\nHi Ann,\\nLoved seeing you!\\n' > \"$1\"\n",
        encoding="utf-8",
    )
    editor.chmod(0o755)
    result = run("draft", "1", "--edit", "--open", input="y\n", env={"EDITOR": str(editor)})
    assert result.exit_code == 0, result.stderr
    assert "Subject: Cheers & thanks" in result.stdout and "Loved seeing you!" in result.stdout
    assert opener.read_text(encoding="utf-8") == (
        "mailto:ann@example.com?subject=Cheers%20%26%20thanks&body=Hi%20Ann%2C%0D%0ALoved%20seeing%20you%21"
    )
    assert query("SELECT template FROM followup WHERE id = 1") == [("thank-you.email#1",)]
    no_editor = run("draft", "2", "--edit", env={"EDITOR": "", "VISUAL": ""})
    assert no_editor.exit_code == 2 and "Set $EDITOR" in no_editor.stderr


# --------------------------------------------------------------------------------------------
# today --json and the power hour carry drafts
# --------------------------------------------------------------------------------------------


def test_today_json_carries_each_items_draft_and_link(tx: Tx, rules: RuleSet) -> None:
    set_setting("owner", "Sam")
    make_contact(tx, email="ann@example.com", prefers="email")
    make_contact(tx, "Bob Ray", phone="555-010-0102", prefers="visit", address=None)
    sale(tx, rules)
    sale(tx, rules, "Bob Ray", items=None)
    tx.execute("UPDATE followup SET due_on = :d", {"d": TODAY})
    result = run("today", "--json")
    assert result.exit_code == 0, result.stderr
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    ann = rows[1]
    assert ann["link"] == ann["draft"]["link"] and ann["link"].startswith("mailto:ann@")
    assert ann["draft"]["template"] == "thank-you.email#1"
    assert ann["draft"]["subject"] == "Thank you, Ann" and "Sam" in ann["draft"]["body"]
    assert rows[2]["draft"]["link"] is None and rows[2]["draft"]["to"]  # the note: no link
    visit = next(r for r in rows.values() if r["channel"] == "visit")
    assert visit["draft"] == {
        "template": None, "to": "", "subject": None, "body": "", "link": None
    }  # fmt: skip


def test_the_power_hour_shows_the_number_and_the_voicemail(tx: Tx, rules: RuleSet) -> None:
    set_setting("owner", "Sam")
    make_contact(tx)
    sale(tx, rules)
    result = run("call", input="q\n")
    assert result.exit_code == 0, result.stderr
    assert "Dial: tel:+15550100101" in result.stdout
    assert "Voicemail: Hi Ann, it's Sam from our business." in result.stdout


def test_a_call_draft_is_the_voicemail_and_a_tel_link(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx)
    sale(tx, rules)
    result = run("draft", "1")
    assert result.exit_code == 0
    assert "If you get their voicemail:" in result.stdout
    assert "Call: tel:+15550100101" in result.stdout
    assert "`followup call 1`" in result.stdout


def test_mark_sent_returns_the_recorded_template(tx: Tx, rules: RuleSet) -> None:
    make_contact(tx, email="ann@example.com", prefers="email")
    sale(tx, rules)
    result = mark_sent(tx, 1, "thank-you.email#2", today=TODAY, now=NOW, rules=rules)
    assert result.followup.template == "thank-you.email#2"
    stored = get(tx, FollowUpRow, 1)
    assert stored is not None and stored.template == "thank-you.email#2"
    assert isinstance(load_templates(), Templates)


def test_their_words_are_the_negative_answers_of_the_last_call(tx: Tx, rules: RuleSet) -> None:
    from followup_cli.store.rows import insert

    make_contact(tx, phone=None, email="ann@example.com", prefers="email")
    for number, (answer, label) in enumerate(
        [("Lovely staff", "positive"), ("The brakes squeal & it was late", "negative")]
    ):
        call = insert(tx, "call_log", {"contact_id": 1, "called_on": TODAY, "started_at": NOW,
                                       "status": "completed"})  # fmt: skip
        insert(tx, "call_answer", {"call_id": call, "step": f"s{number}", "question": "q",
                                   "answer": answer, "label": label, "answered_at": NOW})  # fmt: skip
    new_followup(tx, 1, rule="resolved-check", purpose="Satisfaction check {action}",
                 channel="email", due_on=TODAY, today=TODAY)  # fmt: skip
    made = draft(tx, 1, rules)
    assert made.template == "satisfaction.email#1"
    assert 'Last time you told us: "The brakes squeal & it was late".' in made.body


def test_open_for_a_call_dials_and_leaves_the_recording_to_followup_call(
    tx: Tx, rules: RuleSet, opener: Path
) -> None:
    make_contact(tx)
    sale(tx, rules)
    result = run("draft", "1", "--open")
    assert result.exit_code == 0, result.stderr
    assert opener.read_text(encoding="utf-8") == "tel:+15550100101"
    assert "Sent?" not in result.stdout
    assert query("SELECT status FROM followup WHERE id = 1") == [("pending",)]


def test_today_json_has_no_draft_for_a_channel_they_cannot_be_reached_by(
    tx: Tx, rules: RuleSet
) -> None:
    make_contact(tx, prefers="text")
    sale(tx, rules)
    tx.execute("UPDATE contact SET phone_invalid = :yes", {"yes": True})
    rows = json.loads(run("today", "--json").stdout)
    assert [(r["id"], r["channel"], r["draft"], r["link"]) for r in rows] == [
        (1, "text", None, None)
    ]


def test_with_drafts_drafts_a_streamed_agenda_a_batch_at_a_time(
    tx: Tx, db: Database, rules: RuleSet
) -> None:
    """Drafting reads while the agenda's cursor is still open (a server-side cursor on
    PostgreSQL), inside the command's one read transaction."""
    from followup_cli.agenda import read_due
    from followup_cli.drafts import with_drafts

    for number in range(5):
        make_contact(tx, f"Person {number}", phone=f"555-010-020{number}",
                     email=f"p{number}@example.com", prefers="email")  # fmt: skip
        new_followup(tx, number + 1, rule="sale-thank-you", purpose="Thank-you {action}",
                     channel="email", due_on=TODAY, today=TODAY)  # fmt: skip
    with db.reading() as reading:
        pairs = list(
            with_drafts(
                reading,
                read_due(reading, TODAY),
                settings=OWNER,
                rules=rules,
                templates=load_templates(),
                today=TODAY,
                batch=2,
            )
        )
    assert [(item.id, d.followup_id if d else None) for item, d in pairs] == [
        (n, n) for n in range(1, 6)
    ]
    assert all(d is not None and d.to == f"p{n}@example.com" for n, (_, d) in enumerate(pairs))
