"""Shell completion of the owner's data, driven as the shells drive it: Typer's bash script
sets COMP_WORDS and COMP_CWORD, its zsh script _TYPER_COMPLETE_ARGS, both with
_FOLLOWUP_COMPLETE naming the shell; the candidates come back on stdout. The data tests run
on both databases (PostgreSQL through psycopg alone); the file tests on SQLite."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from followup_cli.cli import app
from followup_cli.followups import schedule
from followup_cli.store import Tx
from tests.conftest import TODAY
from tests.helpers import make_contact

runner = CliRunner()


def bash(line: str, db: str | None = None) -> list[str]:
    """The candidates bash gets for ``line`` (the cursor at its end)."""
    words = line.split(" ")  # as bash holds them: a trailing space is an empty word
    env = {
        "_FOLLOWUP_COMPLETE": "complete_bash",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(words) - 1),
    }
    if db is not None:
        env["FOLLOWUP_DB"] = db
    result = runner.invoke(app, [], env=env, prog_name="followup")
    assert result.exit_code == 0, result.output
    return [line for line in result.stdout.splitlines() if line]


def zsh(line: str) -> str:
    env = {"_FOLLOWUP_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": line}
    result = runner.invoke(app, [], env=env, prog_name="followup")
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


@pytest.fixture
def people(tx: Tx) -> Tx:
    make_contact(tx, "Ann Lee", email="ann@example.com", phone="555-010-0101")
    make_contact(tx, "Zoë Øberg", email="zoe@example.com", phone="+44 20 7946 0018")
    make_contact(tx, "Ben Ode", email="ben@example.com", phone=None)
    make_contact(tx, "Ben Ode", email="ben.other@example.com", phone=None)
    return tx


def test_contacts_complete_by_name_email_phone_and_id(people: Tx) -> None:
    assert bash("followup contact show A") == ["Ann\\ Lee"]  # one word for bash
    assert bash("followup contact show ann") == ["ann\\ Lee"]  # read ignoring case
    assert bash("followup contact show Zo") == ["Zoë\\ Øberg"]
    assert bash("followup contact show zoe@") == ["zoe@example.com"]
    assert bash("followup contact show +44") == ["+44\\ 20\\ 7946\\ 0018"]
    assert bash("followup contact show 55") == ["555-010-0101"]
    # a name two contacts share is offered once; their emails tell them apart
    assert bash("followup contact show Be") == ["Ben\\ Ode"]
    assert bash("followup contact show ben@") == ["ben@example.com"]
    assert bash("followup contact show ben.") == ["ben.other@example.com"]
    assert bash("followup contact show 3") == ["3"]
    assert bash("followup log sale An") == ["Ann\\ Lee"]
    assert bash("followup schedule An") == ["Ann\\ Lee"]
    assert bash("followup done --contact An") == ["Ann\\ Lee"]
    assert bash("followup contact merge An") == ["Ann\\ Lee"]


def test_zsh_gets_the_candidates_with_their_descriptions(people: Tx) -> None:
    assert zsh("followup contact show An") == (
        """_arguments '*: :(("Ann Lee":"#1 ann@example.com 555-010-0101"))'"""
    )
    assert zsh("followup contact show Ben") == (
        """_arguments '*: :(("Ben Ode":"2 contacts have this name"))'"""
    )
    assert zsh("followup contact show nobody") == "_files"


def test_pending_follow_ups_complete_with_who_and_why(people: Tx) -> None:
    tx = people
    for day in (3, 1, 2):
        schedule(tx, "Ann Lee", TODAY + dt.timedelta(days=day), today=TODAY, purpose="Ask")
    tx.execute("UPDATE followup SET status = 'done' WHERE id = 3")
    assert bash("followup done ") == ["2", "1"]  # soonest due first; done ones are not offered
    assert bash("followup snooze 1") == ["1"]
    assert bash("followup edit 3") == []
    assert zsh("followup done 1") == (
        """_arguments '*: :(("1":"Ann Lee\\\\: Ask (phone, due 2026-11-26)"))'"""
    )
    assert bash("followup call 1") == ["1"]
    assert bash("followup call An") == ["Ann\\ Lee"]


FIXED_WORDS = [
    ("followup log s", ["sale"]),
    ("followup log re", ["refund", "resolved"]),
    ("followup today --channel e", ["email"]),
    ("followup upcoming -c ", ["phone", "email", "text", "mail", "visit"]),
    ("followup done 3 --outcome n", ["neutral", "negative", "no-answer"]),
    ("followup export ", ["contacts", "sales", "followups", "answers", "calls", "ics"]),
    ("followup import orders.csv --preset ", ["shopify"]),
    ("followup script show k", ["keep-in-touch"]),
    ("followup report feedback --label ne", ["negative", "neutral"]),
    ("followup --color a", ["auto", "always"]),
    ("followup hooks test on-s", ["on-sale"]),
]


@pytest.mark.parametrize(("line", "expected"), FIXED_WORDS)
def test_the_fixed_words_complete(line: str, expected: list[str]) -> None:
    assert bash(line) == expected


@pytest.mark.parametrize(("line", "expected"), FIXED_WORDS)
def test_the_fixed_words_complete_in_zsh(line: str, expected: list[str]) -> None:
    output = zsh(line)
    assert output.startswith("_arguments '*: :((") and output.endswith("))'")
    lines = output.removeprefix("_arguments '*: :((").removesuffix("))'").splitlines()
    assert [re.match(r'"([^"]*)"', item).group(1) for item in lines] == expected  # type: ignore[union-attr]


def test_zsh_describes_presets_and_purposes() -> None:
    assert zsh("followup script show make").startswith(
        """_arguments '*: :(("make-it-right":"checking a promise was kept"""
    )
    assert '"shopify":"Shopify orders export' in zsh("followup import x.csv --preset s")


