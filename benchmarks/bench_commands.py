"""Every everyday command against the bare Typer app, long lists against the sqlite3 shell,
and the nightly import of a small file (the targets of docs/benchmarks.md).

Commands that write run on a copy of their database, each run on another follow-up or
contact, so no run finds its work already done.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks import dataset
from benchmarks.floors import LIST_CONTACTS, LIST_CONTACTS_JSON
from benchmarks.measure import Run, interleaved, run

if TYPE_CHECKING:
    from collections.abc import Callable

    from benchmarks.__main__ import Bench

EVERYDAY_LIMIT = 1.3
LIST_LIMIT = 3.0
LIST_MEMORY_MB = 60
JSON_LIMIT = 1.2
NIGHTLY_LIMIT = 1.5
LIST_ROWS = 100_000
JSON_ITEMS = 33_000
NIGHTLY_ROWS = 100


def _ids(db: Path, sql: str, wanted: int) -> list[int]:
    con = sqlite3.connect(db)
    ids = [row[0] for row in con.execute(sql + " ORDER BY 1 LIMIT ?", (wanted,))]
    con.close()
    if len(ids) < wanted:
        raise SystemExit(f"Only {len(ids)} rows for {wanted} runs; lower --runs.")
    return ids


# Contacts every channel reaches, and their pending follow-ups due now or later.
REACHABLE = "c.do_not_contact = 0 AND c.opted_out_channels = '' AND c.phone_invalid = 0"
PENDING = (
    "SELECT f.id FROM followup f JOIN contact c ON c.id = f.contact_id"
    f" WHERE f.status = 'pending' AND {REACHABLE} AND f.due_on "
)


def everyday(b: Bench, db: Path) -> None:
    """Each everyday command once per round, interleaved with the bare app, on ``db``."""
    from benchmarks.__main__ import compare

    work = b.copy_db(db, "everyday.db")
    env = b.followup_env(work)
    rounds = b.args.runs + 1  # with the warm-up round
    today = f"'{dataset.TODAY.isoformat()}'"
    due = _ids(work, PENDING + "<= " + today, 2 * rounds)
    later = _ids(work, PENDING + "> " + today, rounds)
    people = _ids(work, f"SELECT c.id FROM contact c WHERE {REACHABLE}", 5 * rounds)

    def go(*argv: str) -> Run:
        return run([*b.followup, *argv], env)

    def person(i: int, k: int) -> str:
        return f"#{people[k * rounds + i]}"

    cases: dict[str, Callable[[int], Run]] = {
        "bare": lambda _: run([sys.executable, str(b.bare)], b.env),
        "done": lambda i: go("done", str(due[i])),
        "snooze": lambda i: go("snooze", str(later[i]), "friday"),
        "skip": lambda i: go("skip", str(due[rounds + i])),
        "log sale": lambda i: go("log", "sale", person(i, 0), "--amount", "25"),
        "contact add": lambda i: go("contact", "add", f"Bench {i}", "--email", f"b{i}@bench.net"),
        "contact show": lambda i: go("contact", "show", person(i, 1)),
        "contact edit": lambda i: go("contact", "edit", person(i, 2), "--note", f"edited {i}"),
        "upcoming": lambda _: go("upcoming"),
        "report": lambda _: go("report"),
        "schedule": lambda i: go("schedule", person(i, 3), "friday"),
    }
    print(f"Everyday commands: {len(cases)} x {b.args.runs} runs, interleaved ...", flush=True)
    s = interleaved(cases, b.args.runs)
    for name in cases:
        if name != "bare":
            label = f"start-up: {name}"
            b.add(compare(label, s[name], "bare Typer app", s["bare"], EVERYDAY_LIMIT))
    work.unlink(missing_ok=True)


def lists(b: Bench, big: Path) -> None:
    """`contact list` of 100k contacts (text and --json) against the sqlite3 shell selecting
    the same rows; `today --json` of 33k items against the text agenda of the same items."""
    from benchmarks.__main__ import Result, _python_floor, compare, ms
    from followup_cli.store.sql.contacts import LIST_ORDER

    env, out = b.followup_env(big), b.work / "list.txt"
    select = (
        "SELECT id, name, email, phone, address, prefers, note, tags, every_days, do_not_contact,"
        f" opted_out_channels, phone_invalid, referred_by_id, created_on FROM contact"
        f" ORDER BY {LIST_ORDER} LIMIT {LIST_ROWS}"
    )
    if b.sqlite3_shell:
        floor_cmd, floor_name = [b.sqlite3_shell, str(big), select], "sqlite3 shell"
    else:
        from benchmarks.__main__ import PY_EXPORT

        floor_cmd = _python_floor(PY_EXPORT, str(big), select, str(b.work / "floor.csv"))
        floor_name = "python sqlite3"
    limit = str(LIST_ROWS)
    listed = min(LIST_ROWS, b.size.contacts)
    cases: dict[str, Callable[[int], Run]] = {
        "floor": lambda _: run(floor_cmd, b.env, stdout=out),
        "python": lambda _: run(
            [sys.executable, "-c", LIST_CONTACTS, str(big), limit], b.env, stdout=out
        ),
        "python json": lambda _: run(
            [sys.executable, "-c", LIST_CONTACTS_JSON, str(big), limit], b.env, stdout=out
        ),
        "text": lambda _: run([*b.followup, "contact", "list", "--limit", limit], env, stdout=out),
        "json": lambda _: run(
            [*b.followup, "contact", "list", "--limit", limit, "--json"], env, stdout=out
        ),
    }
    runs = b.args.heavy_runs
    print(f"contact list of {listed:,}: {runs} runs each ...", flush=True)
    s = interleaved(cases, runs)
    for key, what in (("python", "listing them"), ("python json", "writing the same JSON")):
        b.add(
            Result(
                f"  (a hand-written python program {what})", ms(s[key].median), "-",
                floor_name, ms(s["floor"].median), s[key].median / s["floor"].median,
                "(what any python program pays)", None, "info",
            )
        )  # fmt: skip
    for key, label in (("text", "text"), ("json", "--json")):
        b.add(
            compare(f"contact list {listed:,}, {label}", s[key], floor_name, s["floor"], LIST_LIMIT)
        )
        peak = s[key].peak_mb
        b.add(
            Result(
                f"contact list {listed:,}, {label}: peak memory", f"{peak:.0f} MB", "-",
                floor_name, f"{s['floor'].peak_mb:.0f} MB", None, f"< {LIST_MEMORY_MB} MB",
                peak < LIST_MEMORY_MB,
            )
        )  # fmt: skip
    due = b.copy_db(big, "due.db")
    con = sqlite3.connect(due)
    con.execute(
        "UPDATE followup SET status = 'pending', due_on = ? WHERE id IN"
        " (SELECT id FROM followup WHERE status <> 'pending' ORDER BY id LIMIT ?)",
        ((dataset.TODAY.replace(day=20)).isoformat(), JSON_ITEMS),
    )
    con.commit()
    items = con.execute(
        "SELECT count(*) FROM followup WHERE status = 'pending' AND due_on <= ?",
        (dataset.TODAY.isoformat(),),
    ).fetchone()[0]
    con.close()
    env = b.followup_env(due)
    cases = {
        "text": lambda _: run([*b.followup, "today"], env, stdout=out),
        "json": lambda _: run([*b.followup, "today", "--json"], env, stdout=out),
    }
    print(f"today --json of {items:,} items: {runs} runs each ...", flush=True)
    s = interleaved(cases, runs)
    b.add(
        compare(f"today --json, {items:,} items", s["json"], "today (text)", s["text"], JSON_LIMIT)
    )
    peak = s["json"].peak_mb
    b.add(
        Result(
            f"today --json, {items:,} items: peak memory", f"{peak:.0f} MB", "-", "today (text)",
            f"{s['text'].peak_mb:.0f} MB", None, f"< {LIST_MEMORY_MB} MB", peak < LIST_MEMORY_MB,
        )
    )  # fmt: skip
    print(f"  (the text agenda itself: {ms(s['text'].median)})")
    for path in (out, due):
        path.unlink(missing_ok=True)


def nightly(b: Bench, big: Path) -> None:
    """The nightly import of a 100-row file into the big database, against the bare app
    (each run on a fresh copy; the copy is not timed)."""
    from benchmarks.__main__ import compare

    csv_file = dataset.sales_csv(
        dataset.DATA_DIR / f"sales-v{dataset.DATA_VERSION}-seed{b.args.seed}-{NIGHTLY_ROWS}.csv",
        NIGHTLY_ROWS,
        b.size.contacts,
        b.args.seed,
    )

    def mine(_: int) -> Run:
        db = b.copy_db(big, "nightly.db")
        command = [*b.followup, "import", str(csv_file), "--source", "nightly", "--no-progress"]
        return run(command, b.followup_env(db))

    cases: dict[str, Callable[[int], Run]] = {
        "bare": lambda _: run([sys.executable, str(b.bare)], b.env),
        "import": mine,
    }
    runs = b.args.runs
    print(f"Nightly import of {NIGHTLY_ROWS} rows: {runs} runs each ...", flush=True)
    s = interleaved(cases, runs)
    label = f"nightly import, {NIGHTLY_ROWS} rows into {b.size.contacts:,} contacts"
    b.add(compare(label, s["import"], "bare Typer app", s["bare"], NIGHTLY_LIMIT))
    (b.work / "nightly.db").unlink(missing_ok=True)
