"""Time zarrlite against its peers and the physical limits on the same data, in one run.

Usage::

    zarrlite bench [--quick] [--only NAME[,NAME...]] [--engines NAME[,NAME...]] [--repeat N]
                   [--jobs N] [--json FILE] [--tmpdir DIR] [--zarr2-python PYTHON]
    python -m zarrlite.bench ...        (the same)

Workloads (``--only`` takes these names, or a prefix such as ``A``):

    A_write        full write of A (8192x8192 float32, 1024x1024 chunks, 256 MiB)
    A_read         full read of A (plus zarrlite reading the store zarr-python wrote)
    A_limits       limits: bare C-Blosc2 / C-Blosc 1 decompression and C-Blosc 1 compression
                   of A's chunks, memcpy of A, reading A's chunk files
    C_open         open an existing array (metadata read + parse), per call
    column, band   z[:, 1234] and z[1000:1016, :] of W (A's values in 4096x4096 chunks)
    window         64x64 window of a 4096x4096 chunk of W
    window_b2nd    the same of T (W in two-level chunks where the engine has them)
    points         10,000 random points of A (coordinate indexing)
    points_sparse  100 random points of T
    sliding        a 256x256 window slid along a chunk row of A, chunk cache on and off
    scalar         d[i, j] in one corner of S (256x256 chunks), cache on/off against h5py
    B_write        full write of B (4096x4096 int32, 64x64 chunks: 4096 chunk files)
    B_read         full read of B
    B_files        limits: creating and reading B's 4096 chunk files with plain os calls

Engines: ``zarrlite``, ``zarr`` (zarr-python 3 with numcodecs), ``tensorstore``, ``h5py``
(with hdf5plugin's Blosc filter), ``blosc2`` (python-blosc2's NDArray) and ``zarr2``
(zarr-python 2, in the interpreter given by ``--zarr2-python``). By default every engine whose
library is installed takes part and the others are left out with one line saying so; an
engine named in ``--engines`` that is not installed is an error.

Every engine uses Blosc lz4, clevel 5, byte shuffle, real files in a temporary directory
(deleted at the end) and 2 threads where it has threads. Each cell (a workload timed by one
engine, or one limit case) runs in a fresh process: one warm-up round, then ``--repeat``
timed rounds; the report gives the median and the spread, the peak memory, ratios to each
peer and to the limits, and marks each target PASS or MISS. Every result is compared with
the source data outside the timed region, and a wrong result makes the exit status 1. Reads
come from the OS page cache. Ratios are peer time / zarrlite time: above 1 means zarrlite is
faster. ``benchmarks/README.md`` in the source tree has the details.

This package is imported to build the ``zarrlite`` command's parser, so importing it loads no
peer library and none of the modules that do the work: `run` imports them.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from zarrlite.bench.options import add_arguments

__all__ = ["add_arguments", "main", "run"]


def run(args: argparse.Namespace) -> int:
    """Run the benchmark, print its report and return an exit status.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed by a parser that `add_arguments` set up.

    Returns
    -------
    int
        0 when every result matched the data written, 1 when one was wrong or raised, 2 for
        options the user can fix (reported as one line on stderr).
    """
    from zarrlite.bench.runner import run as run_bench

    return run_bench(args)


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line: ``zarrlite bench: error: ...``, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def main(argv: list[str] | None = None) -> int:
    """``python -m zarrlite.bench``: parse `argv` (default ``sys.argv[1:]``) and `run`.

    Returns
    -------
    int
        The exit status (see `run`); 2 for a usage error, 0 after ``--help``, 130 when
        interrupted.
    """
    summary = (__doc__ or "").split("\n")[0]
    parser = _Parser(prog="zarrlite bench", description=summary)
    add_arguments(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help and usage errors
        return exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    try:
        return run(args)
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted", file=sys.stderr)
        return 130
