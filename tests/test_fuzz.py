"""Property tests: every parser answers arbitrary input with a value or a clean FollowupError.

A parser that lets another exception escape (ValueError, IndexError, OverflowError...) turns a
typo into a traceback and exit code 70. Hypothesis throws odd text at each parser; each test
prints how many cases it ran, so CI output shows the figures (docs/reliability.md).
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followup_cli import config, importer, rules, scheduling, values, when
from followup_cli.errors import (
    AmbiguousReference,
    ConfigError,
    FollowupError,
    InvalidInput,
    NotFound,
)
from followup_cli.scheduling import WorkCalendar
from followup_cli.store import Database

MON_TO_FRI = WorkCalendar()  # the default working week


def _run_import(db: Database, file: str, **kwargs: Any) -> importer.ImportSummary:
    """The import as the command runs it: one read transaction that restarts as the writer."""
    with db.reading(bulk=True) as tx:
        return importer.run_import(tx, file, **kwargs)


TODAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
EXAMPLES = 200
HALF = settings(
    max_examples=EXAMPLES // 2,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # no .hypothesis folder in the working tree; failures print their example
)

# What owners (and their spreadsheets) actually type, and what breaks parsers.
INTERESTING = [
    "",
    " ",
    "--",
    "-1",
    "0",
    "#",
    "#0",
    "#-1",
    "9" * 30,
    "1e308",
    "NaN",
    "inf",
    "today",
    "tomorrow",
    "yesterday",
    "next friday",
    "last monday",
    "in 3 days",
    "in 9999 years",
    "-9999y",
    "+9999 working days",
    "9999 days ago",
    "dec 1",
    "feb 29",
    "29 feb 2025",
    "2026-02-30",
    "0001-01-01",
    "9999-12-31",
    "31/12/9999",
    "12/31/1899",
    "1.2.3.4",
    "Mon Tue",
    "next next friday",
    "'; DROP TABLE contact;--",
    "Robert'); DROP TABLE followup;--",
    "\x00",
    "\u202e",
    "é",
    "\uff11\uff12\uff13",  # fullwidth digits 123
    "٣",  # arabic-indic digit
    "Ⅻ",
    "$1,299.50",
    "(12.50)",
    "€12,50",
    "12,50",
    "1.299,50",
    "-$0.05",
    "USD 10",
    "10 EUR",
    "$-5",
    "1,,2",
    "..",
    "ann@example.com",
    "ANN@EXAMPLE.COM ",
    "a@b.c",
    "a@@b.c",
    "@",
    "a@b..c",
    "(555) 010-0101",
    "+1 555 010 0101",
    "+44 20 7946 0958",
    "555.010.0199",
    "+",
    "+0",
    "+999999999999999999999",
    "00000000000",
    "2d",
    "1wd",
    "3 working days",
    "0w",
    "99999d",
    "Ann",
    "ann lee",
    "Lee",
    "An",
]

odd_text = st.one_of(
    st.sampled_from(INTERESTING),
    st.text(max_size=40),
    st.text(alphabet="0123456789+-#/.,:() $€adwmyk", max_size=20),
    st.builds(
        lambda a, b: f"{a} {b}",
        st.sampled_from(INTERESTING),
        st.sampled_from(INTERESTING),
    ),
)


class Counter:
    """Counts the cases a property ran and reports them at the end of the test."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.cases = 0
        self.values = 0

    def value(self) -> None:
        self.cases += 1
        self.values += 1

    def error(self) -> None:
        self.cases += 1


@pytest.fixture
def counter(request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[str], Counter]]:  # fmt: skip
    made: list[Counter] = []

    def make(name: str) -> Counter:
        made.append(Counter(name))
        return made[-1]

    yield make
    with capsys.disabled():
        for c in made:
            print(
                f"\n[fuzz] {c.name}: {c.cases} cases "
                f"({c.values} parsed, {c.cases - c.values} clean errors)"
            )


