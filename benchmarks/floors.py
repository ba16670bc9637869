"""Reference measurements ("floors") for ``bench.py``: what any engine must at least pay.

- ``A_decompress``: numcodecs Blosc decompressing (and compressing) A's chunks without file I/O,
  memcpy of A, and reading A's chunk files;
- ``B_files``: creating, writing and reading B's 4096 chunk files with plain ``os`` calls.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import engines as eng
import numpy as np
from harness import Case, check_equal, check_same, load_chunks, time_cases


def run_decompress(bench: Any) -> None:
    """Bare numcodecs Blosc decompression of A's chunks as zarrlite stored them."""
    import numcodecs
    import numcodecs.blosc

    zl = bench.engine("zarrlite")
    if zl is None:
        return
    ds = bench.dataset("A")
    ds.ensure(zl)
    coords, cdatas = load_chunks(ds.path(zl))
    codec = numcodecs.Blosc(cname=eng.CNAME, clevel=eng.CLEVEL, shuffle=eng.SHUFFLE)
    nbytes = int(np.prod(ds.chunks)) * ds.data.itemsize
    outs = np.empty((len(cdatas), nbytes), dtype=np.uint8)
    pool = ThreadPoolExecutor(eng.THREADS)

    def decode_one(i: int) -> None:  # worker thread: numcodecs uses a 1-thread context
        codec.decode(cdatas[i], out=outs[i])

    def blosc_threads(_c: Any) -> None:  # main thread: C-Blosc's global pool, 2 threads
        numcodecs.blosc.set_nthreads(eng.THREADS)
        for i, cdata in enumerate(cdatas):
            codec.decode(cdata, out=outs[i])

    def check(_c: Any, _out: Any) -> None:
        for (ci, cj), out in zip(coords, outs):
            block = ds.data[
                ci * ds.chunks[0] : (ci + 1) * ds.chunks[0],
                cj * ds.chunks[1] : (cj + 1) * ds.chunks[1],
            ]
            check_equal(out.view(ds.data.dtype).reshape(ds.chunks), block, "decompress")
        outs[...] = 0

    a = ds.data
    dst = np.empty_like(a)
    blocks = [
        np.ascontiguousarray(
            ds.data[
                ci * ds.chunks[0] : (ci + 1) * ds.chunks[0],
                cj * ds.chunks[1] : (cj + 1) * ds.chunks[1],
            ]
        )
        for ci, cj in coords
    ]

    def check_encoded(_c: Any, encoded: list[bytes]) -> None:
        for cdata, block in zip(encoded, blocks):
            check_equal(
                np.frombuffer(codec.decode(cdata), dtype=block.dtype).reshape(block.shape),
                block,
                "compress",
            )

    cases = {
        "decompress:threadpool": Case(
            run=lambda _c: list(pool.map(decode_one, range(len(cdatas)))), check=check
        ),
        "decompress:blosc-threads": Case(run=blosc_threads, check=check),
        "compress:threadpool": Case(
            run=lambda _c: list(pool.map(codec.encode, blocks)), check=check_encoded
        ),
        "memcpy": Case(
            run=lambda _c: np.copyto(dst, a), check=lambda _c, _o: check_equal(dst, a, "memcpy")
        ),
        "copy-to-new-array": Case(
            run=lambda _c: a.copy(), check=lambda _c, out: check_equal(out, a, "copy")
        ),
        "files:read": Case(
            run=lambda _c: load_chunks(ds.path(zl))[1],
            check=lambda _c, out: check_same(out, cdatas),
        ),
    }
    try:
        bench.record("A_decompress", time_cases(cases, bench.repeat))
    finally:
        pool.shutdown()


def run_files(bench: Any) -> None:
    """Floor for any directory store: write and read B's chunk files with plain os calls."""
    zl = bench.engine("zarrlite")
    if zl is None:
        return
    ds = bench.dataset("B")
    ds.ensure(zl)
    coords, cdatas = load_chunks(ds.path(zl))
    names = [f"{i}.{j}" for i, j in coords]
    target = os.path.join(bench.root, "B-files")
    pool = ThreadPoolExecutor(eng.THREADS)

    def fresh() -> str:
        shutil.rmtree(target, ignore_errors=True)
        os.makedirs(target)
        return target

    def write_one(k: int) -> None:
        fd = os.open(os.path.join(target, names[k]), os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        try:
            os.write(fd, cdatas[k])
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
        bench.record("B_files", time_cases(cases, bench.repeat))
    finally:
        pool.shutdown()
        shutil.rmtree(target, ignore_errors=True)
