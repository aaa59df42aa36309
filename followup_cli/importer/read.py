"""Reading an import file: where it comes from (a path or stdin), its records, and the
options that say how to read it."""

from __future__ import annotations

import codecs
import csv
import itertools
import json
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, NamedTuple

from followup_cli.errors import ConfigError, ImportFailed
from followup_cli.values import is_text

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class ImportOptions:
    format: str | None = None  # csv or jsonl; None = from the file name (csv by default)
    preset: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False
    rejects: Path | None = None
    encoding: str = "auto"
    dayfirst: bool = False
    decimal_comma: bool = False
    source: str | None = None
    region: str = "US"
    history: bool = False  # record the sales as history: no follow-ups at all
    catch_up: bool = False  # schedule follow-ups past their useful life too (due today)
    # The installation's secret, asked for only when somebody has been forgotten (their
    # hashed email or phone skips their sales).
    secret: Callable[[], bytes] = field(default=lambda: _no_secret())


def _no_secret() -> bytes:
    raise ConfigError("This import was given no secret key to recognise forgotten people.")


# (bytes read, total bytes); called with (total, total) once the file is read, before the write.
ProgressCallback = Callable[[int, int], None]


@dataclass
class Input:
    label: str  # how messages name the file
    path: Path | None  # None for stdin
    binary: IO[bytes]
    size: int


def open_input(file: str) -> Input:
    source = _open(file)
    try:
        refuse_workbook(source)
    except ImportFailed:
        source.binary.close()
        raise
    return source


def _open(file: str) -> Input:
    if file == "-":
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - stdin may be read twice (encoding)
        shutil.copyfileobj(sys.stdin.buffer, spool)
        size = spool.tell()
        spool.seek(0)
        return Input("<stdin>", None, spool, size)
    path = Path(file).expanduser()
    if path.is_dir():
        raise ImportFailed(f"{path} is a folder; give the CSV file to import.")
    if path.exists() and not path.is_file():  # /dev/zero would be read for ever
        raise ImportFailed(f"{path} is not a regular file; save the export as a file first.")
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise ImportFailed(f"No file {path}.") from None
    except OSError as exc:
        raise ImportFailed(f"Cannot read {path}: {exc.strerror}.") from None
    return Input(str(path), path, handle, path.stat().st_size)


# The first bytes of a spreadsheet workbook: .xlsx and .ods are zip files, .xls an OLE file.
WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def refuse_workbook(source: Input) -> None:
    """A workbook read as CSV is a screen of garbage columns: say what it is instead."""
    start = source.binary.read(8)
    source.binary.seek(0)
    if start.startswith(WORKBOOK_MAGIC):
        raise ImportFailed(
            f"{source.label} is a spreadsheet workbook (Excel or similar), not a CSV file: "
            "open it and save it as CSV (in Excel: File > Save As > CSV UTF-8), then import "
            "that file. Nothing was imported."
        )


def bad_line(binary: IO[bytes], encoding: str) -> int:
    """The first line of the file that does not decode (the decoder reads ahead in chunks)."""
    binary.seek(0)
    decoder = codecs.getincrementaldecoder(encoding)()
    for number, raw in enumerate(binary, start=1):
        try:
            decoder.decode(raw)
        except UnicodeError:
            return number
    return 0


# A quote left open swallows every later line into one field; csv reads on to the end of the
# file without a word. No real export has a cell this long or a record this tall.
MAX_RECORD_LINES = 20
MAX_CELL_CHARS = 10_000


class Unreadable(NamedTuple):
    """A record that cannot be read as one (a line of JSON Lines that is not an object): a
    rejected row, like a CSV row with a bad date, not the end of the import."""

    reason: str
    text: str


def _json_object(line: str) -> dict[str, object] | str:
    """The object on one line of JSON Lines, or why there is none."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"not JSON ({exc.msg})"
    except RecursionError:
        return "not JSON (nested too deeply)"
    except ValueError:  # an integer of thousands of digits
        return "not JSON (a number too long)"
    if not isinstance(obj, dict):
        return "not a JSON object"
    if _ESCAPED_SURROGATE.search(line) and not is_text(obj):
        return "not text (a lone \\u surrogate escape)"
    return obj


# "\ud800" alone decodes to a character no file or database can store.
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def _json_records(text: IO[str], label: str) -> Iterator[tuple[int, list[str] | Unreadable]]:
    """Two passes over a JSON Lines file: the keys of every line make the header (a key that
    first appears on line 500 is a column too), then each line is read by its own keys."""
    header: dict[str, None] = {}
    objects = 0
    for line in text:
        obj = _json_object(line) if line.strip() else ""
        if isinstance(obj, dict):
            header.update(dict.fromkeys(obj))
            objects += 1
    if not objects:
        text.seek(0)
        first = next((n for n, line in enumerate(text, start=1) if line.strip()), 1)
        raise ImportFailed(
            f"{label}, line {first}: no line is a JSON object; is this a CSV file? "
            "Try --format csv."
        )
    text.seek(0)
    yield 1, list(header)
    for number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        obj = _json_object(line)
        if isinstance(obj, str):
            yield number, Unreadable(obj, line.rstrip("\r\n"))
        else:
            yield number, ["" if obj.get(k) is None else str(obj.get(k)) for k in header]


def _delimiter(first_line: str) -> str:
    """A till export saved with ``;`` (Excel in much of Europe) or tabs: the header says so."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def records(text: IO[str], fmt: str, label: str) -> Iterator[tuple[int, list[str] | Unreadable]]:
    """(line, cells) for each record; the header first (as cells), blank records skipped."""
    if fmt == "jsonl":
        yield from _json_records(text, label)
        return
    first_line = text.readline()
    reader = csv.reader(itertools.chain([first_line], text), delimiter=_delimiter(first_line))
    last = 0
    try:
        for cells in reader:
            start, last = last + 1, reader.line_num
            if last - start >= MAX_RECORD_LINES or any(len(c) > MAX_CELL_CHARS for c in cells):
                raise ImportFailed(
                    f"{label}, line {start}: a quoted field opened on this line runs on for "
                    f"{last - start + 1} lines (to line {last}); check for a missing closing "
                    'quote, e.g. "Dee, the 5. Nothing was imported.'
                )
            if not cells or (not cells[0].strip() and not any(c.strip() for c in cells)):
                continue
            yield start, cells
    except csv.Error as exc:
        raise ImportFailed(
            f"{label}, line {reader.line_num}: not a readable CSV file ({exc}). "
            "Check that it is a CSV export (not a spreadsheet file), or try --encoding cp1252."
        ) from None
