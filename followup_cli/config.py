"""Where things live and what "today" is.

Kept free of heavy imports: every command reads this module before it does anything else.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path
from typing import Any, NamedTuple

from followup_cli.errors import ConfigError, InvalidInput

APP_NAME = "followup"
ENV_HOME = "FOLLOWUP_HOME"
ENV_DB = "FOLLOWUP_DB"
ENV_TODAY = "FOLLOWUP_TODAY"
DB_FILENAME = "followup.db"


def app_dir() -> Path:
    """The per-user folder for the database, settings, rules and script.

    ``FOLLOWUP_HOME`` overrides it (tests point it at a temporary folder).
    """
    override = os.environ.get(ENV_HOME)
    if override:
        return Path(override).expanduser()
    from typer import get_app_dir

    return Path(get_app_dir(APP_NAME))


def database_url(option: str | None = None) -> str:
    """Resolve ``--db``, then ``FOLLOWUP_DB``, then the app folder, to a SQLAlchemy URL."""
    if option is not None and not option.strip():
        raise InvalidInput('--db "" names no database; give a file path or a URL, or leave it out.')
    value = option or os.environ.get(ENV_DB) or str(app_dir() / DB_FILENAME)
    return to_url(value)


def to_url(value: str) -> str:
    """A path becomes ``sqlite:///<absolute path>``; a URL is kept as it is."""
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().absolute())


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for another database or an in-memory one."""
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(prefix):
            rest = url[len(prefix) :].split("?", 1)[0]
            return None if rest in ("", ":memory:") else Path(rest)
    return None


def today() -> dt.date:
    """``FOLLOWUP_TODAY`` (YYYY-MM-DD) if set, else the local date."""
    value = os.environ.get(ENV_TODAY)
    if not value:
        return dt.date.today()
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        day = None
    if day is None or not 1900 <= day.year <= 2199:  # the dates every command can reach
        raise InvalidInput(
            f"{ENV_TODAY}={value!r} is not a date from 1900 to 2199; use YYYY-MM-DD, "
            f"e.g. {ENV_TODAY}=2026-11-23."
        )
    return day


def now() -> dt.datetime:
    """The current time in UTC, for the timestamps stored with rows (``created_at``)."""
    return dt.datetime.now(dt.UTC)


ENV_SECRET = "FOLLOWUP_SECRET_KEY"


def suppression_key() -> bytes:
    """This installation's secret for the hashes a forgotten person leaves behind.

    ``FOLLOWUP_SECRET_KEY`` (hex; a team sharing one PostgreSQL database sets the same on
    every machine), else ``secret.key`` in the app folder, created readable by the owner only
    on first use. It is kept outside the database, so a stolen database alone cannot be
    searched for a forgotten phone number or email.
    """
    text = os.environ.get(ENV_SECRET, "").strip()
    if text:
        try:
            key = bytes.fromhex(text)
        except ValueError:
            key = b""
        if len(key) < 16:
            raise ConfigError(f"{ENV_SECRET} must be at least 32 hex digits (16 bytes).")
        return key
    path = app_dir() / "secret.key"
    if path.is_file():
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    import secrets

    from followup_cli.files import write_private_text

    path.parent.mkdir(parents=True, exist_ok=True)
    write_private_text(path, secrets.token_hex(32) + "\n")
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


SMTP_SECURITY = ("starttls", "ssl", "none")
ENV_SMTP_PASSWORD = "FOLLOWUP_SMTP_PASSWORD"


class Smtp(NamedTuple):
    """Where `followup digest` sends mail (``[smtp]`` in settings.toml). The password is
    never here: it comes from FOLLOWUP_SMTP_PASSWORD or the system keyring."""

    host: str = ""
    port: int = 587
    security: str = "starttls"  # starttls, ssl (implicit TLS, port 465) or none
    user: str = ""
    sender: str = ""  # the From address ("from" in the file)
    to: str = ""  # the default recipient (default: the sender)
    cafile: str = ""  # a certificate to trust: a server with its own (self-signed) one


class Settings(NamedTuple):
    """The owner's settings (``settings.toml`` in the app folder)."""

    owner: str = "the owner"
    business: str = "our business"
    review_link: str = ""
    phone_region: str = "US"
    currency: str = "$"
    journal_days: int = 30
    hook_timeout: int = 10  # seconds a hook may run (hooks/ in the app folder)
    smtp: Smtp = Smtp()
    sentiment_positive: tuple[str, ...] = ()
    sentiment_neutral: tuple[str, ...] = ()
    sentiment_negative: tuple[str, ...] = ()
    path: Path | None = None


SETTING_KEYS: dict[str, str] = {
    "owner": "your name, used in the call script",
    "business": "the business name, used in the call script",
    "review_link": "where customers leave a review (sent when they agree)",
    "phone_region": "two-letter country code for phone numbers without +country (e.g. US, GB)",
    "currency": "symbol shown before amounts",
    "journal_days": "how many days `followup undo` can reach back (default 30)",
    "hook_timeout": "seconds an event hook may run before it is stopped (default 10)",
}


