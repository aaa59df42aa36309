"""The morning digest, sent through a real SMTP server on loopback (aiosmtpd), with and
without STARTTLS; its dry run and JSON; and `today --notify`."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import os
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from followup_cli.calls import record_answer, start_call
from followup_cli.cli import app
from followup_cli.followups import log_interaction, schedule
from followup_cli.scheduling import RuleSet
from followup_cli.script import load_script
from followup_cli.store import Tx
from tests.helpers import make_contact

aiosmtpd = pytest.importorskip("aiosmtpd.controller")
runner = CliRunner()
PASSWORD = "s3cret-pa55"


@dataclass
class Mailbox:
    """What the test's SMTP server received, and the logins it was given."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.raw.append(envelope.original_content)
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _authenticator(box: Mailbox) -> Any:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        if isinstance(data, LoginPassword):
            box.logins.append((data.login.decode(), data.password.decode()))
            return AuthResult(success=data.password.decode() == PASSWORD, handled=False)
        return AuthResult(success=False, handled=False)

    return check


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command makes the test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def _serve(box: Mailbox, **options: Any) -> Iterator[Mailbox]:
    controller = aiosmtpd.Controller(box, hostname="127.0.0.1", port=box.port, **options)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def plain_server() -> Iterator[Mailbox]:
    yield from _serve(Mailbox(_free_port()))


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[Mailbox]:
    """A server that takes mail and logins only after STARTTLS."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    box = Mailbox(_free_port())
    yield from _serve(
        box, tls_context=context, require_starttls=True, authenticator=_authenticator(box),
    )  # fmt: skip


@pytest.fixture
def ssl_server(certificate: tuple[Path, Path]) -> Iterator[Mailbox]:
    """A server spoken to in TLS from the first byte (port 465's way)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    yield from _serve(Mailbox(_free_port()), ssl_context=context)


def settings_file(home: Path, **smtp: object) -> None:
    lines = ["[smtp]", *(f"{key} = {json.dumps(value)}" for key, value in smtp.items())]
    (home / "settings.toml").write_text("\n".join(lines) + "\n")


def run(*args: str, **env: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env=env or None)


@pytest.fixture
def busy_day(tx: Tx, today: dt.date, rules: RuleSet) -> None:
    """Zoë's thank-you call is due today, Ann's email three working days overdue, and Zoë
    answered a call negatively yesterday."""
    make_contact(tx, "Zoë Øberg", email="zoe@example.com", phone="555-010-0102")
    make_contact(tx, "Ann Lee", email="ann@example.com", prefers="email")
    now = dt.datetime(2026, 11, 19, 9, tzinfo=dt.UTC)
    log_interaction(
        tx, "Zoë", "sale", on=dt.date(2026, 11, 19), today=today, now=now, rules=rules,
        amount_cents=12900,
    )  # fmt: skip
    schedule(tx, "Ann Lee", dt.date(2026, 11, 18), today=dt.date(2026, 11, 17), channel="email")
    script = load_script()
    call = start_call(tx, 1, today=today, now=dt.datetime.now(dt.UTC), script_name="thank-you")
    steps = {step.key: step for step in script.steps}
    for key, answer, label in (("reach", "reached", None), ("liked_best", "The wait & the mess <b>", "negative")):  # fmt: skip
        record_answer(
            tx, call.id, steps[key], answer, question="What did you like best?", today=today,
            now=dt.datetime.now(dt.UTC), rules=rules, label=label,
        )  # fmt: skip


def test_the_digest_is_a_plain_text_and_html_email(
    busy_day: None, plain_server: Mailbox, isolated_home: Path
) -> None:
    settings_file(
        isolated_home, host="127.0.0.1", port=plain_server.port, security="none",
        **{"from": "shop@example.com"},
    )  # fmt: skip
    result = run("digest", "--to", "owner@example.com")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "Sent the digest to owner@example.com: Follow-ups for Mon 2026-11-23: 2 due, 1 overdue.\n"
    )
    (message,) = plain_server.messages
    assert plain_server.recipients == [["owner@example.com"]]
    assert message["From"] == "shop@example.com" and message["To"] == "owner@example.com"
    assert message["Subject"] == "Follow-ups for Mon 2026-11-23: 2 due, 1 overdue"
    assert message.get_content_type() == "multipart/alternative"
    text_part, html_part = message.iter_parts()
    assert text_part.get_content_type() == "text/plain"
    assert html_part.get_content_type() == "text/html"
    assert plain_server.raw[0].isascii()  # 7-bit on the wire: quoted-printable UTF-8
    assert text_part.get_content_charset() == "utf-8"
    body = text_part.get_content().replace("\r\n", "\n")  # CRLF on the wire
    assert (
        "Calls (1)\n  #1 Zoë Øberg, 555-010-0102: Thank-you call for sale on Nov 19, $129.00\n"
        in body
    )
    assert (
        "Emails (1)\n  #3 Ann Lee, ann@example.com: Follow-up email (3 working days overdue)"
        in body
    )
    assert "Overdue: 1 (marked in each list above)" in body
    assert 'negative: Zoë Øberg (call #1): "The wait & the mess <b>"' in body
    page = html_part.get_content()
    # each due item links to its draft: the number to dial, the email written out
    assert "<b>Zoë Øberg</b>" in page and '<a href="tel:+15550100102">555-010-0102</a>' in page
    assert (
        '<a href="mailto:ann@example.com?subject=How%20are%20things%2C%20Ann%3F&amp;body=Hi' in page
    )
    assert "The wait &amp; the mess &lt;b&gt;" in page  # customer text is never markup


