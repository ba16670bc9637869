"""Reference measurements ("floors"): what any engine must at least pay.

- ``A_decompress``: numcodecs Blosc decompressing (and compressing) A's chunks without file I/O,
  memcpy of A, and reading A's chunk files;
- ``B_files``: creating, writing and reading B's chunk files with plain ``os`` calls.

Both start from the chunk files zarrlite wrote; ``A_decompress`` needs numcodecs.
"""

from __future__ import annotations

import importlib
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from zarrlite.bench.engines import CLEVEL, CNAME, SHUFFLE, THREADS, Engine
from zarrlite.bench.harness import (
    Case,
    Dataset,
    Result,
    check_equal,
    check_same,
    load_chunks,
    time_cases,
)


def _chunk_of(ds: Dataset, coords: tuple[int, ...]) -> np.ndarray:
    ci, cj = coords
    rows, cols = ds.chunks
    return ds.data[ci * rows : (ci + 1) * rows, cj * cols : (cj + 1) * cols]


def _codec_cases(ds: Dataset, zl: Engine, pool: ThreadPoolExecutor) -> dict[str, Case]:
    """numcodecs decoding A's chunks (thread pool; Blosc's own threads) and encoding them."""
    numcodecs = importlib.import_module("numcodecs")
    blosc = importlib.import_module("numcodecs.blosc")
    coords, cdatas = load_chunks(ds.path(zl))
    codec = numcodecs.Blosc(cname=CNAME, clevel=CLEVEL, shuffle=SHUFFLE)
    nbytes = int(np.prod(ds.chunks)) * ds.data.itemsize
    outs = np.empty((len(cdatas), nbytes), dtype=np.uint8)
    blocks = [np.ascontiguousarray(_chunk_of(ds, c)) for c in coords]

    def decode_one(i: int) -> None:  # worker thread: numcodecs uses a 1-thread context
        codec.decode(cdatas[i], out=outs[i])

    def blosc_threads(_c: Any) -> None:  # main thread: C-Blosc's global pool, 2 threads
        blosc.set_nthreads(THREADS)
        for i, cdata in enumerate(cdatas):
            codec.decode(cdata, out=outs[i])

    def check(_c: Any, _out: Any) -> None:
        for c, out in zip(coords, outs):
            check_equal(out.view(ds.data.dtype).reshape(ds.chunks), _chunk_of(ds, c), "decompress")
        outs[...] = 0

    def check_encoded(_c: Any, encoded: list[bytes]) -> None:
        for cdata, block in zip(encoded, blocks):
            decoded = np.frombuffer(codec.decode(cdata), dtype=block.dtype)
            check_equal(decoded.reshape(block.shape), block, "compress")

    return {
        "decompress:threadpool": Case(
            run=lambda _c: list(pool.map(decode_one, range(len(cdatas)))), check=check
        ),
        "decompress:blosc-threads": Case(run=blosc_threads, check=check),
        "compress:threadpool": Case(
            run=lambda _c: list(pool.map(codec.encode, blocks)), check=check_encoded
        ),
    }


def decompress(ds: Dataset, zl: Engine, repeat: int) -> dict[str, Result]:
    """Bare numcodecs Blosc (de)compression of A's chunks as zarrlite stored them, memcpy of A
    and reading A's chunk files.

    Parameters
    ----------
    ds : Dataset
        A, written by `zl` here unless it is already.
    zl : Engine
        The zarrlite engine.
    repeat : int
        Timed rounds.

    Returns
    -------
    dict of str to Result

    Raises
    ------
    ImportError
        If numcodecs is not installed.
    """
    ds.ensure(zl)
    a = ds.data
    dst = np.empty_like(a)
    cdatas = load_chunks(ds.path(zl))[1]
    pool = ThreadPoolExecutor(THREADS)
    try:
        cases = _codec_cases(ds, zl, pool)
        cases["memcpy"] = Case(
            run=lambda _c: np.copyto(dst, a), check=lambda _c, _o: check_equal(dst, a, "memcpy")
        )
        cases["copy-to-new-array"] = Case(
            run=lambda _c: a.copy(), check=lambda _c, out: check_equal(out, a, "copy")
        )
        cases["files:read"] = Case(
            run=lambda _c: load_chunks(ds.path(zl))[1],
            check=lambda _c, out: check_same(out, cdatas),
        )
        return time_cases(cases, repeat)
    finally:
        pool.shutdown()


def files(ds: Dataset, zl: Engine, repeat: int, root: str) -> dict[str, Result]:
    """Floor for any directory store: write and read B's chunk files with plain os calls.

    Parameters
    ----------
    ds : Dataset
        B, written by `zl` here unless it is already.
    zl : Engine
        The zarrlite engine, whose chunk files are copied.
    repeat : int
        Timed rounds.
    root : str
        Where to make the scratch directory (removed at the end).

    Returns
    -------
    dict of str to Result
    """
    ds.ensure(zl)
    coords, cdatas = load_chunks(ds.path(zl))
    names = [f"{i}.{j}" for i, j in coords]
    target = os.path.join(root, "B-files")
    pool = ThreadPoolExecutor(THREADS)

    def fresh() -> str:
        shutil.rmtree(target, ignore_errors=True)
        os.makedirs(target)
        return target

    def write_one(k: int) -> int:
        fd = os.open(os.path.join(target, names[k]), os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        try:
            return os.write(fd, cdatas[k])
        finally:
            os.close(fd)

    def check_files(_c: Any, _out: Any) -> None:
        check_same(load_chunks(target)[1], cdatas)

    cases = {
        "files:write-1-thread": Case(
            prepare=fresh,
            check=check_files,
            run=lambda _c: [write_one(k) for k in range(len(names))],
        ),
        "files:write-2-threads": Case(
            prepare=fresh,
            check=check_files,
            run=lambda _c: list(pool.map(write_one, range(len(names)))),
        ),
        "files:read-1-thread": Case(
            run=lambda _c: load_chunks(ds.path(zl))[1],
            check=lambda _c, out: check_same(out, cdatas),
        ),
    }
    try:
        return time_cases(cases, repeat)
    finally:
        pool.shutdown()
        shutil.rmtree(target, ignore_errors=True)
