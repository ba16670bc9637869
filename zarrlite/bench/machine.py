"""What the benchmark ran on: CPU, versions, the zarrlite commit and how busy the machine was."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import zarrlite

#: (wall s, busy CPU s of the whole machine, CPU s of this process), from `cpu_sample`.
CpuSample = tuple[float, float, float]


def source_commit() -> str:
    """``git describe --always --dirty`` of the clone zarrlite is imported from.

    Returns
    -------
    str
        Empty when zarrlite is an installed package rather than a clone's working tree (or git
        is missing).
    """
    root = Path(zarrlite.__file__).resolve().parent.parent
    if not (root / ".git").exists() or not (root / "pyproject.toml").is_file():
        return ""
    try:
        return subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def cpu_name() -> str:
    """The CPU's model name (from ``/proc/cpuinfo`` where there is one)."""
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            return next(
                (ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu
            )
    except OSError:
        return cpu


def machine_info(bench: Any) -> dict[str, Any]:
    """The machine section of the results document.

    Parameters
    ----------
    bench : object
        Has ``engines`` (each with ``found_versions`` or ``versions()``) and ``info``, a
        dict that may hold ``loadavg_start`` and ``cpu_start`` (a `cpu_sample` taken at
        the start).

    Returns
    -------
    dict
    """
    versions = {"python": sys.version.split()[0], "numpy": np.__version__}
    for e in bench.engines:
        versions.update(e.found_versions if e.found_versions is not None else e.versions())
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "platform": platform.platform(),
        "cpu": cpu_name(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": affinity,
        "versions": versions,
        "zarrlite_commit": source_commit(),
        "loadavg_start": bench.info.get("loadavg_start"),
        "loadavg_end": loadavg(),
        "other_cores_busy": other_cores(bench.info.get("cpu_start"), cpu_sample()),
    }


def loadavg() -> list[float] | None:
    """The 1, 5 and 15 minute load averages, where the system has them."""
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


def cpu_sample() -> CpuSample | None:
    """(wall s, busy CPU s of the whole machine, CPU s of this process and of the cell
    processes it has waited for) for `other_cores`."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    busy = sum(fields[:8]) - fields[3] - fields[4]  # all but idle and iowait
    own = os.times()
    own_cpu = own.user + own.system + own.children_user + own.children_system
    return time.perf_counter(), busy / os.sysconf("SC_CLK_TCK"), own_cpu


def other_cores(start: CpuSample | None, end: CpuSample | None) -> float | None:
    """Average number of CPUs that other processes (and the kernel) kept busy in between.

    Examples
    --------
    >>> other_cores((0.0, 10.0, 1.0), (2.0, 13.0, 2.0))
    1.0
    """
    if not start or not end or end[0] <= start[0]:
        return None
    return max(0.0, ((end[1] - start[1]) - (end[2] - start[2])) / (end[0] - start[0]))
