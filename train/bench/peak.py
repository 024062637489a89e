"""Wall time, CPU time and peak memory of one command, measured apart from the process that starts it.

Linux counts the address space a child was forked from into the child's peak (exec records
the old space's high-water mark), so a child of a process that holds a model would report
the parent's peak. A small launcher starts the command and reports the peak of that command
(and the children it waited for) alone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

LAUNCHER = """import os, sys
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as report:
    report.write(f"{usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}")
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


@dataclass
class Measured:
    returncode: int
    stdout: str
    stderr: str
    seconds: float  # wall clock
    peak_mb: float
    cpu_seconds: float = float("nan")  # user + system time of the command and the children it waited for


def run_measured(command: list[str], stdin: str | None = None, timeout: float | None = None,
                 cwd: Path | None = None, env: dict | None = None) -> Measured:
    """Run `command` (its first item an executable path) with text stdin/stdout/stderr."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        process = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(peak_file), *map(str, command)],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   cwd=cwd, env=env, start_new_session=True)
        try:
            out, err = process.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the launcher and the command it runs
            process.communicate()
            raise
        peak, cpu = float("nan"), float("nan")
        if peak_file.is_file():
            maxrss, cpu_text = peak_file.read_text().split()
            peak, cpu = int(maxrss) / 1024, float(cpu_text)
    return Measured(process.returncode, out, err, time.perf_counter() - start, peak, cpu)