def clean(call: Callable[[], Any], count: Counter, allowed: tuple[type[BaseException], ...] = (FollowupError,)) -> Any:  # fmt: skip
    """Run a parser: its value, or None if it raised an allowed error. Anything else fails."""
    try:
        result = call()
    except allowed as exc:
        if isinstance(exc, FollowupError):
            assert str(exc).strip(), "an error with no message"
        count.error()
        return None
    count.value()
    return result


# ---------------------------------------------------------------------------------------------
# Dates and lengths of time


def test_parse_when_never_crashes(counter: Callable[[str], Counter]) -> None:
    count = counter("when.parse_when")

    @FUZZ
    @given(
        text=odd_text,
        today=st.dates(dt.date(1901, 1, 1), dt.date(2198, 12, 31)),
        future=st.booleans(),
    )
    def run(text: str, today: dt.date, future: bool) -> None:
        day = clean(lambda: when.parse_when(text, today, future=future, calendar=MON_TO_FRI), count)
        if day is not None:
            assert isinstance(day, dt.date)
            assert 1900 <= day.year <= 2199, (text, day)

    run()


def test_parse_when_reads_relative_offsets_both_ways(counter: Callable[[str], Counter]) -> None:
    """``+Nd`` and ``N days ago`` are exact inverses of each other for whole days."""
    count = counter("when.parse_when (+Nd / N days ago)")

    @FUZZ
    @given(n=st.integers(0, 9999))
    def run(n: int) -> None:
        ahead = clean(lambda: when.parse_when(f"+{n}d", TODAY, calendar=MON_TO_FRI), count)
        back = clean(lambda: when.parse_when(f"{n} days ago", TODAY, calendar=MON_TO_FRI), count)
        if ahead is not None:
            assert ahead == TODAY + dt.timedelta(days=n)
        if back is not None:
            assert back == TODAY - dt.timedelta(days=n)

    run()


def test_parse_offset_never_crashes_and_round_trips(counter: Callable[[str], Counter]) -> None:
    count = counter("scheduling.parse_offset")

    @FUZZ
    @given(text=odd_text)
    def run(text: str) -> None:
        offset = clean(lambda: scheduling.parse_offset(text), count)
        if offset is not None:
            assert scheduling.parse_offset(str(offset)) == offset
            assert 0 <= offset.amount <= 9999

    run()


# ---------------------------------------------------------------------------------------------
# Money, emails, phones


def test_parse_amount_never_crashes(counter: Callable[[str], Counter]) -> None:
    count = counter("values.parse_amount")

    @FUZZ
    @given(text=odd_text, decimal_comma=st.booleans())
    def run(text: str, decimal_comma: bool) -> None:
        cents = clean(lambda: values.parse_amount(text, decimal_comma=decimal_comma), count)
        if cents is not None:
            assert isinstance(cents, int) and abs(cents) <= 10**13

    run()


def test_parse_amount_round_trips_format_money(counter: Callable[[str], Counter]) -> None:
    count = counter("values.parse_amount(format_money(c)) == c")

    @FUZZ
    @given(
        cents=st.one_of(st.integers(-(10**13), 10**13), st.integers(-1000, 1000)),
        currency=st.sampled_from(["$", "€", "£", "", "USD "]),
    )
    def run(cents: int, currency: str) -> None:
        shown = values.format_money(cents, currency)
        assert clean(lambda: values.parse_amount(shown), count) == cents, shown

    run()


def test_normalize_email_never_crashes_and_is_idempotent(counter: Callable[[str], Counter]) -> None:
    count = counter("values.normalize_email")

    @FUZZ
    @given(
        text=st.one_of(
            odd_text,
            st.emails().map(lambda e: f"  {e.upper()} "),
            st.builds(lambda a, b: f"{a}@{b}", st.text(max_size=8), st.text(max_size=8)),
        )
    )
    def run(text: str) -> None:
        email = clean(lambda: values.normalize_email(text), count)
        if email is not None:
            assert email == email.strip().lower()
            assert values.normalize_email(email) == email

    run()


