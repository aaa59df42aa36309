"""Running a child process and measuring it: wall time and peak memory, nothing else.

Wall time is ``time.perf_counter`` around spawn-to-reap; peak memory is the child's own
``ru_maxrss`` as ``os.wait4`` returns it (kilobytes on Linux), so no wrapper process is
counted and no earlier child pollutes the figure.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


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
    err_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-stderr-{os.getpid()}.txt"
    with err_path.open("wb") as err:
        try:
            start = time.perf_counter()
            child = subprocess.Popen(argv, env=env, stdout=out, stderr=err, cwd=cwd)
            _, status, usage = os.wait4(child.pid, 0)
            seconds = time.perf_counter() - start
        finally:
            if stdout is not None:
                out.close()  # type: ignore[union-attr]
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, tell Popen
    result = Run(seconds, usage.ru_maxrss, child.returncode)
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