def settings_path() -> Path:
    return app_dir() / "settings.toml"


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings file; a missing file means the defaults."""
    path = path or settings_path()
    data = read_toml(path)
    if data is None:
        return Settings(path=path)
    unknown = set(data) - set(SETTING_KEYS) - {"sentiment", "smtp"}
    if unknown:
        raise ConfigError(
            f"{path}: unknown setting {sorted(unknown)[0]!r}; known: {', '.join(SETTING_KEYS)}."
        )
    values: dict[str, Any] = {}
    for key in SETTING_KEYS:
        if key in data:
            if not isinstance(data[key], str):
                raise ConfigError(f'{path}: {key} must be text in quotes, e.g. {key} = "...".')
            values[key] = data[key]
    if "journal_days" in values:
        values["journal_days"] = _days(values["journal_days"], str(path))
    if "hook_timeout" in values:
        values["hook_timeout"] = _seconds(values["hook_timeout"], str(path))
    values["smtp"] = _smtp(data.get("smtp", {}), str(path))
    region = values.get("phone_region")
    if region is not None:
        values["phone_region"] = validate_region(region, str(path))
    if values.get("review_link"):
        values["review_link"] = validate_link(values["review_link"], str(path))
    sentiment = data.get("sentiment", {})
    if not isinstance(sentiment, dict):
        raise ConfigError(f"{path}: [sentiment] must be a table of word lists.")
    for label in ("positive", "neutral", "negative"):
        words = sentiment.get(label, [])
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            raise ConfigError(
                f'{path}: sentiment.{label} must be a list of words, e.g. {label} = ["meh"].'
            )
        values[f"sentiment_{label}"] = tuple(w.strip().lower() for w in words)
    return Settings(path=path, **values)


def _days(text: str, where: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= 3650:
        raise ConfigError(
            f"{where}: journal_days must be a number of days from 1 to 3650, e.g. 30."
        )
    return int(text)


def _seconds(text: str, where: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= 3600:
        raise ConfigError(f"{where}: hook_timeout must be a number of seconds from 1 to 3600.")
    return int(text)


SMTP_KEYS = ("host", "port", "security", "user", "from", "to", "cafile")


def _smtp(data: Any, where: str) -> Smtp:
    """The ``[smtp]`` table: text values, a port number, a known security."""
    if not isinstance(data, dict):
        raise ConfigError(
            f'{where}: [smtp] must be a table, e.g. [smtp] host = "smtp.example.com".'
        )
    unknown = set(data) - set(SMTP_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown smtp setting {sorted(unknown)[0]!r}; known: {', '.join(SMTP_KEYS)}."
            + (
                " The password is never kept here: set FOLLOWUP_SMTP_PASSWORD."
                if "password" in unknown
                else ""
            )
        )
    port = data.get("port", 587)
    if isinstance(port, str) and port.strip().isdigit():
        port = int(port)
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise ConfigError(f"{where}: smtp.port must be a port number, e.g. port = 587.")
    text = {}
    for key in ("host", "security", "user", "from", "to", "cafile"):
        value = data.get(key, "")
        if not isinstance(value, str):
            raise ConfigError(f'{where}: smtp.{key} must be text in quotes, e.g. {key} = "...".')
        text[key] = value.strip()
    security = text["security"].lower() or "starttls"
    if security not in SMTP_SECURITY:
        raise ConfigError(f"{where}: smtp.security must be one of {', '.join(SMTP_SECURITY)}.")
    return Smtp(
        host=text["host"], port=port, security=security, user=text["user"],
        sender=text["from"], to=text["to"], cafile=text["cafile"],
    )  # fmt: skip


def validate_region(region: str, where: str = "phone_region", *, known: bool = False) -> str:
    """A two-letter country code; ``known`` also asks phonenumbers whether it has the
    country's numbering plan (``config set`` does; loading settings stays cheap, and a phone
    read in an unknown region says so by name)."""
    region = region.strip().upper()
    if len(region) != 2 or not region.isalpha():
        raise ConfigError(f"{where}: phone_region must be a two-letter country code like US or GB.")
    if known:
        import phonenumbers

        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ConfigError(
                f"{where}: phone_region {region!r} is not a country phone numbers are known for; "
                "use a code like US, GB, DE or AU."
            )
    return region


def validate_link(link: str, where: str = "review_link") -> str:
    """The review link is sent to customers: it must be a web address they can open."""
    from urllib.parse import urlsplit

    link = link.strip()
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in link:
        raise ConfigError(
            f"{where}: review_link must be a web address like https://g.page/r/your-business/review."
        )
    return link


def read_toml(path: Path) -> dict[str, Any] | None:
    """Parse a TOML file, or None if it does not exist; syntax errors name the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read {path}: {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to be a followup file.") from None


def set_setting(key: str, value: str, path: Path | None = None) -> Path:
    """Change one setting, keeping the file's comments and layout (tomlkit)."""
    import tomlkit

    if key not in SETTING_KEYS:
        raise InvalidInput(f"Unknown setting {key!r}; known: {', '.join(SETTING_KEYS)}.")
    if key == "phone_region":
        value = validate_region(value, known=True)
    elif key == "review_link" and value.strip():
        value = validate_link(value)
    elif key == "journal_days":
        value = str(_days(value, key))
    elif key == "hook_timeout":
        value = str(_seconds(value, key))
    path = path or settings_path()
    doc = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    doc[key] = value
    from followup_cli.files import write_private_text

    write_private_text(path, tomlkit.dumps(doc))
    return path