REGIONS = ["US", "GB", "DE", "IN", "FR", "ZZ"]


def test_phone_key_never_crashes_and_is_stable(counter: Callable[[str], Counter]) -> None:
    """A key read back is the same key: a stored phone_key always matches itself later."""
    import phonenumbers

    count = counter("values.phone_key")

    @FUZZ
    @given(
        text=st.one_of(
            odd_text,
            st.from_regex(r"\+?[0-9 ()\-.]{1,20}", fullmatch=True),
        ),
        region=st.sampled_from(REGIONS),
    )
    def run(text: str, region: str) -> None:
        key = clean(lambda: values.phone_key(text, region), count)
        if key is not None:
            assert key.startswith("+") and key[1:].isdigit(), key
            if not phonenumbers.is_valid_number(phonenumbers.parse(key)):
                return  # "possible" junk like 00000000000 (GB) need not read back the same
            for other in REGIONS:
                assert values.phone_key(key, other) == key, (text, region, other)

    run()


# ---------------------------------------------------------------------------------------------
# Contact references against a small database


def test_resolve_contact_never_crashes(db: Any, counter: Callable[[str], Counter]) -> None:
    from followup_cli.contacts import resolve
    from followup_cli.store.rows import ContactRow
    from tests.helpers import make_contact

    with db.transaction() as tx:
        make_contact(tx, "Ann Lee", email="ann@example.com", phone="555-010-0101")
        make_contact(tx, "Ann Marsh", email="marsh@example.com", phone="555-010-0102")
        make_contact(tx, "Bob O'Brien; DROP", email=None, phone=None)
    count = counter("contacts.resolve")

    @FUZZ
    @given(text=odd_text)
    def run(text: str) -> None:
        with db.reading() as tx:
            found = clean(
                lambda: resolve(tx, text),
                count,
                (NotFound, AmbiguousReference, InvalidInput),
            )
            if found is not None:
                assert isinstance(found, ContactRow)

    run()
    with db.reading() as tx:
        assert tx.value("SELECT COUNT(*) FROM contact") == 3  # nothing was dropped or added


@pytest.mark.parametrize("ref", ["9" * 19, "#99999999999999999999", "9" * 30])
def test_resolve_huge_id_is_not_found(db: Any, ref: str) -> None:
    from followup_cli.contacts import resolve

    with db.reading() as tx, pytest.raises(FollowupError):
        resolve(tx, ref)


# ---------------------------------------------------------------------------------------------
# Rules, settings and scripts: files the owner edits by hand


KEYS = [
    "name", "on", "after", "channel", "purpose", "priority", "until_sale", "working_days",
    "holidays", "max_attempts", "fallback", "completes_within", "tags", "vip", "bogus",
    "key", "kind", "title", "prompt", "choices", "ask_if", "remind", "classify", "value",
    "label", "owner", "business", "review_link", "phone_region", "currency", "positive",
    "neutral", "negative", "step",
]  # fmt: skip
TOML_VALUES = [
    '"sale"', '"visit"', '"2d"', '"1wd"', '"0w"', '"99999d"', '"preferred"', '"phone"',
    '"pigeon"', '"high"', '"low"', "true", "false", "0", "-1", "3", "21", "1e9", "nan",
    "inf", '""', '" "', "[]", '["mon", "tue"]', '["sun"]', '["caturday"]', "[1, 2]",
    "2026-12-25", '"2026-02-30"', '["2026-12-25"]', "{}", '{ vip = "30d" }',
    '{ vip = 30 }', '["sale", "complaint"]', '"Thank-you {action}"', '"{unclosed"',
    '"US"', '"usa"', '"G1"', '["meh"]', '[""]', "1979-05-27T07:32:00Z", '"x == y"',
    '"reached == yes"', '"a ["', '[{ value = "yes" }]', '[{ value = "Yes!" }]',
]  # fmt: skip
SECTIONS = [
    "[calendar]", "[retry]", "[outreach]", "[keep_in_touch]", "[keep_in_touch.tags]",
    "[[rule]]", "[[step]]", "[sentiment]", "[bogus]", "[rule]", "[[calendar]]",
    "[[step.choices]]",
]  # fmt: skip

