"""Files the owner's data goes into: created readable by the owner only (0600), and the text
cells of the spreadsheets among them (exports, the import's rejects) formula-safe."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import IO

PRIVATE_MODE = 0o600


def create_private(path: Path, *, exclusive: bool = False) -> None:
    """Create ``path`` (and its folder) with mode 0600 if it does not exist yet; ``exclusive``
    refuses an existing file or symlink (FileExistsError) instead of opening it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    flags = os.O_CREAT | os.O_WRONLY | (os.O_EXCL | os.O_NOFOLLOW if exclusive else 0)
    fd = os.open(path, flags, PRIVATE_MODE)
    os.close(fd)
    os.chmod(path, PRIVATE_MODE)


def open_private(path: Path, mode: str = "w", **kwargs: object) -> IO[str]:
    """Open a file for writing, truncating it, with mode 0600 whatever the umask."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, PRIVATE_MODE)
    os.chmod(path, PRIVATE_MODE)
    return os.fdopen(fd, mode, **kwargs)  # type: ignore[call-overload,no-any-return]


def write_private_text(path: Path, text: str) -> None:
    with open_private(path, "w", encoding="utf-8") as fh:
        fh.write(text)


# A cell a spreadsheet would run as a formula (or split into a new row): it starts with one of
# = + - @ tab CR LF, or their full-width look-alikes, maybe behind zero-width or BOM
# characters that hide them (OWASP "CSV Injection").
_FORMULA = re.compile("^[\u200b\u200c\u200d\u2060\ufeff]*[=+\\-@\t\r\n\uff1d\uff0b\uff0d\uff20]")


def formula_safe(value: str | None) -> str | None:
    """Prefix a text cell that a spreadsheet would run as a formula with a single quote."""
    if value and _FORMULA.match(value):
        return "'" + value
    return value
