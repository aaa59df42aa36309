"""Deterministic synthetic data: a business with 200k contacts and 1M follow-ups.

The schema comes from the real migrations (``followup --db X db upgrade``); the rows go in with
plain ``sqlite3`` ``executemany`` in one transaction, which is what makes a million rows take
seconds instead of minutes. The shape is what a few years of a busy shop look like: most
follow-ups done or skipped, a few thousand pending in the coming year, and about two hundred due
today or overdue, so ``followup today`` shows a screenful, not a million rows.

Built databases are cached under ``benchmarks/.data/`` keyed by data version, seed and size.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from followup_cli.values import fold_text

DATA_VERSION = 2  # 2: contact.name_key (migration 0010)
TODAY = dt.date(2026, 11, 23)  # a Monday; every command runs with FOLLOWUP_TODAY pinned to it
DATA_DIR = Path(__file__).resolve().parent / ".data"

CHANNELS = ("phone", "phone", "phone", "email", "email", "text", "mail")
PURPOSES = (
    ("thank-you", "Thank-you {action}"),
    ("follow-up", "Follow-up {action}"),
    ("review", "Satisfaction check {action}"),
    ("keep-in-touch", "Keep-in-touch {action}"),
)
FIRST = (
    "Ana", "Ben", "Chloé", "Dmitri", "Eve", "Farah", "Gus", "Hana", "Ivan", "June", "Kofi",
    "Lena", "Mateo", "Nina", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Vera",
    "Wes", "Xin", "Yara", "Zoe",
)  # fmt: skip
LAST = (
    "Abbott", "Brown", "Castillo", "Dubois", "Eriksen", "Fischer", "García", "Hughes", "Ito",
    "Jensen", "Kowalski", "López", "Murphy", "Nguyen", "O'Brien", "Patel", "Quist", "Rossi",
    "Schmidt", "Tanaka", "Umar", "Varga", "Walsh", "Young", "Zhang",
)  # fmt: skip
ITEMS = ("Espresso machine", "Grinder", "Descaling kit", "Beans 1kg", "Service visit", "Milk jug")


@dataclass(frozen=True)
class Size:
    name: str
    contacts: int
    followups: int
    interactions: int
    due_now: int  # pending and due today or overdue
    pending_later: int  # pending in the coming year
    import_rows: int  # the sales CSV imported into the big database
    big_import_rows: int  # the CSV whose import's peak memory is measured


FULL = Size("full", 200_000, 1_000_000, 300_000, 200, 20_000, 100_000, 1_000_000)
QUICK = Size("quick", 5_000, 25_000, 8_000, 50, 500, 2_000, 20_000)


def email_of(i: int) -> str:
    return f"customer{i}@example.com"


def phone_of(i: int) -> tuple[str, str]:
    """(as typed, E.164 key) for contact ``i``: unique, and what ``phone_key`` would make."""
    area = 201 + i % 700
    line = 2_000_000 + (i // 700) * 7
    digits = f"{area}{line:07d}"
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}", f"+1{digits}"


def name_of(rng: _Fast) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def migrate(followup: Path, db: Path, env: dict[str, str]) -> None:
    """Create the schema the way the product does: through its migrations."""
    subprocess.run(
        [str(followup), "--db", str(db), "db", "upgrade"],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def fill(db: Path, size: Size, seed: int) -> None:
    """Insert the synthetic rows in one transaction."""
    rng = _Fast(random.Random(seed))
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = OFF")
        con.execute("PRAGMA cache_size = -200000")
        con.execute("BEGIN IMMEDIATE")
        # Secondary indexes are dropped and rebuilt with the very SQL the migrations wrote:
        # building an index from sorted keys once is many times faster than a million inserts.
        indexes = con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in indexes:
            con.execute(f'DROP INDEX "{name}"')
        _contacts(con, size, rng)
        _interactions(con, size, rng)
        _followups(con, size, rng)
        for _, sql in indexes:
            con.execute(sql)
        con.execute("COMMIT")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


_DAYS = [(TODAY + dt.timedelta(days=offset)).isoformat() for offset in range(-1600, 400)]


def _day(offset: int) -> str:
    return _DAYS[offset + 1600]


class _Fast:
    """``randint`` and ``choice`` on ``random()`` alone: the same stream for the same seed, and
    about four times faster than ``random.Random``'s exact methods (a million rows need it)."""

    def __init__(self, rng: random.Random) -> None:
        self.random = rng.random

    def randint(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def choice(self, seq: tuple[str, ...] | tuple[tuple[str, str], ...]) -> Any:
        return seq[int(self.random() * len(seq))]


def _contacts(con: sqlite3.Connection, size: Size, rng: _Fast) -> None:
    rows = []
    for i in range(1, size.contacts + 1):
        phone, key = phone_of(i) if rng.random() < 0.8 else (None, None)
        email = email_of(i) if phone is None or rng.random() < 0.85 else None
        dnc = 1 if rng.random() < 0.01 else 0
        opted = "email" if rng.random() < 0.02 else ""
        tags = "vip" if rng.random() < 0.05 else ""
        name = name_of(rng)
        rows.append(
            (
                i,
                name,
                fold_text(name),
                email,
                phone,
                key,
                rng.choice(("phone", "phone", "email", "text")),
                tags,
                dnc,
                opted,
                _day(-rng.randint(30, 1500)),
            )
        )
    con.executemany(
        "INSERT INTO contact (id, name, name_key, email, phone, phone_key, prefers, tags, "
        "every_days, phone_invalid, do_not_contact, opted_out_channels, created_on) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, ?, ?, ?)",
        rows,
    )


def _interactions(con: sqlite3.Connection, size: Size, rng: _Fast) -> None:
    rows = []
    for i in range(1, size.interactions + 1):
        offset = -rng.randint(0, 730)
        rows.append(
            (
                i,
                rng.randint(1, size.contacts),
                _day(offset),
                rng.randint(5, 400) * 100 + rng.choice((0, 50, 99)),
                rng.choice(ITEMS),
                f"S-{i:07d}",
                f"{_day(offset)}T10:00:00+00:00",
            )
        )
    con.executemany(
        "INSERT INTO interaction (id, contact_id, kind, occurred_on, amount_cents, items, "
        "source, external_id, created_at) VALUES (?, ?, 'sale', ?, ?, ?, 'shop', ?, ?)",
        rows,
    )


def _followups(con: sqlite3.Connection, size: Size, rng: _Fast) -> None:
    """About ``due_now`` due today or overdue, ``pending_later`` in the coming year, the rest
    done or skipped over the past year."""
    contact_of = dict(con.execute("SELECT id, contact_id FROM interaction"))
    rows = []
    due_now = size.due_now / size.followups
    pending = (size.due_now + size.pending_later) / size.followups
    for _ in range(size.followups):
        if rng.random() < 0.6:
            interaction = rng.randint(1, size.interactions)
            contact = contact_of[interaction]
        else:
            interaction = None
            contact = rng.randint(1, size.contacts)
        rule, purpose = rng.choice(PURPOSES)
        channel = rng.choice(CHANNELS)
        kind = rng.random()  # pending ones anywhere in the id range, as in real life
        if kind < due_now:
            due, status, outcome, completed = _day(-rng.randint(0, 14)), "pending", None, None
        elif kind < pending:
            due, status, outcome, completed = _day(rng.randint(1, 365)), "pending", None, None
        else:
            offset = -rng.randint(1, 365)
            due = _day(offset)
            status = "done" if rng.random() < 0.85 else "skipped"
            outcome = (
                rng.choice(("positive", "positive", "neutral", "negative"))
                if status == "done"
                else None
            )
            completed = _day(min(offset + rng.randint(0, 3), -1))
        rows.append(
            (
                contact,
                interaction,
                rule,
                purpose,
                channel,
                due,
                1 if rng.random() < 0.1 else 0,
                status,
                outcome,
                completed,
                _day(-rng.randint(0, 400)),
            )
        )
    con.executemany(
        "INSERT INTO followup (contact_id, interaction_id, rule, purpose, channel, due_on, "
        "priority, status, outcome, completed_on, attempts, until_sale, note, created_on) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, NULL, ?)",
        rows,
    )


def schema_key() -> str:
    """A short hash of the migrations, so a new migration rebuilds the cached databases."""
    import hashlib

    import followup_cli

    versions = Path(followup_cli.__file__).parent / "migrations" / "versions"
    digest = hashlib.sha256()
    for path in sorted(versions.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:8]


def build(followup: Path, size: Size, seed: int, env: dict[str, str]) -> tuple[Path, bool]:
    """The cached database for (version, seed, size), built if missing. Returns (path, built)."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / f"v{DATA_VERSION}-{schema_key()}-seed{seed}-{size.name}.db"
    if path.exists():
        return path, False
    tmp = path.with_suffix(".tmp.db")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    migrate(followup, tmp, env)
    fill(tmp, size, seed)
    os.replace(tmp, path)
    return path, True


def empty(followup: Path, env: dict[str, str]) -> Path:
    """A migrated database with no rows (cached too: it is the same every time)."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / f"v{DATA_VERSION}-{schema_key()}-empty.db"
    if not path.exists():
        tmp = path.with_suffix(".tmp.db")
        tmp.unlink(missing_ok=True)
        migrate(followup, tmp, env)
        os.replace(tmp, path)
    return path


def sales_csv(path: Path, rows: int, contacts: int, seed: int) -> Path:
    """A sales export: a third repeat customers (matched by email or phone), the rest new."""
    if path.exists():
        return path
    rng = _Fast(random.Random(seed * 7919 + rows))
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as out:
        out.write("order_id,date,name,email,phone,amount,items\r\n")
        for n in range(1, rows + 1):
            day = _day(-rng.randint(0, 6))
            amount = f"{rng.randint(5, 400)}.{rng.choice(('00', '50', '99'))}"
            item = rng.choice(ITEMS)
            if contacts and rng.random() < 0.33:
                i = rng.randint(1, contacts)
                email = email_of(i)
                phone = phone_of(i)[0] if rng.random() < 0.3 else ""
            else:
                i = contacts + n
                email = f"new{n}@example.org"
                phone = phone_of(i)[0] if rng.random() < 0.5 else ""
            name = name_of(rng).replace('"', "")
            out.write(f'B-{n:07d},{day},"{name}",{email},"{phone}",{amount},{item}\r\n')
    os.replace(tmp, path)
    return path