toml_line = st.one_of(
    st.sampled_from(SECTIONS),
    st.builds(lambda k, v: f"{k} = {v}", st.sampled_from(KEYS), st.sampled_from(TOML_VALUES)),
    st.builds(lambda k, v: f"{k} = {v}", st.sampled_from(KEYS), st.text(max_size=12)),
)
toml_text = st.lists(toml_line, max_size=14).map("\n".join)


def mutated(text: str) -> st.SearchStrategy[str]:
    """A real file with some lines dropped, or replaced by a random line: the edits owners make."""
    lines = text.splitlines()
    edits = st.dictionaries(
        st.integers(0, len(lines) - 1), st.one_of(st.just(""), toml_line), max_size=3
    )
    return edits.map(lambda e: "\n".join(e.get(i, line) for i, line in enumerate(lines)))


def _toml_or_none(text: str) -> dict[str, Any] | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True),
    st.text(max_size=10),
    st.sampled_from(["sale", "2d", "preferred", "phone", "mon", "Thank-you {action}"]),
    st.dates(),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
    ),
    max_leaves=12,
)
rules_dicts = st.dictionaries(
    st.sampled_from(["calendar", "retry", "outreach", "keep_in_touch", "rule", "bogus"]),
    json_value,
    max_size=4,
)


def test_parse_rules_never_crashes(counter: Callable[[str], Counter]) -> None:
    count = counter("rules.parse_rules (TOML text)")
    count_dict = counter("rules.parse_rules (nested values)")

    @HALF
    @given(text=st.one_of(toml_text, mutated(rules.default_rules_text())), data=rules_dicts)
    def run(text: str, data: dict[str, Any]) -> None:
        parsed = _toml_or_none(text)
        if parsed is not None:
            result = clean(lambda: rules.parse_rules(parsed, "rules.toml"), count, (ConfigError,))  # fmt: skip
            if result is not None:
                assert isinstance(result, scheduling.RuleSet)
        clean(lambda: rules.parse_rules(data, "rules.toml"), count_dict, (ConfigError,))

    run()


def test_load_settings_never_crashes(tmp_path: Path, counter: Callable[[str], Counter]) -> None:
    count = counter("config.load_settings")
    path = tmp_path / "settings.toml"

    @FUZZ
    @given(
        content=st.one_of(
            toml_text.map(str.encode),
            st.text(max_size=60).map(str.encode),
            st.binary(max_size=40),
        )
    )
    def run(content: bytes) -> None:
        path.write_bytes(content)
        loaded = clean(lambda: config.load_settings(path), count, (ConfigError,))
        if loaded is not None:
            assert len(loaded.phone_region) == 2 and loaded.phone_region.isupper()

    run()


def test_load_script_never_crashes(tmp_path: Path, counter: Callable[[str], Counter]) -> None:
    script = pytest.importorskip("followup_cli.script")
    count = counter("script.load_script")
    count_dict = counter("script.parse_script (nested values)")
    path = tmp_path / "script.toml"
    step_dicts = st.fixed_dictionaries(
        {
            "step": st.lists(
                st.dictionaries(st.sampled_from(KEYS), json_value, max_size=6), max_size=4
            )
        },
        optional={"name": json_value},
    )

    @HALF
    @given(
        content=st.one_of(
            toml_text.map(str.encode),
            st.binary(max_size=40),
            mutated(script.default_script_text()).map(str.encode),
            mutated(script.default_script_text()).map(str.encode),
        ),
        data=step_dicts,
    )
    def run(content: bytes, data: dict[str, Any]) -> None:
        path.write_bytes(content)
        clean(lambda: script.load_script(path), count, (ConfigError,))
        clean(lambda: script.parse_script(data, "script.toml"), count_dict, (ConfigError,))

    run()


