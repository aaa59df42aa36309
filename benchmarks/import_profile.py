"""Profile `followup import` on a realistic database (issue #4), against the sqlite3 shell floor.

    python benchmarks/import_profile.py prepare [--dir /tmp/impbench] [--rows 100000]
    python benchmarks/import_profile.py time [--dir ...] [--runs 3]
    python benchmarks/import_profile.py profile [--dir ...]   # cProfile, top 40 by cumtime
    python benchmarks/import_profile.py statements [--dir ...]  # seconds per phase and statement

The database: 200k contacts (unique emails, E.164 phone keys), 1M follow-ups, 300k sales.
The CSV: N distinct orders; half the customers exist (matched by email, or by a phone written
another way), half are new. Seeded, so every run sees the same data.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

VENV = Path(sys.executable).parent
FOLLOWUP = str(VENV / "followup")
CONTACTS = 200_000
FOLLOWUPS = 1_000_000
SALES = 300_000
TODAY = "2026-11-23"


def prepare(folder: Path, rows: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "base.db"
    for p in folder.glob("base.db*"):
        p.unlink()
    env = {**os.environ, "FOLLOWUP_TODAY": TODAY, "FOLLOWUP_HOME": str(folder / "home")}
    subprocess.run([FOLLOWUP, "--db", str(db), "db", "upgrade"], check=True, env=env)
    rng = random.Random(4)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO contact (id, name, email, phone, phone_key, prefers, tags, phone_invalid,"
        " do_not_contact, opted_out_channels, created_on) VALUES (?,?,?,?,?,?,'',0,?,?,?)",
        (
            (
                i,
                f"Customer {i}",
                f"c{i}@example.com" if i % 5 else None,
                f"(555) {i // 10000:03d}-{i % 10000:04d}" if i % 3 else None,
                f"+1555{i // 10000:03d}{i % 10000:04d}" if i % 3 else None,
                rng.choice(("phone", "email", "text")),
                1 if i % 97 == 0 else 0,
                "phone" if i % 41 == 0 else "",
                "2025-01-01",
            )
            for i in range(1, CONTACTS + 1)
        ),
    )
    con.executemany(
        "INSERT INTO interaction (id, contact_id, kind, occurred_on, amount_cents, items, source,"
        " external_id, fingerprint, created_at) VALUES (?,?,'sale',?,?,'Thing','old',?,'x',"
        " '2025-01-01 00:00:00.000000')",
        (
            (i, rng.randint(1, CONTACTS), f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
             rng.randint(100, 99999), f"O{i}")
            for i in range(1, SALES + 1)
        ),
    )  # fmt: skip
    con.executemany(
        "INSERT INTO followup (contact_id, interaction_id, rule, purpose, channel, due_on,"
        " priority, status, attempts, until_sale, created_on) VALUES (?,?,?,?,?,?,2,?,0,?,"
        " '2025-01-01')",
        (
            (
                rng.randint(1, CONTACTS),
                None,
                "prospect-follow-up" if i % 10 == 0 else "sale-thank-you",
                "Follow-up {action}",
                "phone",
                f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "pending" if i % 4 == 0 else "done",
                1 if i % 10 == 0 else 0,
            )
            for i in range(FOLLOWUPS)
        ),
    )
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    base = dt.date(2026, 11, 23)
    with (folder / "sales.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["order_id", "date", "name", "email", "phone", "amount", "items"])
        for n in range(rows):
            day = (base - dt.timedelta(days=rng.randint(0, 90))).isoformat()
            if n % 2 == 0:  # an existing customer
                i = rng.randint(1, CONTACTS)
                email = f"c{i}@example.com" if i % 5 else ""
                phone = f"555-{i // 10000:03d}-{i % 10000:04d}" if i % 3 and not email else ""
                if not email and not phone:
                    email = f"c{i}@example.com"
                name = f"Customer {i}"
            else:  # a new one
                i = CONTACTS + n
                email = f"n{i}@example.org" if n % 7 else ""
                phone = f"+1 666 {i // 10000:03d} {i % 10000:04d}" if n % 3 else ""
                if not email and not phone:
                    phone = f"(666) {i // 10000:03d}-{i % 10000:04d}"
                name = f"New {i}"
            w.writerow([f"S{n}", day, name, email, phone, f"{rng.randint(1, 99999) / 100:.2f}",
                        rng.choice(("Mug", "Chair", "Lamp", "Scarf"))])  # fmt: skip
    print(f"prepared {db} and {folder / 'sales.csv'}")


def _fresh(folder: Path) -> Path:
    run = folder / "run.db"
    for p in folder.glob("run.db*"):
        p.unlink()
    shutil.copyfile(folder / "base.db", run)
    return run


def _timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    if done.returncode not in (0, 5):
        sys.exit(f"{cmd} failed ({done.returncode}): {done.stderr}")
    return took, done.stdout


def timing(folder: Path, runs: int, csv_name: str) -> None:
    env = {**os.environ, "FOLLOWUP_TODAY": TODAY, "FOLLOWUP_HOME": str(folder / "home")}
    data = str(folder / csv_name)
    for _ in range(runs):
        shell, _ = _timed(["sqlite3", ":memory:", f".import --csv {data} t"])
        run = _fresh(folder)
        ours, out = _timed(
            [FOLLOWUP, "--db", str(run), "import", data, "--no-progress", "--source", "bench"],
            env,
        )
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"shell {shell:.2f}s  followup {ours:.2f}s  ratio {ours / shell:.1f}x  "
              f"peak-children-rss {peak:.0f} MB")  # fmt: skip
    print(out)


def profile(folder: Path, csv_name: str) -> None:
    env = {**os.environ, "FOLLOWUP_TODAY": TODAY, "FOLLOWUP_HOME": str(folder / "home")}
    run = _fresh(folder)
    out = folder / "import.prof"
    subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "followup_cli", "--db", str(run),
         "import", str(folder / csv_name), "--no-progress", "--source", "bench"],
        env=env, check=False,
    )  # fmt: skip
    import pstats

    pstats.Stats(str(out)).sort_stats("cumulative").print_stats(45)


def statements(folder: Path, csv_name: str) -> None:
    """Seconds per import phase and per SQL statement, in this process, on a fresh copy of
    the database (the statements are timed by wrapping the SQLite Tx's methods). As the
    command runs it: journaled, and the commit (with its WAL checkpoint) is timed too; only
    start-up is left out."""
    import collections
    import functools

    from followup_cli import importer
    from followup_cli.rules import load_rules
    from followup_cli.store import Database
    from followup_cli.store.journal import Journal
    from followup_cli.store.tx import SqliteTx, Tx

    times: dict[str, float] = collections.defaultdict(float)

    def timing(owner: object, name: str, label: object) -> None:
        original = getattr(owner, name)

        def timed(*args: object, _f=original, **kwargs: object) -> object:  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            try:
                return _f(*args, **kwargs)
            finally:
                key = label(args) if callable(label) else str(label)
                times[key] += time.perf_counter() - start

        setattr(owner, name, functools.wraps(original)(timed))

    for name in ("stage", "group_sales", "_write", "resolve_contacts", "suppress", "schedule"):
        timing(importer, name, name)
    scheduling_step = sys.modules["followup_cli.importer.schedule"]
    for name in ("plan_rules", "settle_planned"):
        timing(scheduling_step, name, name)

    def read_whole(*args: object, _f=SqliteTx.iter, **kwargs: object) -> object:  # type: ignore[no-untyped-def]
        return iter(list(_f(*args, **kwargs)))  # so the time to read it is the statement's

    SqliteTx.iter = read_whole  # type: ignore[method-assign]
    for method in ("rows", "execute", "executemany", "insert_rows", "iter"):
        timing(SqliteTx, method, lambda args: "SQL " + " ".join(str(args[1]).split())[:90])
    timing(Tx, "commit", "commit (journal and WAL checkpoint)")
    timing(Journal, "finish", "journal: the inserts recorded")
    db, _ = Database.open(f"sqlite:///{_fresh(folder)}")  # at the current schema
    now = dt.datetime.now(dt.UTC)
    db.journal = Journal("import", now, lambda: 90)  # as the CLI journals every command
    start = time.perf_counter()
    with db.reading(bulk=True) as tx:
        summary = importer.run_import(
            tx, str(folder / csv_name), options=importer.ImportOptions(source="bench"),
            rules=load_rules(), today=dt.date.fromisoformat(TODAY), now=now,
        )  # fmt: skip
    total = time.perf_counter() - start
    for key, seconds in sorted(times.items(), key=lambda kv: -kv[1]):
        if seconds >= 0.02:
            print(f"{seconds:7.3f}  {key}")
    print(f"{total:7.3f}  in all: {summary.sales_imported} sales, {summary.new_contacts} new"
          f" contacts, {summary.followups_scheduled} follow-ups")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=("prepare", "time", "profile", "statements"))
    parser.add_argument("--dir", type=Path, default=Path("/tmp/impbench"))
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--csv", default="sales.csv")
    args = parser.parse_args()
    if args.what == "prepare":
        prepare(args.dir, args.rows)
    elif args.what == "time":
        timing(args.dir, args.runs, args.csv)
    elif args.what == "statements":
        statements(args.dir, args.csv)
    else:
        profile(args.dir, args.csv)


if __name__ == "__main__":
    main()