def test_starttls_with_a_login_from_the_environment(
    busy_day: None, tls_server: Mailbox, isolated_home: Path, certificate: tuple[Path, Path]
) -> None:
    settings_file(
        isolated_home, host="127.0.0.1", port=tls_server.port, security="starttls",
        user="shop", cafile=str(certificate[0]), to="owner@example.com",
        **{"from": "shop@example.com"},
    )  # fmt: skip
    result = run("digest", FOLLOWUP_SMTP_PASSWORD=PASSWORD)
    assert result.exit_code == 0, result.stderr
    assert tls_server.logins == [("shop", PASSWORD)]
    assert len(tls_server.messages) == 1
    assert PASSWORD not in result.output + result.stderr


def test_implicit_tls(
    busy_day: None, ssl_server: Mailbox, isolated_home: Path, certificate: tuple[Path, Path]
) -> None:
    settings_file(
        isolated_home, host="127.0.0.1", port=ssl_server.port, security="ssl",
        cafile=str(certificate[0]), **{"from": "shop@example.com"},
    )  # fmt: skip
    assert run("digest").exit_code == 0
    assert [m["To"] for m in ssl_server.messages] == ["shop@example.com"]  # from, by default


def test_an_untrusted_certificate_is_refused(
    busy_day: None, tls_server: Mailbox, isolated_home: Path
) -> None:
    settings_file(
        isolated_home, host="127.0.0.1", port=tls_server.port, **{"from": "shop@example.com"}
    )
    result = run("digest")
    assert result.exit_code == 1
    assert "CERTIFICATE_VERIFY_FAILED" in result.stderr and result.stderr.count("\n") == 1
    assert tls_server.messages == []


def test_a_refused_login_is_one_line_without_the_password(
    busy_day: None, tls_server: Mailbox, isolated_home: Path, certificate: tuple[Path, Path]
) -> None:
    settings_file(
        isolated_home, host="127.0.0.1", port=tls_server.port, user="shop",
        cafile=str(certificate[0]), **{"from": "shop@example.com"},
    )  # fmt: skip
    result = run("digest", FOLLOWUP_SMTP_PASSWORD="wrong-guess")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: 127.0.0.1:{tls_server.port} refused the login of 'shop' (535); check the user "
        "and the password in FOLLOWUP_SMTP_PASSWORD or the keyring.\n"
    )
    assert tls_server.messages == []


def test_starttls_asked_of_a_server_without_it(
    busy_day: None, plain_server: Mailbox, isolated_home: Path
) -> None:
    settings_file(
        isolated_home, host="127.0.0.1", port=plain_server.port, **{"from": "shop@example.com"}
    )
    result = run("digest")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"Error: 127.0.0.1:{plain_server.port} does not offer STARTTLS; set security"
    )
    assert result.stderr.count("\n") == 1 and plain_server.messages == []


def test_a_user_without_a_password_is_told_where_to_put_it(
    busy_day: None, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FOLLOWUP_SMTP_PASSWORD", raising=False)
    settings_file(isolated_home, host="127.0.0.1", user="shop", **{"from": "shop@example.com"})
    result = run("digest")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "Error: No password for the SMTP user 'shop': set FOLLOWUP_SMTP_PASSWORD, or store it"
    )


def test_a_password_in_the_settings_file_is_refused(isolated_home: Path) -> None:
    settings_file(isolated_home, host="127.0.0.1", password=PASSWORD)
    result = run("digest", "--dry-run")
    assert result.exit_code == 2
    assert "The password is never kept here: set FOLLOWUP_SMTP_PASSWORD." in result.stderr
    assert PASSWORD not in result.stderr


def test_no_mail_server_is_one_line(isolated_home: Path) -> None:
    result = run("digest")
    assert (result.exit_code, result.stderr.count("\n")) == (2, 1)
    assert result.stderr.startswith("Error: No mail server set: add an [smtp] table")


def test_a_digest_with_nothing_due_says_so(plain_server: Mailbox, isolated_home: Path) -> None:
    settings_file(
        isolated_home, host="127.0.0.1", port=plain_server.port, security="none",
        **{"from": "shop@example.com"},
    )  # fmt: skip
    assert run("digest").exit_code == 0
    (message,) = plain_server.messages
    assert message["Subject"] == "Follow-ups for Mon 2026-11-23: nothing due"
    text_part, html_part = message.iter_parts()
    assert (
        text_part.get_content()
        .replace("\r\n", "\n")
        .startswith("Nothing is due today, and nothing needs your attention.\n")
    )
    assert (
        "<p>Nothing is due today, and nothing needs your attention.</p>" in html_part.get_content()
    )