# ---------------------------------------------------------------------------------------------
# The importer: dates and whole files


def test_parse_sale_date_never_crashes(counter: Callable[[str], Counter]) -> None:
    importer = pytest.importorskip("followup_cli.importer")
    count = counter("importer.parse_sale_date")

    formats = ["%Y-%m-%d", "%m/%d/%Y", "%d.%m.%y", "%b %d, %Y", "%Y-%m-%dT%H:%M:%SZ", "%d %B %Y"]
    dates = st.builds(
        lambda d, f: d.strftime(f),
        st.datetimes(dt.datetime(1800, 1, 1), dt.datetime(2300, 1, 1)),
        st.sampled_from(formats),
    )

    @FUZZ
    @given(text=st.one_of(odd_text, dates), dayfirst=st.booleans())
    def run(text: str, dayfirst: bool) -> None:
        # Its contract: ValueError (turned into a reject with the line number) or a date.
        day = clean(lambda: importer.parse_sale_date(text, dayfirst), count, (ValueError,))
        if day is not None:
            assert 1900 <= day.year <= 2199

    run()


HEADERS = ["order_id", "date", "name", "email", "phone", "amount", "items", "prefers", "extra"]
cell = st.one_of(
    st.sampled_from([*INTERESTING, "2026-11-20", "11/20/2026", "Nov 20, 2026", "email", "A1"]),
    st.text(max_size=12),
)


def test_import_never_crashes(db: Any, tmp_path: Path, counter: Callable[[str], Counter]) -> None:
    """Any file imports (exit 0 or 5, rejects reported) or fails cleanly (exit 6, 2)."""
    importer = pytest.importorskip("followup_cli.importer")
    if not hasattr(importer, "run_import"):
        pytest.skip("followup_cli.importer has no run_import yet")
    count = counter("importer.run_import (CSV/JSONL files)")
    ruleset = rules.load_rules()
    path = tmp_path / "sales.csv"
    rejects = tmp_path / "rejects.csv"
    rows = st.lists(st.lists(cell, min_size=0, max_size=len(HEADERS) + 1), max_size=6)

    @settings(
        max_examples=80,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(
        header=st.lists(st.sampled_from(HEADERS), min_size=0, max_size=9),
        body=rows,
        raw=st.one_of(st.none(), st.binary(max_size=80), st.text(max_size=80).map(str.encode)),
        fmt=st.sampled_from([None, "csv", "jsonl"]),
        decimal_comma=st.booleans(),
    )
    def run(
        header: list[str],
        body: list[list[str]],
        raw: bytes | None,
        fmt: str | None,
        decimal_comma: bool,
    ) -> None:
        import csv
        import io

        if raw is None:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(header)
            writer.writerows(body)
            path.write_text(buffer.getvalue(), encoding="utf-8")
        else:
            path.write_bytes(b"order_id,date,email\n" + raw if len(raw) % 2 else raw)
        options = importer.ImportOptions(
            format=fmt, rejects=rejects, decimal_comma=decimal_comma, region="US"
        )
        summary = clean(
            lambda: _run_import(
                db, str(path), options=options, rules=ruleset, today=TODAY, now=NOW
            ),
            count,
        )
        if summary is not None:
            assert 0 <= summary.rejected <= summary.rows
            assert summary.sales_imported <= summary.rows
            if summary.rejected:
                assert rejects.exists() and (os.stat(rejects).st_mode & 0o777) == 0o600

    run()
    if db.path is not None:  # SQLite: the file is still whole
        with db.reading() as tx:
            assert tx.rows("PRAGMA integrity_check") == [("ok",)]
