"""The benchmark's timing loop and result checks, now `zarrlite.bench.harness`.

Kept so that the scripts here that ``import harness`` (``h5py_calls.py``) go on working.
"""

from zarrlite.bench.harness import (
    Case,
    Dataset,
    Result,
    Wrong,
    check_equal,
    check_same,
    load_chunks,
    time_cases,
)

__all__ = [
    "Case",
    "Dataset",
    "Result",
    "Wrong",
    "check_equal",
    "check_same",
    "load_chunks",
    "time_cases",
]
