"""The plain agenda screen: aligned, complete, coloured only on a colour terminal."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from followup_cli.agenda import AgendaItem
from followup_cli.render.plain import agenda

MON = dt.date(2026, 11, 23)


def item(
    fid: int, channel: str, overdue: int, purpose: str = "Thank-you call", priority: int = 0
) -> AgendaItem:
    return AgendaItem(
        id=fid, contact_id=1, contact="Ann Lee", due=MON - dt.timedelta(days=overdue), channel=channel,
        purpose=purpose, priority=priority, attempts=0, phone="555-010-0101", email="ann@example.com",
        address="12 High St\nSpringfield", days_overdue=overdue, note=None,
    )  # fmt: skip


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_groups_align_and_nothing_is_cut() -> None:
    long = "Thank-you call for sale on Nov 19, $129.00 " + "x" * 150
    out = io.StringIO()
    agenda(
        [item(1, "phone", 2, long, priority=1), item(12, "email", 0), item(3, "mail", 0)],
        MON,
        None,
        out,
    )
    lines = out.getvalue().splitlines()
    assert lines[0] == "3 follow-ups for Mon 2026-11-23, 1 overdue"
    assert [line for line in lines if line and not line.startswith(" ")][1:] == [
        "Calls",
        "Emails",
        "Notes to write",
    ]
    assert f"! {long}" in out.getvalue()
    assert lines[4].endswith("2 working days overdue") and "\x1b[" not in out.getvalue()
    email_header, email_row = lines[7], lines[8]
    assert email_header.index("Why") == email_row.index("Thank-you")
    assert "ann@example.com" in email_row
    assert lines[-1].split()[1:6] == ["Ann", "Lee", "12", "High", "St,"]  # a note: the address
    assert "12 High St, Springfield" in lines[-1]


def test_colour_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    out = Tty()
    agenda([item(1, "phone", 2)], MON, None, out)
    assert "\x1b[31m2 working days overdue\x1b[0m" in out.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    plain = Tty()
    agenda([item(1, "phone", 2)], MON, None, plain)
    assert "\x1b[" not in plain.getvalue()


def test_empty_states() -> None:
    out = io.StringIO()
    agenda([], MON, dt.date(2026, 11, 25), out)
    assert out.getvalue() == (
        "Nothing due today (Mon 2026-11-23). The next follow-up is due Wed 2026-11-25; "
        "see `followup upcoming`.\n"
    )
    out = io.StringIO()
    agenda([], MON, None, out)
    assert out.getvalue() == (
        "Nothing due today (Mon 2026-11-23). Add a customer with `followup contact add NAME`, "
        "then log a sale with `followup log sale NAME`, or import today's sales with "
        "`followup import FILE`.\n"
    )
