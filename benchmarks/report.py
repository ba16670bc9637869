"""The benchmark's results document and machine figures, now in `zarrlite.bench`.

Kept so that the scripts here that ``import report`` (``h5py_calls.py``) go on working.
"""

from zarrlite.bench.machine import cpu_sample, loadavg, machine_info, other_cores
from zarrlite.bench.options import LABELS, PEERS
from zarrlite.bench.render import render
from zarrlite.bench.report import build, failures, fmt_time, targets

__all__ = [
    "LABELS",
    "PEERS",
    "build",
    "cpu_sample",
    "failures",
    "fmt_time",
    "loadavg",
    "machine_info",
    "other_cores",
    "render",
    "targets",
]
