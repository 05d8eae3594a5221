"""CPU time of processes, read from /proc (Linux), and the machine's load.

Only what the benchmark needs: utime + stime of one process in milliseconds, so the CPU a
process spent during a measured window is the difference of two readings.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def cpu_ms(pid: int) -> float:
    """User + system CPU time of ``pid`` so far, in milliseconds (its threads included)."""
    return cpu_ms_of(Path(f"/proc/{pid}/stat"))


def loadavg() -> str:
    """The first three fields of /proc/loadavg (1, 5 and 15 minutes)."""
    return " ".join(Path("/proc/loadavg").read_text(encoding="ascii").split()[:3])


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def machine_busy_ms() -> float:
    """CPU time all cores spent busy since boot (not idle, not waiting for I/O), in ms.

    The difference over a window, minus the CPU of the benchmark's own processes, is what
    something else on the machine used: a measure of disturbance.
    """
    fields = Path("/proc/stat").read_text(encoding="ascii").splitlines()[0].split()[1:]
    values = [int(v) for v in fields[:8]]  # user nice system idle iowait irq softirq steal
    busy = sum(values) - values[3] - values[4]
    return busy * 1000.0 / TICKS_PER_SECOND


def py_spy() -> str:
    """py-spy's path: next to this interpreter (the venv) or on the PATH."""
    venv_bin = Path(sys.executable).parent
    found = shutil.which("py-spy", path=str(venv_bin)) or shutil.which("py-spy")
    if found is None:
        raise RuntimeError("--profile needs py-spy: .venv/bin/pip install py-spy")
    return found


def start_profiler(pid: int, output: Path) -> subprocess.Popen[bytes]:
    """Sample ``pid`` with py-spy (pip install py-spy) until :func:`stop_profiler`.

    Writes collapsed stacks (``output``.txt, for flame graphs or grep) without pausing the
    process. Only the thread holding the GIL is sampled, so the samples show where Python
    code spends CPU (SQLite's own work runs without the GIL: see the thread breakdown).
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(  # noqa: S603 (a tool we located ourselves)
        [py_spy(), "record", "--pid", str(pid), "--format", "raw", "--rate", "250",
         "--nonblocking", "--gil", "--output", f"{output}.txt"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def stop_profiler(profiler: subprocess.Popen[bytes]) -> None:
    profiler.send_signal(signal.SIGINT)  # py-spy writes its output when interrupted
    try:
        profiler.wait(30)
    except subprocess.TimeoutExpired:
        profiler.kill()
        profiler.wait()


def thread_cpu_ms(pid: int) -> dict[int, float]:
    """CPU time of each thread of ``pid`` so far, in milliseconds, by thread id."""
    spent = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            spent[int(task.name)] = cpu_ms_of(task / "stat")
        except FileNotFoundError:  # the thread ended meanwhile
            continue
    return spent


def cpu_ms_of(stat_file: Path) -> float:
    stat = stat_file.read_text(encoding="ascii")
    # The command name (field 2) may contain spaces; the fields after it are fixed.
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / TICKS_PER_SECOND
