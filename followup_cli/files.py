"""Files the owner's data goes into: created readable by the owner only (0600), and the text
cells of the spreadsheets among them (exports, the import's rejects) formula-safe."""

from __future__ import annotations

import errno
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

PRIVATE_MODE = 0o600


def create_private(path: Path, *, exclusive: bool = False) -> None:
    """Create ``path`` (and its folder) with mode 0600 if it does not exist yet; ``exclusive``
    refuses an existing file or symlink (FileExistsError) instead of opening it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    flags = os.O_CREAT | os.O_WRONLY | (os.O_EXCL | os.O_NOFOLLOW if exclusive else 0)
    fd = os.open(path, flags, PRIVATE_MODE)
    os.close(fd)
    os.chmod(path, PRIVATE_MODE)


@contextmanager
def open_private(path: Path, mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Write a whole file, readable by the owner only (0600) whatever the umask.

    The data goes to a temporary file in the same folder, renamed over ``path`` only once it
    is complete: a failed or interrupted write leaves the old file as it was and no half file.
    A symbolic link at ``path`` is refused, never written through: a link planted where an
    export or a rejects file goes would otherwise get its target overwritten.
    """
    if path.is_symlink():
        raise OSError(
            errno.ELOOP,
            "it is a symbolic link; followup never writes through one (remove it, or choose "
            "another path)",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        os.chmod(temporary, PRIVATE_MODE)
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


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
