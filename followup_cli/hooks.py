"""Event hooks: the owner's executables in the app folder's ``hooks/``, run after an event is
saved, each given the event as JSON on stdin.

This is I/O and stays out of the domain: a command commits, then asks ``run`` to start the
hook. A hook can never undo or hold up what was saved: it runs after the commit, with a
time limit, and whatever goes wrong (missing execute permission, a non-zero exit, a hang)
comes back as one line for stderr.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from contextlib import suppress
from pathlib import Path
from typing import Any, NamedTuple

from followup_cli import config

# Every event a command sends, and what sends it (docs/json.md has each one's keys).
EVENTS: dict[str, str] = {
    "on-sale": "a sale logged with `followup log sale`",
    "on-followup-done": "each follow-up marked done (`followup done`, or a finished call)",
    "on-call-finished": "a call finished (`followup call`)",
    "on-negative-answer": "each negative answer of a finished call",
    "on-import": "an import saved (`followup import`, not --dry-run)",
}
OUTPUT_SHOWN = 200  # characters of a failing hook's stderr quoted in its one line


def folder() -> Path:
    return config.app_dir() / "hooks"


class Hook(NamedTuple):
    """One file in ``hooks/``: which event it is for and whether it can run."""

    name: str
    path: Path
    known: bool  # named after an event followup sends
    executable: bool


def installed() -> list[Hook]:
    """The files in ``hooks/`` (editor backups and dot files are not hooks)."""
    try:
        files = sorted(p for p in folder().iterdir() if not p.name.startswith("."))
    except FileNotFoundError:
        return []
    return [
        Hook(p.name, p, p.name in EVENTS, p.is_file() and os.access(p, os.X_OK))
        for p in files
        if not p.name.endswith("~")
    ]


class Ran(NamedTuple):
    """What running a hook came to: ``problem`` is None when it succeeded."""

    name: str
    problem: str | None
    stdout: str = ""
    stderr: str = ""


def run(name: str, event: dict[str, Any], timeout: float) -> Ran | None:
    """Run the hook for ``name`` with ``event`` on stdin; None if no such hook is installed."""
    path = folder() / name
    if not path.exists():
        return None
    if not path.is_file() or not os.access(path, os.X_OK):
        return Ran(name, f"Hook {name} did not run: {path} is not executable (chmod +x it).")
    data = json.dumps(event, ensure_ascii=False).encode("utf-8")
    try:
        # Its own process group, so a timeout stops the hook's children too (a shell
        # script's curl), and a Ctrl-C meant for followup does not reach it.
        proc = subprocess.Popen(
            [str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=folder(), start_new_session=True,
        )  # fmt: skip
    except OSError as exc:  # a script without a #! line, a missing interpreter
        return Ran(name, f"Hook {name} did not run: {exc.strerror or exc}.")
    try:
        out, err = proc.communicate(data, timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(proc)
        return Ran(name, f"Hook {name} was stopped after {timeout:g} s (hook_timeout).")
    stdout, stderr = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    if proc.returncode != 0:
        said = " ".join(stderr.split())[:OUTPUT_SHOWN]
        why = f"exit status {proc.returncode}" if proc.returncode > 0 else "killed"
        return Ran(
            name, f"Hook {name} failed ({why})" + (f": {said}" if said else "."), stdout, stderr
        )
    return Ran(name, None, stdout, stderr)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