def test_the_dry_run_prints_the_email_and_sends_nothing(
    busy_day: None, plain_server: Mailbox, isolated_home: Path
) -> None:
    settings_file(
        isolated_home, host="127.0.0.1", port=plain_server.port, security="none",
        **{"from": "shop@example.com"},
    )  # fmt: skip
    result = run("digest", "--dry-run", "--to", "owner@example.com", "--days", "7")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "From: shop@example.com",
        "To: owner@example.com",
        "Subject: Follow-ups for Mon 2026-11-23: 2 due, 1 overdue",
        "",
    ]
    assert "Coming in the next 7 days (1)" in lines
    assert lines[-1] == "Dry run: nothing was sent."
    assert plain_server.messages == []
    assert not (isolated_home / "digest-state.json").exists()


def test_answers_are_listed_once_and_imports_since_yesterday(
    busy_day: None, plain_server: Mailbox, isolated_home: Path, tmp_path: Path
) -> None:
    settings_file(
        isolated_home, host="127.0.0.1", port=plain_server.port, security="none",
        **{"from": "shop@example.com"},
    )  # fmt: skip
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,date,name,email,amount\n7,2026-11-22,Cy Ode,cy@example.com,10\n")
    assert run("import", str(orders)).exit_code == 0
    first = json.loads(run("digest", "--json").stdout)
    assert [(a["contact"], a["label"]) for a in first["attention"]] == [("Zoë Øberg", "negative")]
    (imported,) = first["imports"]
    assert (imported["sales"], imported["new_contacts"]) == (1, 1)
    assert imported["followups"] >= 1
    assert run("digest").exit_code == 0
    assert json.loads(run("digest", "--json").stdout)["attention"] == []  # told once
    assert "Answers that need attention" not in run("digest", "--dry-run").stdout
    assert run("undo", "--yes").exit_code == 0  # the import taken back: no longer reported
    assert json.loads(run("digest", "--json").stdout)["imports"] == []


def fake_notify_send(folder: Path, code: int = 0) -> Path:
    folder.mkdir()
    log = folder / "calls.txt"
    tool = folder / "notify-send"
    tool.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$@" > "{log}"\necho "no session" >&2\nexit {code}\n'
    )
    tool.chmod(0o700)
    return log


@pytest.mark.skipif(os.uname().sysname == "Darwin", reason="macOS uses osascript")
def test_today_notify_raises_a_desktop_notification(
    busy_day: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = fake_notify_send(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    result = run("today", "--notify")
    assert result.exit_code == 0 and result.stderr == ""
    assert log.read_text().splitlines() == [
        "--app-name=followup",
        "followup: 2 due today, 1 overdue",
        "Calls 1, Emails 1. Run `followup today`.",
    ]
    assert "2 follow-ups for Mon 2026-11-23" in result.stdout
    log.unlink()
    result = run("today", "--notify", "--json")
    assert [item["id"] for item in json.loads(result.stdout)] == [3, 1]
    assert log.read_text().splitlines()[1] == "followup: 2 due today, 1 overdue"


@pytest.mark.skipif(os.uname().sysname == "Darwin", reason="macOS uses osascript")
def test_today_notify_says_why_not(
    busy_day: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = run("today", "--notify")
    assert result.exit_code == 0
    assert result.stderr == (
        "No desktop notification: notify-send was not found (install libnotify-bin, or "
        "libnotify).\n"
    )
    fake_notify_send(tmp_path / "bin", code=1)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    result = run("today", "--notify")
    assert result.stderr == "No desktop notification: notify-send failed: no session.\n"


@pytest.mark.parametrize(
    ("smtp", "message"),
    [
        ('security = "tls"', "smtp.security must be one of starttls, ssl, none."),
        ("port = 99999", "smtp.port must be a port number, e.g. port = 587."),
        ("host = 25", 'smtp.host must be text in quotes, e.g. host = "...".'),
        ('hots = "x"', "unknown smtp setting 'hots'; known: host, port, security, user, from"),
    ],
)
def test_a_bad_smtp_setting_is_one_line(isolated_home: Path, smtp: str, message: str) -> None:
    (isolated_home / "settings.toml").write_text(f"[smtp]\n{smtp}\n")
    result = run("digest", "--dry-run")
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_hook_timeout_is_a_setting(isolated_home: Path) -> None:
    assert run("config", "set", "hook_timeout", "30").exit_code == 0
    assert 'hook_timeout = "30"' in (isolated_home / "settings.toml").read_text()
    result = run("config", "set", "hook_timeout", "0")
    assert result.exit_code == 2
    assert "hook_timeout must be a number of seconds from 1 to 3600" in result.stderr
