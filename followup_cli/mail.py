"""Sending an email through the owner's SMTP server (``[smtp]`` in settings.toml).

The password is never stored by followup: it comes from ``FOLLOWUP_SMTP_PASSWORD``, else
from the system keyring when the optional ``keyring`` package is installed (service
"followup", the SMTP user name). It is never printed: errors quote the server, not it.
"""

from __future__ import annotations

import importlib
import os
import smtplib
import ssl
from typing import TYPE_CHECKING

from followup_cli.config import ENV_SMTP_PASSWORD, Smtp
from followup_cli.errors import ConfigError, FollowupError

if TYPE_CHECKING:
    from email.message import EmailMessage

TIMEOUT_S = 30
KEYRING_SERVICE = "followup"


class MailError(FollowupError):
    """The server could not be reached, refused the login or the message."""


def password(smtp: Smtp) -> str | None:
    """The SMTP password: the environment first, then the keyring; None without a user."""
    if not smtp.user:
        return None
    given = os.environ.get(ENV_SMTP_PASSWORD)
    if given:
        return given
    try:  # optional: the system keyring, where the keyring package is installed
        keyring = importlib.import_module("keyring")
        stored = keyring.get_password(KEYRING_SERVICE, smtp.user)
    except Exception:  # not installed, or no keyring backend here: as if nothing were stored
        stored = None
    if stored:
        return str(stored)
    raise ConfigError(
        f"No password for the SMTP user {smtp.user!r}: set {ENV_SMTP_PASSWORD}, or store it "
        f"in the system keyring (`keyring set {KEYRING_SERVICE} {smtp.user}`, with the "
        "keyring package installed)."
    )


def _tls(smtp: Smtp) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if smtp.cafile:
        try:
            context.load_verify_locations(cafile=os.path.expanduser(smtp.cafile))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"smtp.cafile {smtp.cafile!r} cannot be read: {exc}.") from None
    return context


def send(message: EmailMessage, smtp: Smtp, secret: str | None) -> None:
    """Send ``message`` as ``smtp`` says: STARTTLS (the default), implicit TLS, or none."""
    where = f"{smtp.host}:{smtp.port}"
    try:
        if smtp.security == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=TIMEOUT_S, context=_tls(smtp)
            )
        else:
            server = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT_S)
        with server:
            if smtp.security == "starttls":
                server.starttls(context=_tls(smtp))
            if smtp.user and secret is not None:
                server.login(smtp.user, secret)
            server.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(
            f"{where} refused the login of {smtp.user!r} ({exc.smtp_code}); check the user and "
            f"the password in {ENV_SMTP_PASSWORD} or the keyring."
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise MailError(
            f'{where} does not offer STARTTLS; set security = "ssl" (usually port 465) '
            'or, on a trusted network only, security = "none".'
        ) from None
    except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise MailError(f"Cannot send through {where}: {reason}.") from None