@pytest.mark.sqlite_only  # a file
def test_completion_never_creates_nor_upgrades_a_database(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    assert bash("followup contact show ", db=str(missing)) == []
    assert bash("followup done ", db=str(missing)) == []
    assert not missing.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "home"]


@pytest.mark.sqlite_only  # a file
def test_completion_reads_the_database_given_with_db(people: Tx, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    assert bash(f"followup --db {other} contact show A") == []
    assert bash(f"followup --db {os.environ['FOLLOWUP_DB']} contact show A") == ["Ann\\ Lee"]
    assert not other.exists()


@pytest.mark.sqlite_only  # a file
def test_completion_does_not_write(people: Tx) -> None:
    path = Path(os.environ["FOLLOWUP_DB"])
    before = path.stat().st_mtime_ns, path.read_bytes()
    time.sleep(0.01)
    bash("followup contact show A")
    bash("followup done ")
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


@pytest.mark.sqlite_only  # the shell's side, whatever the database
@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_itself_gets_a_name_as_one_word(people: Tx, tmp_path: Path) -> None:
    """Typer's own bash script, sourced in bash: the candidates land in COMPREPLY, a name
    with a space escaped so bash inserts it as one word."""
    script = tmp_path / "completion.bash"
    source = runner.invoke(app, [], env={"_FOLLOWUP_COMPLETE": "source_bash"}, prog_name="followup")
    script.write_text(source.stdout)
    command = Path(sys.executable).parent / "followup"
    run = (
        f'source {script}; COMP_WORDS=(followup contact show "Ann\\\\ L"); COMP_CWORD=3; '
        f'_followup_completion {command}; printf "%s\\n" "${{COMPREPLY[@]}}"'
    )
    result = subprocess.run(["bash", "--norc", "-c", run], capture_output=True, text=True)
    assert result.stdout == "Ann\\ Lee\n", result.stderr


def test_on_postgresql_completion_reads_in_a_read_only_session(people: Tx) -> None:
    """A team's server: the same candidates, and a session that cannot write."""
    from followup_cli.config import database_url, sqlite_path
    from followup_cli.store import peek

    url = database_url()
    if sqlite_path(url) is not None:
        pytest.skip("the PostgreSQL run checks this (FOLLOWUP_TEST_DATABASE_URL)")
    assert bash("followup contact show A") == ["Ann\\ Lee"]
    writes = [
        ("INSERT INTO contact (name, created_on) VALUES ('X', '2026-11-23') RETURNING id", {})
    ]
    assert peek._rows(url, writes) == []  # refused: read-only
    assert [name for _, name, *_ in peek.contacts(url, "X", "x")] == []
    unreachable = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    assert peek.contacts(unreachable, "A", "a") == []
