"""Every JSON output matches docs/json.md, the one description of the JSON surface: the
doc's tables are parsed here, each command is run on a database where every list has
something in it, and each object must have exactly the documented keys, of the documented
types. A command with --json that the doc does not list fails too."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from followup_cli.cli import app
from followup_cli.hooks import EVENTS
from followup_cli.render.events import JSON_VERSION, sample

DOC = Path(__file__).parent.parent / "docs" / "json.md"
runner = CliRunner()
pytestmark = pytest.mark.sqlite_only  # the demo database is a SQLite file

# How the test runs each documented output (REF and FILE made concrete).
RUN = {
    "followup today --json": ["today", "--json"],
    "followup upcoming --json": ["upcoming", "--json", "--days", "30"],
    "followup contact list --json": ["contact", "list", "--json"],
    "followup contact show REF --json": ["contact", "show", "Ben Okafor", "--json"],
    "followup contact dupes --json": ["contact", "dupes", "--json"],
    "followup report --json": ["report", "--json"],
    "followup report silence --json": ["report", "silence", "--json"],
    "followup report feedback --json": ["report", "feedback", "--json"],
    "followup import FILE --json": ["import", "{orders}", "--json", "--dry-run"],
    "followup digest --json": ["digest", "--json", "--days", "30"],
}


def _tables() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The outputs table (output -> type) and each shape (key -> type), from the doc."""
    text = DOC.read_text(encoding="utf-8")
    tables: dict[str, dict[str, str]] = {}
    for name, body in re.findall(r"<!-- json:([\w-]+) -->\n((?:\|.*\n)+)", text):
        rows = [line.split("|")[1:3] for line in body.splitlines()[2:]]
        tables[name] = {cell.strip().replace("`", ""): kind.strip() for cell, kind in rows}
    return tables.pop("outputs"), tables


OUTPUTS, SHAPES = _tables()


def check(value: Any, kind: str, where: str, seen: set[str]) -> None:
    """Fail unless ``value`` is of the documented ``kind``; note each shape met in ``seen``."""
    if kind.endswith(" or null"):
        if value is not None:
            check(value, kind.removesuffix(" or null"), where, seen)
        return
    if kind.startswith("array of "):
        assert isinstance(value, list), f"{where}: {value!r} is not an array"
        for n, item in enumerate(value):
            check(item, kind.removeprefix("array of "), f"{where}[{n}]", seen)
        return
    if kind.startswith("{"):
        shape = kind.strip("{}")
        assert isinstance(value, dict), f"{where}: {value!r} is not an object ({shape})"
        documented = SHAPES[shape]
        assert sorted(value) == sorted(documented), f"{where} ({shape}): keys differ from the doc"
        seen.add(shape)
        for key, sub in documented.items():
            check(value[key], sub, f"{where}.{key}", seen)
        return
    simple = {
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
        "date": lambda v: isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", v) is not None,
        "datetime": lambda v: (
            isinstance(v, str) and dt.datetime.fromisoformat(v).tzinfo is not None
        ),
    }
    assert kind in simple, f"{where}: the doc's type {kind!r} is not one of its types"
    assert simple[kind](value), f"{where}: {value!r} is not a {kind}"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo shop, plus a likely duplicate and an import with a conflicting name."""
    folder = tmp_path_factory.mktemp("shop")
    db = folder / "shop.db"
    assert runner.invoke(app, ["demo", "--path", str(db)]).exit_code == 0
    orders = folder / "orders.csv"
    orders.write_text(
        "order_id,date,name,email,amount\n"
        "9001,2026-11-20,Benjamin Okafor,ben@example.com,20.00\n"
        "9002,2026-11-21,Zoë Øberg,zoe@example.com,35.00\n"
    )
    earlier = folder / "earlier.csv"  # saved: the digest reports it
    earlier.write_text("order_id,date,name,email,amount\n8001,2026-11-22,Cy Ode,cy@example.com,9\n")
    assert runner.invoke(app, ["--db", str(db), "import", str(earlier)]).exit_code == 0
    added = runner.invoke(
        app, ["--db", str(db), "contact", "add", "Ann Lee", "--email", "ann.lee@example.org"]
    )
    assert added.exit_code == 0, added.output
    return folder


def _run(shop: Path, argv: list[str]) -> Any:
    args = [a.replace("{orders}", str(shop / "orders.csv")) for a in argv]
    # A few days after the demo's last day: something is due, overdue and coming.
    result = runner.invoke(
        app, ["--db", str(shop / "shop.db"), *args], env={"FOLLOWUP_TODAY": "2026-11-27"}
    )
    assert result.exit_code == 0, (argv, result.stderr)
    return json.loads(result.stdout)


def test_every_output_is_documented_and_run() -> None:
    commands = {name for name in OUTPUTS if name.startswith("followup ")}
    assert commands == set(RUN)
    hooks = {name.split()[1] for name in OUTPUTS if name.startswith("hook ")}
    assert hooks == set(EVENTS)


def test_every_command_with_json_is_in_the_doc() -> None:
    def walk(command: Any, path: tuple[str, ...]) -> list[tuple[str, ...]]:
        found = [path] if any("--json" in p.opts for p in command.params) else []
        for name, sub in getattr(command, "commands", {}).items():
            found += walk(sub, (*path, name))
        return found

    with_json = {path for path in walk(get_command(app), ()) if "DEFAULT" not in path}
    documented = {
        tuple(word for word in name.split()[1:-1] if not word.isupper())
        for name in OUTPUTS
        if name.startswith("followup ")
    }
    assert with_json == documented


@pytest.mark.parametrize("output", sorted(RUN))
def test_each_command_matches_the_doc(shop: Path, output: str) -> None:
    seen: set[str] = set()
    check(_run(shop, RUN[output]), OUTPUTS[output], output, seen)
    assert seen or OUTPUTS[output].startswith("array")  # an object checked, or a list


def test_every_shape_is_met_with_data(shop: Path) -> None:
    """Each documented object appears at least once in the outputs above (lists not empty)."""
    seen: set[str] = set()
    for output, argv in RUN.items():
        check(_run(shop, argv), OUTPUTS[output], output, seen)
    now = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
    for name in EVENTS:
        check(sample(name, now), OUTPUTS[f"hook {name}"], name, seen)
    assert set(SHAPES) - seen == set()


@pytest.mark.parametrize("name", list(EVENTS))
def test_each_hook_event_matches_the_doc(name: str) -> None:
    event = sample(name, dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC))
    check(event, OUTPUTS[f"hook {name}"], name, set())
    assert (event["event"], event["version"]) == (name, JSON_VERSION)


def test_the_doc_states_the_version() -> None:
    assert f"**Version: {JSON_VERSION}.**" in DOC.read_text(encoding="utf-8")


def test_a_key_the_doc_lacks_fails_the_check() -> None:
    item = sample("on-import", dt.datetime(2026, 11, 23, tzinfo=dt.UTC))
    item["summary"]["surprise"] = 1
    with pytest.raises(AssertionError, match="keys differ from the doc"):
        check(item, "{event-on-import}", "on-import", set())
