"""Running a child process and measuring it: wall time and peak memory, nothing else.

Wall time is ``time.perf_counter`` around spawn-to-reap; peak memory is the child's own
``ru_maxrss`` as ``os.wait4`` returns it (kilobytes on Linux).

The child is spawned by a tiny launcher (``python -S``), not by the runner: Linux carries a
process's peak RSS across ``fork`` + ``exec``, so a child forked straight from the runner (which
holds the synthetic data for a moment) would report the runner's peak instead of its own. The
launcher times and reaps the command itself, so its own start-up is not in the figures.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

LAUNCHER = """
import os, sys, time
figures, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.posix_spawnp(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
with open(figures, "w") as fh:
    fh.write(f"{seconds!r} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_kb: int
    returncode: int


class CommandFailed(RuntimeError):
    pass


def run(
    argv: Sequence[str],
    env: dict[str, str],
    *,
    stdout: Path | None = None,
    cwd: Path | None = None,
    check: bool = True,
) -> Run:
    """Run ``argv`` once; its stdout goes to ``stdout`` (or nowhere), stderr is kept for errors."""
    out = stdout.open("wb") if stdout is not None else subprocess.DEVNULL
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    err_path = tmp / f"bench-stderr-{os.getpid()}.txt"
    figures = tmp / f"bench-figures-{os.getpid()}.txt"
    with err_path.open("wb") as err:
        try:
            subprocess.run(
                [sys.executable, "-S", "-c", LAUNCHER, str(figures), *argv],
                env=env,
                stdout=out,
                stderr=err,
                cwd=cwd,
                check=True,
            )
        finally:
            if stdout is not None:
                out.close()  # type: ignore[union-attr]
    seconds, peak_kb, code = figures.read_text().split()
    result = Run(float(seconds), int(peak_kb), int(code))
    if check and result.returncode != 0:
        message = err_path.read_text(errors="replace").strip()[-2000:]
        raise CommandFailed(f"{' '.join(argv)} exited {result.returncode}: {message}")
    return result


@dataclass
class Series:
    """The runs of one benchmark."""

    name: str
    runs: list[Run] = field(default_factory=list)

    @property
    def seconds(self) -> list[float]:
        return [r.seconds for r in self.runs]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def spread(self) -> tuple[float, float]:
        return min(self.seconds), max(self.seconds)

    @property
    def peak_mb(self) -> float:
        return max(r.peak_kb for r in self.runs) / 1024


def interleaved(
    cases: dict[str, Callable[[int], Run]], runs: int, warmup: int = 1
) -> dict[str, Series]:
    """Run every case ``runs`` times, round-robin, after ``warmup`` discarded rounds.

    Round-robin puts each case through the same machine weather (other processes, CPU clock,
    page cache), so their ratios mean something even on a busy machine.
    """
    series = {name: Series(name) for name in cases}
    for round_no in range(warmup + runs):
        for name, case in cases.items():
            result = case(round_no)
            if round_no >= warmup:
                series[name].runs.append(result)
    return series
