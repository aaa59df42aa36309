"""`followup notes`: the printable page of the day's handwritten notes, checked in a real
headless Chromium, and the CSV for a mail merge."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from typer.testing import CliRunner

from followup_cli.cli import app
from followup_cli.config import set_setting
from followup_cli.followups import log_interaction
from followup_cli.scheduling import RuleSet
from followup_cli.store import Tx
from tests.helpers import make_contact

runner = CliRunner()
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
NOTE_DAY = "2026-11-26"  # a sale on Thursday 19th: its note is due a week later
HOSTILE = '<script>alert("x")</script> & Co'
LONG_ADDRESS = "Flat 12\nThe Old Mill\n1 Long Road\nSpringfield\nSP1 2AB\nUnited Kingdom"


@pytest.fixture
def notes(tx: Tx, rules: RuleSet) -> int:
    """Four notes due on NOTE_DAY, one to a name that looks like markup, and a contact with no
    address (who gets no note)."""
    set_setting("owner", "Sam")
    set_setting("business", "Sam's Bikes & Co")
    people = [
        ("Ann Lee", "1 Main St\nSpringfield", "touring bike"),
        (HOSTILE, "2 Elm St\nSpringfield", '=HYPERLINK("http://x")'),
        ("Zoë Øberg", LONG_ADDRESS, "helmet, lights, a very long list of items " * 4),
        ("Bob Ray", "4 Oak Ave", None),
    ]
    for number, (name, address, items) in enumerate(people, 1):
        make_contact(tx, name, phone=f"555-010-010{number}", address=address)
        log_interaction(
            tx, str(number), "sale", on=dt.date(2026, 11, 19), today=dt.date(2026, 11, 19),
            now=NOW, rules=rules, amount_cents=4500,
        )  # fmt: skip
        if items:
            tx.execute(
                "UPDATE interaction SET items = :items WHERE contact_id = :c",
                {"items": items, "c": number},
            )
    make_contact(tx, "No Address", phone="555-010-0199", address=None)
    return len(people)


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def test_notes_page_has_a_card_per_note_with_everything_escaped(notes: int, tmp_path: Path) -> None:
    out = tmp_path / "notes.html"
    result = run("notes", "--on", NOTE_DAY, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"Wrote 4 notes to {out}.\n"
    page = out.read_text(encoding="utf-8")
    assert page.count('<section class="card"') == notes
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in page
    assert "Sam&#x27;s Bikes &amp; Co" in page
    assert "Dear Ann," in page and "1 Main St\nSpringfield" in page
    assert "Bought: touring bike, Nov 19, 2026" in page
    assert "Bought: a purchase on Nov 19, 2026" in page  # Bob: nothing itemised
    assert "@page" in page and "break-inside: avoid" in page
    assert "No Address" not in page
    assert out.stat().st_mode & 0o077 == 0


def test_no_notes_is_a_page_that_says_so(tx: Tx) -> None:
    result = run("notes")
    assert result.exit_code == 0 and "No handwritten notes due." in result.stdout


def test_notes_csv_for_a_mail_merge_is_formula_safe(notes: int) -> None:
    result = run("notes", "--on", NOTE_DAY, "--csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == notes
    assert rows[0]["name"] == "Ann Lee" and rows[0]["address"] == "1 Main St\nSpringfield"
    assert rows[0]["note"].startswith("Dear Ann,")
    assert rows[1]["bought"].startswith("'=HYPERLINK")


def test_notes_on_a_bad_day_is_one_line() -> None:
    result = run("notes", "--on", "someday")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1


# --------------------------------------------------------------------------------------------
# In a real browser
# --------------------------------------------------------------------------------------------

# The printable height of a page with the sheet's 15 mm margins, in CSS pixels (96 per inch),
# for the smaller of the two: Letter (279.4 mm) beside A4 (297 mm).
PRINTABLE_PX = (279.4 - 30) / 25.4 * 96
# Appended to a copy of the page: measures every card and writes the heights into the DOM,
# which --dump-dom then prints.
MEASURE = """
<script>
const cards = [...document.querySelectorAll("section.card")].map(c => ({
  id: c.dataset.followup, height: c.getBoundingClientRect().height,
  name: c.querySelector("h2").textContent}));
const out = document.createElement("pre");
out.id = "measured";
out.textContent = JSON.stringify(cards);
document.body.appendChild(out);
</script>
"""


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("no Chromium on this machine (Debian: apt-get install chromium)")
    return found


def _headless(browser: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-dev-shm-usage", "--window-size=794,1123", *args]  # fmt: skip
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"Chromium could not start here: {exc}")
    if result.returncode != 0:
        pytest.skip(f"Chromium could not start here: {result.stderr.strip()[-300:]}")
    return result


@pytest.mark.slow
def test_every_card_is_on_the_page_and_prints_within_one_page(notes: int, tmp_path: Path) -> None:
    browser = _chromium()
    page = tmp_path / "notes.html"
    assert run("notes", "--on", NOTE_DAY, "-o", str(page)).exit_code == 0
    html = page.read_text(encoding="utf-8")
    measured_page = tmp_path / "measured.html"
    measured_page.write_text(html.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    dom = _headless(browser, "--dump-dom", measured_page.as_uri()).stdout
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S)
    assert found is not None, dom[-500:]
    cards = json.loads(unescape(found.group(1)))
    # the markup-like name is the heading's text, not an element: it was never read as HTML
    assert [c["name"] for c in cards] == ["Ann Lee", HOSTILE, "Zoë Øberg", "Bob Ray"]
    for card in cards:
        assert 0 < card["height"] <= PRINTABLE_PX, card
    pdf = tmp_path / "notes.pdf"
    _headless(browser, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    data = pdf.read_bytes()
    pages = [int(n) for n in re.findall(rb"/Count (\d+)", data)]
    assert data.startswith(b"%PDF") and pages
    # Cards never split: the whole sheet takes at most one page per card.
    assert 1 <= max(pages) <= notes
