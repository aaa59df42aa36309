"""A desktop notification: ``notify-send`` (Linux and BSD desktops) or ``osascript`` (macOS).

Where neither can show one (a server, a cron job without a desktop session), ``show`` says
why instead, in one line.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

TIMEOUT_S = 10


def show(title: str, body: str) -> str | None:
    """Show a notification; None once shown, else why it could not be."""
    if sys.platform == "darwin":
        tool, args = "osascript", [
            "-e", "on run argv",
            "-e", "display notification (item 2 of argv) with title (item 1 of argv)",
            "-e", "end run",
            title, body,
        ]  # fmt: skip
        missing = "osascript was not found"
    else:
        tool, args = "notify-send", ["--app-name=followup", title, body]
        missing = "notify-send was not found (install libnotify-bin, or libnotify)"
    path = shutil.which(tool)
    if path is None:
        return missing
    try:  # the text goes as arguments, never through a shell or a script's source
        done = subprocess.run(
            [path, *args], capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        return f"{tool} did not answer within {TIMEOUT_S} s"
    except OSError as exc:
        return f"{tool} did not run: {exc.strerror or exc}"
    if done.returncode != 0:
        said = " ".join(done.stderr.split())[:200] or f"exit status {done.returncode}"
        return f"{tool} failed: {said}"
    return None
