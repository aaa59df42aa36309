"""The project's exception types.

Domain code raises these; one place in the CLI turns them into a message on stderr and an
exit code, so every user error looks the same and no traceback reaches the user.
"""

from __future__ import annotations


class ExitCode:
    """Documented exit codes (README "Exit codes")."""

    OK = 0
    ERROR = 1  # the database or the environment is unusable
    USAGE = 2  # a bad option or value (Typer uses 2 for usage errors too)
    NOT_FOUND = 3  # an unknown id, or a contact reference that matches no one / several
    CONFLICT = 4  # the request contradicts the data (duplicate contact, already done, opted out)
    IMPORT_REJECTS = 5  # an import finished, but some rows were rejected
    IMPORT_FAILED = 6  # an import could not run at all; nothing was written
    INTERRUPTED = 130  # Ctrl-C or end of input during an interactive command
    INTERNAL = 70  # a bug: please report it


class FollowupError(Exception):
    """Base class for every error the user can cause or fix."""

    exit_code: int = ExitCode.ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(FollowupError):
    """A value the user typed (a date, an amount, an option) cannot be used."""

    exit_code = ExitCode.USAGE


class NotFound(FollowupError):
    """An id or reference that matches nothing."""

    exit_code = ExitCode.NOT_FOUND


class AmbiguousReference(NotFound):
    """A name that matches several contacts; the message lists them."""


class Conflict(FollowupError):
    """The request contradicts what the database holds."""

    exit_code = ExitCode.CONFLICT


class DatabaseError(FollowupError):
    """The database cannot be opened, read or written."""

    exit_code = ExitCode.ERROR


class ConfigError(FollowupError):
    """A settings, rules or script file is invalid."""

    exit_code = ExitCode.USAGE


class ImportFailed(FollowupError):
    """A file that cannot be imported at all; nothing was written."""

    exit_code = ExitCode.IMPORT_FAILED


class Interrupted(FollowupError):
    """The user stopped an interactive command; what was entered so far is saved."""

    exit_code = ExitCode.INTERRUPTED
