"""Time zarrlite against zarr-python 3, tensorstore and h5py on the same data in one run.

Usage::

    zarrlite bench [--quick] [--only NAME[,NAME...]] [--engines NAME[,NAME...]] [--repeat N]
                   [--json FILE] [--tmpdir DIR]
    python -m zarrlite.bench ...        (the same)

Workloads (``--only`` takes these names, or a prefix such as ``A``):

    A_write       full write of A (8192x8192 float32, 1024x1024 chunks, 256 MiB)
    A_read        full read of A (plus zarrlite reading the store zarr-python wrote)
    A_decompress  reference: numcodecs Blosc decompressing A's stored chunks, no file I/O;
                  numcodecs compressing A's chunks; memcpy of A; reading A's chunk files
    B_write       full write of B (4096x4096 int32, 64x64 chunks: 4096 chunk files)
    B_read        full read of B
    B_files       reference: writing and reading B's 4096 chunk files with plain os calls
    C_open        open an existing array (metadata read + parse), per-call median
    window        64x64 window from a float32 array with 4096x4096 chunks
    column        one column z[:, 1234] of A
    points        10,000 random points of A (coordinate indexing)

Engines: ``zarrlite``, ``zarr`` (zarr-python 3 with numcodecs), ``tensorstore`` and ``h5py``
(with hdf5plugin's Blosc filter). By default every engine whose library is installed takes part
and the others are left out with one line saying so; an engine named in ``--engines`` that is
not installed is an error.

Every engine uses Blosc lz4, clevel 5, byte shuffle, real files in a temporary directory (deleted
at the end) and 2 threads where it has threads. Each measurement is timed with
``time.perf_counter`` after one warm-up round; the reported figure is the median of ``--repeat``
rounds, with the engines interleaved inside each round. Every result is compared with the source
data outside the timed region, and a wrong result makes the exit status 1. Reads come from the OS
page cache (no cache dropping). Ratios are peer time / zarrlite time: above 1 means zarrlite is
faster.

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
